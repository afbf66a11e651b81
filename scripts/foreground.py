"""Run a long-lived command from make until Ctrl-C, and report a Ctrl-C as a clean stop.

    python scripts/foreground.py --stopped "MESSAGE" -- COMMAND [ARG ...]

Ctrl-C signals the terminal's whole foreground process group. Run straight
from make, that group holds make too, and make reports any interrupt as a
failure ("make: *** [demo-local] Interrupt"). Here the command gets a process
group of its own and the terminal with it, so Ctrl-C reaches only the
command; when it stops on SIGINT or SIGTERM this prints MESSAGE and exits 0,
otherwise it exits with the command's status.

Its own group also keeps the command from a SIGINT or SIGTERM meant for the
whole run when there is no terminal (`timeout 15 make demo-local`, make
passing on the SIGTERM it got, a CI job cancelled): each one this process
gets goes on to the command's group, and this waits for the command to stop,
rather than dying and leaving the server running with no parent.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

# A JVM stopped by a signal exits 128 + the signal's number.
STOPPED = {-signal.SIGINT, -signal.SIGTERM, 128 + signal.SIGINT, 128 + signal.SIGTERM}
# What stops the run: Ctrl-C, and what timeout, kill, make and CI runners send.
FORWARDED = (signal.SIGINT, signal.SIGTERM)


class Forwarder:
    """A signal handler that passes each signal on to the command's process group.

    Set before the command starts, so that no signal finds the default action
    (death, the command orphaned): one that comes before the command has a
    group is held until it has one.
    """

    def __init__(self) -> None:
        self.group: int | None = None
        self.held: list[int] = []

    def __call__(self, signum: int, _frame: object) -> None:
        if self.group is None:
            self.held.append(signum)
        else:
            self.send(signum)

    def started(self, group: int) -> None:
        self.group = group
        while self.held:
            self.send(self.held.pop(0))

    def send(self, signum: int) -> None:
        assert self.group is not None
        # A command that has exited already has no group left: wait() collects it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.group, signum)


def run_in_foreground(command: Sequence[str]) -> int:
    terminal = sys.stdin.isatty()
    # A handler, unlike the SIG_IGN a shell gives a background job and exec
    # keeps, is reset to the default in the command: the JVM stops on SIGINT.
    forward = Forwarder()
    for signum in FORWARDED:
        signal.signal(signum, forward)
    process = subprocess.Popen(command, process_group=0)
    forward.started(process.pid)
    if terminal:
        # A background group that takes the terminal would be stopped by SIGTTOU.
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(sys.stdin.fileno(), process.pid)
    try:
        return process.wait()
    finally:
        if terminal:
            os.tcsetpgrp(sys.stdin.fileno(), os.getpgrp())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stopped", required=True, help="printed after a clean stop")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    status = run_in_foreground(command)
    if status in STOPPED:
        print(args.stopped)
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
