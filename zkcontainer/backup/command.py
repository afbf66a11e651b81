"""zookeeper-backup: a member's tree, with its ACLs, in one file; --verify checks one offline.

    kubectl exec zk-0 -- zookeeper-backup > zk.backup
    zookeeper-backup --host=zk-1.zk-hs --output=/backups/zk.backup
    zookeeper-backup --verify zk.backup

It takes the snapshot ZooKeeper's AdminServer streams (zkcontainer.backup.admin)
and writes it as a backup file (zkcontainer.backup.archive), reading it as
ZooKeeper would on the way: a snapshot that would not load fails the backup.
With --output, the file appears under its name only once it is complete;
on standard output a failed backup has no trailer, so --verify and
--restore_from refuse it. The last line on standard error is the summary.

Exit: 0 done, 1 failed (the reason on one line), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import BinaryIO

from zkcontainer import ConfigError, EnvironmentProblem, runtime
from zkcontainer.arguments import OneLineParser
from zkcontainer.backup import admin, archive
from zkcontainer.backup.snapshot import BadSnapshot
from zkcontainer.credentials import CredentialProblem, secret_text
from zkcontainer.errors import exit_code
from zkcontainer.probeargs import shown

PROG = "zookeeper-backup"
DEFAULT_ADMIN_PORT = 8080
SUPERUSER = "super"
# The identity sent when no password is given: ZooKeeper insists on one, and
# under `/`'s default ACL any identity may take a snapshot.
ANONYMOUS = "zookeeper-backup:"


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        raising=True,
        description="Back up a member's ZooKeeper tree with its ACLs to one file, or check one.",
    )
    parser.add_argument("--verify", metavar="FILE", help="check a backup file offline; take none")
    parser.add_argument(
        "--output", metavar="FILE", help="write the backup here (default: standard output)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the member whose AdminServer to ask (default: this pod's, 127.0.0.1)",
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
        return f"digest {SUPERUSER}:{secret_text(password_file)}"
    except CredentialProblem as error:
        raise ConfigError([f"--password_file={error}"]) from None


def verify(path: str) -> archive.Contents:
    try:
        with open(path, "rb") as file:
            return archive.read(file)
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {shown(path)}: {error.strerror}") from None
    except archive.BadBackup as error:
        raise EnvironmentProblem(f"{shown(path)} is refused: {error}") from None


def take(args: argparse.Namespace, out: BinaryIO) -> archive.Contents:
    server = admin.AdminServer(args.host, args.admin_port, args.timeout)
    version = server.version()
    stream = server.snapshot(authorization(args.password_file))
    taken = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    header = archive.Header(version, stream.zxid, taken, server.where, stream.size)
    try:
        return archive.write(out, header, stream.body)
    except BadSnapshot as error:
        raise EnvironmentProblem(f"the snapshot from {server.where} is refused: {error}") from None
    except OSError as error:
        raise EnvironmentProblem(f"the backup failed while copying: {error}") from None


def take_to_file(args: argparse.Namespace) -> archive.Contents:
    """Into a temporary file beside --output, renamed once complete and on disk."""
    path = args.output
    temporary = f"{path}.partial"
    try:
        out = open(temporary, "wb")  # noqa: SIM115 - closed below on every path
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {shown(temporary)}: {error.strerror}") from None
    try:
        with out:
            contents = take(args, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        runtime.fsync_directory(os.path.dirname(os.path.abspath(path)))
    except BaseException:
        os.unlink(temporary)
        raise
    return contents


def run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    args = parse_args(argv, environ)
    started = time.monotonic()
    if args.verify is not None:
        contents = verify(args.verify)
        print(f"{shown(args.verify)}: {_described(contents)}")
        return
    if args.password_file is not None:
        authorization(args.password_file)  # a bad file is bad input: before any request
    if args.output is not None:
        contents = take_to_file(args)
    elif sys.stdout.isatty():
        raise ConfigError(["standard output is a terminal: give --output=FILE, or redirect it"])
    else:
        contents = take(args, sys.stdout.buffer)
        sys.stdout.flush()
    seconds = time.monotonic() - started
    print(f"{PROG}: {_described(contents)}, {seconds:.2f} s", file=sys.stderr)


def _described(contents: archive.Contents) -> str:
    header = contents.header
    return (
        f"zxid {header.zxid:#x}, {contents.summary.znodes} znodes, {contents.size} bytes;"
        f" ZooKeeper {header.zookeeper}, taken {header.taken} from {header.source}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        run(sys.argv[1:] if argv is None else argv, os.environ)
    except (ConfigError, EnvironmentProblem) as error:
        return exit_code(PROG, error)
    except BrokenPipeError:
        print(f"{PROG}: standard output was closed before the backup was written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
