"""The probe commands' tiny argument parser and runner: `[--switch] [--option VALUE] [--] [PORT]`.

Hand-written because argparse (with gettext, re, os and shutil behind it)
would cost more than the probe itself. The runner owns the standard streams:
whatever happens to them (closed, full, a reader that never reads, a locale
that is not UTF-8), a probe exits 0, 1 or 2 with at most one line on stderr.
"""

import sys
import time

from zkcontainer import ConfigError, ProbeError, UsageError, ZkContainerError
from zkcontainer.fourlw import numeric_address

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal
    from collections.abc import Callable, Sequence
    from typing import TextIO
else:  # typeshed has no stub for _signal, the C module behind signal
    import _signal

DEFAULTS = {"host": "127.0.0.1", "timeout": "1", "port": "2181"}
HELP = ("-h", "--help")
ERROR_LINE_SECONDS = 0.1  # for the failure's one line, once the deadline has passed
# Of a value quoted in an error message: the longest DNS name (253) nearly, so a
# name is cut only where it is invalid anyway, and the line stays one screen wide.
SHOWN_CHARACTERS = 200

# What a DNS label may hold (RFC 1123 letters, digits, hyphen; underscore as
# in SRV-style names), as bytes for bytes.translate.
_LABEL_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HYPHEN = ord("-")


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
        self.tls_dir = values.get("tls_dir") or None


def parse(argv: "Sequence[str]", switches: "Sequence[str]", options: dict[str, str]) -> ProbeArgs:
    """`switches` are flags without a value; `options` maps option name -> default."""
    values = {**DEFAULTS, **options}
    seen: set[str] = set()
    positional: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            positional.extend(args)
            break
        if arg in HELP:
            # Only alone (see run_command): a probe must never pass because
            # "-h" came along as a value or beside a real argument.
            raise UsageError(f"{arg}: only valid as the only argument")
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
            # Imported here: difflib would cost every probe run, not only a mistyped one.
            from zkcontainer.suggest import unknown_flag  # noqa: PLC0415

            known = [f"--{name}" for name in (*switches, *values) if name != "port"]
            raise UsageError(unknown_flag(arg, known, shown))
    if len(positional) > 1:
        raise UsageError(f"{shown(' '.join(positional))}: expected at most one PORT")
    if positional:
        values["port"] = positional[0]
    return ProbeArgs(values, seen)


def shown(text: str) -> str:
    """`text` as an error message quotes it, on one line: quoted when unprintable
    (a line break, a control character), cut when huge. Every command's."""
    printable = text if text.isprintable() else ascii(text)
    if len(printable) > SHOWN_CHARACTERS:
        return printable[:SHOWN_CHARACTERS] + f"... ({len(text)} characters)"
    return printable


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
    if numeric_address(text, 0) is not None or is_dns_name(text):
        return text
    if "%" in text and ":" in text and numeric_address(text.partition("%")[0], 0) is not None:
        # glibc takes an interface name as scope on link-local addresses only.
        raise UsageError(
            f"--host={shown(text)}: an IPv6 %scope must be an interface number, or the name"
            " of an interface of this machine on a link-local address (fe80::1%eth0)"
        )
    if text.startswith("[") and text.endswith("]") and numeric_address(text[1:-1], 0) is not None:
        # As zookeeper-status and ZooKeeper's logs print it, in a host:port string.
        raise UsageError(
            f"--host={shown(text)}: an IPv6 address goes without brackets here"
            f" (--host={shown(text[1:-1])}); the port is an argument of its own"
        )
    raise UsageError(f"--host={shown(text)}: must be an IPv4 or IPv6 address or a DNS name")


def is_dns_name(text: str) -> bool:
    """Labels of 1..63 letters, digits, '-' or '_' (after IDNA for non-ASCII), 253 at most.

    No label starts or ends with '-' (RFC 1123): "-h" is an option, not a
    name. The last label must not be all digits (RFC 3696): "10.0.0.256" or
    "1" is a mistyped address, not a name to send to a DNS server.
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
        and all(
            0 < len(label) < 64
            and not label.translate(None, _LABEL_BYTES)
            and label[0] != _HYPHEN != label[-1]
            for label in labels
        )
        and not labels[-1].isdigit()
    )


def run_command(
    prog: str,
    usage: str,
    argv: "Sequence[str] | None",
    action: "Callable[[Sequence[str]], None]",
) -> int:
    """A probe command's main: -h or --help alone prints `usage`; a ProbeError
    exits 1, any other ZkContainerError (bad arguments) 2, each as one line on
    stderr. The action writes its output with write_output."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if len(argv) == 1 and argv[0] in HELP:
            write_output(f"{usage}\n".encode(), time.monotonic() + float(DEFAULTS["timeout"]))
        else:
            action(argv)
    except ProbeError as error:
        return _fail(prog, str(error), 1)
    except ConfigError as error:  # bad arguments a parser listed: a line for each
        for problem in error.problems:
            _fail(prog, problem, 2)
        return 2
    except ZkContainerError as error:
        return _fail(prog, str(error), 2)
    except Exception as error:
        # The last line of defence: a bug still makes one line, never a traceback.
        return _fail(prog, f"internal error: {type(error).__name__}: {error}", 1)
    return 0


def write_output(data: bytes, deadline: float) -> None:
    """`data` to standard output, flushed, by `deadline`; else a ProbeError
    "timed out" or "cannot write the output", and stdout left pointing at
    /dev/null, so that the interpreter's own flush at exit finds nothing to
    fail on (it would print a second error and exit 120).

    Bytes, not text: the output is UTF-8 (mntr's own bytes, the Prometheus
    exposition format) whatever the locale's encoding.
    """
    stream = sys.stdout
    if stream is None:  # started with fd 1 closed
        raise ProbeError("cannot write the output", "standard output is closed")
    try:
        _write_by(stream, data, deadline)
    except _Late as error:
        _discard(stream)
        raise ProbeError("timed out", "writing the output") from error
    except (OSError, ValueError) as error:
        _discard(stream)
        detail = getattr(error, "strerror", None) or str(error)
        raise ProbeError("cannot write the output", detail) from error


class _Late(Exception):
    """Raised by the SIGALRM handler: the deadline passed while a write blocked."""


def _alarm(_signum: int, _frame: object) -> None:
    raise _Late


def _write_by(stream: "TextIO", data: bytes, deadline: float) -> None:
    """Write and flush `data`, interrupted by SIGALRM at `deadline`.

    A reader that does not read (`| (sleep 5; cat)`) blocks write() for as
    long as it likes. The handler's exception ends the blocked write (the
    interpreter runs it when write() returns EINTR); no O_NONBLOCK, which
    would change the pipe for every process that shares it.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Late
    try:
        previous = _signal.signal(_signal.SIGALRM, _alarm)
        armed = True
    except ValueError:  # main() called from another thread: only the main one takes signals
        armed = False
    try:
        if armed:
            _signal.setitimer(_signal.ITIMER_REAL, remaining)
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text-only stream (a test's StringIO)
            stream.write(data.decode("utf-8"))
            stream.flush()
        else:
            buffer.write(data)
            buffer.flush()
    finally:
        if armed:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
            # None: the handler was not set from Python; the default is the best guess.
            _signal.signal(_signal.SIGALRM, _signal.SIG_DFL if previous is None else previous)


def _discard(stream: "TextIO") -> None:
    """Point the stream's file descriptor at /dev/null, where it has one.

    What its buffers still hold then goes there when the interpreter flushes
    them at exit, rather than failing (or blocking) a second time.
    """
    import posix  # noqa: PLC0415  (built in: os without the module file)

    try:
        fd = stream.fileno()
        devnull = posix.open("/dev/null", posix.O_WRONLY)
    except (OSError, ValueError):  # no file descriptor: a test's stream
        return
    posix.dup2(devnull, fd)
    posix.close(devnull)


def _fail(prog: str, message: str, code: int) -> int:
    """Report `message` as one line on stderr, if there is a stderr, and return `code`.

    One line whatever the message carries: values from argv or a server may
    hold line breaks. Characters the stream's encoding lacks are written as
    backslash escapes. A stderr that is closed stays silent (the line never
    goes to stdout), and one that cannot be written is given up on.
    """
    stream = sys.stderr
    if stream is None:
        return code
    one_line = "\\n".join(message.splitlines())
    line = f"{prog}: {one_line}\n"
    encoding = getattr(stream, "encoding", None) or "utf-8"
    data = line.encode(encoding, "backslashreplace")
    try:
        _write_by(stream, data, time.monotonic() + ERROR_LINE_SECONDS)
    except (_Late, OSError, ValueError):
        _discard(stream)
    return code
