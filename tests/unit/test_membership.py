"""What a member starting in reconfig mode does, from what it knows about the ensemble."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.dynmembers import member
from zkcontainer.reconfig.decision import Decision, Evidence, decide, initial_members
from zkcontainer.reconfig.model import Member, Membership
from zkcontainer.startgate import Verdict
from zkcontainer.volume import Volume

OPEN = Verdict(True, "new", True, "every voter answered with an empty volume: a new ensemble")
CLOSED = Verdict(False, None, False, "this volume holds no data, so 1 must not help form a quorum")
DATA = Volume("data", last_zxid=0x100000005, epoch=1)
EMPTY = Volume("empty", last_zxid=0, epoch=0)


def ensemble(*ids: int, version: int = 0x100000000, observers: tuple[int, ...] = ()) -> Membership:
    return Membership(
        (*(member(i) for i in ids), *(member(i, "observer") for i in observers)), version
    )


def initial(servers: int = 3, observers: int = 0) -> tuple[Member, ...]:
    return initial_members(
        [member(i) for i in range(1, servers + 1)],
        [member(i) for i in range(servers + 1, servers + observers + 1)],
    )


def decision(
    my_id: int,
    *,
    live: Membership | None = None,
    local: Membership | None = None,
    has_data: bool = False,
    servers: int = 3,
    observers: int = 0,
    role: str = "participant",
    gate: Verdict | None = OPEN,
    live_zxid: int | None = None,
) -> Decision:
    return decide(
        Evidence(
            member(my_id, role),
            initial(servers, observers),
            live,
            local,
            DATA if has_data else EMPTY,
            live_zxid=live_zxid,
            gate=gate,
        )
    )


def test_a_restart_uses_the_serving_ensembles_configuration_unchanged() -> None:
    live = ensemble(1, 2, 3, 4, 5)
    result = decision(2, live=live, local=ensemble(1, 2, 3), has_data=True)
    assert (result.action, result.membership) == ("use", live)


def test_a_new_member_joins_the_serving_members_with_itself() -> None:
    result = decision(4, live=ensemble(1, 2, 3))
    assert result.action == "join"
    # Below the live version, so that it adopts the committed configuration.
    assert result.membership == ensemble(1, 2, 3, 4, version=0)


def test_a_member_on_a_stale_volume_rejoins_the_serving_ensemble() -> None:
    # Removed by a scale-down, its own file still lists it among the old members.
    result = decision(4, live=ensemble(1, 2, 3, 5), local=ensemble(1, 2, 3, 4, 5), has_data=True)
    assert (result.action, result.membership) == ("join", ensemble(1, 2, 3, 4, 5, version=0))


def test_an_observer_joins_as_an_observer() -> None:
    result = decision(4, live=ensemble(1, 2, 3), servers=3, observers=1, role="observer")
    assert result.membership is not None
    assert result.membership.get(4) == member(4, "observer")
    assert result.membership.voter_ids == {1, 2, 3}


def test_with_no_peer_serving_a_member_uses_its_own_last_configuration() -> None:
    local = ensemble(1, 2, 3, 4, 5)
    result = decision(5, local=local, has_data=True)
    assert (result.action, result.membership) == ("use", local)


def test_the_first_bootstrap_lists_every_initial_member() -> None:
    result = decision(1, servers=3, observers=2)
    assert result.action == "bootstrap"
    assert result.membership == ensemble(1, 2, 3, version=0, observers=(4, 5))


def test_an_initial_observer_bootstraps_with_the_initial_voters() -> None:
    result = decision(4, servers=3, observers=1, role="observer")
    assert result.action == "bootstrap"
    assert result.membership is not None
    assert result.membership.voter_ids == {1, 2, 3}


def test_a_one_server_ensemble_bootstraps_and_restarts_alone() -> None:
    assert decision(1, servers=1).membership == ensemble(1, version=0)
    alone = ensemble(1)
    assert (decision(1, servers=1, local=alone, has_data=True).action) == "use"


@pytest.mark.parametrize(
    ("my_id", "role"), [(1, "participant"), (3, "participant"), (4, "observer")]
)
def test_a_static_members_volume_starts_with_the_initial_members(my_id: int, role: str) -> None:
    # Data, no dynamic file ever written: the static mode, which never grew.
    result = decision(my_id, has_data=True, servers=3, observers=1, role=role)
    assert result.action == "use"
    assert result.membership == ensemble(1, 2, 3, version=0, observers=(4,))
    assert "static" in result.reason


@pytest.mark.parametrize(
    ("evidence", "why"),
    [
        (dict(my_id=4), "not one of the initial members"),
        (dict(my_id=5, has_data=True), "holds data but no configuration"),
        (dict(my_id=4, local=ensemble(1, 2, 3), has_data=True), "no longer lists 4"),
        (dict(my_id=1, local=ensemble(1)), "no voter but 1"),
        (dict(my_id=1, local=ensemble(1, observers=(4,))), "no voter but 1"),
        (dict(my_id=4, role="observer", observers=1, local=ensemble(observers=(4,))), "no voter"),
    ],
)
def test_with_no_peer_serving_it_waits_rather_than_guess(evidence: dict, why: str) -> None:
    result = decision(evidence.pop("my_id"), **evidence)
    assert (result.action, result.membership) == ("wait", None)
    assert why in result.reason


def test_a_serving_ensemble_whose_only_voter_is_this_member_is_still_its_ensemble() -> None:
    # Scaled down to one voter: what the serving (non-voting) members report is committed.
    live = ensemble(1, observers=(2, 3))
    assert decision(1, live=live).membership == live


ids = st.integers(min_value=1, max_value=9)


@st.composite
def memberships(draw: st.DrawFn) -> Membership | None:
    chosen = draw(st.sets(ids, max_size=7))
    if not chosen:
        return None
    observers = draw(st.sets(st.sampled_from(sorted(chosen))))
    return Membership(
        tuple(member(i, "observer" if i in observers else "participant") for i in chosen),
        draw(st.integers(min_value=0, max_value=2**40)),
    )


@given(
    my_id=ids,
    role=st.sampled_from(["participant", "observer"]),
    servers=st.integers(min_value=1, max_value=5),
    observers=st.integers(min_value=0, max_value=3),
    live=memberships(),
    local=memberships(),
    has_data=st.booleans(),
    gate=st.sampled_from([OPEN, CLOSED]),
    live_zxid=st.one_of(st.none(), st.integers(min_value=0, max_value=2**40)),
)
def test_no_decision_ever_starts_alone_without_this_member_or_behind_this_volume(
    my_id: int,
    role: str,
    servers: int,
    observers: int,
    live: Membership | None,
    local: Membership | None,
    has_data: bool,
    gate: Verdict,
    live_zxid: int | None,
) -> None:
    result = decision(
        my_id,
        role=role,
        servers=servers,
        observers=observers,
        live=live,
        local=local,
        has_data=has_data,
        gate=gate,
        live_zxid=live_zxid,
    )
    behind = live is not None and (
        (local is not None and live.version < local.version)
        or (has_data and live_zxid is not None and live_zxid < DATA.last_zxid)
    )
    if result.action == "wait":
        assert result.membership is None
        # A serving peer gives a way to start unless it is behind this volume.
        assert live is None or behind
        return
    assert not behind
    if live is None and not has_data:
        # An empty volume forms a quorum only when the start gate lets it.
        assert gate.start
    assert result.membership is not None
    assert my_id in result.membership
    if live is None and servers > 1:
        # Never a configuration in which this member could make a quorum by itself.
        assert result.membership.voter_ids - {my_id}
    if live is not None:
        assert result.membership.ids - {my_id} == live.ids - {my_id}
    if result.action == "bootstrap":
        assert live is None
        assert local is None
        assert not has_data
        assert result.membership.ids == set(range(1, servers + observers + 1))


def test_a_serving_ensemble_older_than_this_volumes_configuration_is_waited_out() -> None:
    # Two wiped members bootstrapped the initial three at version 0; this volume
    # saw the ensemble grow to five. Joining them would drop its configuration.
    result = decision(
        4, live=ensemble(1, 2, 3, version=0), local=ensemble(1, 2, 3, 4, 5), has_data=True
    )
    assert result.action == "wait"
    assert "older than this volume's" in result.reason


def test_a_serving_ensemble_behind_this_volumes_zxid_is_waited_out() -> None:
    live = ensemble(1, 2, 3, 4, 5)
    result = decision(3, live=live, local=live, has_data=True, live_zxid=0x100000002)
    assert result.action == "wait"
    assert "behind this volume's 0x100000005" in result.reason
    caught_up = decision(3, live=live, local=live, has_data=True, live_zxid=0x200000000)
    assert caught_up.action == "use"


@pytest.mark.parametrize("local", [None, ensemble(1, 2, 3, 4, 5)])
def test_an_empty_volume_starts_without_a_serving_ensemble_only_through_the_gate(
    local: Membership | None,
) -> None:
    waiting = decision(1, local=local, gate=CLOSED)
    assert waiting.action == "wait"
    assert "must not help form a quorum" in waiting.reason
    assert decision(1, local=local, gate=OPEN).action in ("use", "bootstrap")
    # With data the gate is not asked: ZooKeeper's election prefers the newest.
    assert decision(1, local=local, has_data=True, gate=None).action == "use"
