"""A rolling upgrade of ZooKeeper and its rollback, as the StatefulSet controller rolls a
new image: an ensemble of the previous image (ZooKeeper 3.9.3) is rolled pod by pod to
this image (3.9.6), highest ordinal first, each pod recreated on its volumes and Ready
before the next is deleted; then rolled back to 3.9.3 the same way, on the same
volumes, once 3.9.6 has written snapshots and transaction logs of its own there (a low
snapCount), so that 3.9.3 starts from 3.9.6's files. The first pod of each roll stays
down while 700 transactions go by, more than a leader keeps for a DIFF, and catches up
by SNAP from a leader of the other version (3.9.3 to 3.9.6, then 3.9.6 to 3.9.3); the
others catch up by DIFF, and a 3.9.3 follower serves under a 3.9.6 leader.

One ensemble serves the tests, in order, as an upgrade and its rollback happen to one
ensemble. A client writes throughout; every acknowledged write is read back from every
member after each roll, and the client's only failures are connection losses while a
member restarts. The pauses in its writes are printed, not asserted: the machine is
shared.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import pytest
from kazoo.exceptions import KazooException

from tests.harness.clients import ContinuousWriter, kazoo_client, new_client, stored_numbers
from tests.harness.ensemble import hosts, running
from tests.harness.manifests import manifest_statefulset
from tests.harness.members import leader_of
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.writes import written
from zkcontainer.fourlw import parse_lines

pytestmark = pytest.mark.container

PREVIOUS, NEW = "3.9.3", "3.9.6"
# A snapshot (and a new transaction log) every 100 to 200 transactions: ZooKeeper
# takes one after snapCount/2 plus a random share of the other half.
SNAP_COUNT = 200
DATA_DIR = "/var/lib/zookeeper/data"  # the manifest's --data_dir; --data_log_dir is under it
# More transactions than the 500 a leader keeps in memory to send a lagging member
# as a DIFF (zookeeper.commitLogCount, which cannot be set lower).
BURST = 700
PROGRESS = 20  # acknowledged writes that show the ensemble serves again after a step
WRITES = "/upgrade"
# How the learner log says it caught up with the leader (ZooKeeper's Learner).
SYNC_LINES = {
    "DIFF": "Getting a diff from the leader",
    "SNAP": "Getting a snapshot from leader",
    "TRUNC": "Truncating log to get in sync with the leader",
}


def upgrade_statefulset() -> dict[str, Any]:
    """manifests/zookeeper_mini.yaml's StatefulSet, snapshotting often."""
    manifest = manifest_statefulset("zookeeper_mini.yaml")
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["command"] = [
        *container["command"],
        f"--jvm_flags=-Dzookeeper.snapCount={SNAP_COUNT}",
    ]
    return manifest


@dataclass
class Step:
    """One pod replaced: from its deletion until the client wrote again after it was Ready."""

    pod: str
    version: str
    began: float
    settled: float


@dataclass
class Rollout:
    sts: StatefulSet
    writer: ContinuousWriter
    steps: list[Step] = field(default_factory=list)
    # Each pod's snapshots and logs just before it was deleted to run a version:
    # (version, ordinal) -> paths.
    files_before: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    bursts: dict[str, list[int]] = field(default_factory=dict)  # version -> acknowledged


@pytest.fixture(scope="module")
def rollout(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, previous_image: str
) -> Iterator[Rollout]:
    sts = StatefulSet(upgrade_statefulset(), previous_image, client=docker_client)
    with running(request, sts):
        writer = ContinuousWriter(new_client(sts.connect_string()), WRITES)
        writer.start()
        try:
            yield Rollout(sts, writer)
        finally:
            if writer.is_alive():
                writer.finish()


def mntr(sts: StatefulSet, ordinal: int) -> dict[str, str]:
    """The member's mntr, through `zookeeper-metrics` run in the pod."""
    code, output = sts.exec(ordinal, ["zookeeper-metrics"])
    assert code == 0, f"{sts.pod(ordinal).name}: zookeeper-metrics failed: {output}"
    return parse_lines(output)


def zookeeper_version(sts: StatefulSet, ordinal: int) -> str:
    """What the member's ZooKeeper says it is: 3.9.6-<commit>, built on <date>."""
    return mntr(sts, ordinal).get("zk_version", "")


def members(sts: StatefulSet) -> str:
    """Each member's ZooKeeper version and role."""
    described = []
    for i in range(sts.replicas):
        answers = mntr(sts, i)
        version = answers.get("zk_version", "?").split("-")[0]
        described.append(f"{sts.pod(i).name} {version} {answers.get('zk_server_state', '?')}")
    return ", ".join(described)


def zookeeper_files(sts: StatefulSet, ordinal: int) -> list[str]:
    """The member's snapshots and transaction logs, as paths."""
    find = ["find", DATA_DIR, "-name", "snapshot.*", "-o", "-name", "log.*"]
    code, output = sts.exec(ordinal, find)
    assert code == 0, output
    return output.split()


def zxid(path: str) -> int:
    """The zxid a snapshot or log is named after: its last one, or its first."""
    return int(path.rsplit(".", 1)[-1], 16)


def newest(files: list[str], kind: str) -> str:
    """The snapshot or log (`kind`) with the highest zxid in its name; '' if none."""
    named = [path for path in files if path.rsplit("/", 1)[-1].startswith(f"{kind}.")]
    return max(named, key=zxid, default="")


def loaded(log: str) -> tuple[str, int]:
    """The snapshot a member started from and the highest zxid it had after replaying
    the logs after it, from its log."""
    snapshot = re.search(r"Reading snapshot (\S+)", log)
    highest = re.search(r"Snapshot loaded in \d+ ms, highest zxid is 0x([0-9a-f]+)", log)
    assert snapshot, "no snapshot read"
    assert highest, "no database loaded"
    return snapshot[1], int(highest[1], 16)


def sync_with_leader(log: str) -> str:
    """How a restarted member caught up with the leader, from its log."""
    return ",".join(mode for mode, line in SYNC_LINES.items() if line in log) or "unlogged"


def roll_to(rollout: Rollout, image: str, version: str) -> None:
    """`helm upgrade` with a new image: the controller deletes each pod, highest ordinal
    first, and recreates it from the new template once the one before is Ready. The
    first pod stays down while more transactions than a leader keeps for a DIFF go by
    (a slow node, an image pull), so that it catches up by SNAP: the leader's snapshot,
    serialised by the other version; the others catch up as they find the leader."""
    sts, writer = rollout.sts, rollout.writer
    sts.set_image(image)
    everyone = list(range(sts.replicas))
    for i in reversed(everyone):
        led = leader_of(sts, everyone, timeout=60) == i
        rollout.files_before[version, i] = zookeeper_files(sts, i)
        began = time.monotonic()
        sts.stop(i)
        if i == everyone[-1]:
            others = [other for other in everyone if other != i]
            rollout.bursts[version] = write_burst(hosts(sts, others), f"/burst-{version}")
        sts.container(i).remove(force=True)
        sts.restart_as_new(i)
        # The client is given addresses; one given the pods' DNS names would resolve
        # the new pod's address on its next connection, as this one does now.
        writer.zk.set_hosts(sts.connect_string())
        sts.wait_ready([i], timeout=120)
        written(writer, PROGRESS)
        rollout.steps.append(Step(sts.pod(i).name, version, began, time.monotonic()))
        assert zookeeper_version(sts, i).startswith(version)
        leader = leader_of(sts, everyone, timeout=60)
        sync = sync_with_leader(sts.logs(i))
        print(
            f"{sts.pod(i).name} -> {version}{' (it led)' if led else ''}: synced with "
            f"{sts.pod(leader).name} by {sync}; longest pause in the client's writes "
            f"{writer.longest_gap(began):.1f}s; now {members(sts)}"
        )
        if i == everyone[-1]:
            assert "SNAP" in sync.split(","), f"{BURST} transactions behind, synced by {sync}"


def write_burst(connect: str, path: str) -> list[int]:
    """BURST creates under `path` at once (asynchronous, pipelined); the acknowledged."""
    with kazoo_client(connect) as zk:
        zk.ensure_path(path)
        pending = [zk.create_async(f"{path}/{n:06d}", b"x") for n in range(BURST)]
        acknowledged = []
        for n, result in enumerate(pending):
            with contextlib.suppress(KazooException):
                result.get(timeout=60)
                acknowledged.append(n)
    assert len(acknowledged) == BURST, f"{BURST - len(acknowledged)} of the burst failed"
    return acknowledged


def every_member_has_every_acknowledged_write(rollout: Rollout) -> None:
    sts = rollout.sts
    written_to = {WRITES: set(rollout.writer.acknowledged)} | {
        f"/burst-{version}": set(burst) for version, burst in rollout.bursts.items()
    }
    for i in range(sts.replicas):
        for path, acknowledged in written_to.items():
            missing = acknowledged - stored_numbers(f"{sts.address(i)}:2181", path)
            assert not missing, f"{sts.pod(i).name} lacks {len(missing)} writes under {path}"
    print(f"{sum(map(len, written_to.values()))} acknowledged writes on every member")


class TestRollingUpgradeAndRollback:
    def test_the_ensemble_starts_on_the_previous_zookeeper(self, rollout: Rollout) -> None:
        for i in range(rollout.sts.replicas):
            assert zookeeper_version(rollout.sts, i).startswith(PREVIOUS)
        written(rollout.writer, PROGRESS)

    def test_an_upgrade_pod_by_pod_keeps_a_quorum_serving_and_every_write(
        self, rollout: Rollout, image: str
    ) -> None:
        roll_to(rollout, image, NEW)
        every_member_has_every_acknowledged_write(rollout)

    def test_each_member_writes_snapshots_and_logs_of_its_own_under_the_new_zookeeper(
        self, rollout: Rollout
    ) -> None:
        """What the rollback's 3.9.3 will start from: a snapshot and a log no 3.9.3 wrote."""
        sts = rollout.sts

        for i in range(sts.replicas):
            before = rollout.files_before[NEW, i]

            def newest_written_since_the_upgrade(i: int = i, before: list[str] = before) -> bool:
                files = zookeeper_files(sts, i)
                return all(newest(files, kind) not in before for kind in ("snapshot", "log"))

            wait_for(newest_written_since_the_upgrade, 120, lambda: "no new snapshot or log")
            print(f"{sts.pod(i).name} before the rollback: {zookeeper_files(sts, i)}")

    def test_a_rollback_pod_by_pod_starts_from_the_new_zookeepers_files(
        self, rollout: Rollout, previous_image: str
    ) -> None:
        sts = rollout.sts
        roll_to(rollout, previous_image, PREVIOUS)
        for i in range(sts.replicas):
            name, log = sts.pod(i).name, sts.logs(i)
            snapshot, highest = loaded(log)
            before = rollout.files_before[PREVIOUS, i]  # every one written under 3.9.6
            print(f"{name} on {PREVIOUS} read {snapshot} and replayed up to zxid {highest:#x}")
            # ZooKeeper falls back to an older snapshot when it cannot read the newest:
            # it must have read the newest, one 3.9.6 wrote (the pod may have taken a
            # newer one still while it stopped), and then 3.9.6's newest log.
            assert snapshot not in rollout.files_before[NEW, i], f"{name} read {PREVIOUS}'s"
            assert zxid(snapshot) >= zxid(newest(before, "snapshot"))
            assert highest >= zxid(newest(before, "log"))
            assert "problem reading snap file" not in log
        every_member_has_every_acknowledged_write(rollout)

    def test_the_client_failed_only_by_losing_its_connection_while_a_member_restarted(
        self, rollout: Rollout
    ) -> None:
        writer = rollout.writer
        writer.finish()
        kinds = {kind for _, kind in writer.failures}
        print(
            f"{len(writer.acknowledged)} of {writer.attempts} writes acknowledged; "
            f"failures: {len(writer.failures)} ({', '.join(sorted(kinds)) or 'none'})"
        )
        assert kinds <= {"ConnectionLoss"}
        outside = [
            at
            for at, _ in writer.failures
            if not any(step.began <= at <= step.settled for step in rollout.steps)
        ]
        assert not outside, f"{len(outside)} writes failed while no member restarted"
