"""zookeeper-metrics --listen: a Prometheus exporter, one mntr per scrape.

It runs as a sidecar for the life of the pod because ZooKeeper's own
Prometheus provider needs jars Debian's package does not carry; mntr reports
the same numbers. Long-running, so unlike the probe path it imports freely
(http.server, socketserver, threading): metrics.py loads this module only
when --listen is given.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

from zkcontainer import ProbeError, UsageError, ZkContainerError
from zkcontainer.fourlw import Address, address_label, numeric_address, send_word, tls_context
from zkcontainer.mntr import format_reply
from zkcontainer.probeargs import ProbeArgs, is_dns_name, shown

PROG = "zookeeper-metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Scrapes run at once; more wait for a free slot. Each runs one mntr, and
# ZooKeeper allows 60 connections per client address (maxClientCnxns), which
# the pod's probes share.
MAX_SCRAPES = 8
# The largest mntr reply scraped: a real one is a few KiB, and converting one
# takes some 60 times its size in memory while it lasts. A larger reply is
# zookeeper_up 0.
MAX_MNTR = 256 * 1024
# Connections open at once, scrapes or not; one more is closed at once. A
# slow client holds a connection, never a scrape slot.
MAX_CONNECTIONS = 32
# The time a client has to send its whole request (line and headers), and then
# for each write of the answer.
CLIENT_SECONDS = 10.0
# The exporter's own families: an mntr key that would make the same name is left
# out, as Prometheus rejects a scrape that repeats a family.
OWN_FAMILIES = ("zookeeper_up", "zookeeper_scrape_duration_seconds")
INDEX = (
    b"<html><head><title>ZooKeeper exporter</title></head><body>"
    b'<p>zookeeper-metrics: <a href="/metrics">/metrics</a></p></body></html>\n'
)
NOT_FOUND = b"404 page not found: the metrics are at /metrics\n"
NOT_ALLOWED = b"405 method not allowed: GET or HEAD\n"


class ListenError(ProbeError):
    """The address cannot be listened on (in use, not this machine's, a privileged
    port): like a server that cannot be read, the machine's state, so exit 1."""


def serve(listen: str, args: ProbeArgs) -> None:
    """Answer scrapes on `listen` ([HOST:]PORT) with the mntr of args' server, until SIGTERM."""
    host, port = listen_address(listen)
    if args.tls_dir is not None:
        # Unusable certificates are a bad argument: say so now, not at the first scrape.
        tls_context(args.tls_dir)
    target = Target(args)
    server = _bind(bind_address(host, port, listen), target, listen)
    # SIGTERM (the kubelet stopping the pod) or Ctrl-C ends the process at
    # once, wherever its threads are: scrapes in flight die with it, and the
    # kernel closes every socket. An exception raised from the handler
    # instead could land inside socketserver's `except Exception` or in the
    # middle of threading's own locking, and leave the exporter running.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_at_once)
    bound_host, bound_port = server.server_address[:2]
    log(
        f"listening on http://{address_label(str(bound_host), int(bound_port))}/metrics,"
        f" mntr from {target.where}{' over TLS' if args.tls_dir else ''}"
    )
    server.serve_forever()


def listen_address(text: str) -> tuple[str, int]:
    """`PORT`, `:PORT`, `HOST:PORT` or `[IPv6]:PORT` as (host, port); host "" is
    every IPv4 interface, port 0 one the kernel picks (the start line shows it)."""
    host, port_text = "", text
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        valid = bracket and rest.startswith(":") and ":" in host
        port_text = rest[1:]
    else:
        host, _, port_text = text.rpartition(":")
        valid = ":" not in host  # an IPv6 address needs its brackets
    valid = valid and (not host or numeric_address(host, 0) is not None or is_dns_name(host))
    if valid and port_text.isascii() and port_text.isdigit() and len(port_text) <= 5:
        port = int(port_text)
        if port < 65536:
            return host, port
    raise UsageError(
        f"--listen={shown(text)}: must be [HOST:]PORT with PORT 0..65535"
        " (an IPv6 HOST in brackets: [::]:9141)"
    )


def bind_address(host: str, port: int, listen: str) -> Address:
    if not host:
        return socket.AF_INET, socket.SOCK_STREAM, 0, ("0.0.0.0", port)
    numeric = numeric_address(host, port)
    if numeric is not None:
        return numeric
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except OSError as error:
        raise ListenError(
            "cannot listen", f"--listen={shown(listen)}: cannot resolve {host}: {error}"
        ) from None
    family, socktype, proto, _, sockaddr = infos[0]
    return family, socktype, proto, sockaddr


class Target:
    """The server scraped: one mntr per scrape, within --timeout, as Prometheus text."""

    def __init__(self, args: ProbeArgs) -> None:
        self.host = args.host
        self.port = args.port
        self.timeout = args.timeout
        self.tls_dir = args.tls_dir
        self.where = address_label(args.host, args.port)
        self._lock = threading.Lock()
        self._converting = threading.Lock()
        self._failing = False

    def scrape(self) -> bytes:
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            reply = send_word(
                "mntr",
                self.host,
                self.port,
                max_reply=MAX_MNTR,
                deadline=deadline,
                tls_dir=self.tls_dir,
            )
            # One conversion at a time: the mntr exchanges, the slow part, still
            # overlap, and memory holds one reply's objects rather than one per slot.
            with self._converting:
                text = format_reply(
                    reply, "prometheus", deadline, self.where, reserved=OWN_FAMILIES
                )
            failure = None
        except ZkContainerError as error:  # a renewed Secret that does not load, too
            text, failure = "", str(error)
        self._note(failure)
        text += (
            "# HELP zookeeper_up 1 when mntr answered within --timeout, else 0.\n"
            "# TYPE zookeeper_up gauge\n"
            f"zookeeper_up {0 if failure else 1}\n"
            "# HELP zookeeper_scrape_duration_seconds Time this scrape took: mntr and its"
            " conversion.\n"
            "# TYPE zookeeper_scrape_duration_seconds gauge\n"
            f"zookeeper_scrape_duration_seconds {time.monotonic() - started:.6f}\n"
        )
        return text.encode("utf-8", "replace")

    def _note(self, failure: str | None) -> None:
        """Log when mntr stops or starts answering, not on every scrape."""
        with self._lock:
            if (failure is not None) == self._failing:
                return
            self._failing = failure is not None
        if failure is None:
            log("mntr answers again: zookeeper_up 1")
        else:
            log(f"zookeeper_up 0 until mntr answers: {failure}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = CLIENT_SECONDS

    def version_string(self) -> str:
        return PROG  # the Server header: no Python version to advertise

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _not_allowed(self) -> None:
        self._send(405, "text/plain; charset=utf-8", NOT_ALLOWED, body=True, allow="GET, HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = _not_allowed

    def setup(self) -> None:
        super().setup()
        # One deadline for the whole request: a socket timeout alone bounds
        # each receive, and a client sending a byte at a time would never meet it.
        deadline = time.monotonic() + CLIENT_SECONDS
        self.rfile = io.BufferedReader(_ReadBefore(self.connection, deadline))

    def _answer(self, *, body: bool) -> None:
        self.connection.settimeout(CLIENT_SECONDS)  # the request is in: now for the answer
        # The path as sent: http.server collapses leading slashes in self.path.
        path = self.requestline.split()[1].partition("?")[0]
        if path == "/metrics":
            with self.server.scrape_slots:
                data = self.server.target.scrape()
            self._send(200, CONTENT_TYPE, data, body=body)
        elif path == "/":
            self._send(200, "text/html; charset=utf-8", INDEX, body=body)
        else:
            self._send(404, "text/plain; charset=utf-8", NOT_FOUND, body=body)

    def _send(
        self, status: int, content_type: str, data: bytes, *, body: bool, allow: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Nothing per request: a scrape every few seconds would flood the pod's log."""


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # SIGTERM must not wait for a scrape in flight.
    daemon_threads = True
    # A restarted sidecar binds while its old connections sit in TIME_WAIT;
    # a port another process listens on is still refused.
    allow_reuse_address = True
    request_queue_size = 64
    _BLOCKED: ClassVar = {signal.SIGTERM, signal.SIGINT}

    def __init__(self, address: Address, target: Target) -> None:
        # socketserver.TCPServer, not http.server's HTTPServer, whose server_bind
        # asks DNS for the address's name (socket.getfqdn) before it listens.
        self.address_family = address[0]
        self.target = target
        self.scrape_slots = threading.BoundedSemaphore(MAX_SCRAPES)
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        # An AF_INET or AF_INET6 sockaddr, which Address types loosely.
        super().__init__(address[3], _Handler)  # type: ignore[arg-type]

    def process_request(self, request: object, client_address: object) -> None:
        if not self._connections.acquire(blocking=False):
            self.shutdown_request(request)  # type: ignore[arg-type]
            return
        try:
            super().process_request(request, client_address)  # type: ignore[arg-type]
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request: object, client_address: object) -> None:
        # Signals for the main thread only: there they interrupt the accept
        # loop at once; on a scrape's thread they would wait for its next poll.
        signal.pthread_sigmask(signal.SIG_BLOCK, self._BLOCKED)
        try:
            super().process_request_thread(request, client_address)  # type: ignore[arg-type]
        finally:
            self._connections.release()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client gone mid-answer is its own business; anything else is one line,
        not a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            log(f"internal error answering a scrape: {type(error).__name__}: {error}")


class _ReadBefore(io.RawIOBase):
    """A connection's reads, each within what is left before `deadline`."""

    def __init__(self, connection: socket.socket, deadline: float) -> None:
        self._connection = connection
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no whole request in time")
        self._connection.settimeout(remaining)
        return self._connection.recv_into(buffer)


def _bind(address: Address, target: Target, listen: str) -> _Server:
    try:
        return _Server(address, target)
    except OSError as error:
        raise ListenError(
            "cannot listen", f"--listen={shown(listen)}: {error.strerror or error}"
        ) from None


def _exit_at_once(_signum: int, _frame: object) -> None:
    os._exit(0)


def log(message: str) -> None:
    """One line on stderr; a stderr that is gone loses it rather than stopping the scrapes."""
    line = "\\n".join(message.splitlines())
    with contextlib.suppress(OSError, ValueError):
        print(f"{PROG}: {line}", file=sys.stderr, flush=True)
