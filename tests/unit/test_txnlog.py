"""Reading ZooKeeper's transaction logs as ZooKeeper reads them, to prove them complete.

Real logs are tested in tests/process/test_upgrade.py; here, the rules, and the faults a
real server cannot be made to write on demand (corrupt, torn and crafted
entries, odd file names).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.txnlogs import entry, log_file
from zkcontainer.txnlog import (
    LogsWithoutSnapshot,
    UnreplayableLogs,
    follows,
    logs_without_snapshot,
    read_zxids,
)


@pytest.mark.parametrize(
    ("previous", "zxid", "expected"),
    [
        (0x1, 0x2, True),
        (0x100000007, 0x100000008, True),
        (0x100000007, 0x200000001, True),  # a new leader's epoch starts at counter 1
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


def test_zxids_are_read_up_to_the_zeroed_preallocation(tmp_path: Path) -> None:
    assert read_zxids(str(log_file(tmp_path, "log.1", entry(1), entry(2), entry(3)))) == [1, 2, 3]


@pytest.mark.parametrize(
    "last",
    [entry(2, eor=b"X"), entry(2)[:-5]],
    ids=["no end-of-record byte", "cut short at the end of the file"],
)
def test_a_torn_last_entry_ends_the_log_as_zookeeper_reads_it(tmp_path: Path, last: bytes) -> None:
    padding = 64 if last.endswith(b"X") else 0
    assert read_zxids(str(log_file(tmp_path, "log.1", entry(1), last, padding=padding))) == [1]


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ((entry(1), entry(2, checksum_off=True)), "checksum fails"),  # ZooKeeper fails on it
        ((entry(1), entry(2, checksum_off=True), entry(3)), "checksum fails"),
        ((entry(1), entry(2, eor=b"X"), entry(3)), "partial entry with data after it"),
        ((entry(1), entry(2, length=0), entry(3)), "empty entry with data after it"),
        ((entry(1), entry(2, length=-5)), "impossible length -5"),
        ((entry(1), entry(2, length=0x7FFFFFFF)), "impossible length"),
    ],
    ids=["bad checksum last", "bad checksum", "partial", "zeroed length", "negative", "huge"],
)
def test_what_zookeeper_would_stop_at_or_fail_on_is_refused(
    tmp_path: Path, entries: tuple[bytes, ...], reason: str
) -> None:
    with pytest.raises(UnreplayableLogs, match=reason):
        read_zxids(str(log_file(tmp_path, "log.1", *entries)))


def test_a_file_that_is_no_transaction_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.1"
    path.write_bytes(b"not a log")
    with pytest.raises(UnreplayableLogs, match="is not a ZooKeeper transaction log"):
        read_zxids(str(path))


@pytest.mark.parametrize("plant", ["directory", "fifo", "symlink"])
def test_a_log_that_is_not_a_regular_file_is_refused_without_hanging(
    tmp_path: Path, plant: str
) -> None:
    path = tmp_path / "log.1"
    if plant == "directory":
        path.mkdir()
    elif plant == "fifo":
        import os  # noqa: PLC0415

        os.mkfifo(path)
    else:
        path.symlink_to(log_file(tmp_path / "elsewhere", "log.1", entry(1)))
    with pytest.raises(UnreplayableLogs):
        read_zxids(str(path))


def logs(tmp_path: Path, *files: tuple[str, tuple[bytes, ...]]) -> LogsWithoutSnapshot:
    for name, entries in files:
        log_file(tmp_path / "log" / "version-2", name, *entries)
    found = logs_without_snapshot(str(tmp_path / "data"), str(tmp_path / "log"))
    assert found is not None
    return found


def test_logs_that_change_epoch_are_left_to_the_operator(tmp_path: Path) -> None:
    """Nothing in the logs says where epoch 1 ended: a lost file there goes unseen."""
    found = logs(
        tmp_path,
        ("log.100000001", (entry(0x100000001), entry(0x100000002))),
        ("log.200000001", (entry(0x200000001),)),
    )
    with pytest.raises(UnreplayableLogs, match=r"nothing proves epoch 1 ended there$") as refused:
        found.replay_range()
    assert refused.value.epochs  # only the operator knows whether another member has the data


def test_logs_missing_a_transaction_are_not_left_to_the_operator(tmp_path: Path) -> None:
    found = logs(tmp_path, ("log.1", (entry(1), entry(2))), ("log.4", (entry(4),)))
    with pytest.raises(UnreplayableLogs, match="transactions are missing") as refused:
        found.replay_range()
    assert not refused.value.epochs


def test_one_epoch_from_its_first_transaction_on_is_complete(tmp_path: Path) -> None:
    found = logs(tmp_path, ("log.1", (entry(1), entry(2))), ("log.3", (entry(3), entry(4))))
    assert found.replay_range() == (1, 4)


@pytest.mark.parametrize(
    ("snapshot", "counts"),
    [
        (b"", False),  # left by a crash while writing it
        (b"\0" * 20 + b"\0\0\0\x01/", True),
        (b"\0" * 20 + b"\0\0\0\x01X", False),  # no trailer: ZooKeeper skips it
    ],
    ids=["empty", "with its trailer", "without its trailer"],
)
def test_only_a_snapshot_zookeeper_would_read_counts(
    tmp_path: Path, snapshot: bytes, counts: bool
) -> None:
    (tmp_path / "data" / "version-2").mkdir(parents=True)
    (tmp_path / "data" / "version-2" / "snapshot.0").write_bytes(snapshot)
    log_file(tmp_path / "log" / "version-2", "log.1", entry(1))
    found = logs_without_snapshot(str(tmp_path / "data"), str(tmp_path / "log"))
    assert (found is None) is counts


def test_compressed_snapshots_count(tmp_path: Path) -> None:
    (tmp_path / "data" / "version-2").mkdir(parents=True)
    (tmp_path / "data" / "version-2" / "snapshot.2f.gz").write_bytes(b"\x1f\x8b" + b"\0" * 30)
    log_file(tmp_path / "log" / "version-2", "log.30", entry(0x30))
    assert logs_without_snapshot(str(tmp_path / "data"), str(tmp_path / "log")) is None


def test_names_zookeeper_cannot_read_are_not_its_logs(tmp_path: Path) -> None:
    found = logs(
        tmp_path,
        ("log.1", (entry(1),)),
        ("log.1000000000000002a", (entry(0x2A),)),  # 17 hex digits: beyond Long.parseLong
        ("log.xyz", (entry(5),)),
    )
    assert found.files == ("log.1",)
