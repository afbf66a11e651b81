"""Run a long-lived command from make until Ctrl-C, and report a Ctrl-C as a clean stop.

    python scripts/foreground.py --stopped "MESSAGE" -- COMMAND [ARG ...]

Ctrl-C signals the terminal's whole foreground process group. Run straight
from make, that group holds make too, and make reports any interrupt as a
failure ("make: *** [demo-local] Interrupt"). Here the command gets a process
group of its own and the terminal with it, so Ctrl-C reaches only the
command; when it stops on SIGINT or SIGTERM this prints MESSAGE and exits 0,
otherwise it exits with the command's status.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

# A JVM stopped by a signal exits 128 + the signal's number.
STOPPED = {-signal.SIGINT, -signal.SIGTERM, 128 + signal.SIGINT, 128 + signal.SIGTERM}


def run_in_foreground(command: Sequence[str]) -> int:
    terminal = sys.stdin.isatty()
    # A shell that started us in the background ignores SIGINT for us, and an
    # ignored signal stays ignored across exec: the JVM would not stop on Ctrl-C.
    # A handler here is reset to the default in the command.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    process = subprocess.Popen(command, process_group=0)
    if terminal:
        # A background group that takes the terminal would be stopped by SIGTTOU.
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(sys.stdin.fileno(), process.pid)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue  # a Ctrl-C that raced the hand-over: the command got it too
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
