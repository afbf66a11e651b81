"""The probe commands' tiny argument parser: `[--switch] [--option VALUE] [PORT]`.

Hand-written because argparse (with gettext, re, os and shutil behind it)
would cost more than the probe itself.
"""

from __future__ import annotations

import sys

from zkcontainer.errors import ProbeError, UsageError, ZkContainerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULTS = {"host": "127.0.0.1", "timeout": "1", "port": "2181"}


class ProbeArgs:
    """Parsed arguments: `host`, `port`, `timeout`, plus the command's own switches and options."""

    def __init__(self, values: dict[str, str], switches: set[str]) -> None:
        self.values = values
        self.switches = switches
        self.host = values["host"]
        self.port = _port(values["port"])
        self.timeout = _timeout(values["timeout"])


def parse(argv: Sequence[str], switches: Sequence[str], options: dict[str, str]) -> ProbeArgs:
    """`switches` are flags without a value; `options` maps option name -> default."""
    values = {**DEFAULTS, **options}
    seen: set[str] = set()
    positional: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--"):
            positional.append(arg)
            continue
        name, has_value, value = arg[2:].partition("=")
        if name in switches and not has_value:
            seen.add(name)
        elif name in values and name != "port":
            if not has_value:
                if not args:
                    raise UsageError(f"--{name} needs a value")
                value = args.pop(0)
            values[name] = value
        else:
            raise UsageError(f"{arg}: unknown option")
    if len(positional) > 1:
        raise UsageError(f"{' '.join(positional)}: expected at most one PORT")
    if positional:
        values["port"] = positional[0]
    return ProbeArgs(values, seen)


def _port(text: str) -> int:
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    raise UsageError(f"PORT {text}: must be a port number 1..65535")


def _timeout(text: str) -> float:
    try:
        timeout = float(text)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout < 3600:
        raise UsageError(f"--timeout={text}: must be a number of seconds above 0")
    return timeout


def run_command(
    prog: str, usage: str, argv: Sequence[str] | None, action: Callable[[Sequence[str]], None]
) -> int:
    """A probe command's main: -h prints `usage`; a ProbeError exits 1, any other
    ZkContainerError (bad arguments) 2, each as one line on stderr."""
    argv = sys.argv[1:] if argv is None else argv
    if "-h" in argv or "--help" in argv:
        print(usage)
        return 0
    try:
        action(argv)
    except ProbeError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    except ZkContainerError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    return 0
