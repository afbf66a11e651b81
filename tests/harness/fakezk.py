"""A TCP server that answers four-letter words the way we tell it to.

Only for faults a real ZooKeeper cannot produce on demand: silence, dripping
bytes, garbage, a reset mid-reply, a reply of megabytes.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, bytes, threading.Event], None]


def replies(text: str | bytes) -> Behaviour:
    payload = text.encode() if isinstance(text, str) else text

    def behave(conn: socket.socket, _word: bytes, _stop: threading.Event) -> None:
        conn.sendall(payload)

    return behave


def answers(by_word: dict[str, str]) -> Behaviour:
    """Reply per four-letter word, like a server with a whitelist."""

    def behave(conn: socket.socket, word: bytes, _stop: threading.Event) -> None:
        conn.sendall(by_word[word.decode()].encode())

    return behave


def silent(_conn: socket.socket, _word: bytes, stop: threading.Event) -> None:
    stop.wait(30)


def drips(conn: socket.socket, _word: bytes, stop: threading.Event) -> None:
    while not stop.wait(0.05):
        conn.sendall(b"z")


def resets_mid_reply(conn: socket.socket, _word: bytes, _stop: threading.Event) -> None:
    conn.sendall(b"zk_version\t3.8.0\nzk_server_st")
    # Linger 0 makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class _Handler(socketserver.BaseRequestHandler):
    server: _FakeServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        word = b""
        try:
            while len(word) < 4 and (chunk := conn.recv(4 - len(word))):
                word += chunk
            self.server.words.append(word)
            self.server.behaviour(conn, word, self.server.stop)
        except OSError:
            pass  # the client gave up first, as a probe with a deadline should


class _FakeServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], behaviour: Behaviour, family: int) -> None:
        self.address_family = family
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.words: list[bytes] = []
        super().__init__(address, _Handler)


@contextmanager
def fake_zookeeper(behaviour: Behaviour, host: str = "127.0.0.1") -> Iterator[_FakeServer]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = _FakeServer((host, 0), behaviour, family)
    # A short poll interval: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def port_of(server: socketserver.BaseServer) -> int:
    return int(server.server_address[1])


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True
