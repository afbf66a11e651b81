"""A member's data directories: whose they are, and what a start claims in them.

What the directories hold is evidence of which server they belong to and of
what ZooKeeper can start from: myid, the record of the transaction-log
directory (volume.LOG_DIR_RECORD), transaction logs without a snapshot, the
operator's one-off TRUST_MARKER. Reading it (read_evidence) only reads and
refuses; what a start then writes as its own claim is claims(), under the
locks of locked_directories() (zkcontainer.datalock).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from zkcontainer import EnvironmentProblem, txnlog, volume
from zkcontainer.settings import Settings

TRUST_EMPTY = "zookeeper.snapshot.trust.empty"
# The operator's word, for one member and one start, that logs spanning epochs
# hold all there is: a file in that member's --data_dir, removed as it is taken.
# Not a JVM flag: in the pod template (or the chart's values) one would hold
# for every member for as long as it stays there.
TRUST_MARKER = "zkcontainer-trust-logs"


class Evidence(NamedTuple):
    """What the data directories say: whether to claim them with myid and record
    the log directory, and the JVM properties their data calls for, with the
    line that says why."""

    write_myid: bool
    properties: list[str]
    why: str | None
    takes_trust_marker: bool = False  # the start removes TRUST_MARKER: it held once
    record_log_dir: bool = False  # the start writes LOG_DIR_RECORD: there is none yet


def read_evidence(settings: Settings) -> Evidence:
    """Refuse a volume that belongs to another server or holds data ZooKeeper
    cannot start from; only reads."""
    write_myid = myid_to_write(settings)
    record_log_dir = log_dir_to_record(settings)
    properties, why, takes_trust_marker = data_properties(settings)
    return Evidence(write_myid, properties, why, takes_trust_marker, record_log_dir)


def claims(settings: Settings, evidence: Evidence) -> dict[str, str]:
    """path -> text: what this start writes into the data directory as evidence."""
    written = {}
    if settings.myid is not None and evidence.write_myid:
        written[myid_path(settings)] = f"{settings.myid}\n"
    if evidence.record_log_dir:
        record = volume.log_dir_record(settings.data_dir, settings.data_log_dir)
        written[log_dir_record_path(settings)] = record
    return written


def claim_paths(settings: Settings) -> list[str]:
    """Every file claims() may write, whether or not this start writes it."""
    return [myid_path(settings), log_dir_record_path(settings)]


def locked_directories(settings: Settings) -> list[str]:
    """The directories one ZooKeeper holds for its whole life (zkcontainer.datalock)."""
    return [settings.data_dir, settings.data_log_dir]


def myid_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, "myid")


def myid_to_write(settings: Settings) -> bool:
    """Whether this start claims the data directory by writing myid.

    myid and ZooKeeper's data are evidence of which server a volume belongs
    to. A different myid is refused. Data without any myid (a standalone that
    ran without a server id, a directory copied from elsewhere) is never
    adopted by an ensemble member under the id its hostname happens to give.
    """
    if settings.myid is None:
        return False
    if check_myid(myid_path(settings), settings.myid):
        return False
    if volume.holds_files([settings.data_dir, settings.data_log_dir]):
        if settings.is_ensemble:
            raise EnvironmentProblem(
                f"{settings.data_dir} holds ZooKeeper data but no myid, so no server of "
                f"this ensemble wrote it; refusing to adopt it as server {settings.myid} "
                f"(move it away, or write {settings.myid} into myid if it is this server's)"
            )
        return False  # a standalone serves it as it is, without claiming an id
    return True


def read_myid(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as file:
            return file.read(4096)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {path}: {error.strerror}") from error


def myid_value(content: str) -> int | None:
    """The server id ZooKeeper reads from a myid file's content, or None if it reads none.

    QuorumPeerConfig takes BufferedReader.readLine() (a line ends at \\n, \\r or
    \\r\\n) and Long.parseLong: an optional sign and decimal digits, nothing else.
    """
    line = content.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    digits = line[1:] if line[:1] in ("+", "-") else line
    if not digits or not digits.isdecimal() or len(digits) > 19:
        return None
    return int(line)


def check_myid(path: str, expected: int) -> bool:
    """True when `path` already holds `expected`, False when absent; else refuse.

    An existing myid is evidence of which server this volume belongs to: a
    volume attached to the wrong ordinal must never join under another id.
    """
    content = read_myid(path)
    if content is None:
        return False
    if myid_value(content) == expected:
        return True
    first_line = content.splitlines()[0] if content.strip() else content
    raise EnvironmentProblem(
        f"{path} holds {first_line[:40]!r} but this pod is server {expected}; refusing to "
        "start (is this volume attached to the wrong pod?)"
    )


def log_dir_record_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, volume.LOG_DIR_RECORD)


def log_dir_to_record(settings: Settings) -> bool:
    """Whether this start records --data_log_dir in the data directory; refuse when
    the transaction logs of its data are elsewhere.

    ZooKeeper on a log directory without the logs starts from its last
    snapshot, and a standalone (or a quorum of members alike) serves an older
    tree, often an empty one, as if nothing had been written. Where the logs
    went, it cannot tell: a log volume no longer mounted cannot be seen, so
    the first start that finds the logs where it looks (or none anywhere)
    records where that is, and a later start on another directory refuses.
    The record is never rewritten: moving the logs is the operator's, and so
    is the record of where they went.
    """
    path = log_dir_record_path(settings)
    recorded = read_log_dir_record(settings.data_dir, path)
    elsewhere = volume.logs_elsewhere(settings.data_dir, settings.data_log_dir, recorded)
    if elsewhere is not None:
        raise EnvironmentProblem(misplaced_logs(settings.data_log_dir, elsewhere, path))
    return recorded is None


def read_log_dir_record(data_dir: str, path: str) -> str | None:
    """The log directory the record names; None when there is no record."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as file:
            text = file.read(65536)
    except (FileNotFoundError, NotADirectoryError):
        return None  # no data directory yet: creating it says what stands in the way
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {path}: {error.strerror}") from error
    recorded = volume.recorded_log_dir(data_dir, text)
    if recorded is None:
        raise EnvironmentProblem(
            f"{path} names no directory: write into it the --data_log_dir this data "
            "directory's transaction logs are in"
        )
    return recorded


def misplaced_logs(data_log_dir: str, elsewhere: volume.LogsElsewhere, record: str) -> str:
    """The refusal of a log directory without this data's logs, with both ways out."""
    old = os.path.join(elsewhere.directory, volume.VERSION_DIR)
    new = os.path.join(data_log_dir, volume.VERSION_DIR)
    if elsewhere.recorded:
        problem = (
            f"{record} says this data directory's transaction logs are in "
            f"{elsewhere.directory}, not --data_log_dir={data_log_dir}"
        )
        move = f"move the log.* files from {old} into {new} and write {data_log_dir} into {record}"
    else:
        problem = (
            f"{old} holds this data directory's transaction logs and "
            f"--data_log_dir={data_log_dir} holds none"
        )
        move = f"move the log.* files from {old} into {new}"
    return (
        f"{problem}: ZooKeeper would start from its last snapshot without them and lose the "
        f"writes they hold; {move}, or start with --data_log_dir={elsewhere.directory} again "
        "(the Helm chart: storage.dataLog.enabled as it was, or a pod mounting both claims "
        'moves them; docs/helm-chart.md, "Moving the transaction log")'
    )


def trust_marker_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, TRUST_MARKER)


def remove_trust_marker(settings: Settings) -> None:
    path = trust_marker_path(settings)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise EnvironmentProblem(
            f"cannot remove {path}, which says to replay this start's logs once: "
            f"{error.strerror}; make it a plain file this user may remove"
        ) from error


def data_properties(settings: Settings) -> tuple[list[str], str | None, bool]:
    """JVM properties for the data found, a line that says why, and whether the
    operator's TRUST_MARKER is taken.

    Transaction logs without a snapshot (as ZooKeeper 3.4 left a lightly used
    volume) are replayed when they provably hold every transaction, or span
    epochs and the operator's marker says so; refused otherwise. Only reads:
    called before anything is created.
    """
    if any(flag.startswith(f"-D{TRUST_EMPTY}=") for flag in settings.jvm_flags):
        return [], None, False  # the operator decided, knowing what is there
    try:
        logs = txnlog.logs_without_snapshot(settings.data_dir, settings.data_log_dir)
    except txnlog.UnreplayableLogs as error:
        raise EnvironmentProblem(str(error)) from error
    if logs is None:
        return [], None, False
    marker = trust_marker_path(settings)
    try:
        first, last = logs.replay_range()
    except txnlog.UnreplayableLogs as error:
        if error.epochs and os.path.lexists(marker):
            why = (
                f"{logs.log_dir} has transaction logs and no snapshot, and {error}; {marker} "
                "says they hold all there is, so ZooKeeper replays them onto an empty tree "
                f"(zookeeper.snapshot.trust.empty) and snapshots; {TRUST_MARKER} holds for "
                "this start only and is removed"
            )
            return [f"-D{TRUST_EMPTY}=true"], why, True
        raise EnvironmentProblem(unreplayable(logs.log_dir, error, marker)) from error
    why = (
        f"{logs.log_dir} has transaction logs from zxid {first:#x} to {last:#x} and no "
        "snapshot (as ZooKeeper 3.4 left it); they hold every transaction, so ZooKeeper "
        "replays them onto an empty tree (zookeeper.snapshot.trust.empty) and snapshots"
    )
    return [f"-D{TRUST_EMPTY}=true"], why, False


def unreplayable(log_dir: str, error: txnlog.UnreplayableLogs, marker: str) -> str:
    """The refusal of logs without a snapshot, with the repair the operator may choose."""
    resync = "wipe this member's version-2 directories (keep myid) and it resyncs from the quorum"
    problem = (
        f"{log_dir} has transaction logs but no snapshot, and ZooKeeper cannot start from "
        f"them safely: {error}"
    )
    if not error.epochs:
        return f"{problem}; {resync}"
    return (
        f"{problem}; if the other members serve this data, {resync}; if none holds it, "
        f"create the empty file {marker} and the next start replays what is here, once "
        '(docs/migrating.md, "Upgrading in place from the original image")'
    )
