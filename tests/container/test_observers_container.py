"""3 voters and 2 observers, as the chart runs them (`observers: 2`), in the image.

One ensemble serves the module, in order: the observers observe (and the
chart's `helm test` says so), serve reads and forward writes; then two voters
are killed, and the observers, up, serve
nothing; then the voters return. A client writing through the observers runs
from the first test to the last, which checks every acknowledged write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import docker
import pytest
from kazoo.client import KazooClient

from tests.harness.chart import documents, render
from tests.harness.clients import ContinuousWriter, kazoo_client, new_client, stored_numbers
from tests.harness.ensemble import hosts, running
from tests.harness.members import alive, server_state, serving
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.status import status_once
from tests.harness.writes import written

pytestmark = pytest.mark.container

VOTERS, OBSERVERS = [0, 1, 2], [3, 4]
# The chart's own values, small: five JVMs share the machine.
VALUES = {
    "observers": len(OBSERVERS),
    "heap": "256M",
    "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
}


@dataclass
class Ensemble:
    sts: StatefulSet
    writer: ContinuousWriter  # writing through the observers alone


@pytest.fixture(scope="module")
def ensemble(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, image: str
) -> Iterator[Ensemble]:
    manifest = next(doc for doc in documents(render(VALUES)) if doc["kind"] == "StatefulSet")
    sts = StatefulSet(manifest, image, client=docker_client, services=["my-zk-cs"])
    with running(request, sts):
        assert [pod.name for pod in sts.pods] == [f"my-zk-{i}" for i in range(5)]
        writer = ContinuousWriter(new_client(hosts(sts, OBSERVERS)), "/writes")
        writer.start()
        try:
            yield Ensemble(sts, writer)
        finally:
            if writer.is_alive():
                writer.finish()


def test_the_voters_elect_a_leader_and_the_observers_observe(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    expected = ["follower", "follower", "leader", "observer", "observer"]
    states: list[str] = []

    def settled() -> bool:
        # Read again until all answer: mntr has a one-second deadline on a loaded machine.
        states[:] = [server_state(sts, i) or "unread" for i in VOTERS + OBSERVERS]
        return sorted(states[:3]) + states[3:] == expected

    wait_for(settled, 30, lambda: f"states {states}")
    # Readiness: an observer in sync ("observing - broadcast") serves.
    wait_for(lambda: all(serving(sts, i) for i in OBSERVERS), 30, lambda: "observers not Ready")
    written(ensemble.writer, 20)


def test_helm_test_passes_asking_every_observer(ensemble: Ensemble) -> None:
    code, output = ensemble.sts.run_pod(one_pod(render(VALUES)))
    assert code == 0, output
    assert output.count(": observer") == 2
    assert output.count(": leader") == 1


def one_pod(rendered: Mapping[str, str]) -> dict[str, Any]:
    """The chart's `helm test` pod."""
    (pod,) = [doc for doc in documents(rendered) if doc["kind"] == "Pod"]
    return pod


def test_zookeeper_status_shows_two_observers_outside_the_quorum(ensemble: Ensemble) -> None:
    result = status_once(ensemble.sts, 0)
    members = result.members
    assert [(m["id"], m["voting"]) for m in members] == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]
    assert [m["role"] for m in members[3:]] == ["observer", "observer"]
    quorum = json.loads(result.stdout)["quorum"]
    assert (quorum["voting_members"], quorum["needed"]) == (3, 2)


def test_an_observer_serves_reads_and_forwards_writes(ensemble: Ensemble) -> None:
    voter = hosts(ensemble.sts, [0])
    observer = hosts(ensemble.sts, [OBSERVERS[0]])  # the client knows no other member
    with kazoo_client(voter) as via_voter, kazoo_client(observer) as via_observer:
        via_voter.create("/from-a-voter", b"written via a voter")
        assert read(via_observer, "/from-a-voter") == b"written via a voter"
        via_observer.create("/from-an-observer", b"written via an observer")
        assert read(via_voter, "/from-an-observer") == b"written via an observer"


def read(zk: KazooClient, path: str) -> bytes:
    """`path`'s data after a sync: a server may serve reads a moment behind the leader."""
    zk.sync(path)
    data: bytes = zk.get(path)[0]
    return data


def test_with_two_voters_killed_the_observers_are_up_but_serve_nothing(
    ensemble: Ensemble,
) -> None:
    sts = ensemble.sts
    written(ensemble.writer, 20)
    for i in VOTERS[1:]:
        sts.kill(i)

    def observers_stop_serving() -> bool:
        return not any(serving(sts, i) for i in OBSERVERS)

    wait_for(observers_stop_serving, 60, lambda: "an observer still serves without a quorum")
    wait_for(lambda: all(alive(sts, i) for i in OBSERVERS), 30, lambda: "an observer is down")
    code, output = sts.exec(OBSERVERS[0], ["zookeeper-ready", "--serving"])
    assert code == 1
    assert "not serving" in output
    code, output = sts.exec(OBSERVERS[0], ["zookeeper-status"])
    assert code == 1
    assert "no quorum" in output


def test_once_the_voters_return_every_acknowledged_write_is_there(ensemble: Ensemble) -> None:
    sts, writer = ensemble.sts, ensemble.writer
    for i in VOTERS[1:]:
        sts.restart(i)
    sts.wait_ready(timeout=120)
    written(writer, 20)
    writer.finish()
    missing = set(writer.acknowledged) - stored_numbers(hosts(sts, VOTERS), "/writes")
    print(
        f"{len(writer.acknowledged)} of {writer.attempts} writes acknowledged, {len(missing)} lost"
    )
    assert not missing
