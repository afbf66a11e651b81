"""The Makefile's commands, as a user at a terminal runs them."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.harness.prerequisites import missing, require_zookeeper
from tests.harness.zookeeper import free_port
from zkcontainer import ZkContainerError
from zkcontainer.fourlw import send_word

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.process
def test_ctrl_c_stops_make_demo_local_cleanly(tmp_path: Path) -> None:
    require_zookeeper()
    if shutil.which("make") is None:
        missing("no make")
    port = free_port()
    terminal = Terminal(
        ["make", "-C", str(ROOT), "demo-local", f"DEMO_PORT={port}", f"DEMO_DIR={tmp_path}"]
    )
    deadline = time.monotonic() + 60
    while True:
        terminal.read(0.5)
        try:
            if send_word("ruok", port=port) == "imok":
                break
        except ZkContainerError:
            pass
        assert time.monotonic() < deadline, terminal.output.decode(errors="replace")[-3000:]

    terminal.interrupt()
    assert terminal.wait() == 0
    text = terminal.output.decode(errors="replace")
    assert f"ZooKeeper stopped; its data stays in {tmp_path}." in text
    assert "make: ***" not in text
    assert (tmp_path / "data" / "myid").read_text() == "1\n"
