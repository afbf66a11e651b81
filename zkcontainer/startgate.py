"""Whether a member whose volume holds no data may start its server now: the decision, no I/O.

The rule: **a member whose volume holds no data never takes part in forming
a quorum.** It starts its server only when

- (a) every configured voter answers, and none holds data: a new ensemble;
- (b) a quorum of its own ensemble already serves (a leader and followers of
  the same configuration), so it can only join it and sync from its leader;
- (c) the operator has declared its data lost (zookeeper-declare-lost).

A member whose volume holds data always starts: ZooKeeper's election already
prefers the newest history among the members that vote, as long as no empty
member votes beside them.

Why waiting is safe and voting is not. ZooKeeper elects the member with the
highest (epoch, zxid) among those it hears, and a quorum of votes ends the
election. An empty member that votes counts towards that quorum while
holding nothing, so together with a stale member (or another empty one) it
can end the election before the newest member is heard, and the newest
member is then truncated to the winner's history. "Wait until enough data
holders answer, then vote" has the same hole: the newest may answer a moment
later. Joining a quorum that already serves has none: the quorum was formed
without us, so our empty volume decided nothing; the leader sends us its
history. A new ensemble is the one case where empty members must vote, and
there no history exists to lose: every voter said its volume was empty.

(a) needs care because the members do not decide at the same instant: one
that has decided starts ZooKeeper, and its peers then see a running server
instead of its answer. So the answer has two phases. A member says `ready`
once it has heard every peer say empty (or seen it running after hearing it
say so); it starts once every peer says `ready` (or runs after saying so). A
member that starts has heard every peer say `ready`, and each of those had
heard it say empty before, so every peer counts it as heard: nobody waits for
an answer that will not come. A member that runs without having said empty
to us (a data holder) is never counted.

How the cases this guards against end:

- A static resize from one server to three: pods 1 and 2 start empty with
  `--servers=3` while pod 0 serves its data as a standalone. Neither (a) (pod
  0 holds data) nor (b) (a standalone is not this ensemble) holds: they wait,
  never Ready, so the rollout stalls before pod 0 is touched.
- Five members grown by reconfig, all stopped, two volumes wiped and those
  two started first: they wait; the three data holders form a quorum of five
  by themselves, and then the wiped ones join it (b).
- Three static members, two volumes wiped while the third, holding the data,
  is down: nothing serves until the operator declares the two lost (c); the
  third's data is then what the ensemble serves.
- One volume wiped while the member with the newest data is down: the wiped
  member waits; the newest returns, forms a quorum with the lagging one and
  leads; the wiped member joins (b).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from zkcontainer.ready import QUORUM_STATES
from zkcontainer.volume import Volume, VolumeKind

PeerKind = Literal["absent", "announcing", "running", "serving"]
Phase = Literal["waiting", "ready"]
Situation = Literal["data", "new", "serving", "declared"]


@dataclass(frozen=True)
class PeerView:
    """What one configured voter looked like from here, at one look."""

    id: int
    kind: PeerKind
    # announcing: what its volume holds, and its answer's phase
    volume: VolumeKind | None = None
    phase: Phase = "waiting"
    # announcing: its volume's newest zxid; serving: the zxid it reports
    zxid: int = 0
    config_version: int | None = None  # announcing, in reconfig mode: its newest file's
    declared_lost: frozenset[int] = frozenset()  # announcing: what its operator declared
    mode: str | None = None  # serving: leader, follower, observer, standalone
    quorum_size: int | None = None  # serving: the voters of its configuration (mntr)
    detail: str = ""  # absent: why it did not answer

    @property
    def said_empty(self) -> bool:
        return self.kind == "announcing" and self.volume == "empty"


@dataclass(frozen=True)
class GateEvidence:
    me: int
    volume: Volume
    voters: frozenset[int]  # the configuration's voting members, with us
    peers: Mapping[int, PeerView]  # every other voter, at this look
    heard_empty: frozenset[int] = frozenset()  # peers that said empty during this wait
    declared_lost: frozenset[int] = frozenset()
    # The voters a serving peer of our ensemble reports (static mode); None: the
    # caller judges a serving ensemble itself (reconfig mode, by its configuration).
    ensemble_size: int | None = None


@dataclass(frozen=True)
class Verdict:
    start: bool
    situation: Situation | None  # why it may start; None while it waits
    ready: bool  # what to answer peers: ready (a) or still waiting
    reason: str


def gate(evidence: GateEvidence) -> Verdict:
    """Start now, or wait and say why."""
    if evidence.volume.holds_data:
        return Verdict(True, "data", False, "this volume holds data")
    me, peers = evidence.me, evidence.peers
    if me in evidence.declared_lost:
        return Verdict(True, "declared", False, f"the operator declared the data of {me} lost")
    serving = _serving_ensemble(evidence)
    if serving is not None:
        return Verdict(True, "serving", False, serving)
    others = [peer for peer in peers.values() if peer.id != me]
    heard = evidence.heard_empty
    ready = all(peer.said_empty or _ran_after_empty(peer, heard) for peer in others)
    if ready and all(_ready(peer, heard) for peer in others):
        return Verdict(
            True, "new", True, "every voter answered with an empty volume: a new ensemble"
        )
    return Verdict(False, None, ready, _why_waiting(evidence, ready))


def present(peers: Mapping[int, PeerView]) -> frozenset[int]:
    """The peers whose data is evidently there: they say they hold data, or run a server."""
    return frozenset(
        peer.id
        for peer in peers.values()
        if peer.kind in ("running", "serving")
        or (peer.kind == "announcing" and not peer.said_empty)
    )


def _ran_after_empty(peer: PeerView, heard: frozenset[int]) -> bool:
    return peer.kind in ("running", "serving") and peer.id in heard


def _ready(peer: PeerView, heard: frozenset[int]) -> bool:
    return (peer.said_empty and peer.phase == "ready") or _ran_after_empty(peer, heard)


def _serving_ensemble(evidence: GateEvidence) -> str | None:
    """Why a quorum of our own ensemble serves (b), or None."""
    if evidence.ensemble_size is None:
        return None
    for peer in sorted(evidence.peers.values(), key=lambda p: p.id):
        if (
            peer.kind == "serving"
            and peer.mode in QUORUM_STATES
            and peer.quorum_size in (None, evidence.ensemble_size)
        ):
            return f"{peer.id} serves as {peer.mode} of this ensemble: joining it"
    return None


def _why_waiting(evidence: GateEvidence, ready: bool) -> str:
    """One line: what serves but is not ours, who did not answer, who holds data."""
    peers = sorted(evidence.peers.values(), key=lambda p: p.id)
    parts = [line for peer in peers if (line := _foreign(peer, evidence)) is not None]
    absent = [p.id for p in peers if p.kind == "absent"]
    holding = [p.id for p in peers if p.kind == "announcing" and not p.said_empty]
    unsure = [
        p.id
        for p in peers
        if p.kind == "running" or (p.kind == "serving" and _foreign(p, evidence) is None)
    ]
    if absent:
        parts.append(f"no answer from {_ids(absent)}")
    if holding:
        parts.append(f"{_ids(holding)} {_verb('holds', holding)} data")
    if unsure:
        parts.append(f"{_ids(unsure)} {_verb('runs', unsure)} a server that serves no quorum yet")
    if ready:
        not_ready = [p.id for p in peers if not _ready(p, evidence.heard_empty)]
        parts.append(f"every voter is empty, waiting for {_ids(not_ready)} to be ready")
    return f"this volume holds no data, so {evidence.me} must not help form a quorum: " + "; ".join(
        parts or ["no quorum of this ensemble serves"]
    )


def _foreign(peer: PeerView, evidence: GateEvidence) -> str | None:
    """Why a serving peer is not our ensemble (a static resize), or None."""
    if peer.kind != "serving" or evidence.ensemble_size is None:
        return None
    if peer.mode == "standalone":
        what = "a standalone"
    elif peer.mode in QUORUM_STATES and peer.quorum_size not in (None, evidence.ensemble_size):
        what = f"a member of an ensemble of {peer.quorum_size} voters"
    else:
        return None
    return (
        f"{peer.id} serves its data as {what}, not as one of these {evidence.ensemble_size}"
        " voters: a static resize would replace that data with empty volumes; change the"
        " size with --reconfig instead"
    )


def _verb(singular: str, ids: list[int]) -> str:
    return singular if len(ids) == 1 else singular.removesuffix("s")


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)
