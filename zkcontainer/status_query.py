"""Ask every member of the ensemble how it is, all at once, within one deadline.

Each member gets `srvr` (its mode, zxid, latency, connections, outstanding
requests and znode count: mntr has no zxid, in 3.8 or 3.9) and then `mntr`,
for zk_peer_state: a follower or observer is synced once that says
"... - broadcast", the rule `zookeeper-ready --serving` applies. srvr is the
one word ZooKeeper always allows; without mntr in the whitelist, whether a
member is synced is unknown rather than a failure.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace

from zkcontainer import fourlw
from zkcontainer.ensemble import EnsembleConfig, Member
from zkcontainer.errors import ProbeError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ssl
    from collections.abc import Sequence

# After the deadline, how long to wait for a member's thread to notice it:
# fourlw bounds every step by the deadline itself, so this is only a margin.
JOIN_MARGIN = 0.5
SYNCED_SUFFIX = "- broadcast"
# srvr's Mode, as ZooKeeper's ServerState and read-only mode name it.
ROLES = ("leader", "follower", "observer", "standalone", "read-only")


@dataclass(frozen=True)
class Target:
    """Where to ask one member: its client port, plaintext or TLS."""

    member: Member
    host: str
    port: int

    @property
    def address(self) -> str:
        return fourlw.address_label(self.host, self.port)


@dataclass(frozen=True)
class Reading:
    """What one member said, or why it said nothing (`reason`, `detail`)."""

    target: Target
    role: str | None = None  # leader, follower, observer, standalone, read-only
    synced: bool | None = None  # None: mntr could not say
    zxid: int | None = None
    lag: int | None = None  # transactions behind the leader, in the leader's epoch
    latency_avg: float | None = None
    latency_max: int | None = None
    connections: int | None = None
    outstanding: int | None = None
    znodes: int | None = None
    reason: str | None = None  # refused, timed out, unreachable, not serving, ...
    detail: str | None = None


def targets(config: EnsembleConfig, tls: bool, where: str = "zoo.cfg") -> list[Target]:
    """One target per member; a standalone server is asked on its own loopback.

    `where` names the config file in messages.
    """
    if not config.members:
        port = config.client_port if not tls else config.secure_client_port
        if port is None:
            raise UsageError(f"{where}: no clientPort and no secureClientPort: nothing to ask")
        host = config.client_address or "127.0.0.1"
        if host in ("0.0.0.0", "::"):  # bound on every address
            host = "127.0.0.1"
        return [Target(Member(id=None, host=host, voting=True), host, port)]
    found = []
    for member in config.members:
        if tls:
            assert config.secure_client_port is not None
            port = config.secure_client_port
        else:
            port = member.client_port or config.client_port or 0
            if not port:
                raise UsageError(
                    f"{where}: server.{member.id} has no client port, and there is no clientPort"
                )
        found.append(Target(member, member.host, port))
    return found


def use_tls(config: EnsembleConfig, tls_dir: str | None, where: str = "zoo.cfg") -> bool:
    """TLS when asked for, or when the plaintext port is for the pod itself only.

    A standalone server is asked on its own loopback, where plaintext works.
    `where` names the config file in messages.
    """
    if tls_dir is not None:
        if config.secure_client_port is None:
            raise UsageError(
                f"--tls_dir={tls_dir}: {where} has no secureClientPort to speak TLS to"
            )
        return True
    if config.secure_client_port is None:
        return False
    if not config.members:
        return config.client_port is None
    return not config.plaintext_reaches_peers


def ask(word: str, target: Target, deadline: float, context: _ssl._SSLContext | None) -> str:
    """`word`'s reply from `target`, failures named as fourlw names them."""
    # One context, made once for every member (from the server's stores or
    # --tls_dir), instead of one per exchange.
    return fourlw.send_word(word, target.host, target.port, deadline=deadline, context=context)


def read_member(target: Target, deadline: float, context: _ssl._SSLContext | None) -> Reading:
    try:
        reading = from_srvr(target, ask("srvr", target, deadline, context))
    except ProbeError as error:
        return Reading(target, reason=error.reason, detail=error.detail)
    if reading.role == "leader" and not target.member.voting:
        # An observer cannot lead: its own config is not the one read here.
        detail = f"{target.address}: configured as an observer, says it is the leader"
        return Reading(target, reason="unexpected reply", detail=detail)
    if reading.role in ("leader", "standalone"):
        return replace(reading, synced=True)
    if reading.role not in ("follower", "observer"):
        return reading
    try:
        peer_state = fourlw.find_value(ask("mntr", target, deadline, context), "zk_peer_state")
    except ProbeError:
        return reading  # srvr answered: the member serves; synced stays unknown
    if peer_state is None:
        return reading
    return replace(reading, synced=peer_state.endswith(SYNCED_SUFFIX))


def from_srvr(target: Target, reply: str) -> Reading:
    """A reading from srvr's `Key: value` lines; a reply without a Mode is no answer."""
    values = fourlw.parse_lines(reply)
    role = values.get("Mode")
    if not role:
        raise ProbeError("unexpected reply", f"{target.address}: srvr reply has no Mode")
    if role not in ROLES:
        raise ProbeError("unexpected reply", f"{target.address}: srvr Mode is {role!r}")
    latency = values.get("Latency min/avg/max", "").split("/")
    return Reading(
        target,
        role=role,
        zxid=_integer(values.get("Zxid")),
        latency_avg=_decimal(latency[1]) if len(latency) == 3 else None,
        latency_max=_integer(latency[2]) if len(latency) == 3 else None,
        connections=_integer(values.get("Connections")),
        outstanding=_integer(values.get("Outstanding")),
        znodes=_integer(values.get("Node count")),
    )


def read_all(
    found: Sequence[Target], deadline: float, context: _ssl._SSLContext | None
) -> list[Reading]:
    """Every member's reading, asked in parallel; a thread still busy at the deadline
    (fourlw stops each step there, so only a starved machine) counts as timed out."""
    readings: dict[int, Reading] = {}

    def run(index: int, target: Target) -> None:
        readings[index] = read_member(target, deadline, context)

    threads = [
        threading.Thread(target=run, args=(index, target), daemon=True)
        for index, target in enumerate(found)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + JOIN_MARGIN)
    return [
        readings.get(index)
        or Reading(target, reason="timed out", detail=f"{target.address}: no answer in time")
        for index, target in enumerate(found)
    ]


def with_lag(readings: Sequence[Reading]) -> list[Reading]:
    """Each reading with its lag behind the one leader's zxid (none without one leader).

    Members are read a moment apart, so a busy ensemble shows small lags that
    are only that moment. A zxid is an epoch (high 32 bits) and a count within
    it: a member still at an earlier epoch has seen none of the leader's
    transactions, so its lag is the leader's count (a new leader's followers
    keep their old zxid until the first write: lag 0).
    """
    leaders = [r for r in readings if r.role == "leader" and r.zxid is not None]
    if len(leaders) != 1:
        return list(readings)
    leader_zxid = leaders[0].zxid
    assert leader_zxid is not None
    return [r if r.zxid is None else replace(r, lag=lag(leader_zxid, r.zxid)) for r in readings]


def lag(leader_zxid: int, zxid: int) -> int:
    if zxid >> 32 == leader_zxid >> 32:
        return max(0, leader_zxid - zxid)
    if zxid >> 32 < leader_zxid >> 32:
        return leader_zxid & 0xFFFFFFFF
    return 0  # ahead of the leader's epoch: a member that leads or led elsewhere


def _integer(text: str | None) -> int | None:
    """A count, or a 0x... zxid: 0 up to 2^64 (a Java long's bits), digits only."""
    if text is None:
        return None
    digits, base = (text[2:], 16) if text[:2] in ("0x", "0X") else (text, 10)
    if not (digits and digits.isascii() and digits.isalnum()):
        return None  # no sign, underscore or space, which int() would take
    try:
        value = int(digits, base)
    except ValueError:
        return None
    return value if value < 2**64 else None


def _decimal(text: str) -> float | None:
    if "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # JSON has no NaN or Infinity
