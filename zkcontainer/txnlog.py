"""ZooKeeper's transaction logs, read just far enough to prove them complete.

ZooKeeper >= 3.5 refuses a data directory that has transaction logs but no
snapshot ("No snapshot found, but there are log entries. Something is
broken!"). ZooKeeper 3.4 left exactly that on lightly used volumes: it wrote
its first snapshot only after snapCount transactions, so a StatefulSet
switched from the original image to this one would crash-loop. The property
zookeeper.snapshot.trust.empty makes ZooKeeper replay the logs onto an empty
tree, which is right only when the logs hold every transaction ever made:
the earliest begins an epoch's history (its counter is 1), each transaction
follows the one before within one epoch, and every entry reads as ZooKeeper
reads it. Across a change of epoch nothing in the logs says where the old
epoch ended, so logs that span epochs are refused with the choice left to
the operator (start-zookeeper's one-off marker, zkcontainer.datadir). Anything
less would silently drop data, so it is refused.

The format (FileTxnLog): a header of magic "ZKLG", version and database id,
then entries of an Adler-32 checksum (long), a length (int), the
transaction (its header holds the zxid at byte 12) and an end-of-record
byte "B". ZooKeeper ends a file's log at a zero length (the preallocated
rest), at the end of the file, or at a missing end-of-record byte; it fails
to start on a checksum that does not match or a length beyond its buffer.
Where ZooKeeper would stop early while data follows, or fail, this refuses.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from typing import BinaryIO, NamedTuple

LOG_MAGIC = 0x5A4B4C47  # "ZKLG"
# jute.maxbuffer's default plus the slack ZooKeeper allows a transaction.
MAX_TXN_BYTES = 0xFFFFF + 1024
# What ZooKeeper's Long.parseLong(hex, 16) reads in a file name.
MAX_ZXID = 2**63 - 1
_HEADER = struct.Struct(">iiq")  # magic, version, dbid
_ENTRY = struct.Struct(">qi")  # checksum, length
_ZXID_AT = struct.Struct(">12xq")  # TxnHeader: clientId (8), cxid (4), zxid (8)


class UnreplayableLogs(Exception):
    """The logs do not provably hold every transaction; the reason says where not.

    `epochs`: all that is unproven is where an epoch ended, which only the
    operator can judge (whether another member holds the data).
    """

    def __init__(self, reason: str, *, epochs: bool = False) -> None:
        super().__init__(reason)
        self.epochs = epochs


class LogsWithoutSnapshot(NamedTuple):
    """Transaction logs in `log_dir` (a version-2 directory) that no snapshot accompanies."""

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
                elif zxid >> 32 != previous >> 32 and follows(previous, zxid):
                    raise UnreplayableLogs(
                        f"{name} starts epoch {zxid >> 32} at zxid {zxid:#x} after {previous:#x}, "
                        f"and nothing proves epoch {previous >> 32} ended there",
                        epochs=True,
                    )
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
    """The zxids of a log file's entries, in order, as far as ZooKeeper would read
    them; UnreplayableLogs where it would stop while data follows, or fail."""
    name = os.path.basename(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise UnreplayableLogs(f"cannot read {name}: {error.strerror}") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnreplayableLogs(f"{name} is not a regular file")
    with os.fdopen(fd, "rb") as file:
        header = file.read(_HEADER.size)
        if len(header) < _HEADER.size or _HEADER.unpack(header)[0] != LOG_MAGIC:
            raise UnreplayableLogs(f"{name} is not a ZooKeeper transaction log")
        return _entries(file, name)


def _entries(file: BinaryIO, name: str) -> list[int]:
    zxids: list[int] = []

    def where() -> str:
        return f"{name}, after zxid {zxids[-1] if zxids else 0:#x},"

    while True:
        entry = file.read(_ENTRY.size)
        if len(entry) < _ENTRY.size:
            return zxids  # the end of the file
        checksum, length = _ENTRY.unpack(entry)
        if length == 0:
            if _rest_is_empty(file):
                return zxids  # the zeroed, preallocated rest of the file
            raise UnreplayableLogs(f"{where()} has an empty entry with data after it")
        if not 0 < length <= MAX_TXN_BYTES:
            raise UnreplayableLogs(f"{where()} has an entry of impossible length {length}")
        txn = file.read(length)
        if len(txn) < length:
            return zxids  # torn by a crash at the end of the file: never acknowledged
        end_of_record = file.read(1)
        if end_of_record != b"B":
            if _rest_is_empty(file):
                return zxids  # ZooKeeper reads a partial last entry as the end
            raise UnreplayableLogs(f"{where()} has a partial entry with data after it")
        if zlib.adler32(txn) != checksum & 0xFFFFFFFF or len(txn) < _ZXID_AT.size:
            raise UnreplayableLogs(f"{where()} has an entry whose checksum fails")
        zxids.append(_ZXID_AT.unpack_from(txn)[0])


def _rest_is_empty(file: BinaryIO) -> bool:
    while chunk := file.read(65536):
        if chunk.strip(b"\0"):
            return False
    return True


def logs_without_snapshot(snap_dir: str, log_dir: str) -> LogsWithoutSnapshot | None:
    """The logs ZooKeeper would refuse to start from, or None when there are none
    or a snapshot ZooKeeper would read accompanies them."""
    snapshots_dir = os.path.join(snap_dir, "version-2")
    snapshots = file_names(snapshots_dir, "snapshot.", suffixes=(".gz", ".snappy"))
    logs = file_names(os.path.join(log_dir, "version-2"), "log.")
    if not logs or any(_valid_snapshot(os.path.join(snapshots_dir, s)) for s in snapshots):
        return None
    return LogsWithoutSnapshot(log_dir=os.path.join(log_dir, "version-2"), files=tuple(logs))


def _valid_snapshot(path: str) -> bool:
    """As ZooKeeper's SnapStream.isValidSnapshot: a regular file of at least 10 bytes
    whose trailer is the int 1 and "/" (a compressed one: its size alone)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size < 10:
            return False
        if path.endswith((".gz", ".snappy")):
            return True
        with open(path, "rb") as file:
            file.seek(-5, os.SEEK_END)
            return file.read(5) == b"\0\0\0\x01/"
    except OSError:
        return False


def file_names(directory: str, prefix: str, suffixes: tuple[str, ...] = ()) -> list[str]:
    """Files named prefix + hex zxid (+ one of suffixes), oldest first, as
    ZooKeeper finds them: names whose zxid Long.parseLong cannot read are not
    its files."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []  # nothing there; creating the directories says what is wrong
    except OSError as error:
        raise UnreplayableLogs(f"cannot list {directory}: {error.strerror}") from error
    found = []
    for name in names:
        if not name.startswith(prefix):
            continue
        zxid = _zxid_text(name, prefix, suffixes)
        hexadecimal = 0 < len(zxid) <= 16 and all(c in "0123456789abcdefABCDEF" for c in zxid)
        if hexadecimal and int(zxid, 16) <= MAX_ZXID:
            found.append((int(zxid, 16), name))
    return [name for _, name in sorted(found)]


def name_zxid(name: str, prefix: str, suffixes: tuple[str, ...] = ()) -> int:
    """The zxid in the name of a file that file_names found."""
    return int(_zxid_text(name, prefix, suffixes), 16)


def _zxid_text(name: str, prefix: str, suffixes: tuple[str, ...]) -> str:
    zxid = name[len(prefix) :]
    for suffix in suffixes:
        zxid = zxid.removesuffix(suffix)
    return zxid
