"""Dynamic membership in the image, as the chart runs it with `reconfig: true`: the
StatefulSet scaled as `kubectl scale` scales it, members removed with
`zookeeper-scale`, the superuser's password a Secret mounted whole.

One ensemble serves the scaling tests, in order, as a production one lives: it
grows from 3 to 5 (the two new pods started together), shrinks back to 3 with
`zookeeper-scale 3` and then `kubectl scale`, grows to 5 again on the volumes
the removed pods left, restarts rolling, and has a member restarted cut off
from every peer with its configuration wiped. A client writes throughout, and
the last test checks every acknowledged write. The observers need an
ensemble of their own (`--observers` is fixed at install), started once the
first is gone: five JVMs at a time share the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import pytest
from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

from tests.harness.clients import ContinuousWriter, kazoo_client, stored_numbers, writing
from tests.harness.ensemble import hosts, running
from tests.harness.members import alive, serving
from tests.harness.podprocesses import until_children_end, zombies
from tests.harness.reconfigpods import (
    chart_pods,
    chart_statefulset,
    live_membership,
    membership_becomes,
    roles,
    voters,
)
from tests.harness.reconfigpods import secrets as secrets  # noqa: PLC0414  (a fixture)
from tests.harness.statefulset import ProbeResult, StatefulSet, wait_for
from tests.harness.writes import written
from zkcontainer.reconfig.model import Membership, parse_dynamic_file

pytestmark = pytest.mark.container

ORIGINAL = [0, 1, 2]
RECONFIG_DIR = "data/reconfig"  # <data_dir>/reconfig, on the claim mounted at /var/lib/zookeeper


def new_statefulset(
    docker_client: docker.DockerClient, image: str, secrets: dict[str, str], **values: Any
) -> StatefulSet:
    return chart_pods(chart_statefulset(values), docker_client, image, secrets)


# -- scaling, rolling restart and isolation: one ensemble ----------------------------------


@dataclass
class Ensemble:
    sts: StatefulSet
    writer: ContinuousWriter  # through the original members, which never restart until the roll
    runs: dict[int, tuple[str, str, int]] = field(default_factory=dict)


@pytest.fixture(scope="class")
def ensemble(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    secrets: dict[str, str],
) -> Iterator[Ensemble]:
    sts = new_statefulset(docker_client, image, secrets)
    with running(request, sts), writing(hosts(sts, ORIGINAL), "/writes") as writer:
        yield Ensemble(sts, writer, {i: sts.container_run(i) for i in ORIGINAL})


def never_restarted(ensemble: Ensemble) -> None:
    """The original members run in the containers they started in, never restarted."""
    sts = ensemble.sts
    for i in ORIGINAL:
        assert sts.container_run(i) == ensemble.runs[i], f"{sts.pod(i).name} restarted"
        sts.container(i).reload()
        assert sts.container(i).status == "running"


class TestScalingRoundTrip:
    def test_three_members_bootstrap_a_dynamic_ensemble_of_three_voters(
        self, ensemble: Ensemble
    ) -> None:
        membership = membership_becomes(ensemble.sts, 0, voters(1, 2, 3))
        assert membership.version > 0
        written(ensemble.writer, 20)

    def test_two_pods_started_together_both_join_as_voters(self, ensemble: Ensemble) -> None:
        sts = ensemble.sts
        sts.scale(5)  # Parallel: both pods start at once and race to add themselves
        sts.wait_ready()
        for i in range(5):
            membership_becomes(sts, i, voters(1, 2, 3, 4, 5))
        written(ensemble.writer, 20)
        never_restarted(ensemble)

    def test_the_joiners_leave_no_zombie_once_their_members_are_added(
        self, ensemble: Ensemble
    ) -> None:
        sts = ensemble.sts
        for i in (3, 4):  # the two pods that joined by reconfig
            until_children_end(sts.container(i), 60)
            assert zombies(sts.container(i)) == [], sts.pod(i).name

    def test_zookeeper_scale_removes_the_members_above_n_and_is_idempotent(
        self, ensemble: Ensemble
    ) -> None:
        sts = ensemble.sts
        code, output = sts.exec(0, ["zookeeper-scale", "3"])
        assert code == 0, output
        assert live_membership(sts, 0).voter_ids == {1, 2, 3}
        code, output = sts.exec(1, ["zookeeper-scale", "3"])  # any member; nothing left to do
        assert code == 0, output
        written(ensemble.writer, 20)
        never_restarted(ensemble)

    def test_deleting_the_removed_pods_keeps_the_three_serving(self, ensemble: Ensemble) -> None:
        sts = ensemble.sts
        sts.scale(3)
        assert [pod.name for pod in sts.pods] == ["my-zk-0", "my-zk-1", "my-zk-2"]
        membership_becomes(sts, 0, voters(1, 2, 3))
        written(ensemble.writer, 20)
        # The volumes stay, as PVCs do, with the configuration that still lists them.
        for ordinal in (3, 4):
            files = sts.on_volume("datadir", ordinal, f"ls /v/{RECONFIG_DIR}")
            assert "zoo.cfg.dynamic." in files, files
        never_restarted(ensemble)

    def test_pods_back_on_stale_volumes_rejoin_as_voters(self, ensemble: Ensemble) -> None:
        sts = ensemble.sts
        sts.scale(5)
        sts.wait_ready()
        for i in range(5):
            membership_becomes(sts, i, voters(1, 2, 3, 4, 5))
        written(ensemble.writer, 20)
        never_restarted(ensemble)

    def test_no_acknowledged_write_is_lost_through_the_round_trip(self, ensemble: Ensemble) -> None:
        writer = ensemble.writer
        written(writer, 20)
        acknowledged = set(writer.acknowledged)
        stored = stored_numbers(hosts(ensemble.sts, ORIGINAL), "/writes")
        print(f"{len(acknowledged)} of {writer.attempts} writes acknowledged so far")
        assert acknowledged <= stored

    def test_a_rolling_restart_keeps_the_membership(self, ensemble: Ensemble) -> None:
        sts = ensemble.sts
        before = live_membership(sts, 0)
        sts.rolling_restart()  # my-zk-4 first, each Ready before the next
        sts.wait_ready()
        for i in range(5):
            after = membership_becomes(sts, i, roles(before))
            assert after.members == before.members
        written(ensemble.writer, 20)

    def test_a_member_restarted_cut_off_with_its_configuration_wiped_never_serves_alone(
        self, ensemble: Ensemble
    ) -> None:
        sts, cut = ensemble.sts, 4
        with kazoo_client(hosts(sts, [0, 1, 2])) as zk:
            zk.create("/before-the-cut", b"seen by every member")
        sts.cut(cut)
        sts.stop(cut)
        sts.container(cut).remove(force=True)
        # Its data stays; what ZooKeeper and start-zookeeper wrote of the membership goes.
        sts.on_volume("datadir", cut, f"rm -rf /v/{RECONFIG_DIR}")
        sts.restart_as_new(cut)
        with kazoo_client(hosts(sts, [0, 1, 2])) as zk:
            zk.create("/during-the-cut", b"the ensemble goes on without it")
        # However long it is left, it is never Ready and takes no session: it waits,
        # alive (start-zookeeper answers the liveness probe while it decides).
        wait_for(
            lambda: probed(sts, cut) >= 6,
            180,
            lambda: f"{sts.pod(cut).name} probed {probed(sts, cut)} times",
        )
        assert not sts.pod(cut).ready
        results = probe_results(sts, cut)
        assert not [result for result in results if result.kind == "readiness" and result.ok]
        assert sts.pod(cut).live
        assert not serving(sts, cut)
        assert not takes_a_session(cut_off_address(sts, cut))
        # Whatever it wrote of the membership names another voter, never itself alone.
        for membership in dynamic_files(sts, cut):
            assert membership.voter_ids - {cut + 1}, membership

    def test_once_the_cut_heals_it_rejoins_with_the_ensembles_data(
        self, ensemble: Ensemble
    ) -> None:
        sts, cut = ensemble.sts, 4
        sts.heal(cut)
        sts.wait_ready([cut])
        membership_becomes(sts, cut, voters(1, 2, 3, 4, 5))
        with kazoo_client(hosts(sts, [cut])) as zk:
            zk.sync("/")
            assert zk.exists("/before-the-cut")
            assert zk.exists("/during-the-cut")
            assert not zk.exists("/written-alone")

    def test_every_acknowledged_write_is_there_at_the_end(self, ensemble: Ensemble) -> None:
        sts, writer = ensemble.sts, ensemble.writer
        writer.finish()
        stored = stored_numbers(hosts(sts, list(range(5))), "/writes")
        missing = set(writer.acknowledged) - stored
        print(
            f"{len(writer.acknowledged)} of {writer.attempts} writes acknowledged, "
            f"{len(missing)} lost"
        )
        assert not missing


def probe_results(sts: StatefulSet, ordinal: int) -> list[ProbeResult]:
    """The probes' results for the pod's current container."""
    pod = sts.pod(ordinal)
    return [result for result in pod.results if result.at >= pod.started_at]


def probed(sts: StatefulSet, ordinal: int) -> int:
    return len(probe_results(sts, ordinal))


def cut_off_address(sts: StatefulSet, ordinal: int) -> str:
    """The pod's address on the network it is cut off onto: this machine reaches it."""
    container = sts.container(ordinal)
    container.reload()
    (network,) = container.attrs["NetworkSettings"]["Networks"].values()
    return str(network["IPAddress"])


def takes_a_session(address: str) -> bool:
    """Whether a client reaching `address` alone gets a session (and could write)."""
    zk = KazooClient(hosts=f"{address}:2181", timeout=5)
    try:
        zk.start(timeout=10)
    except KazooTimeoutError:
        return False
    finally:
        zk.stop()
        zk.close()
    return True


def dynamic_files(sts: StatefulSet, ordinal: int) -> list[Membership]:
    """Every dynamic file in the pod's reconfig directory."""
    directory = f"/var/lib/zookeeper/{RECONFIG_DIR}"
    code, names = sts.exec(ordinal, f"ls {directory} 2>/dev/null | grep 'dynamic\\.[0-9a-f]*$'")
    found = []
    for name in names.split() if code == 0 else []:
        text = sts.exec(ordinal, ["cat", f"{directory}/{name}"])[1]
        found.append(parse_dynamic_file(text, name))
    return found


# -- observers in reconfig mode -------------------------------------------------------------


VOTERS, OBSERVERS = [0, 1, 2], [3, 4]


@pytest.fixture(scope="class")
def with_observers(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    secrets: dict[str, str],
) -> Iterator[StatefulSet]:
    sts = new_statefulset(docker_client, image, secrets, observers=len(OBSERVERS))
    with running(request, sts):
        yield sts


class TestObservers:
    def test_the_observers_are_members_that_do_not_vote(self, with_observers: StatefulSet) -> None:
        expected = {**voters(1, 2, 3), 4: "observer", 5: "observer"}
        for i in VOTERS + OBSERVERS:
            membership_becomes(with_observers, i, expected)

    def test_an_observer_serves_reads(self, with_observers: StatefulSet) -> None:
        sts = with_observers
        with kazoo_client(hosts(sts, [0])) as via_voter:
            via_voter.create("/read-from-an-observer", b"written via a voter")
        for i in OBSERVERS:
            with kazoo_client(hosts(sts, [i])) as via_observer:
                via_observer.sync("/read-from-an-observer")
                assert via_observer.get("/read-from-an-observer")[0] == b"written via a voter"

    def test_with_two_voters_killed_there_is_no_quorum_though_the_observers_are_up(
        self, with_observers: StatefulSet
    ) -> None:
        sts = with_observers
        for i in VOTERS[1:]:
            sts.kill(i)
        wait_for(
            lambda: not any(serving(sts, i) for i in [VOTERS[0], *OBSERVERS]),
            60,
            lambda: "a member still serves with one voter of three",
        )
        assert all(alive(sts, i) for i in OBSERVERS)
        code, output = sts.exec(OBSERVERS[0], ["zookeeper-status"])
        assert code == 1
        assert "no quorum" in output
