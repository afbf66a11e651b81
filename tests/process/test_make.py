"""The Makefile's commands, as a user at a terminal runs them."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.harness.ports import free_port
from tests.harness.prerequisites import missing, require_zookeeper
from zkcontainer import ZkContainerError
from zkcontainer.fourlw import send_word

ROOT = Path(__file__).resolve().parents[2]


def make(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        missing("no make")
    return subprocess.run(
        ["make", "-C", str(ROOT), "--no-print-directory", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_bare_make_lists_every_target_with_a_line_and_runs_nothing() -> None:
    phony = re.search(r"^\.PHONY: (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert phony is not None
    result = make()
    assert result.returncode == 0, result.stderr
    listed = dict(
        line.split(maxsplit=1) for line in result.stdout.splitlines() if line.startswith("  ")
    )
    assert set(listed) == set(phony.group(1).split())
    assert "pytest" not in make("-n").stdout
    # What runs scripts/install-system-deps says so where the user chooses it.
    for target in ("test", "deps", "demo", "demo-local", "system-deps"):
        assert "as root: installs Debian packages" in listed[target]


def test_make_test_still_runs_the_suite() -> None:
    assert "pytest" in make("-n", "test").stdout


class Terminal:
    """A command on a pseudo-terminal, as typed at a shell: Ctrl-C goes to its
    foreground process group."""

    def __init__(self, argv: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execvp(argv[0], argv)
        self.output = b""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    return
                if not chunk:
                    return
                self.output += chunk

    def interrupt(self) -> None:
        os.write(self.fd, b"\x03")

    def kill(self) -> None:
        """Whatever still runs of it goes, its server too: a failed test leaks nothing."""
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)

    def wait(self, seconds: float = 30) -> int:
        """The command's exit status; a command still running after `seconds` is
        killed and fails the test, rather than hanging the suite."""
        self.read(10)
        deadline = time.monotonic() + seconds
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                os.killpg(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                os.close(self.fd)
                pytest.fail("still running: " + self.output.decode(errors="replace")[-3000:])
            self.read(0.2)


def demo_local(port: int, demo_dir: Path) -> list[str]:
    """`make demo-local` as a user types it; `deps` taken as made, since this
    suite runs in that venv (wherever it is)."""
    require_zookeeper()
    if shutil.which("make") is None:
        missing("no make")
    return [
        *("make", "-C", str(ROOT), "-o", "deps", f"BIN={Path(sys.executable).parent}"),
        *("demo-local", f"DEMO_PORT={port}", f"DEMO_DIR={demo_dir}"),
    ]


def wait_until_serving(port: int, output: Callable[[], str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if send_word("ruok", port=port) == "imok":
                return
        except ZkContainerError:
            pass
        assert time.monotonic() < deadline, output()[-3000:]
        time.sleep(0.2)


@pytest.mark.process
def test_ctrl_c_stops_make_demo_local_cleanly(tmp_path: Path) -> None:
    port = free_port()
    terminal = Terminal(demo_local(port, tmp_path))

    def output() -> str:
        terminal.read(0.5)
        return terminal.output.decode(errors="replace")

    try:
        wait_until_serving(port, output)
        terminal.interrupt()
        assert terminal.wait() == 0
    finally:
        terminal.kill()
        for process in processes_of(tmp_path):  # a server in a process group of its own
            process.kill()
    text = terminal.output.decode(errors="replace")
    assert f"ZooKeeper stopped; its data stays in {tmp_path}." in text
    assert "make: ***" not in text
    assert (tmp_path / "data" / "myid").read_text() == "1\n"


def processes_of(demo_dir: Path) -> list[psutil.Process]:
    """What still runs with the demo's directory on its command line (the JVM's
    -Dzookeeper.log.dir and classpath name it), zombies aside."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if any(str(demo_dir) in arg for arg in process.info["cmdline"] or ()):
            found.append(process)
    return found


@pytest.mark.process
@pytest.mark.parametrize(
    ("signum", "to_the_group"),
    [
        # make passes a SIGTERM to its recipe (kill, a supervisor).
        (signal.SIGTERM, False),
        # `timeout 15 make demo-local`, a CI job cancelled: the whole process group.
        (signal.SIGTERM, True),
        (signal.SIGINT, True),
    ],
    ids=["SIGTERM to make", "SIGTERM to its group", "SIGINT to its group"],
)
def test_a_signal_without_a_terminal_stops_make_demo_local_and_its_server(
    tmp_path: Path, signum: signal.Signals, to_the_group: bool
) -> None:
    demo_dir = tmp_path / "demo"
    port = free_port()
    log = tmp_path / "make.log"
    with log.open("wb") as out:
        make = subprocess.Popen(
            demo_local(port, demo_dir),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as under timeout or a CI runner
        )
    try:
        wait_until_serving(port, lambda: log.read_text(errors="replace"))
        (os.killpg if to_the_group else os.kill)(make.pid, signum)
        make.wait(timeout=30)
        deadline = time.monotonic() + 30
        while processes_of(demo_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_of(demo_dir) == [], log.read_text(errors="replace")[-3000:]
        assert f"ZooKeeper stopped; its data stays in {demo_dir}." in log.read_text()
    finally:
        for process in processes_of(demo_dir):  # a failed run leaves no server behind
            process.kill()
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
