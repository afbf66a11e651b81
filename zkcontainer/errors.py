"""How a console script reports an error it expects: a message and an exit code.

The exceptions themselves are the package's (`from zkcontainer import
ConfigError`), defined in its `__init__`; see there why.
"""

import sys

from zkcontainer import ConfigError, EnvironmentProblem


def exit_code(prog: str, error: ConfigError | EnvironmentProblem) -> int:
    """What a command prints for an error it expects, and its exit code: a line per
    problem and 2 for bad input, one line and 1 for what the machine or data refuse."""
    if isinstance(error, ConfigError):
        for problem in error.problems:
            print(f"{prog}: {problem}", file=sys.stderr)
        return 2
    print(f"{prog}: {error}", file=sys.stderr)
    return 1
