"""The Kubernetes manifests, runnable as written: their StatefulSets run in the image."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import StartStatefulSet
from tests.harness.clients import ContinuousWriter, new_client, stored_numbers
from tests.harness.manifests import manifest_statefulset
from tests.harness.members import server_state
from tests.harness.statefulset import wait_for


@pytest.mark.container
@pytest.mark.parametrize("name", ["zookeeper_mini.yaml", "zookeeper_micro.yaml"])
def test_the_statefulset_runs_as_written(statefulset: StartStatefulSet, name: str) -> None:
    sts = statefulset(manifest_statefulset(name))
    states = sorted(server_state(sts, i) or "unreadable" for i in range(sts.replicas))
    assert states == (["standalone"] if sts.replicas == 1 else ["follower", "follower", "leader"])


@pytest.mark.container
def test_a_rolling_restart_keeps_two_members_ready_and_every_write(
    statefulset: StartStatefulSet,
) -> None:
    sts = statefulset(manifest_statefulset("zookeeper_mini.yaml"))
    fewest_ready = [3]
    watching = threading.Event()

    def watch_ready() -> None:
        while not watching.wait(0.1):
            fewest_ready[0] = min(fewest_ready[0], sum(pod.ready for pod in sts.pods))

    watcher = threading.Thread(target=watch_ready, daemon=True)
    watcher.start()
    writer = ContinuousWriter(new_client(sts.connect_string()), "/roll")
    writer.start()
    wait_for(lambda: len(writer.acknowledged) >= 20, 60, lambda: "writer did not start")

    started = time.monotonic()
    for ordinal in reversed(range(sts.replicas)):  # as the controller: highest ordinal first
        sts.delete(ordinal)
        sts.wait_ready([ordinal], timeout=180)
    print(f"rolling restart took {time.monotonic() - started:.1f}s")
    before = len(writer.acknowledged)
    wait_for(lambda: len(writer.acknowledged) >= before + 20, 60, lambda: "writes stalled")
    writer.finish()
    watching.set()
    watcher.join(5)

    assert fewest_ready[0] >= 2, f"only {fewest_ready[0]} members Ready at one moment"
    stored = stored_numbers(sts.connect_string(), "/roll")
    missing = set(writer.acknowledged) - stored
    longest_gap = writer.longest_gap()
    print(
        f"{len(writer.acknowledged)} of {writer.attempts} writes acknowledged, "
        f"{len(missing)} lost; longest time without an acknowledged write {longest_gap:.1f}s"
    )
    assert not missing
