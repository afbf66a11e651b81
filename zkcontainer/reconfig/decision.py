"""Which membership a member starts with, in reconfig mode: the decision, without I/O.

A member about to start knows what a serving peer says the ensemble is (or
that none answered), the newest dynamic file its own volume kept, and whether
its data directory holds data. From those alone it must never start a
configuration whose only voter is itself: that server leads an ensemble of its
own, accepts writes the real one never sees, and poisons its volume
(observed on 3.8 and 3.9; docs/design.md has the argument). So, in order:

- a serving peer answered and lists us: `use` its configuration (a restart;
  membership never changes on a restart);
- a serving peer answered and does not list us: `join` with its members plus
  us, at version 0, as a non-voting follower, and be added once serving
  (order B, the one that never lowers the ensemble's fault tolerance);
- no peer answered, and our own last dynamic file lists us beside another
  voter: `use` it (ZooKeeper learns any newer configuration from its peers
  during election: a stale list works, as observed on 3.8 and 3.9);
- no peer, no file, no data, and our id among the initial ones: the first
  bootstrap, with every initial member listed, never only us;
- no peer, no file, but data, and our id among the initial ones: a volume of
  the static mode, before --reconfig: its membership is the initial one (it
  never grew, since growing needs reconfig mode, which writes files);
- otherwise `wait` and ask again: starting would guess.

Two rules of the start gate (zkcontainer.startgate, where the argument is)
bound these. A serving ensemble is used or joined only when it is not behind
this volume: its configuration version is at least the one of our newest
file, and, when our volume holds data, its zxid at least ours; otherwise the
serving members formed without the newest history, and joining would
truncate it. And a volume that holds no data starts without a serving
ensemble (from its own file, or as the first bootstrap) only when the gate
lets it: every voter answered with an empty volume, or the operator declared
its data lost. Without that, two wiped members of a grown ensemble, started
first, bootstrapped the initial three and outvoted the data of the others.

The one ensemble whose only voter may be us is a one-server ensemble
(`--servers=1`, run with standaloneEnabled=false so that it can grow): there,
a first bootstrap or our own file listing only us is the real ensemble, and
nobody else could have formed another. A configuration read from a serving
peer is the ensemble's committed one and is used as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from zkcontainer.reconfig.model import Member, Membership
from zkcontainer.startgate import Verdict
from zkcontainer.volume import Volume

Action = Literal["use", "join", "bootstrap", "wait"]


@dataclass(frozen=True)
class Decision:
    action: Action
    # What to write as the dynamic file and start with; None only for `wait`.
    membership: Membership | None
    reason: str
    # For `join`: the serving configuration's version, which the files written
    # (at version 0) stand for; files up to it describe what it replaced.
    adopted_version: int = 0


@dataclass(frozen=True)
class Evidence:
    """What a starting member knows about the ensemble."""

    me: Member  # our own entry as we would be added: id, addresses, desired role
    initial: tuple[Member, ...]  # ids 1..servers (participants), then the observers
    live: Membership | None  # read from a serving peer; None: none answered
    local: Membership | None  # the newest dynamic file on our volume; None: none
    volume: Volume  # what our data directories hold
    # The highest zxid the serving members report; None: none reported one.
    live_zxid: int | None = None
    # The start gate over the voters we would start with; None: not asked (has data).
    gate: Verdict | None = None

    @property
    def has_data(self) -> bool:
        return self.volume.holds_data


def initial_members(
    voters: Sequence[Member], observers: Sequence[Member] = ()
) -> tuple[Member, ...]:
    """The initial ensemble (--servers voters, --observers observers) with their roles."""
    return (
        *(_as(member, "participant") for member in voters),
        *(_as(member, "observer") for member in observers),
    )


def decide(evidence: Evidence) -> Decision:
    me, live, local = evidence.me, evidence.live, evidence.local
    if live is not None:
        behind = _behind(evidence, live)
        if behind is not None:
            return Decision("wait", None, behind)
        if me.id in live:
            return Decision("use", live, f"a serving member's configuration lists {me.id}")
        return Decision(
            "join",
            # Version 0, below any committed one: the new member adopts the
            # ensemble's configuration from the leader and reports it as it is
            # (without itself) until the add commits. Started at the live
            # version it keeps its own list, and its /zookeeper/config claims a
            # membership nobody committed (measured on 3.8).
            replace(live.with_member(me), version=0),
            f"{me.id} is not in the serving ensemble's configuration (version {live.version:x}):"
            " start as a non-voting follower, then add it",
            adopted_version=live.version,
        )
    one_server = _voter_ids(evidence.initial) == {me.id}
    if local is not None:
        if me.id not in local:
            return Decision(
                "wait",
                None,
                f"no member serves, and this volume's configuration (version {local.version:x})"
                f" no longer lists {me.id}: it was removed; waiting for a member to join",
            )
        if local.voter_ids <= {me.id} and not one_server:
            return Decision(
                "wait",
                None,
                f"no member serves, and this volume's configuration has no voter but {me.id}:"
                " starting with it could form an ensemble of its own",
            )
        if not evidence.has_data and not _gate_open(evidence):
            return _gate_wait(evidence)
        return Decision("use", local, "no member serves: this volume's last configuration")
    initial_ids = {member.id for member in evidence.initial}
    if evidence.has_data and me.id in initial_ids:
        return Decision(
            "use",
            Membership(evidence.initial),
            "no member serves, and the data directory holds data but no configuration:"
            " a member of the static ensemble, which had the initial members",
        )
    if evidence.has_data:
        return Decision(
            "wait",
            None,
            f"no member serves, and the data directory holds data but no configuration,"
            f" and {me.id} is not one of the initial members: it can only join a serving"
            " ensemble",
        )
    if me.id not in initial_ids:
        return Decision(
            "wait",
            None,
            f"no member serves, and {me.id} is not one of the initial members:"
            " it can only join a serving ensemble",
        )
    if not _gate_open(evidence):
        return _gate_wait(evidence)
    return Decision(
        "bootstrap",
        Membership(evidence.initial),
        "no member serves and this volume is new: the first bootstrap, with every initial member"
        f" ({evidence.gate.reason if evidence.gate else ''})",
    )


def _behind(evidence: Evidence, live: Membership) -> str | None:
    """Why the serving ensemble is behind this volume, or None."""
    local = evidence.local
    if local is not None and live.version < local.version:
        return (
            f"the serving members' configuration (version {live.version:x}) is older than this"
            f" volume's (version {local.version:x}): they formed without the newest members;"
            " waiting for those, rather than joining and losing what they hold"
        )
    zxid = evidence.live_zxid
    if evidence.has_data and zxid is not None and zxid < evidence.volume.last_zxid:
        return (
            f"the serving members are at zxid {zxid:#x}, behind this volume's"
            f" {evidence.volume.last_zxid:#x}: joining them would truncate it; waiting for the"
            " members with the newest data (zookeeper-status shows who serves what)"
        )
    return None


def _gate_open(evidence: Evidence) -> bool:
    return evidence.gate is not None and evidence.gate.start


def _gate_wait(evidence: Evidence) -> Decision:
    reason = evidence.gate.reason if evidence.gate is not None else "the start gate was not asked"
    return Decision("wait", None, f"no member serves, and {reason}")


def _voter_ids(members: Sequence[Member]) -> set[int]:
    return {member.id for member in members if member.voting}


def _as(member: Member, role: Literal["participant", "observer"]) -> Member:
    return replace(member, role=role)
