"""ZooKeeper's transaction logs, read just far enough to prove them complete.

ZooKeeper >= 3.5 refuses a data directory that has transaction logs but no
snapshot ("No snapshot found, but there are log entries. Something is
broken!"). ZooKeeper 3.4 left exactly that on lightly used volumes: it wrote
its first snapshot only after snapCount transactions, so a StatefulSet
switched from the original image to this one would crash-loop. The property
zookeeper.snapshot.trust.empty makes ZooKeeper replay the logs onto an empty
tree, which is right only when the logs hold every transaction ever made:
the earliest begins an epoch's history (its counter is 1) and each
transaction follows the one before (the next counter, or the first of a
later epoch), with every entry's checksum intact. Anything less would
silently drop data, so it is refused.

The format (FileTxnLog): a header of magic "ZKLG", version and database id,
then entries of an Adler-32 checksum (long), a length (int), the
transaction (its header holds the zxid at byte 12) and an end-of-record
byte; a zero length, or the end of the file, ends the log.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

LOG_MAGIC = 0x5A4B4C47  # "ZKLG"
_HEADER = struct.Struct(">iiq")  # magic, version, dbid
_ENTRY = struct.Struct(">qi")  # checksum, length
_ZXID_AT = struct.Struct(">12xq")  # TxnHeader: clientId (8), cxid (4), zxid (8)


class UnreplayableLogs(Exception):
    """The logs do not provably hold every transaction; the reason says where not."""


@dataclass(frozen=True)
class LogsWithoutSnapshot:
    """Transaction logs in `log_dir` that no snapshot in `snap_dir` accompanies."""

    snap_dir: str
    log_dir: str
    files: tuple[str, ...]  # oldest first

    def replay_range(self) -> tuple[int, int]:
        """(first zxid, last zxid) when the logs hold every transaction; else UnreplayableLogs."""
        previous: int | None = None
        first: int | None = None
        for name in self.files:
            for zxid in read_zxids(os.path.join(self.log_dir, name)):
                if previous is None:
                    if counter(zxid) != 1:
                        raise UnreplayableLogs(
                            f"the oldest log, {name}, begins at zxid {zxid:#x}, not at the "
                            "first transaction of an epoch: older ones are gone"
                        )
                    first = zxid
                elif not follows(previous, zxid):
                    raise UnreplayableLogs(
                        f"{name} has zxid {zxid:#x} after {previous:#x}: transactions are missing"
                    )
                previous = zxid
        if first is None or previous is None:
            raise UnreplayableLogs("the log files hold no transaction")
        return first, previous


def counter(zxid: int) -> int:
    """A zxid's low 32 bits: its place within the leader's epoch (the high 32 bits)."""
    return zxid & 0xFFFFFFFF


def follows(previous: int, zxid: int) -> bool:
    """Whether `zxid` is the transaction right after `previous`."""
    return zxid == previous + 1 or (zxid >> 32 > previous >> 32 and counter(zxid) == 1)


def read_zxids(path: str) -> list[int]:
    """The zxids of a log file's intact entries, in order; UnreplayableLogs when an
    entry's checksum fails before the log's end."""
    zxids: list[int] = []
    with open(path, "rb") as file:
        header = file.read(_HEADER.size)
        if len(header) < _HEADER.size or _HEADER.unpack(header)[0] != LOG_MAGIC:
            raise UnreplayableLogs(f"{os.path.basename(path)} is not a ZooKeeper transaction log")
        while True:
            entry = file.read(_ENTRY.size)
            if len(entry) < _ENTRY.size:
                return zxids
            checksum, length = _ENTRY.unpack(entry)
            if length <= 0:
                return zxids  # the zeroed, preallocated rest of the file
            txn = file.read(length)
            if len(txn) < length or len(txn) < _ZXID_AT.size:
                return zxids  # a write torn by a crash: never acknowledged
            end_of_record = file.read(1)
            if zlib.adler32(txn) != checksum & 0xFFFFFFFF or end_of_record != b"B":
                if _rest_is_empty(file):
                    return zxids  # torn at the tail, as ZooKeeper treats it
                raise UnreplayableLogs(
                    f"{os.path.basename(path)} has a corrupt entry after zxid "
                    f"{zxids[-1] if zxids else 0:#x}"
                )
            zxids.append(_ZXID_AT.unpack_from(txn)[0])


def _rest_is_empty(file: BinaryIO) -> bool:
    while chunk := file.read(65536):
        if chunk.strip(b"\0"):
            return False
    return True


def logs_without_snapshot(snap_dir: str, log_dir: str) -> LogsWithoutSnapshot | None:
    """The logs ZooKeeper would refuse to start from, or None when there are none
    or a snapshot accompanies them."""
    snapshots = _names(os.path.join(snap_dir, "version-2"), "snapshot.")
    logs = _names(os.path.join(log_dir, "version-2"), "log.")
    if snapshots or not logs:
        return None
    return LogsWithoutSnapshot(
        snap_dir=snap_dir, log_dir=os.path.join(log_dir, "version-2"), files=tuple(logs)
    )


def _names(directory: str, prefix: str) -> list[str]:
    """Files named prefix + hex zxid, oldest first."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        suffix = name[len(prefix) :]
        if (
            name.startswith(prefix)
            and suffix
            and all(c in "0123456789abcdefABCDEF" for c in suffix)
        ):
            found.append((int(suffix, 16), name))
    return [name for _, name in sorted(found)]
