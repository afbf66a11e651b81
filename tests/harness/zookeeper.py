"""Real ZooKeeper servers on loopback, started by the real start-zookeeper command."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.ports import free_port
from tests.harness.prerequisites import missing
from zkcontainer import ZkContainerError
from zkcontainer.fourlw import send_word

# The console script installed next to the interpreter running the tests.
START_ZOOKEEPER = str(Path(sys.executable).parent / "start-zookeeper")
DEBIAN_JAVA_DIR = Path("/usr/share/java")


def logback_home(root: Path) -> Path:
    """An Apache-tarball-shaped ZooKeeper home that logs through logback, as upstream >= 3.8."""
    lib = root / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for jar in ("zookeeper.jar", "zookeeper-jute.jar", "logback-classic.jar", "logback-core.jar"):
        link = lib / jar
        if not link.exists():
            link.symlink_to(DEBIAN_JAVA_DIR / jar)
    return root


@dataclass
class ZooKeeperServer:
    """One start-zookeeper process (which becomes the JVM) with its own directories."""

    root: Path
    client_port: int
    extra_flags: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0
    umask: int = -1  # -1: inherit the test's
    # A network of its own, with a DNS server that answers nothing at once: for
    # ensemble members whose peers must not resolve, without asking any real
    # resolver about them. Reach it with in_network().
    isolated: bool = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def stdout_path(self) -> Path:
        return self.root / f"stdout.{self.runs}"

    @property
    def stderr_path(self) -> Path:
        return self.root / f"stderr.{self.runs}"

    def flags(self) -> list[str]:
        return [
            "--hostname=zk-0",
            "--domain=",
            f"--data_dir={self.data_dir}",
            f"--data_log_dir={self.root / 'datalog'}",
            f"--conf_dir={self.root / 'conf'}",
            f"--log_dir={self.root / 'log'}",
            f"--client_port={self.client_port}",
            f"--server_port={free_port()}",
            f"--election_port={free_port()}",
            "--heap=128M",
            *self.extra_flags,
        ]

    def start(self) -> None:
        self.runs += 1
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [*self._isolation(), START_ZOOKEEPER, *self.flags()],
                stdout=stdout,
                stderr=stderr,
                env={**os.environ, **self.env},
                umask=self.umask,
            )

    def _isolation(self) -> list[str]:
        if not self.isolated:
            return []
        for tool in ("unshare", "nsenter", "ip", "mount"):
            if shutil.which(tool) is None:
                missing(f"no {tool} on this machine")
        resolv = self.root / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\n")  # nothing listens: lookups fail at once
        setup = f"ip link set lo up && mount --bind {shlex.quote(str(resolv))} /etc/resolv.conf"
        # unshare execs the command in place, so the JVM keeps the Popen's pid.
        return ["unshare", "--net", "--mount", "--", "sh", "-c", f'{setup} && exec "$@"', "sh"]

    def in_network(self, argv: Sequence[str]) -> list[str]:
        """`argv`, run where this server's client port is reachable."""
        if not self.isolated:
            return list(argv)
        return ["nsenter", f"--net=/proc/{self.pid}/ns/net", "--", *argv]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_until_imok(self, timeout: float = 30.0, word: str = "ruok") -> None:
        """Wait until the client port answers `word` (ruok: imok; others: anything)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"ZooKeeper exited with {self.process.returncode}")
            if self.isolated:
                probe = [
                    str(Path(sys.executable).parent / "zookeeper-ready"),
                    str(self.client_port),
                ]
                if (
                    subprocess.run(
                        self.in_network(probe), capture_output=True, check=False
                    ).returncode
                    == 0
                ):
                    return
            else:
                try:
                    reply = send_word(word, port=self.client_port, timeout=2.0)
                    if reply == "imok" or (word != "ruok" and reply):
                        return
                except ZkContainerError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"ZooKeeper on port {self.client_port} not up after {timeout}s")

    def wait_until_serving(self, timeout: float = 30.0) -> None:
        """Wait until the server serves requests: srvr names its mode. ZooKeeper
        answers ruok before it has loaded its database, and srvr meanwhile says
        it is not currently serving requests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"ZooKeeper exited with {self.process.returncode}")
            try:
                if "Mode: " in send_word("srvr", port=self.client_port, timeout=2.0):
                    return
            except ZkContainerError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"ZooKeeper on port {self.client_port} not serving after {timeout}s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        """Signal the server and wait for it; returns its exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def outputs(self) -> Iterator[tuple[str, str]]:
        for run in range(1, self.runs + 1):
            for stream in ("stdout", "stderr"):
                path = self.root / f"{stream}.{run}"
                if path.exists():
                    yield f"{path}", path.read_text(errors="replace")
