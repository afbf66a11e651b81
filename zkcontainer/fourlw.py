"""A four-letter-word client on raw sockets: bounded in time, read to EOF, failures named.

This module sits on the probe path, which Kubernetes runs every few seconds in
every pod: it imports only C modules (`_socket`, `time`) and nothing that
pulls in `socket`, `enum`, `re` or `typing`.
"""

from __future__ import annotations

import _socket
import errno
import time

from zkcontainer.errors import ProbeError

DEFAULT_MAX_REPLY = 4 * 1024 * 1024  # mntr is a few KiB; anything near this is not ZooKeeper

_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN, errno.ECONNABORTED})

NOT_SERVING = "This ZooKeeper instance is not currently serving requests"
NOT_WHITELISTED_SUFFIX = "is not executed because it is not in the whitelist."


def send_word(
    word: str,
    host: str = "127.0.0.1",
    port: int = 2181,
    timeout: float = 1.0,
    max_reply: int = DEFAULT_MAX_REPLY,
) -> str:
    """Send `word`, half-close, read the reply to EOF within `timeout` seconds overall.

    ZooKeeper closes the connection after replying, so EOF marks the end of
    the reply; a single recv would truncate a large mntr.
    """
    deadline = time.monotonic() + timeout
    where = address_label(host, port)
    # An ASCII host goes in as bytes: given str, _socket encodes it with the
    # idna codec, whose import (re, stringprep, unicodedata) costs more than the probe.
    lookup: str | bytes = host.encode("ascii") if host.isascii() else host
    try:
        family, socktype, proto, _, address = _socket.getaddrinfo(
            lookup, port, 0, _socket.SOCK_STREAM
        )[0]
    except _socket.gaierror as error:
        raise ProbeError("unreachable", f"{where}: cannot resolve {host}: {error}") from error
    sock = _socket.socket(family, socktype, proto)
    try:
        reply = _exchange(sock, address, word, deadline=deadline, max_reply=max_reply, where=where)
    finally:
        sock.close()
    text = reply.decode("utf-8", "replace")
    _raise_for_refusal(word, text, where)
    return text


def address_label(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _exchange(
    sock: _socket.socket,
    address: tuple[object, ...],
    word: str,
    *,
    deadline: float,
    max_reply: int,
    where: str,
) -> bytes:
    phase = "connecting"
    chunks: list[bytes] = []
    received = 0
    try:
        sock.settimeout(_remaining(deadline))
        sock.connect(address)
        phase = f"sending {word}"
        sock.settimeout(_remaining(deadline))
        sock.sendall(word.encode("ascii"))
        sock.shutdown(_socket.SHUT_WR)
        phase = f"waiting for the reply to {word}"
        while True:
            sock.settimeout(_remaining(deadline))
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            received += len(chunk)
            if received > max_reply:
                raise ProbeError("too large", f"{where}: reply to {word} exceeds {max_reply} bytes")
            chunks.append(chunk)
    except TimeoutError as error:
        raise ProbeError("timed out", f"{where}: {phase}") from error
    except ConnectionRefusedError as error:
        raise ProbeError("refused", f"{where}: nothing listens there") from error
    except OSError as error:
        # A peer that resets early shows as EPIPE or ENOTCONN while we still send.
        if error.errno in _RESET_ERRNOS:
            raise ProbeError("reset", f"{where}: connection reset while {phase}") from error
        raise ProbeError("unreachable", f"{where}: {phase}: {error.strerror or error}") from error


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _raise_for_refusal(word: str, reply: str, where: str) -> None:
    """ZooKeeper's two polite refusals become named failures."""
    if reply.rstrip().endswith(NOT_WHITELISTED_SUFFIX):
        raise ProbeError(
            "not whitelisted",
            f"{where}: {word} is not in 4lw.commands.whitelist "
            "(start-zookeeper --four_letter_words)",
        )
    if reply.strip() == NOT_SERVING:
        raise ProbeError("not serving", f"{where}: {NOT_SERVING}")


def parse_lines(reply: str) -> dict[str, str]:
    """mntr's `key<TAB>value` lines as a dict (srvr's `Key: value` lines too)."""
    values: dict[str, str] = {}
    for line in reply.splitlines():
        key, tab, value = line.partition("\t")
        if not tab:
            key, colon, value = line.partition(": ")
            if not colon:
                continue
        values[key.strip()] = value.strip()
    return values
