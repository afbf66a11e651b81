"""Reading ZooKeeper's transaction logs far enough to prove them complete.

Real logs are tested in test_upgrade.py; here, the rules, and the faults a
real server cannot be made to write on demand (a corrupt entry mid-log).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from zkcontainer.txnlog import LOG_MAGIC, UnreplayableLogs, follows, read_zxids


@pytest.mark.parametrize(
    ("previous", "zxid", "expected"),
    [
        (0x1, 0x2, True),
        (0x100000007, 0x100000008, True),
        (0x100000007, 0x200000001, True),  # a new leader's epoch starts at counter 1
        (0x100000007, 0x300000001, True),  # epochs without transactions in between
        (0x100000007, 0x100000009, False),
        (0x100000007, 0x200000002, False),
        (0x100000007, 0x100000007, False),
        (0x200000001, 0x100000008, False),
    ],
)
def test_a_transaction_follows_the_one_before_or_opens_a_later_epoch(
    previous: int, zxid: int, expected: bool
) -> None:
    assert follows(previous, zxid) is expected


def entry(zxid: int, corrupt: bool = False) -> bytes:
    txn = struct.pack(">qiqqi", 1, 1, zxid, 0, 1) + b"payload"
    checksum = zlib.adler32(txn) ^ (1 if corrupt else 0)
    return struct.pack(">qi", checksum, len(txn)) + txn + b"B"


def log_file(tmp_path: Path, *entries: bytes, padding: int = 64) -> Path:
    path = tmp_path / "log.1"
    path.write_bytes(struct.pack(">iiq", LOG_MAGIC, 2, 0) + b"".join(entries) + b"\0" * padding)
    return path


def test_zxids_are_read_up_to_the_zeroed_preallocation(tmp_path: Path) -> None:
    assert read_zxids(str(log_file(tmp_path, entry(1), entry(2), entry(3)))) == [1, 2, 3]


def test_a_torn_last_entry_ends_the_log_as_zookeeper_reads_it(tmp_path: Path) -> None:
    assert read_zxids(str(log_file(tmp_path, entry(1), entry(2, corrupt=True)))) == [1]


def test_a_corrupt_entry_before_others_is_refused(tmp_path: Path) -> None:
    path = log_file(tmp_path, entry(1), entry(2, corrupt=True), entry(3))
    with pytest.raises(UnreplayableLogs, match="corrupt entry after zxid 0x1"):
        read_zxids(str(path))


def test_a_file_that_is_no_transaction_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.1"
    path.write_bytes(b"not a log")
    with pytest.raises(UnreplayableLogs, match="is not a ZooKeeper transaction log"):
        read_zxids(str(path))
