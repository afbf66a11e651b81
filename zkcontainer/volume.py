"""What a member's volume holds: nothing yet, data, or data restored from a backup.

The one classification every start decision uses (the start gate, the
reconfig membership, and later the restore and the adoption of other charts'
volumes extend it here rather than adding their own). Only reads.

A volume holds data when ZooKeeper ever logged a transaction on it: a
transaction log exists, or a snapshot of a zxid above 0. What ZooKeeper
writes before any transaction is not data: its first start writes
`snapshot.0` of an empty tree, an election writes `acceptedEpoch` and
`currentEpoch`, and a freshly formed ensemble that took no write serves at
zxid 0. Neither is myid, the record of the log directory (LOG_DIR_RECORD),
a lock file, a heap dump or a class-data archive: a volume with only those
has nothing a quorum could lose. A restore marker (written by a restore,
with the restored data) counts as data even before ZooKeeper has logged
anything on it.
"""

from __future__ import annotations

import os
from typing import Literal, NamedTuple

from zkcontainer import txnlog

VolumeKind = Literal["empty", "data", "restored"]
KINDS: tuple[VolumeKind, ...] = ("empty", "data", "restored")
RESTORE_MARKER = "zkcontainer-restored"
VERSION_DIR = "version-2"
# In the data directory: the --data_log_dir its transaction logs go to, written
# by the first start that finds them where that start looks (start-zookeeper).
LOG_DIR_RECORD = "zkcontainer-data-log-dir"
# Under the data directory, where start-zookeeper's default --data_log_dir (and
# the original script's) puts the logs.
DEFAULT_LOG_SUBDIR = "log"


class Volume(NamedTuple):
    kind: VolumeKind
    last_zxid: int  # the newest zxid the volume holds; 0 when empty
    epoch: int  # the newest epoch it took part in: currentEpoch, or the zxid's high half

    @property
    def holds_data(self) -> bool:
        return self.kind != "empty"


def classify(data_dir: str, data_log_dir: str) -> Volume:
    """The volume's kind, its newest zxid and epoch, from what ZooKeeper wrote there."""
    snapshots_dir = os.path.join(data_dir, VERSION_DIR)
    logs_dir = os.path.join(data_log_dir, VERSION_DIR)
    snapshot_zxids = _zxids_in_names(snapshots_dir, "snapshot.", (".gz", ".snappy"))
    log_files = _zxids_in_names(logs_dir, "log.")
    if snapshot_zxids is None or log_files is None:
        # What cannot be listed cannot be proven empty.
        return Volume("data", 0, 0)
    last_zxid = max(snapshot_zxids, default=0)
    if log_files:
        newest = max(log_files)
        last_zxid = max(last_zxid, newest, _last_logged(os.path.join(logs_dir, f"log.{newest:x}")))
    epoch = max(_read_epoch(os.path.join(snapshots_dir, "currentEpoch")), last_zxid >> 32)
    if os.path.lexists(os.path.join(data_dir, RESTORE_MARKER)):
        return Volume("restored", last_zxid, epoch)
    # A log file is created for its first transaction, and named after it.
    kind: VolumeKind = "data" if log_files or last_zxid > 0 else "empty"
    return Volume(kind, last_zxid, epoch)


class LogsElsewhere(NamedTuple):
    directory: str  # the log directory that holds, or held, this data directory's logs
    recorded: bool  # only LOG_DIR_RECORD says so: that directory may not be mounted here


def logs_elsewhere(data_dir: str, data_log_dir: str, recorded: str | None) -> LogsElsewhere | None:
    """Where this data directory's transaction logs are, when ZooKeeper would start
    on data_log_dir without them, from its last snapshot (an empty tree's, if it
    took no snapshot since its first start): the directory `recorded` at an
    earlier start, when it is another; else a log directory on the data
    directory that holds logs while data_log_dir holds none (the data
    directory's own version-2, where ZooKeeper logs without a dataLogDir, or
    DEFAULT_LOG_SUBDIR). Paths are compared as written, normalised."""
    here = os.path.normpath(data_log_dir)
    if recorded is not None and os.path.normpath(recorded) != here:
        return LogsElsewhere(recorded, recorded=True)
    if _zxids_in_names(os.path.join(data_log_dir, VERSION_DIR), "log.") != []:
        return None  # logs where ZooKeeper looks (or a listing it fails on itself)
    for other in (data_dir, os.path.join(data_dir, DEFAULT_LOG_SUBDIR)):
        if os.path.normpath(other) != here and _zxids_in_names(
            os.path.join(other, VERSION_DIR), "log."
        ):
            return LogsElsewhere(other, recorded=False)
    return None


def log_dir_record(data_dir: str, data_log_dir: str) -> str:
    """LOG_DIR_RECORD's text for data_log_dir: relative to the data directory when
    within it (the default), so a volume mounted at another path keeps it true."""
    relative = os.path.relpath(os.path.normpath(data_log_dir), os.path.normpath(data_dir))
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return f"{data_log_dir if outside else relative}\n"


def recorded_log_dir(data_dir: str, text: str) -> str | None:
    """The log directory LOG_DIR_RECORD's text names; None when it names none."""
    line = text.split("\n", 1)[0]
    return os.path.join(data_dir, line) if line else None


def holds_files(directories: list[str]) -> bool:
    """Whether ZooKeeper wrote snapshots or logs in any of these, even only an empty
    tree's: what makes a directory a server's, for the myid claim."""
    return any(
        _zxids_in_names(os.path.join(directory, VERSION_DIR), prefix)
        for directory in directories
        for prefix in ("snapshot.", "log.")
    )


def _last_logged(path: str) -> int:
    """The last zxid in one log file; 0 when it cannot be read to the end (its name,
    the first zxid in it, still counts)."""
    try:
        zxids = txnlog.read_zxids(path)
    except (txnlog.UnreplayableLogs, OSError):
        return 0
    return max(zxids, default=0)


def _read_epoch(path: str) -> int:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            text = file.read(32).strip()
    except OSError:
        return 0
    return int(text) if text.isdecimal() else 0


def _zxids_in_names(
    directory: str, prefix: str, suffixes: tuple[str, ...] = ()
) -> list[int] | None:
    """The zxids in the names of ZooKeeper's files there, as ZooKeeper reads them;
    None when the directory exists but cannot be listed."""
    try:
        names = txnlog.file_names(directory, prefix, suffixes)
    except txnlog.UnreplayableLogs:
        return None
    return [txnlog.name_zxid(name, prefix, suffixes) for name in names]
