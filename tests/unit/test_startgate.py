"""The start gate: empty members start into new or serving ensembles, or once declared lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zkcontainer.startgate import GateEvidence, PeerView, Verdict, gate, present
from zkcontainer.volume import Volume

EMPTY = Volume("empty", 0, 0)
DATA = Volume("data", 0x1000000C5, 1)


def said(peer_id: int, volume: str = "empty", phase: str = "waiting") -> PeerView:
    return PeerView(peer_id, "announcing", volume=volume, phase=phase)  # type: ignore[arg-type]


def serving(peer_id: int, mode: str, quorum_size: int | None = 3) -> PeerView:
    return PeerView(peer_id, "serving", mode=mode, zxid=0x1000000C5, quorum_size=quorum_size)


def decide(
    peers: list[PeerView],
    *,
    me: int = 1,
    volume: Volume = EMPTY,
    heard: set[int] = frozenset(),  # type: ignore[assignment]
    declared: set[int] = frozenset(),  # type: ignore[assignment]
    size: int | None = 3,
) -> Verdict:
    return gate(
        GateEvidence(
            me=me,
            volume=volume,
            voters=frozenset({me, *(peer.id for peer in peers)}),
            peers={peer.id: peer for peer in peers},
            heard_empty=frozenset(heard),
            declared_lost=frozenset(declared),
            ensemble_size=size,
        )
    )


def test_a_volume_with_data_always_starts() -> None:
    verdict = decide([PeerView(2, "absent"), PeerView(3, "absent")], volume=DATA)
    assert (verdict.start, verdict.situation) == (True, "data")


def test_a_new_ensemble_forms_in_two_phases() -> None:
    first = decide([said(2), said(3)])
    assert (first.start, first.ready) == (False, True)
    assert "waiting for 2, 3 to be ready" in first.reason
    second = decide([said(2, phase="ready"), said(3, phase="ready")], heard={2, 3})
    assert (second.start, second.situation) == (True, "new")


def test_a_peer_that_started_after_saying_empty_still_counts() -> None:
    # 2 started ZooKeeper as soon as it heard everyone ready; 3 is ready.
    verdict = decide([PeerView(2, "running"), said(3, phase="ready")], heard={2, 3})
    assert (verdict.start, verdict.situation) == (True, "new")


def test_a_running_peer_never_heard_empty_is_never_counted() -> None:
    verdict = decide([PeerView(2, "running"), said(3, phase="ready")], heard={3})
    assert not verdict.start
    assert "2 runs a server that serves no quorum yet" in verdict.reason


def test_one_data_holder_keeps_every_empty_member_waiting() -> None:
    verdict = decide([said(2, "data"), said(3, phase="ready")], heard={3})
    assert not verdict.start
    assert "2 holds data" in verdict.reason
    assert present({2: said(2, "data"), 3: said(3), 4: PeerView(4, "running")}) == {2, 4}


def test_an_absent_voter_keeps_an_empty_member_waiting() -> None:
    verdict = decide([PeerView(2, "absent"), said(3)])
    assert not verdict.start
    assert "no answer from 2" in verdict.reason


def test_a_serving_quorum_of_this_ensemble_is_joined() -> None:
    verdict = decide([serving(2, "follower"), PeerView(3, "absent")])
    assert (verdict.start, verdict.situation) == (True, "serving")


def test_a_standalone_with_data_stalls_a_static_resize_and_names_reconfig() -> None:
    # A one-server release upgraded to three: pods 1 and 2 start empty.
    verdict = decide([serving(1, "standalone", None), said(3)], me=2)
    assert not verdict.start
    assert "1 serves its data as a standalone" in verdict.reason
    assert "--reconfig" in verdict.reason


def test_an_ensemble_of_another_size_is_not_this_one() -> None:
    verdict = decide([serving(2, "leader", 3), serving(3, "follower", 3)], me=4, size=5)
    assert not verdict.start
    assert "an ensemble of 3 voters, not as one of these 5" in verdict.reason


def test_with_reconfig_a_serving_peer_is_judged_by_its_configuration_elsewhere() -> None:
    assert not decide([serving(2, "leader"), PeerView(3, "absent")], size=None).start


def test_the_operators_declaration_lets_a_declared_member_start() -> None:
    peers = [said(2), PeerView(3, "running")]
    assert not decide(peers).start
    verdict = decide(peers, declared={1, 2})
    assert (verdict.start, verdict.situation) == (True, "declared")
    assert not decide(peers, declared={2}).start


views = st.builds(
    PeerView,
    id=st.just(0),
    kind=st.sampled_from(["absent", "announcing", "running", "serving"]),
    volume=st.sampled_from(["empty", "data", "restored"]),
    phase=st.sampled_from(["waiting", "ready"]),
    mode=st.sampled_from([None, "leader", "follower", "observer", "standalone"]),
    quorum_size=st.sampled_from([None, 1, 3, 5]),
)


@given(
    peers=st.lists(views, min_size=0, max_size=6),
    volume=st.sampled_from([EMPTY, DATA, Volume("restored", 0, 0)]),
    heard=st.sets(st.integers(min_value=2, max_value=8)),
    declared=st.sets(st.integers(min_value=1, max_value=8)),
    size=st.sampled_from([None, 1, 3, 5, 7]),
)
def test_an_empty_member_starts_only_when_new_serving_or_declared(
    peers: list[PeerView], volume: Volume, heard: set[int], declared: set[int], size: int | None
) -> None:
    numbered = [PeerView(**{**peer.__dict__, "id": i}) for i, peer in enumerate(peers, start=2)]
    verdict = decide(numbered, volume=volume, heard=heard, declared=declared, size=size)
    assert verdict.reason
    if not verdict.start:
        assert verdict.situation is None
        return
    if volume.holds_data:
        assert verdict.situation == "data"
        return
    if verdict.situation == "declared":
        assert 1 in declared
    elif verdict.situation == "serving":
        # (b): a leader or follower of an ensemble of this size serves.
        assert size is not None
        assert any(
            p.kind == "serving"
            and p.mode in ("leader", "follower")
            and p.quorum_size in (None, size)
            for p in numbered
        )
    else:
        # (a): every other voter said empty; none holds data, none is absent, and
        # one that runs was heard saying empty before.
        assert verdict.situation == "new"
        for peer in numbered:
            assert (peer.kind == "announcing" and peer.volume == "empty") or (
                peer.kind in ("running", "serving") and peer.id in heard
            )
