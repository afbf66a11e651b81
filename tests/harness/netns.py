"""Members as pods of a StatefulSet, each start-zookeeper in a network namespace of its own
on this host, listening on the same ports under its StatefulSet name (zk-N.zk-hs.test,
from a hosts file bind-mounted over /etc/hosts in its mount namespace)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.harness.prerequisites import missing, require_zookeeper
from zkcontainer import ZkContainerError
from zkcontainer.fourlw import find_value, send_word

BIN = Path(sys.executable).parent
DOMAIN = "zk-hs.test"
PASSWORD = "process-tier-secret"
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
