"""A static ensemble turned to --reconfig one member at a time, with real ZooKeeper servers.

The restarted member reads the live configuration from static members, whose
server lines have no client part; it must still serve clients on the
StatefulSet's client port. The namespaces and pods are tests/harness/netns.py's, as
tests/process/test_reconfig_process.py runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.harness.netns import BIN, DOMAIN, Network, Pod, prepare
from tests.harness.prerequisites import missing

pytestmark = pytest.mark.process


@dataclass
class MigratingPod(Pod):
    reconfig: bool = False

    def flags(self) -> list[str]:
        flags = super().flags()
        if self.reconfig:
            return flags
        return [flag for flag in flags if not flag.startswith("--reconfig")]


@pytest.fixture(scope="module")
def static_pods(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, MigratingPod]]:
    network = Network(f"{(os.getpid() + 5000) % 10000:04d}", f"10.253.{20 + os.getpid() % 200}")
    root, hosts = prepare(tmp_path_factory, "reconfig-migration")
    pods = {i: MigratingPod(i, root / f"zk-{i - 1}", network, hosts) for i in (1, 2, 3)}
    try:
        try:
            network.open(3)
        except subprocess.CalledProcessError as error:
            missing(f"cannot make namespaces and a bridge: {error.stderr.decode().strip()}")
        for pod in pods.values():
            pod.start()
        for pod in pods.values():
            pod.wait_serving()
        yield pods
    finally:
        for pod in pods.values():
            pod.stop()
        network.close()


def test_a_member_restarted_with_reconfig_serves_beside_static_members(
    static_pods: dict[int, MigratingPod],
) -> None:
    pod = static_pods[3]
    assert "reconfigEnabled" not in (pod.root / "conf" / "zoo.cfg").read_text()
    pod.stop()
    pod.reconfig = True
    pod.start()
    pod.wait_serving()  # answers mntr on 2181: it has a client port
    assert "membership: use" in pod.output()
    dynamic = sorted((pod.root / "data" / "reconfig").glob("zoo.cfg.dynamic.*"))
    assert dynamic, pod.output()
    lines = dynamic[-1].read_text().splitlines()
    assert lines == [
        f"server.{i}=zk-{i - 1}.{DOMAIN}:2888:3888:participant;2181" for i in (1, 2, 3)
    ], pod.output()
    ready = subprocess.run(
        pod.inside([str(BIN / "zookeeper-ready"), "--serving"]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert ready.returncode == 0, ready.stdout + ready.stderr


def test_the_rest_of_the_roll_leaves_a_dynamic_ensemble_with_a_quorum(
    static_pods: dict[int, MigratingPod],
) -> None:
    """Members 2, then 1, restarted with --reconfig as a rolling update goes on: each
    serves again before the next, and at the end every member runs reconfigEnabled
    and the three still make one ensemble."""
    for i in (2, 1):
        pod = static_pods[i]
        pod.stop()
        pod.reconfig = True
        pod.start()
        pod.wait_serving()
        assert "membership: use" in pod.output()
    for pod in static_pods.values():
        assert "reconfigEnabled=true" in (pod.root / "conf" / "zoo.cfg").read_text()
    status = subprocess.run(
        static_pods[1].inside(
            [
                str(BIN / "zookeeper-status"),
                f"--conf_dir={static_pods[1].root / 'conf'}",
                "--format=json",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    members = json.loads(status.stdout)["members"]
    assert sorted(member["role"] for member in members) == ["follower", "follower", "leader"]
