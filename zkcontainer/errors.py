"""The exceptions zkcontainer raises; only the console scripts turn them into exit codes.

Defined in the package's `__init__` (see there why); this is their usual name.
"""

import sys

from zkcontainer import ConfigError, EnvironmentProblem, ProbeError, UsageError, ZkContainerError

__all__ = [
    "ConfigError",
    "EnvironmentProblem",
    "ProbeError",
    "UsageError",
    "ZkContainerError",
    "exit_code",
]


def exit_code(prog: str, error: ConfigError | EnvironmentProblem) -> int:
    """What a command prints for an error it expects, and its exit code: a line per
    problem and 2 for bad input, one line and 1 for what the machine or data refuse."""
    if isinstance(error, ConfigError):
        for problem in error.problems:
            print(f"{prog}: {problem}", file=sys.stderr)
        return 2
    print(f"{prog}: {error}", file=sys.stderr)
    return 1
