"""start-zookeeper --reconfig and zookeeper-scale with real ZooKeeper servers on this machine.

Each member runs in a network namespace of its own, as a pod has, so that
every one listens on the same ports under its StatefulSet name
(zk-N.zk-hs.test, from a hosts file bind-mounted over /etc/hosts in its mount
namespace). The namespaces share a bridge whose frames skip the host's
iptables; the tests reach each member at its address on that bridge.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.harness.netns import BIN, DOMAIN, PASSWORD, WAIT, Network, Pod, prepare
from tests.harness.prerequisites import missing
from zkcontainer.reconfig.client import ReconfigError, read_membership
from zkcontainer.reconfig.model import Membership

pytestmark = pytest.mark.process

MEMBERS = 4  # ids 1..4: three initial voters and one that joins


@dataclass
class Ensemble:
    pods: dict[int, Pod]

    def live(self) -> Membership:
        hosts = [pod.address for pod in self.pods.values() if pod.process is not None]
        return read_membership(hosts, timeout=10)

    def wait_for(self, wanted: str, check: object) -> Membership:
        deadline = time.monotonic() + WAIT
        last: Membership | None = None
        while time.monotonic() < deadline:
            try:
                last = self.live()
            except ReconfigError:
                last = None
            if last is not None and check(last):  # type: ignore[operator]
                return last
            time.sleep(0.5)
        logs = "\n".join(f"--- zk-{i - 1}\n{p.output()[-2000:]}" for i, p in self.pods.items())
        raise AssertionError(f"never {wanted}; last configuration {last}\n{logs}")


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ensemble]:
    network = Network(f"{os.getpid() % 10000:04d}", f"10.254.{20 + os.getpid() % 200}")
    root, hosts = prepare(tmp_path_factory, "reconfig-process")
    pods = {i: Pod(i, root / f"zk-{i - 1}", network, hosts) for i in range(1, MEMBERS + 1)}
    try:
        try:
            network.open(MEMBERS)
        except subprocess.CalledProcessError as error:
            missing(f"cannot make namespaces and a bridge: {error.stderr.decode().strip()}")
        for server_id in (1, 2, 3):
            pods[server_id].start()
        for server_id in (1, 2, 3):
            pods[server_id].wait_serving()
        yield Ensemble(pods)
    finally:
        for pod in pods.values():
            pod.stop()
        network.close()


def test_three_members_bootstrap_as_the_initial_voters(ensemble: Ensemble) -> None:
    live = ensemble.wait_for("three voters", lambda m: m.voter_ids == {1, 2, 3})
    assert live.ids == {1, 2, 3}
    assert "membership: bootstrap" in ensemble.pods[1].output()
    conf_zoo_cfg = ensemble.pods[1].root / "conf" / "zoo.cfg"
    assert os.path.realpath(conf_zoo_cfg) == str(ensemble.pods[1].root / "data/reconfig/zoo.cfg")


def test_a_fourth_member_joins_by_itself_and_votes(ensemble: Ensemble) -> None:
    fourth = ensemble.pods[4]
    fourth.start()
    live = ensemble.wait_for("4 a voter", lambda m: m.voter_ids == {1, 2, 3, 4})
    assert live.get(4) is not None
    assert live.get(4).host == f"zk-3.{DOMAIN}"  # type: ignore[union-attr]
    added = "added server.4=zk-3.zk-hs.test:2888:3888:participant;2181"
    output = fourth.wait_for_line(added)
    assert "membership: join" in output
    assert added in output
    assert PASSWORD not in output


def scale(ensemble: Ensemble, members: int) -> subprocess.CompletedProcess[str]:
    pod = ensemble.pods[1]
    command = [str(BIN / "zookeeper-scale"), str(members), f"--conf_dir={pod.root / 'conf'}"]
    return subprocess.run(pod.inside(command), capture_output=True, text=True, check=False)


def test_zookeeper_scale_removes_the_members_above_n(ensemble: Ensemble) -> None:
    ensemble.wait_for("4 a voter", lambda m: 4 in m.voter_ids)
    result = scale(ensemble, 3)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("zookeeper-scale: removed 4: members 1, 2, 3, voters 1, 2, 3")
    assert "--replicas=3" in result.stdout
    assert ensemble.live().ids == {1, 2, 3}
    again = scale(ensemble, 3)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[0] == "zookeeper-scale: nothing to do: the members are 1, 2, 3"
    assert lines[1].startswith("zookeeper-scale: next: kubectl scale statefulset ")
    assert lines[1].endswith(" --replicas=3")
    assert lines[2].startswith("zookeeper-scale: then: zookeeper-scale 3 again: ")
    assert len(lines) == 3
    ensemble.pods[4].stop()


def test_a_removed_member_back_on_its_stale_volume_joins_again(ensemble: Ensemble) -> None:
    fourth = ensemble.pods[4]
    assert 4 not in ensemble.live()
    fourth.start()  # its volume still holds the configuration that listed it
    ensemble.wait_for("4 a voter again", lambda m: m.voter_ids == {1, 2, 3, 4})
    output = fourth.wait_for_line("added server.4=")
    assert "membership: join" in output
    assert scale(ensemble, 3).returncode == 0
    fourth.stop()
    assert ensemble.live().ids == {1, 2, 3}


def test_zookeeper_scale_refuses_to_lose_the_quorum(ensemble: Ensemble) -> None:
    # Down to voters 1 and 2 needs both; with 2 down the ensemble would stop.
    ensemble.pods[2].stop()
    try:
        result = scale(ensemble, 2)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            "zookeeper-scale: the voters that would remain (1, 2) need 2 serving, but only 1"
            " serve (1): the ensemble would lose its quorum\n"
        )
        assert ensemble.live().ids == {1, 2, 3}
    finally:
        ensemble.pods[2].start()
        ensemble.pods[2].wait_serving()


def test_a_restarted_member_keeps_the_membership(ensemble: Ensemble) -> None:
    before = ensemble.wait_for("three voters", lambda m: m.voter_ids == {1, 2, 3})
    pod = ensemble.pods[2]
    pod.stop()
    pod.start()
    pod.wait_serving()
    after = ensemble.live()
    assert (after.ids, after.voter_ids) == (before.ids, before.voter_ids)
    assert "membership: use" in pod.output()


def test_a_full_restart_starts_every_member_from_its_own_volume(ensemble: Ensemble) -> None:
    before = ensemble.wait_for("three voters", lambda m: m.voter_ids == {1, 2, 3})
    for server_id in (1, 2, 3):
        ensemble.pods[server_id].stop()
    # The first one decides while no peer serves: from its own volume.
    ensemble.pods[1].start()
    ensemble.pods[1].wait_for_line("membership: use")
    for server_id in (2, 3):
        ensemble.pods[server_id].start()
    for server_id in (1, 2, 3):
        ensemble.pods[server_id].wait_serving()
    after = ensemble.live()
    assert (after.ids, after.voter_ids) == (before.ids, before.voter_ids)
    assert "no member serves: this volume's last configuration" in ensemble.pods[1].output()
