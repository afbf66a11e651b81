"""What --output_dir keeps: the newest --keep of zookeeper-backup's own files, and all else."""

from __future__ import annotations

import calendar
from pathlib import Path

from zkcontainer.backup.retention import name, prune


def test_names_sort_as_the_times_they_were_taken() -> None:
    times = [
        calendar.timegm((2026, month, day, hour, 0, 0))
        for month, day, hour in [(1, 2, 3), (11, 1, 0), (2, 10, 23), (2, 9, 1)]
    ]
    assert sorted(times) == [
        times[i] for i in sorted(range(4), key=lambda i: name("zk-", times[i]))
    ]
    assert (
        name("zookeeper-", calendar.timegm((2026, 12, 8, 1, 2, 3)))
        == "zookeeper-20261208T010203Z.backup"
    )


def test_the_newest_are_kept_and_the_rest_removed(tmp_path: Path) -> None:
    names = [f"zookeeper-2026120{day}T000000Z.backup" for day in range(1, 6)]
    for entry in names:
        (tmp_path / entry).write_text(entry)
    assert prune(str(tmp_path), "zookeeper-", 2) == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == names[3:]


def test_fewer_than_keep_removes_nothing(tmp_path: Path) -> None:
    (tmp_path / "zookeeper-20261201T000000Z.backup").write_text("")
    assert prune(str(tmp_path), "zookeeper-", 3) == []
    assert len(list(tmp_path.iterdir())) == 1


def test_files_it_did_not_write_are_neither_removed_nor_counted(tmp_path: Path) -> None:
    theirs = [
        "zookeeper-before-upgrade.backup",  # named by hand: sorts after every time
        "zookeeper-20261201T000000Z.backup.partial",
        "other-20261201T000000Z.backup",
        "zookeeper-20261201T000000Z.txt",
    ]
    for entry in theirs:
        (tmp_path / entry).write_text("theirs")
    ours = [f"zookeeper-2026120{day}T000000Z.backup" for day in range(1, 4)]
    for entry in ours:
        (tmp_path / entry).write_text("ours")
    assert prune(str(tmp_path), "zookeeper-", 1) == ours[:2]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*theirs, ours[2]])


def test_what_is_no_regular_file_under_a_backups_name_is_neither_removed_nor_counted(
    tmp_path: Path,
) -> None:
    """zookeeper-backup writes regular files only: a directory or a symlink under
    such a name was put there by hand (a link to the backup to keep, say)."""
    kept = tmp_path / "elsewhere.backup"
    kept.write_text("keep me")
    (tmp_path / "zookeeper-20200101T000000Z.backup").mkdir()
    (tmp_path / "zookeeper-20200102T000000Z.backup").symlink_to(kept)
    ours = [f"zookeeper-2026120{day}T000000Z.backup" for day in range(1, 4)]
    for entry in ours:
        (tmp_path / entry).write_text("ours")
    assert prune(str(tmp_path), "zookeeper-", 1) == ours[:2]
    assert (tmp_path / "zookeeper-20200101T000000Z.backup").is_dir()
    assert (tmp_path / "zookeeper-20200102T000000Z.backup").read_text() == "keep me"
