"""A stand-in for ZooKeeper 3.9's AdminServer: `srvr` and a streamed `snapshot`, on loopback.

The host's ZooKeeper (3.8) has no snapshot command, so the process tier
cannot take a backup from a real server; the container tier does, against
the image's 3.9. This answers as that command does (the snapshot's bytes,
its zxid in `last_zxid`, its length in `snapshot_size`), and can also
answer as a failing one: a body cut short, a refusal, no headers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeAdmin:
    snapshot: bytes
    zxid: int
    state: str = "follower"
    version: str = "3.9.6-0123abcd, built on 2026-01-01 00:00 UTC"
    send_bytes: int | None = None  # cut the body here, then close
    announced_size: int | None = None  # in snapshot_size, instead of the snapshot's
    hold: threading.Event | None = None  # with send_bytes: wait for this before closing
    status: int = 200
    snapshot_headers: bool = True
    chunked: bool = False  # else a Content-Length
    port: int = 0
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Authorization)


def _handler(fake: FakeAdmin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            fake.requests.append((self.path, self.headers.get("Authorization")))
            if self.path == "/commands/srvr":
                body = json.dumps(
                    {"version": fake.version, "server_stats": {"server_state": fake.state}}
                ).encode()
                self._answer(200, {"Content-Length": str(len(body))}, body)
            elif self.path == "/commands/snapshot?streaming=true":
                self._snapshot()
            else:
                self._answer(404, {"Content-Length": "0"}, b"")

        def _snapshot(self) -> None:
            if fake.status != 200:
                body = json.dumps({"error": "refused by the fake"}).encode()
                self._answer(fake.status, {"Content-Length": str(len(body))}, body)
                return
            headers = {"Content-Type": "application/octet-stream", "Connection": "close"}
            if fake.snapshot_headers:
                headers |= {
                    "last_zxid": f"{fake.zxid:#x}",
                    "snapshot_size": str(
                        len(fake.snapshot) if fake.announced_size is None else fake.announced_size
                    ),
                }
            body = fake.snapshot[: fake.send_bytes]
            if fake.chunked:
                headers["Transfer-Encoding"] = "chunked"
                self._answer(200, headers, b"")
                for start in range(0, len(body), 1000):
                    piece = body[start : start + 1000]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                if fake.send_bytes is None:
                    self.wfile.write(b"0\r\n\r\n")
            else:
                headers["Content-Length"] = str(len(fake.snapshot))
                self._answer(200, headers, body)
            if fake.hold is not None:
                self.wfile.flush()
                fake.hold.wait()
            self.close_connection = True

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def fake_admin(fake: FakeAdmin, host: str = "127.0.0.1", port: int = 0) -> Iterator[FakeAdmin]:
    """Serve `fake` on a loopback address (on a free port unless given; set in
    fake.port) until the block ends."""
    server = ThreadingHTTPServer((host, port), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
