"""No start loses acknowledged writes: the start gate in the image, as the chart runs it.

Each accident is played on ensembles of the image run as their StatefulSet
runs them, with clients writing throughout and every acknowledged create
counted; a wiped volume is a PVC replaced by an empty one. Without the
start gate each of these lost every write acknowledged in between
(start-zookeeper before it: a new quorum of empty volumes, or of an empty and
a stale one, truncated the member with the data).

One static ensemble of three lives through the static cases in order: it
forms from three new volumes started together; one volume is replaced in a
healthy ensemble; one is wiped while the member with the newest data is down
(case 4); two are wiped while the member holding the data is down (case 3).
A one-member release resized to three (case 1) and a reconfig ensemble grown
to five and cold-started with two volumes wiped (case 2) have their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import pytest

from tests.harness.chart import documents, render
from tests.harness.clients import ContinuousWriter, kazoo_client, new_client, stored_numbers
from tests.harness.ensemble import hosts, running
from tests.harness.members import alive, serving
from tests.harness.reconfigpods import SECRET, SMALL_STOPPED_QUICKLY, membership_becomes, voters
from tests.harness.reconfigpods import secrets as secrets  # noqa: PLC0414  (a fixture)
from tests.harness.statefulset import StatefulSet, wait_for

pytestmark = pytest.mark.container

CLAIM = "datadir"
PATH = "/acknowledged"
# How long a member is watched to stay waiting: several of its looks, with the
# pause grown to its longest.
WATCHED = 20.0


def chart_statefulset(**values: Any) -> dict[str, Any]:
    rendered = render({**SMALL_STOPPED_QUICKLY, **values})
    return next(doc for doc in documents(rendered) if doc["kind"] == "StatefulSet")


@dataclass
class Writes:
    """Clients writing throughout, one after another as members come and go; every
    create any of them had acknowledged."""

    sts: StatefulSet
    acknowledged: set[int] = field(default_factory=set)
    writer: ContinuousWriter | None = None
    counter: int = 0

    def start(self, ordinals: list[int]) -> None:
        """A client through these members, numbering its creates after every earlier one."""
        self.stop()
        self.counter += 1
        writer = ContinuousWriter(new_client(hosts(self.sts, ordinals)), f"{PATH}/{self.counter}")
        writer.start()
        self.writer = writer
        wait_for(lambda: len(writer.acknowledged) >= 20, 60, lambda: "no write acknowledged")

    def more(self, count: int) -> None:
        """Wait until the running client has `count` more creates acknowledged."""
        writer = self.writer
        assert writer is not None
        goal = len(writer.acknowledged) + count
        wait_for(lambda: len(writer.acknowledged) >= goal, 60, lambda: "no write acknowledged")

    def stop(self) -> None:
        if self.writer is None:
            return
        self.writer.stop.set()
        self.writer.join(30)
        self.acknowledged |= {self.counter * 1_000_000 + n for n in self.writer.acknowledged}
        self.writer.zk.stop()
        self.writer.zk.close()
        self.writer = None

    def stored(self, ordinals: list[int]) -> set[int]:
        with kazoo_client(hosts(self.sts, ordinals)) as zk:
            zk.sync(PATH)
            found = set()
            for child in zk.get_children(PATH):
                numbers = stored_numbers(hosts(self.sts, ordinals), f"{PATH}/{child}")
                found |= {int(child) * 1_000_000 + n for n in numbers}
            return found

    def none_lost(self, ordinals: list[int]) -> str:
        """Every acknowledged create is there; how many were acknowledged, and stored."""
        self.stop()
        stored = self.stored(ordinals)
        missing = self.acknowledged - stored
        assert not missing, f"{len(missing)} of {len(self.acknowledged)} acknowledged lost"
        return f"{len(self.acknowledged)} creates acknowledged, {len(stored)} stored, none lost"


def wipe(sts: StatefulSet, ordinal: int) -> None:
    """The pod's claim replaced by a new, empty one."""
    sts.on_volume(CLAIM, ordinal, "find /v -mindepth 1 -delete")


def readiness(sts: StatefulSet, ordinal: int) -> str:
    """What the pod's readiness probe said last."""
    said = [r.output for r in sts.pod(ordinal).results if r.kind == "readiness"]
    return said[-1] if said else ""


def stays_waiting(sts: StatefulSet, ordinals: list[int], reason: str) -> None:
    """These pods run, answer their liveness probe, never serve, and their readiness
    probe says they wait for `reason`."""
    for ordinal in ordinals:
        wait_for(lambda o=ordinal: alive(sts, o), 30, lambda: "never answered ruok")
    until = time.monotonic() + WATCHED
    while time.monotonic() < until:
        for ordinal in ordinals:
            assert sts.exec(ordinal, ["zookeeper-ready"])[0] == 0, sts.logs(ordinal)[-3000:]
            assert not serving(sts, ordinal), sts.logs(ordinal)[-3000:]
        time.sleep(2)
    for ordinal in ordinals:
        said = lambda o=ordinal: readiness(sts, o)  # noqa: E731
        wait_for(lambda said=said: reason in said(), 30, said)
        assert sts.pod(ordinal).live
        assert "this volume holds no data, so" in sts.logs(ordinal)


def same_tree(sts: StatefulSet, ordinals: list[int]) -> None:
    """Every member at the same zxid with the same znode count, as zookeeper-status
    reads them (and calls DIVERGED when they differ)."""
    seen: list[set[tuple[object, object]]] = []

    def agree() -> bool:
        code, output = sts.exec(ordinals[0], ["zookeeper-status", "--format=json"])
        members = json.loads(output)["members"] if output.startswith("{") else []
        seen[:] = [{(m["zxid"], m["znodes"]) for m in members}]
        return code == 0 and len(members) == len(ordinals) and len(seen[0]) == 1

    wait_for(agree, 60, lambda: f"members differ: {seen}", step=1)


def stop_all(sts: StatefulSet, ordinals: list[int]) -> None:
    for ordinal in ordinals:
        sts.stop(ordinal)


# -- one static ensemble of three ------------------------------------------------------------


@pytest.fixture(scope="class")
def static(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, image: str
) -> Iterator[tuple[StatefulSet, Writes]]:
    sts = StatefulSet(chart_statefulset(replicas=3), image, client=docker_client)
    with running(request, sts):
        yield sts, Writes(sts)


class TestStaticEnsemble:
    def test_three_new_volumes_started_together_form_a_new_ensemble(
        self, static: tuple[StatefulSet, Writes]
    ) -> None:
        sts, writes = static
        # A quorum of them finds every voter empty and starts a new ensemble; one still
        # waiting for an answer when that quorum forms finds it serving and joins it.
        logs = {ordinal: sts.logs(ordinal) for ordinal in (0, 1, 2)}
        new = {o for o, log in logs.items() if "every voter answered with an empty volume" in log}
        joined = {o for o, log in logs.items() if "of this ensemble: joining it" in log}
        assert len(new) >= 2, logs
        assert new | joined == {0, 1, 2}, logs
        writes.start([0, 1, 2])
        time.sleep(2)
        writes.stop()
        assert writes.acknowledged
        writes.none_lost([0, 1, 2])

    def test_a_replaced_volume_in_a_healthy_ensemble_rejoins_by_itself(
        self, static: tuple[StatefulSet, Writes]
    ) -> None:
        sts, writes = static
        writes.start([0, 1])
        sts.stop(2)
        wipe(sts, 2)
        sts.restart(2)
        sts.wait_ready([2], timeout=120)
        assert "of this ensemble: joining it" in sts.logs(2)
        time.sleep(2)
        writes.none_lost([0, 1, 2])
        same_tree(sts, [0, 1, 2])

    def test_a_volume_wiped_while_the_newest_member_is_down_waits_for_it(
        self, static: tuple[StatefulSet, Writes]
    ) -> None:
        # Case 4: 2 lags, 0 has the newest data, 1 is wiped.
        sts, writes = static
        writes.start([0, 1])
        sts.stop(2)  # lagging from here on
        before = len(writes.writer.acknowledged) if writes.writer else 0
        wait_for(
            lambda: writes.writer is not None and len(writes.writer.acknowledged) > before + 50,
            60,
            lambda: "no writes",
        )
        writes.stop()
        stop_all(sts, [0, 1])
        wipe(sts, 1)
        sts.restart(2)
        sts.restart(1)
        # The wiped member and the lagging one would be a quorum: the wiped one waits.
        stays_waiting(sts, [1], "must not help form a quorum")
        assert not serving(sts, 2)
        sts.restart(0)
        sts.wait_ready([0, 1, 2], timeout=180)
        writes.start([0, 1, 2])
        time.sleep(2)
        print(f"case 4: {writes.none_lost([0, 1, 2])}")
        same_tree(sts, [0, 1, 2])

    def test_two_volumes_wiped_while_the_data_holder_is_down_wait_for_the_operator(
        self, static: tuple[StatefulSet, Writes]
    ) -> None:
        # Case 3: 0 holds the data; 1 and 2 are wiped; more than the ensemble tolerates.
        sts, writes = static
        writes.start([0, 1, 2])
        writes.stop()
        stop_all(sts, [2, 1, 0])
        wipe(sts, 1)
        wipe(sts, 2)
        sts.restart(1)
        sts.restart(2)
        stays_waiting(sts, [1, 2], "no answer from 1")
        sts.restart(0)  # it holds data, so it starts; alone it is no quorum
        stays_waiting(sts, [1, 2], "1 runs a server that serves no quorum yet")
        code, output = sts.exec(1, ["zookeeper-declare-lost", "9", "1"])
        assert code == 2, output
        assert "ID 9: not a voter of this ensemble (voters: 1, 2, 3)" in output
        assert "ID 1: present" in output
        code, output = sts.exec(1, ["zookeeper-declare-lost", "2", "3"])
        assert code == 0, output
        # Declared in one pod; the other takes it from its announcement, or joins
        # the quorum the declared member and the data holder formed meanwhile.
        sts.wait_ready([0, 1, 2], timeout=180)
        assert "the operator declared the data of 2 (in this pod), 3 (in this pod) lost" in (
            sts.logs(1)
        )
        last_start = sts.logs(2).rsplit("waiting: ", 1)[-1]
        assert "announced by 2" in last_start or "of this ensemble: joining it" in last_start
        writes.start([0, 1, 2])
        time.sleep(2)
        print(f"case 3: {writes.none_lost([0, 1, 2])}")
        same_tree(sts, [0, 1, 2])


# -- case 1: a static resize of a one-member release -----------------------------------------


def test_a_static_resize_from_one_to_three_stalls_before_the_data_is_touched(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, image: str
) -> None:
    sts = StatefulSet(chart_statefulset(replicas=1), image, client=docker_client)
    with running(request, sts):
        writes = Writes(sts)
        writes.start([0])
        # helm upgrade --set replicas=3: pods 1 and 2 start empty with --servers=3.
        sts.upgrade(chart_statefulset(replicas=3))
        stays_waiting(sts, [1, 2], "--reconfig")
        assert "1 serves its data as a standalone" in readiness(sts, 1)
        # Never Ready, so the controller never rolls pod 0, which serves throughout.
        assert serving(sts, 0)
        # helm rollback: the waiting pods go at SIGTERM, not at the grace period's end.
        assert sts.stop(2) < SMALL_STOPPED_QUICKLY["terminationGracePeriodSeconds"] - 1
        print(f"case 1: {writes.none_lost([0])}")


# -- case 2: a grown reconfig ensemble, cold-started with two volumes wiped ------------------


def test_a_cold_start_of_a_grown_reconfig_ensemble_with_two_wiped_volumes_loses_nothing(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    secrets: dict[str, str],
) -> None:
    manifest = chart_statefulset(replicas=3, reconfig=True)
    sts = StatefulSet(manifest, image, client=docker_client, services=["my-zk-cs"], secrets=secrets)
    assert SECRET in secrets
    with running(request, sts):
        writes = Writes(sts)
        writes.start([0, 1, 2])
        sts.scale(5)
        sts.wait_ready(timeout=180)
        membership_becomes(sts, 0, voters(1, 2, 3, 4, 5))
        time.sleep(2)
        writes.stop()
        stop_all(sts, [0, 1, 2, 3, 4])
        wipe(sts, 0)
        wipe(sts, 1)
        sts.restart(0)
        sts.restart(1)
        stays_waiting(sts, [0, 1], "must not help form a quorum")
        for ordinal in (2, 3, 4):
            sts.restart(ordinal)
        sts.wait_ready(timeout=180)
        membership_becomes(sts, 0, voters(1, 2, 3, 4, 5))
        writes.start([0, 1, 2, 3, 4])
        time.sleep(2)
        print(f"case 2: {writes.none_lost([0, 1, 2, 3, 4])}")
        same_tree(sts, [0, 1, 2, 3, 4])
