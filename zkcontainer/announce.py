"""What a member that has not started its server yet tells its peers and its probes.

While start-zookeeper decides whether this member may start (zkcontainer.startgate),
nothing else can say what its volume holds: there is no JVM yet, and a JVM
still electing answers four-letter words without a zxid. So, until the exec:

- **The election port** greets every connection with one line and closes it;
  the peer sends nothing. The election port is the one the members' network
  policy always admits between them, and ZooKeeper binds it only once it runs.
  A running ZooKeeper greets nobody (its election listener waits for the
  connecting server's header), which is how a peer tells the two apart. The
  line, at most 512 bytes of ASCII:

      zkcontainer-volume 1 id=2 volume=data zxid=0x1000000c1 epoch=1 config=0x1000000b0
      phase=waiting lost=-

  (one line; folded here).
  `volume` is empty, data or restored (zkcontainer.volume); `config` the
  version of its newest dynamic file, `-` without one; `phase` waiting or
  ready (the two phases of a new ensemble, zkcontainer.startgate); `lost` the
  ids the operator declared lost, comma-separated, `-` for none. Unknown
  fields are ignored, so fields can be added; the `1` changes only for a
  format an older reader would misread.
- **The client port** answers the pod's own probes as a server that does not
  serve yet: `ruok` gets `imok` (the process is alive and doing what it
  must, so the liveness and startup probes pass), `mntr` gets
  `zk_server_state waiting` and `zk_wait_reason` with the wait's one line
  (zookeeper-ready --serving prints it), anything else ZooKeeper's own
  "not currently serving requests".

Peers are read the other way round: a member's client port first (`srvr`:
a serving server's mode and zxid, and `mntr` for its quorum size), then its
election port for the greeting. Only start-zookeeper imports this module;
the probes never do.
"""

from __future__ import annotations

import _socket
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from zkcontainer import ProbeError
from zkcontainer.fourlw import connect, find_value, resolve, send_word
from zkcontainer.ready import SERVING_STATES
from zkcontainer.startgate import PeerView, Phase
from zkcontainer.volume import KINDS, Volume

MAGIC = "zkcontainer-volume"
FORMAT = "1"
MAX_LINE = 512
# How long a reader waits for the greeting once connected: a deciding member
# writes it at once; silence this long means a running ZooKeeper.
GREETING_WAIT = 1.0
NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"


@dataclass(frozen=True)
class Announcement:
    """What this member says about itself while it decides."""

    id: int
    volume: Volume
    config_version: int | None = None
    phase: Phase = "waiting"
    declared_lost: frozenset[int] = frozenset()
    reason: str = "deciding whether this member may start"

    def line(self) -> str:
        config = "-" if self.config_version is None else f"{self.config_version:#x}"
        lost = ",".join(str(i) for i in sorted(self.declared_lost)) or "-"
        return (
            f"{MAGIC} {FORMAT} id={self.id} volume={self.volume.kind}"
            f" zxid={self.volume.last_zxid:#x} epoch={self.volume.epoch} config={config}"
            f" phase={self.phase} lost={lost}\n"
        )


def parse_greeting(server_id: int, text: str) -> PeerView | None:
    """The view a greeting gives; None when it is not one (a running ZooKeeper, or else)."""
    words = text.strip().split(" ")
    if len(words) < 2 or words[0] != MAGIC or words[1] != FORMAT:
        return None
    fields = dict(word.split("=", 1) for word in words[2:] if "=" in word)
    try:
        volume = fields["volume"]
        phase = fields.get("phase", "waiting")
        if volume not in KINDS or phase not in ("waiting", "ready"):
            return None
        config = fields.get("config", "-")
        lost = fields.get("lost", "-")
        return PeerView(
            id=server_id,
            kind="announcing",
            volume=volume,
            phase=phase,  # type: ignore[arg-type]
            zxid=int(fields.get("zxid", "0"), 16),
            config_version=None if config == "-" else int(config, 16),
            declared_lost=frozenset()
            if lost == "-"
            else frozenset(int(i) for i in lost.split(",")),
        )
    except (KeyError, ValueError):
        return None


class Announcer:
    """Listens on the election and client ports until closed; `current` is what it says."""

    def __init__(
        self,
        announcement: Announcement,
        election_port: int,
        client_port: int,
        client_address: str | None,
        log: Callable[[str], None],
    ) -> None:
        self.current = announcement
        self._log = log
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        for port, address, handler in (
            (election_port, None, self._greet),
            (client_port, client_address, self._answer_probe),
        ):
            listener = _listen(address, port, log)
            if listener is not None:
                self._sockets.append(listener)
                thread = threading.Thread(target=self._accept, args=(listener, handler))
                thread.daemon = True
                thread.start()

    def close(self) -> None:
        """Stop listening: the ports are ZooKeeper's from here on."""
        self._closed.set()
        for listener in self._sockets:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _accept(self, listener: socket.socket, handler: Callable[[socket.socket], None]) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed
            thread = threading.Thread(target=_serve, args=(connection, handler))
            thread.daemon = True
            thread.start()

    def _greet(self, connection: socket.socket) -> None:
        connection.sendall(self.current.line().encode("ascii"))

    def _answer_probe(self, connection: socket.socket) -> None:
        connection.settimeout(GREETING_WAIT)
        word = connection.recv(4)
        if word == b"ruok":
            reply = "imok"
        elif word == b"mntr":
            reason = " ".join(self.current.reason.split())
            reply = f"zk_server_state\twaiting\nzk_wait_reason\t{reason}\n"
        else:
            reply = NOT_SERVING
        connection.sendall(reply.encode("utf-8", "replace"))


def _serve(connection: socket.socket, handler: Callable[[socket.socket], None]) -> None:
    with connection, contextlib.suppress(OSError):
        handler(connection)


def _listen(address: str | None, port: int, log: Callable[[str], None]) -> socket.socket | None:
    if port == 0:
        return None
    host = address or ""
    try:
        if not host and socket.has_dualstack_ipv6():
            return socket.create_server(
                ("", port), family=socket.AF_INET6, dualstack_ipv6=True, reuse_port=False
            )
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family)
    except OSError as error:
        log(f"cannot listen on port {port} to tell peers and probes why it waits: {error.strerror}")
        return None


@contextlib.contextmanager
def announcing(
    announcement: Announcement,
    election_port: int,
    client_port: int,
    client_address: str | None,
    log: Callable[[str], None],
) -> Iterator[Announcer]:
    announcer = Announcer(announcement, election_port, client_port, client_address, log)
    try:
        yield announcer
    finally:
        announcer.close()


@dataclass(frozen=True)
class PeerAddress:
    id: int
    host: str
    client_port: int
    election_port: int


def read_peers(
    peers: Iterable[PeerAddress], timeout: float, tls_dir: str | None = None
) -> dict[int, PeerView]:
    """Every peer's view, read in parallel within `timeout`."""
    peers = list(peers)
    deadline = time.monotonic() + timeout
    views: dict[int, PeerView] = {}
    threads = []
    for peer in peers:

        def read(peer: PeerAddress = peer) -> None:
            views[peer.id] = read_peer(peer, deadline, tls_dir)

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + GREETING_WAIT + 0.5)
    return {
        peer.id: views.get(peer.id) or PeerView(peer.id, "absent", detail="timed out")
        for peer in peers
    }


def read_peer(peer: PeerAddress, deadline: float, tls_dir: str | None = None) -> PeerView:
    """A serving server's mode and zxid; else the greeting of a deciding member; else
    a running server that does not serve (no greeting), or absent (nothing answers)."""
    serving = _read_serving(peer, deadline, tls_dir)
    if serving is not None:
        return serving
    try:
        addresses = resolve(peer.host, peer.election_port, deadline, peer.host)
        sock = connect(addresses, deadline, peer.host)
    except ProbeError as error:
        return PeerView(peer.id, "absent", detail=error.reason)
    try:
        text = _read_greeting(sock, min(deadline, time.monotonic() + GREETING_WAIT))
    finally:
        sock.close()
    if text is None:
        return PeerView(peer.id, "running")
    return parse_greeting(peer.id, text) or PeerView(peer.id, "running")


def _read_serving(peer: PeerAddress, deadline: float, tls_dir: str | None) -> PeerView | None:
    try:
        srvr = send_word("srvr", peer.host, peer.client_port, deadline=deadline, tls_dir=tls_dir)
    except ProbeError:
        return None  # not serving, a deciding member, or nothing there
    mode = find_value(srvr, "Mode", ": ")
    if mode not in SERVING_STATES:
        return None
    zxid = _hex(find_value(srvr, "Zxid", ": "))
    size = None
    with contextlib.suppress(ProbeError):
        mntr = send_word("mntr", peer.host, peer.client_port, deadline=deadline, tls_dir=tls_dir)
        size = _decimal(find_value(mntr, "zk_quorum_size"))
    return replace(PeerView(peer.id, "serving"), mode=mode, zxid=zxid, quorum_size=size)


def _read_greeting(sock: _socket.socket, deadline: float) -> str | None:
    data = b""
    while len(data) < MAX_LINE and not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(MAX_LINE - len(data))
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    # A whole line or nothing: a cut one could end in the middle of a number.
    if not data.startswith(MAGIC.encode()) or not data.endswith(b"\n"):
        return None
    return data.decode("ascii", "replace")


def _hex(text: str | None) -> int:
    try:
        return int(text or "0", 16)
    except ValueError:
        return 0


def _decimal(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # not a number, or inf
        return None
