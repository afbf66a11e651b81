"""Ask every member of the ensemble how it is, all at once, within one deadline.

Each member gets `srvr` (its mode, zxid, latency, connections, outstanding
requests and znode count: mntr has no zxid, in 3.8 or 3.9) and then `mntr`,
for zk_peer_state: whether a follower or observer has synced with its leader,
by the rule `zookeeper-ready --serving` applies (zkcontainer.ready). srvr is the
one word ZooKeeper always allows; without mntr in the whitelist, whether a
member is synced is unknown rather than a failure.

When there are members to compare, a serving member is also asked `hash`
(its tree's digest history, when the whitelist allows it) and `srvr` once
more, and members whose trees differ at one zxid are found: see divergence.
"""

from __future__ import annotations

import math
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace

from zkcontainer import ProbeError, UsageError, fourlw, ready
from zkcontainer.reconfig.ensemble import EnsembleConfig
from zkcontainer.reconfig.model import Member

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ssl
    from collections.abc import Mapping, Sequence

# After the deadline, how long to wait for a member's thread to notice it:
# fourlw bounds every step by the deadline itself, so this is only a margin.
JOIN_MARGIN = 0.5
# srvr's Mode, as ZooKeeper's ServerState and read-only mode name it.
ROLES = ("leader", "follower", "observer", "standalone", "read-only")
JAVA_LONG = 2**63


@dataclass(frozen=True)
class Target:
    """Where to ask one member: its client port, plaintext or TLS."""

    member: Member | None  # None: a standalone server, which has no server line
    host: str
    port: int

    @property
    def address(self) -> str:
        return fourlw.address_label(self.host, self.port)

    @property
    def member_id(self) -> int | None:
        return None if self.member is None else self.member.id

    @property
    def voting(self) -> bool:
        """A participant; observers never count towards a quorum. A standalone server
        is its own quorum of one."""
        return self.member is None or self.member.voting


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
    # A second srvr a moment later gave the same zxid and znode count: the
    # count is the tree's at that zxid (see read_tree).
    steady: bool = False
    digests: tuple[tuple[int, int], ...] | None = None  # hash's (zxid, digest); None: no answer
    divergence: str | None = None  # how its tree differs from another's at one zxid


def targets(config: EnsembleConfig, tls: bool, where: str = "zoo.cfg") -> list[Target]:
    """One target per member; a standalone server is asked on its own loopback.

    `where` names the config file in messages.
    """
    if not config.members:
        port = config.client_port if not tls else config.secure_client_port
        if port is None:
            raise UsageError(f"{where}: no clientPort and no secureClientPort: nothing to ask")
        host = fourlw.local_address(config.client_address)
        return [Target(None, host, port)]
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


def read_member(
    target: Target,
    deadline: float,
    context: _ssl._SSLContext | None,
    compared: bool = False,
) -> Reading:
    """What `target` says; when its tree is `compared` with other members', read_tree too."""
    try:
        reading = from_srvr(target, ask("srvr", target, deadline, context))
    except ProbeError as error:
        return Reading(target, reason=error.reason, detail=error.detail)
    if reading.role == "leader" and not target.voting:
        # An observer cannot lead: its own config is not the one read here.
        detail = f"{target.address}: configured as an observer, says it is the leader"
        return Reading(target, reason="unexpected reply", detail=detail)
    if reading.role in ("leader", "standalone"):
        reading = replace(reading, synced=True)
    elif reading.role in ready.LEARNER_STATES:
        reading = replace(reading, synced=peer_synced(reading.role, target, deadline, context))
    if compared and serves(reading):
        return read_tree(reading, deadline, context)
    return reading


def peer_synced(
    role: str, target: Target, deadline: float, context: _ssl._SSLContext | None
) -> bool | None:
    """Whether mntr's zk_peer_state says the follower or observer has synced; None
    when mntr cannot say (srvr answered: the member serves, synced stays unknown)."""
    try:
        peer_state = fourlw.find_value(ask("mntr", target, deadline, context), "zk_peer_state")
    except ProbeError:
        return None
    return None if peer_state is None else ready.synced(role, peer_state)


def read_tree(reading: Reading, deadline: float, context: _ssl._SSLContext | None) -> Reading:
    """`reading` with what divergence compares beyond srvr's first reply.

    `hash`: ZooKeeper 3.6+ keeps a digest of its tree at every 128th zxid.
    start-zookeeper does not whitelist it by default, and a refusal, like any
    failure here, is simply no digest.

    `srvr` again: srvr prints the zxid and then the node count, and a member
    changes its tree before it advances its zxid, so one reply can pair a
    zxid with the count of the next transaction's tree. A second reply a
    moment later with the same zxid and count shows no transaction between
    them: only then is the count the tree's at that zxid (`steady`).
    """
    target = reading.target
    try:
        digests: tuple[tuple[int, int], ...] | None = digests_from_hash(
            ask("hash", target, deadline, context)
        )
    except ProbeError:
        digests = None
    try:
        again = from_srvr(target, ask("srvr", target, deadline, context))
    except ProbeError:
        return replace(reading, digests=digests)
    steady = (again.zxid, again.znodes) == (reading.zxid, reading.znodes)
    return replace(reading, digests=digests, steady=steady)


def digests_from_hash(reply: str) -> tuple[tuple[int, int], ...]:
    """hash's `<zxid in hex>: <digest>` lines as (zxid, digest) pairs.

    ZooKeeper (DataTree.logZxidDigest, DigestCommand) writes one for every
    zxid that is a multiple of 128, its last 1024: the digest of its whole
    tree but /zookeeper right after that transaction. A digest of 0 is a
    member running with digest.enabled=false, not a tree; it is left out, as
    is any line that is no such pair.
    """
    pairs = []
    for line in reply.splitlines():
        zxid_text, colon, digest_text = line.partition(": ")
        zxid = _hex(zxid_text.strip()) if colon else None
        digest = _long(digest_text.strip())
        if zxid is not None and digest:
            pairs.append((zxid, digest))
    return tuple(pairs)


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
    compared = len(found) > 1

    def run(index: int, target: Target) -> None:
        readings[index] = read_member(target, deadline, context, compared)

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


def serves(reading: Reading) -> bool:
    """Whether clients read `reading`'s tree: its role is one that serves, and it is
    not known to be syncing (a follower still syncing answers srvr "not serving").

    A standalone server among the members is outside the ensemble, but its
    clients read its tree all the same; a read-only server is cut off from its
    ensemble, and its tree is not compared.
    """
    return reading.role in ready.SERVING_STATES and reading.synced is not False


def with_divergence(readings: Sequence[Reading]) -> list[Reading]:
    """Each reading with how its tree differs from another member's, where it does."""
    found = divergence(readings)
    return [replace(r, divergence=found[i]) if i in found else r for i, r in enumerate(readings)]


def divergence(readings: Sequence[Reading]) -> dict[int, str]:
    """The members (by index) whose tree differs from another's at one zxid, and how.

    Replicas that lost data can report the same last zxid over different
    trees, and ZooKeeper never repairs that by itself. Only serving members
    are compared, and only at one zxid: a member behind lags, it has not
    diverged. Either sign is enough:

    - znode counts, among members steady at the same zxid: the count changes
      only through transactions (a session's ephemeral nodes go with its
      closeSession, itself one), so one zxid is one count on every member
      holding the tree. Members are read a moment apart, and a write landing
      between two readings moves the zxid: such members are not compared.
    - digests, from hash's history: an entry is the tree right after that
      transaction and stays what it was, so members that have both reached
      a zxid compare there whatever their zxids are now. Each member is
      compared at the latest zxid it shares with another (see disagreements).
      A digest sees what a count cannot (a node renamed, data written
      differently).

    Members at one zxid that disagree are held to the leader's tree (a member
    that resyncs copies it), without the leader to the value most of them
    hold, and on a tie each to another: all of them have diverged.
    """
    leaders = [i for i, r in enumerate(readings) if r.role == "leader"]
    leader = leaders[0] if len(leaders) == 1 else None
    serving = [i for i, r in enumerate(readings) if serves(r)]
    counts = {
        i: {zxid: znodes}
        for i in serving
        if readings[i].steady
        and (zxid := readings[i].zxid) is not None
        and (znodes := readings[i].znodes) is not None
    }
    digests = {i: dict(readings[i].digests or ()) for i in serving}
    found: dict[int, str] = {}
    for values, shown in ((counts, "{} znodes"), (digests, "tree digest {}")):
        for member, (zxid, other) in disagreements(values, leader).items():
            found.setdefault(
                member,
                f"at zxid {hex(zxid)}: {shown.format(values[member][zxid])},"
                f" {member_name(readings[other])} has {values[other][zxid]}",
            )
    return found


def disagreements(
    values_by_member: Mapping[int, Mapping[int, int]], leader: int | None
) -> dict[int, tuple[int, int]]:
    """The members whose value ({member: {zxid: value}}) is not the reference's, each
    with the zxid and the member it is held against.

    A member is judged at the latest zxid it shares with another member: by
    the tree it holds now rather than by an older entry, which a member that
    loaded a snapshot without a digest (written before 3.6) may have logged
    while replaying the transactions it overlapped.
    """
    found: dict[int, tuple[int, int]] = {}
    judged: set[int] = set()
    for zxid, values in sorted(by_zxid(values_by_member).items(), reverse=True):
        if len(values) < 2:
            continue
        for member, other in disagreeing(values, leader).items():
            if member not in judged:
                found[member] = (zxid, other)
        judged.update(values)
    return found


def by_zxid(values_by_member: Mapping[int, Mapping[int, int]]) -> dict[int, dict[int, int]]:
    """{member: {zxid: value}} turned into {zxid: {member: value}}."""
    members_by_zxid: dict[int, dict[int, int]] = {}
    for member, values in values_by_member.items():
        for zxid, value in values.items():
            members_by_zxid.setdefault(zxid, {})[member] = value
    return members_by_zxid


def disagreeing(values: Mapping[int, int], leader: int | None) -> dict[int, int]:
    """Of the members holding `values` at one zxid (member -> count or digest), those
    whose value is not the reference's, each with the member it is held against."""
    if len(set(values.values())) < 2:
        return {}
    reference = reference_member(values, leader)
    if reference is None:
        return {
            member: next(other for other, theirs in values.items() if theirs != value)
            for member, value in values.items()
        }
    return {member: reference for member, value in values.items() if value != values[reference]}


def reference_member(values: Mapping[int, int], leader: int | None) -> int | None:
    """The member the others are held to: the leader, else one holding the value
    most members hold; None on a tie."""
    if leader is not None and leader in values:
        return leader
    (top, most), *rest = Counter(values.values()).most_common()
    if rest and rest[0][1] == most:
        return None
    return next(member for member, value in values.items() if value == top)


def member_name(reading: Reading) -> str:
    member_id = reading.target.member_id
    return reading.target.address if member_id is None else f"server.{member_id}"


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


def _hex(text: str) -> int | None:
    """A zxid as hash writes it (Java's Long.toHexString: no 0x), below 2^64."""
    if not text or len(text) > 16 or not all(c in string.hexdigits for c in text):
        return None
    return int(text, 16)


def _long(text: str) -> int | None:
    """A Java long in decimal, as hash writes a digest."""
    digits = text.removeprefix("-")
    if not (digits and digits.isascii() and digits.isdigit() and len(digits) <= 19):
        return None
    value = int(text)
    return value if -JAVA_LONG <= value < JAVA_LONG else None


def _decimal(text: str) -> float | None:
    if "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # JSON has no NaN or Infinity
