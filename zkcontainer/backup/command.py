"""zookeeper-backup: a member's tree, with its ACLs, in one file; --verify checks one offline.

    kubectl exec zk-0 -- zookeeper-backup > zk.backup
    zookeeper-backup --host=zk-0.zk-hs,zk-1.zk-hs,zk-2.zk-hs --output_dir=/backups --keep=7
    zookeeper-backup --verify zk.backup
    docker run --rm -i --entrypoint zookeeper-backup IMAGE --verify - < zk.backup

It takes the snapshot ZooKeeper's AdminServer streams (zkcontainer.backup.admin)
and writes it as a backup file (zkcontainer.backup.archive), reading it as
ZooKeeper would on the way: a snapshot that would not load fails the backup.
Of several --host members, the first follower that answers is asked (the
leader only when no follower answers): serializing the tree costs a member
CPU and disk, better spent elsewhere than on the leader. With --output, the
file appears under its name only once it is complete; --output_dir names it
by the time it was taken and then keeps the newest --keep; on standard output a
failed backup has no trailer, so --verify and --restore_from refuse it. The
last line on standard error is the summary.

Exit: 0 done, 1 failed (the reason on one line), 2 bad arguments, 143 (130)
stopped by SIGTERM (SIGINT), the partial file removed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO

from zkcontainer import ConfigError, EnvironmentProblem, runtime
from zkcontainer.arguments import OneLineParser
from zkcontainer.backup import admin, archive, retention
from zkcontainer.backup.snapshot import BadSnapshot
from zkcontainer.credentials import CredentialProblem, secret_text
from zkcontainer.errors import exit_code
from zkcontainer.fourlw import numeric_address
from zkcontainer.probeargs import is_dns_name, shown

PROG = "zookeeper-backup"
DEFAULT_ADMIN_PORT = 8080
SUPERUSER = "super"
# The identity sent when no password is given: ZooKeeper insists on one, and
# under `/`'s default ACL any identity may take a snapshot.
ANONYMOUS = "zookeeper-backup:"
# --output_dir's files: this, the UTC time (sorts as it reads), ".backup".
BACKUP_PREFIX = "zookeeper-"


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        raising=True,
        description="Back up a member's ZooKeeper tree with its ACLs to one file, or check one.",
    )
    parser.add_argument(
        "--verify",
        type=_file("--verify"),
        metavar="FILE",
        help="check a backup file offline (- reads standard input); take none",
    )
    parser.add_argument(
        "--output",
        type=_file("--output"),
        metavar="FILE",
        help="write the backup here (default: standard output)",
    )
    parser.add_argument(
        "--output_dir",
        type=_file("--output_dir", "directory"),
        metavar="DIR",
        help="write the backup into DIR as zookeeper-<UTC time>.backup",
    )
    parser.add_argument(
        "--keep",
        type=_count,
        help="with --output_dir: then remove all but the newest N backups there",
    )
    parser.add_argument(
        "--host",
        type=_hosts,
        default="127.0.0.1",
        help="the members to ask, comma-separated; a follower is preferred"
        " (default: this pod's, 127.0.0.1)",
    )
    parser.add_argument(
        "--admin_port",
        type=_port,
        default=environ.get("ZK_ADMIN_PORT", str(DEFAULT_ADMIN_PORT)),
        help="its start-zookeeper --admin_port"
        f" (default: $ZK_ADMIN_PORT, else {DEFAULT_ADMIN_PORT})",
    )
    parser.add_argument(
        "--password_file",
        metavar="FILE",
        help="the superuser's password (start-zookeeper --reconfig_password_file's),"
        " needed when / has an ACL of its own",
    )
    parser.add_argument(
        "--timeout", type=_seconds, default="60", help="seconds without progress (default 60)"
    )
    return parser.parse_args(argv)


def _file(flag: str, kind: str = "file") -> Callable[[str], str]:
    """A path that names something: an empty one would write into, or read, the
    current directory's nothing (--output_dir= put backups wherever it ran)."""

    def path(text: str) -> str:
        if not text:
            raise ConfigError([f"{flag}=: not a {kind} name"])
        return text

    return path


def _hosts(text: str) -> list[str]:
    hosts = [host.strip() for host in text.split(",")]
    if not all(hosts) or not all(host.isprintable() and " " not in host for host in hosts):
        raise ConfigError([f"--host={shown(text)}: not a comma-separated list of members"])
    problems = [
        f"--host={shown(text)}: {problem}" for problem in map(_host_problem, hosts) if problem
    ]
    if problems:
        raise ConfigError(problems)
    return hosts


def _host_problem(host: str) -> str | None:
    """Why `host` is no member to connect to, as the probes' --host says it: a name
    the resolver would choke on (".", a label of 64 letters) or a host:port."""
    if numeric_address(host, 0) is not None or is_dns_name(host):
        return None
    if host.startswith("[") and host.endswith("]") and numeric_address(host[1:-1], 0):
        return f"an IPv6 address goes without brackets here ({host[1:-1]})"
    port = " (the port is --admin_port's)" if ":" in host else ""
    return f"{host} is not an IPv4 or IPv6 address or a DNS name{port}"


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 10000):
        raise ConfigError([f"--keep={shown(text)}: not a number of backups (1 to 10000)"])
    return int(text)


def _check_combination(args: argparse.Namespace) -> None:
    """Flags that mean nothing together: every such problem at once, each named
    with its value."""
    given = {
        name: getattr(args, name)
        for name in ("output", "output_dir", "keep", "password_file")
        if getattr(args, name) is not None
    }
    if args.verify is not None:
        problems = [
            f"--{name}={shown(str(value))}: means nothing with --verify"
            for name, value in given.items()
        ]
    else:
        problems = []
        if "output" in given and "output_dir" in given:
            problems.append(f"--output_dir={shown(args.output_dir)}: give it or --output, not both")
        if "keep" in given and "output_dir" not in given:
            problems.append(f"--keep={args.keep}: needs --output_dir")
    if problems:
        raise ConfigError(problems)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 65535):
        raise ConfigError([f"--admin_port={shown(text)}: not a port (1 to 65535)"])
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ConfigError([f"--timeout={shown(text)}: not a number of seconds (0 to 3600)"])
    return value


def authorization(password_file: str | None) -> str:
    if password_file is None:
        return f"digest {ANONYMOUS}"
    try:
        password = secret_text(password_file)
    except CredentialProblem as error:
        raise ConfigError([f"--password_file={error}"]) from None
    unsendable = _unsendable(password)
    if unsendable:
        # Named, never shown: http.client would raise with the whole header in its message.
        raise ConfigError(
            [
                f"--password_file={shown(password_file)}: the password holds {unsendable},"
                " which the AdminServer's Authorization header cannot carry"
            ]
        )
    return f"digest {SUPERUSER}:{password}"


def _unsendable(password: str) -> str | None:
    """What in `password` the Authorization header cannot carry to ZooKeeper (http.client
    sends Latin-1 and refuses line breaks; ZooKeeper reads `digest user:password`
    split at spaces), described without the password itself."""
    if "\n" in password or "\r" in password:
        return "a line break"
    if any(ord(char) > 0xFF for char in password):
        return "a character beyond Latin-1"
    if " " in password:
        # ZooKeeper splits the header at spaces and takes a third part as no credentials (401).
        return "a space"
    return None


def verify(path: str) -> archive.Contents:
    """The backup at `path`, or on standard input for "-", read from end to end."""
    try:
        if path == "-":
            return archive.read(sys.stdin.buffer)
        with archive.open_file(path) as file:
            return archive.read(file)
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {shown(path)}: {error.strerror}") from None
    except archive.BadBackup as error:
        raise EnvironmentProblem(f"{shown(path)} is refused: {error}") from None


def chosen_member(args: argparse.Namespace) -> tuple[admin.AdminServer, str]:
    """The first follower of --host that answers, else the first member that does;
    with its ZooKeeper version. Every member's failure is named when none answers."""
    answered: list[tuple[admin.AdminServer, str]] = []
    failures = []
    for host in args.host:
        server = admin.AdminServer(host, args.admin_port, args.timeout)
        try:
            stats = server.stats()
        except EnvironmentProblem as error:
            failures.append(str(error))
            continue
        if stats.state == "follower":
            return server, stats.version
        answered.append((server, stats.version))
    if answered:
        return answered[0]
    raise EnvironmentProblem("; ".join(failures))


def take(args: argparse.Namespace, out: BinaryIO) -> archive.Contents:
    server, version = chosen_member(args)
    stream = server.snapshot(authorization(args.password_file))
    taken = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    header = archive.Header(version, stream.zxid, taken, server.where, stream.size)
    try:
        return archive.write(out, header, stream.body)
    except BadSnapshot as error:
        raise EnvironmentProblem(f"the snapshot from {server.where} is refused: {error}") from None
    except (OSError, http.client.HTTPException) as error:
        # A body cut short mid-chunk is http.client's IncompleteRead, no OSError.
        raise EnvironmentProblem(
            f"the backup failed while copying from {server.where}: {error!r}"
            if isinstance(error, http.client.HTTPException)
            else f"the backup failed while copying: {error}"
        ) from None


def take_to_file(args: argparse.Namespace) -> archive.Contents:
    """Into a temporary file beside --output, renamed once complete and on disk."""
    path = args.output
    temporary = f"{path}.partial"
    # Renamed over, a device (--output=/dev/null) or a FIFO would become a file.
    runtime.check_replaceable([path])
    try:
        # Not through a symlink left in its place: that would write over its target.
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        out = os.fdopen(os.open(temporary, flags, 0o666), "wb")
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {shown(temporary)}: {error.strerror}") from None
    try:
        with out:
            contents = take(args, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            # A full disk shows at the flush or the fsync as often as at a write.
            raise EnvironmentProblem(f"cannot write {shown(path)}: {error.strerror}") from None
        raise
    runtime.fsync_directory(os.path.dirname(os.path.abspath(path)))
    return contents


def take_into_directory(args: argparse.Namespace) -> tuple[archive.Contents, str]:
    """Into --output_dir under a name that sorts by time; then only the newest --keep
    stay. What it wrote and removed, for the summary line."""
    directory = args.output_dir
    args.output = os.path.join(directory, retention.name(BACKUP_PREFIX, time.time()))
    contents = take_to_file(args)
    done = f"; wrote {shown(args.output)}"
    if args.keep is not None:
        try:
            removed = retention.prune(directory, BACKUP_PREFIX, args.keep)
        except OSError as error:
            failed = shown(error.filename or directory)
            raise EnvironmentProblem(
                f"the backup is written to {shown(args.output)}, but --keep={args.keep}"
                f" cannot remove {failed}: {error.strerror}"
            ) from None
        if removed:
            done += f", removed {', '.join(removed)} (keeping {args.keep})"
    return contents, done


def run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    args = parse_args(argv, environ)
    _check_combination(args)
    started = time.monotonic()
    if args.verify is not None:
        contents = verify(args.verify)
        print(f"{shown(args.verify)}: {_described(contents)}")
        return
    if args.password_file is not None:
        authorization(args.password_file)  # a bad file is bad input: before any request
    done = ""
    if args.output_dir is not None:
        contents, done = take_into_directory(args)
    elif args.output is not None:
        contents = take_to_file(args)
    elif sys.stdout.isatty():
        raise ConfigError(["standard output is a terminal: give --output=FILE, or redirect it"])
    else:
        contents = take(args, sys.stdout.buffer)
        sys.stdout.flush()
    seconds = time.monotonic() - started
    # The one line a run ends with (a CronJob's log holds nothing else).
    print(f"{PROG}: {_described(contents, f', {seconds:.2f} s')}{done}", file=sys.stderr)


def _described(contents: archive.Contents, seconds: str = "") -> str:
    header = contents.header
    return (
        f"zxid {header.zxid:#x}, {contents.summary.znodes} znodes, {contents.size} bytes{seconds};"
        f" ZooKeeper {header.zookeeper}, taken {header.taken} from {header.source}"
    )


class _Stopped(Exception):
    """SIGTERM or SIGINT, raised where the backup is, so that --output's partial file
    is removed on the way out: a CronJob's pod deleted mid-backup would otherwise
    leave one in the backups claim, as large as a backup and counted by no --keep."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the process's own command line; a caller keeps its own handlers
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _stop)
    try:
        run(sys.argv[1:] if argv is None else argv, os.environ)
    except (ConfigError, EnvironmentProblem) as error:
        return exit_code(PROG, error)
    except _Stopped as stopped:
        print(f"{PROG}: stopped by {stopped}; no backup written", file=sys.stderr)
        return 128 + signal.Signals[str(stopped)]
    except BrokenPipeError:
        print(f"{PROG}: standard output was closed before the backup was written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
