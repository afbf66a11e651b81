"""The probe commands' tiny argument parser: `[--switch] [--option VALUE] [PORT]`.

Hand-written because argparse (with gettext, re, os and shutil behind it)
would cost more than the probe itself.
"""

import sys
import time

from zkcontainer import ProbeError, UsageError, ZkContainerError
from zkcontainer.fourlw import numeric_address

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULTS = {"host": "127.0.0.1", "timeout": "1", "port": "2181"}

# What a DNS label may hold (RFC 1123 letters, digits, hyphen; underscore as
# in SRV-style names), as bytes for bytes.translate.
_LABEL_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class ProbeArgs:
    """Parsed arguments: `host`, `port`, `timeout`, plus the command's own switches and options.

    `deadline` (time.monotonic) is set as soon as the timeout is known, so
    that checking the host and everything after it share the one budget.
    """

    def __init__(self, values: dict[str, str], switches: set[str]) -> None:
        self.values = values
        self.switches = switches
        self.port = _port(values["port"])
        self.timeout = _timeout(values["timeout"])
        self.deadline = time.monotonic() + self.timeout
        self.host = _host(values["host"])


def parse(argv: "Sequence[str]", switches: "Sequence[str]", options: dict[str, str]) -> ProbeArgs:
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
            raise UsageError(f"{shown(arg)}: unknown option")
    if len(positional) > 1:
        raise UsageError(f"{shown(' '.join(positional))}: expected at most one PORT")
    if positional:
        values["port"] = positional[0]
    return ProbeArgs(values, seen)


def shown(value: str) -> str:
    """A value as an error message quotes it: at most 60 characters."""
    return value if len(value) <= 60 else value[:57] + "..."


def _port(text: str) -> int:
    # ASCII digits only: str.isdigit also accepts "²", which int() refuses,
    # and int() refuses strings of more than 4300 digits.
    if text.isascii() and text.isdigit() and len(text) <= 5 and 0 < int(text) < 65536:
        return int(text)
    raise UsageError(f"PORT {shown(text)}: must be a port number 1..65535")


def _timeout(text: str) -> float:
    try:
        timeout = float(text) if text.isascii() else 0.0
    except ValueError:
        timeout = 0.0
    if not 0 < timeout < 3600:
        raise UsageError(
            f"--timeout={shown(text)}: must be a number of seconds, above 0 and below 3600"
        )
    return timeout


def _host(text: str) -> str:
    if numeric_address(text, 0) is None and not is_dns_name(text):
        raise UsageError(f"--host={shown(text)}: must be an IPv4 or IPv6 address or a DNS name")
    return text


def is_dns_name(text: str) -> bool:
    """Labels of 1..63 letters, digits, '-' or '_' (after IDNA for non-ASCII), 253 at most.

    The last label must not be all digits (RFC 3696): "10.0.0.256" or "1"
    is a mistyped address, not a name to send to a DNS server.
    """
    try:
        # Only a non-ASCII name pays for the idna codec (and the re it imports).
        name = text.encode("ascii") if text.isascii() else text.encode("idna")
    except UnicodeError:
        return False
    name = name.removesuffix(b".")
    labels = name.split(b".")
    return (
        len(name) <= 253
        and all(0 < len(label) < 64 and not label.translate(None, _LABEL_BYTES) for label in labels)
        and not labels[-1].isdigit()
    )


def run_command(
    prog: str,
    usage: str,
    argv: "Sequence[str] | None",
    action: "Callable[[Sequence[str]], None]",
) -> int:
    """A probe command's main: -h prints `usage`; a ProbeError exits 1, any other
    ZkContainerError (bad arguments) 2, each as one line on stderr."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if "-h" in argv or "--help" in argv:
            print(usage)
        else:
            action(argv)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, where a failure is still reported as one line
    except ProbeError as error:
        return _fail(prog, str(error), 1)
    except ZkContainerError as error:
        return _fail(prog, str(error), 2)
    except BrokenPipeError:
        _discard_stdout()
        return _fail(prog, "standard output was closed before everything was written", 1)
    except Exception as error:
        # The last line of defence: a bug still makes one line, never a traceback.
        return _fail(prog, f"internal error: {type(error).__name__}: {error}", 1)
    return 0


def _fail(prog: str, message: str, code: int) -> int:
    # One line whatever the message carries: values from argv or a server may hold line breaks.
    one_line = "\\n".join(message.splitlines())
    print(f"{prog}: {one_line}", file=sys.stderr)
    return code


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit finds no broken pipe."""
    import os  # noqa: PLC0415  (only this failure needs it)

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
