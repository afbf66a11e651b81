"""start-zookeeper --reconfig and zookeeper-scale with real ZooKeeper servers on this machine.

Each member runs in a network namespace of its own, as a pod has, so that
every one listens on the same ports under its StatefulSet name
(zk-N.zk-hs.test, from a hosts file bind-mounted over /etc/hosts in its mount
namespace). The namespaces share a bridge whose frames skip the host's
iptables; the tests reach each member at its address on that bridge.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.harness.prerequisites import missing, require_zookeeper
from zkcontainer import ZkContainerError
from zkcontainer.dynconfig import Membership
from zkcontainer.fourlw import find_value, send_word
from zkcontainer.reconfig_client import ReconfigError, read_membership

pytestmark = pytest.mark.process

BIN = Path(sys.executable).parent
DOMAIN = "zk-hs.test"
PASSWORD = "process-tier-secret"
MEMBERS = 4  # ids 1..4: three initial voters and one that joins
WAIT = 90.0  # a bound on waiting for a state, never a measured duration


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class Network:
    """One namespace per member, on macvlan interfaces of one veth, cleaned up by `close`.

    macvlan in bridge mode switches between its interfaces itself: a Linux
    bridge would hand the frames to the host's iptables (br_netfilter), where
    Docker's FORWARD policy drops them.
    """

    tag: str
    subnet: str  # "10.254.N"
    namespaces: list[str] = field(default_factory=list)

    @property
    def parent(self) -> str:
        return f"zkp{self.tag}"

    def address(self, server_id: int) -> str:
        return f"{self.subnet}.{server_id}"

    def open(self, members: int) -> None:
        ip("link", "add", self.parent, "type", "veth", "peer", "name", f"zkq{self.tag}")
        ip("link", "set", self.parent, "up")
        ip("link", "set", f"zkq{self.tag}", "up")
        # The tests' own interface, in this namespace.
        ip(
            "link",
            "add",
            "link",
            self.parent,
            f"zkt{self.tag}",
            "type",
            "macvlan",
            "mode",
            "bridge",
        )
        ip("addr", "add", f"{self.subnet}.254/24", "dev", f"zkt{self.tag}")
        ip("link", "set", f"zkt{self.tag}", "up")
        for server_id in range(1, members + 1):
            namespace = f"zkrc{self.tag}-{server_id}"
            interface = f"zkm{self.tag}{server_id}"
            ip("netns", "add", namespace)
            self.namespaces.append(namespace)
            ip("link", "add", "link", self.parent, interface, "type", "macvlan", "mode", "bridge")
            ip("link", "set", interface, "netns", namespace)
            ip("-n", namespace, "addr", "add", f"{self.address(server_id)}/24", "dev", interface)
            ip("-n", namespace, "link", "set", interface, "up")
            ip("-n", namespace, "link", "set", "lo", "up")

    def close(self) -> None:
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        for link in (f"zkt{self.tag}", self.parent):
            subprocess.run(["ip", "link", "del", link], check=False, capture_output=True)


@dataclass
class Pod:
    """start-zookeeper as pod zk-<id-1> would run it, in its own namespaces."""

    server_id: int
    root: Path
    network: Network
    hosts_file: Path
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0

    @property
    def namespace(self) -> str:
        return f"zkrc{self.network.tag}-{self.server_id}"

    @property
    def address(self) -> str:
        return f"{self.network.address(self.server_id)}:2181"

    def inside(self, argv: list[str]) -> list[str]:
        """`argv` run in this pod's network, with the StatefulSet's names resolving."""
        resolv = self.root.parent / "resolv.conf"
        setup = (
            f"mount --bind {shlex.quote(str(self.hosts_file))} /etc/hosts && "
            f'mount --bind {shlex.quote(str(resolv))} /etc/resolv.conf && exec "$@"'
        )
        return [
            "ip",
            "netns",
            "exec",
            self.namespace,
            "unshare",
            "--mount",
            "--",
            "sh",
            "-c",
            setup,
            "sh",
            *argv,
        ]

    def flags(self) -> list[str]:
        return [
            "--reconfig",
            f"--reconfig_password_file={self.root.parent / 'password'}",
            "--servers=3",
            f"--hostname=zk-{self.server_id - 1}",
            f"--domain={DOMAIN}",
            f"--data_dir={self.root / 'data'}",
            f"--data_log_dir={self.root / 'datalog'}",
            f"--conf_dir={self.root / 'conf'}",
            f"--log_dir={self.root / 'log'}",
            "--heap=96M",
            "--tick_time=500",
            "--init_limit=20",
            "--sync_limit=10",
        ]

    def start(self) -> None:
        self.runs += 1
        self.root.mkdir(parents=True, exist_ok=True)
        self.publish_name()
        with open(self.root / f"output.{self.runs}", "wb") as output:
            self.process = subprocess.Popen(
                self.inside([str(BIN / "start-zookeeper"), *self.flags()]),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def publish_name(self) -> None:
        """The pod's name resolves from its first start on, as the headless Service
        publishes a pod once it exists: a name that resolves is a pod that exists,
        which is how a member without a dynamic file finds an ensemble's pods."""
        entry = f"{self.network.address(self.server_id)} zk-{self.server_id - 1}.{DOMAIN}\n"
        if entry not in self.hosts_file.read_text():
            with open(self.hosts_file, "a") as hosts:  # in place: the mounts share its inode
                hosts.write(entry)

    def output(self) -> str:
        path = self.root / f"output.{self.runs}"
        return path.read_text(errors="replace") if path.exists() else ""

    def peer_state(self) -> str | None:
        try:
            mntr = send_word("mntr", self.network.address(self.server_id), 2181, timeout=2)
        except ZkContainerError:
            return None
        return find_value(mntr, "zk_peer_state")

    def wait_serving(self) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.poll() is None, f"zk-{self.server_id - 1} exited:\n{self.output()}"
            state = self.peer_state() or ""
            if state.endswith("- broadcast") or state == "leading - broadcast":
                return
            time.sleep(0.3)
        raise AssertionError(f"zk-{self.server_id - 1} does not serve:\n{self.output()[-3000:]}")

    def wait_for_line(self, text: str) -> str:
        """The output once it holds `text` (the joiner logs after the add commits)."""
        deadline = time.monotonic() + WAIT
        while text not in self.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.output()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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


def prepare(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, Path]:
    """Skip without what the namespaces need; else the pods' root and the hosts file
    (each pod adds its name at its first start), beside the password and a resolv.conf."""
    require_zookeeper()
    if os.geteuid() != 0:
        missing("network namespaces need root")
    for tool in ("ip", "unshare", "mount"):
        if shutil.which(tool) is None:
            missing(f"no {tool} on this machine")
    root = tmp_path_factory.mktemp(name)
    (root / "password").write_text(PASSWORD + "\n")
    hosts = root / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    (root / "resolv.conf").write_text("nameserver 127.0.0.1\n")  # nothing else resolves, at once
    return root, hosts


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
