"""start-zookeeper --restore_from: an empty volume seeded once; a volume with data never touched."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from unittest import mock

import pytest

from tests.harness.fifos import without_a_writer
from tests.harness.prerequisites import require_zookeeper
from tests.harness.snapshots import Snapshot, tree, write
from tests.harness.txnlogs import entry, log_file
from zkcontainer import ConfigError, EnvironmentProblem, restore
from zkcontainer.backup import archive
from zkcontainer.backup.archive import Header
from zkcontainer.settings import Settings, load_settings
from zkcontainer.start import main
from zkcontainer.volume import RESTORE_MARKER, classify

ZXID = 0x70000002A  # epoch 7
SNAPSHOT = write(
    Snapshot(tree("/zookeeper", "/app", "/app/x"), digest=(ZXID, 2, 1), last_zxid=ZXID)
)


def backup(path: Path, snapshot: bytes = SNAPSHOT, zxid: int = ZXID) -> Path:
    header = Header("3.9.6", zxid, "2026-12-08T00:00:00Z", "zk-1:8080", len(snapshot))
    with open(path, "wb") as out:
        archive.write(out, header, io.BytesIO(snapshot))
    return path


def settings(tmp_path: Path, backup_file: Path) -> Settings:
    return load_settings(
        [
            "--hostname=zk-0",
            "--domain=",
            f"--data_dir={tmp_path / 'data'}",
            f"--data_log_dir={tmp_path / 'datalog'}",
            f"--restore_from={backup_file}",
        ],
        {},
        lambda: "zk-0",
    )


def listing(root: Path) -> dict[str, bytes | None]:
    """Every file and directory under root, with each file's content."""
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture
def volume(tmp_path: Path) -> Settings:
    """An empty volume, as start-zookeeper lays it out before ZooKeeper's first start."""
    (tmp_path / "data").mkdir()
    (tmp_path / "datalog").mkdir()
    return settings(tmp_path, backup(tmp_path / "zk.backup"))


def restored(settings: Settings) -> list[str]:
    said: list[str] = []
    restore.seed(settings, said.append, situation=None, membership=None)
    return said


def test_an_empty_volume_gets_the_marker_then_the_snapshot_under_its_zxid(volume: Settings) -> None:
    data = Path(volume.data_dir)
    renamed: list[str] = []
    replace = os.replace

    def record(source: str, target: str) -> None:
        renamed.append(os.path.relpath(target, data))
        replace(source, target)

    with mock.patch("os.replace", side_effect=record):
        said = restored(volume)
    # The marker lands first: a start cut short after it knows the volume is this backup's.
    assert renamed == [RESTORE_MARKER, "version-2/snapshot.70000002a"]
    assert (data / "version-2" / "snapshot.70000002a").read_bytes() == SNAPSHOT
    marker = json.loads((data / RESTORE_MARKER).read_text())
    with open(str(volume.restore_from), "rb") as file:
        assert marker["sha256"] == archive.read(file).sha256
    assert (marker["zxid"], marker["znodes"], marker["file"]) == (
        "0x70000002a",
        4,
        volume.restore_from,
    )
    assert said == [
        f"restore: 4 znodes at zxid 0x70000002a from {volume.restore_from}"
        " (ZooKeeper 3.9.6, taken 2026-12-08T00:00:00Z from zk-1:8080)"
    ]
    assert sorted(os.listdir(data / "version-2")) == ["snapshot.70000002a"]
    assert classify(volume.data_dir, volume.data_log_dir).kind == "restored"


def test_a_second_start_restores_nothing_and_says_so(volume: Settings, tmp_path: Path) -> None:
    restored(volume)
    # ZooKeeper ran on it since: a newer snapshot and a log.
    (tmp_path / "datalog" / "version-2").mkdir()
    (tmp_path / "datalog" / "version-2" / "log.70000002b").write_bytes(b"log")
    before = listing(tmp_path)
    said = restored(volume)
    assert listing(tmp_path) == before
    assert len(said) == 1
    assert said[0].startswith(
        f"restore: {volume.data_dir} was restored from this backup (zxid 0x70000002a)"
    )
    assert said[0].endswith("starting from what it holds")


@pytest.mark.parametrize(
    ("directory", "name"),
    [
        ("datalog/version-2", "log.100000001"),
        ("data/version-2", "snapshot.100000005"),
        ("datalog/version-2", "log.0"),
    ],
)
def test_a_volume_with_data_is_refused_and_nothing_changes(
    volume: Settings, tmp_path: Path, directory: str, name: str
) -> None:
    (tmp_path / directory).mkdir(parents=True)
    (tmp_path / directory / name).write_bytes(b"ZooKeeper's")
    before = listing(tmp_path)
    with pytest.raises(EnvironmentProblem, match=r"holds data .*a restore never writes over it"):
        restored(volume)
    assert listing(tmp_path) == before


def test_an_empty_trees_snapshot_is_not_data_and_the_restore_goes_ahead(
    volume: Settings, tmp_path: Path
) -> None:
    # What a first start writes before any transaction: snapshot.0.
    (tmp_path / "data" / "version-2").mkdir()
    (tmp_path / "data" / "version-2" / "snapshot.0").write_bytes(write(Snapshot(tree())))
    restored(volume)
    assert (tmp_path / "data" / "version-2" / "snapshot.70000002a").read_bytes() == SNAPSHOT


def test_a_marker_of_another_backup_is_refused_and_nothing_changes(
    volume: Settings, tmp_path: Path
) -> None:
    other = backup(tmp_path / "other.backup", write(Snapshot(tree("/other"))), 0x300000001)
    restored(settings(tmp_path, other))
    before = listing(tmp_path)
    with pytest.raises(
        EnvironmentProblem, match="restored from another backup \\(zxid 0x300000001"
    ):
        restored(volume)
    assert listing(tmp_path) == before


def test_a_marker_of_another_backup_is_refused_before_the_snapshot_lands(
    volume: Settings, tmp_path: Path
) -> None:
    other = backup(tmp_path / "other.backup", write(Snapshot(tree("/other"))), 0x300000001)
    with (
        mock.patch("zkcontainer.restore._write_snapshot", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        restored(settings(tmp_path, other))
    before = listing(tmp_path)
    with pytest.raises(EnvironmentProblem, match="another backup"):
        restored(volume)
    assert listing(tmp_path) == before


def test_a_restore_cut_short_before_its_snapshot_is_completed(
    volume: Settings, tmp_path: Path
) -> None:
    with (
        mock.patch("zkcontainer.restore._write_snapshot", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        restored(volume)
    marker = (tmp_path / "data" / RESTORE_MARKER).read_bytes()
    said = restored(volume)
    assert said[0].startswith("restore: 4 znodes at zxid 0x70000002a")
    assert (tmp_path / "data" / "version-2" / "snapshot.70000002a").read_bytes() == SNAPSHOT
    assert (tmp_path / "data" / RESTORE_MARKER).read_bytes() == marker


def test_a_restore_cut_short_mid_copy_is_completed(volume: Settings, tmp_path: Path) -> None:
    # A half-copied snapshot under the temporary name, which ZooKeeper never loads.
    restored(volume)
    version_dir = tmp_path / "data" / "version-2"
    (version_dir / "snapshot.70000002a").rename(version_dir / "zkcontainer-restoring")
    (version_dir / "zkcontainer-restoring").write_bytes(SNAPSHOT[:20])
    restored(volume)
    assert sorted(os.listdir(version_dir)) == ["snapshot.70000002a"]
    assert (version_dir / "snapshot.70000002a").read_bytes() == SNAPSHOT


@pytest.mark.parametrize("change", ["cut short", "another backup"])
def test_a_backup_changed_between_its_check_and_its_copy_leaves_no_partial_snapshot(
    volume: Settings, tmp_path: Path, change: str
) -> None:
    """Checked before the start gate, copied after it: the file may change in between."""
    contents, _ = restore.check(volume)
    backup_file = Path(str(volume.restore_from))
    if change == "cut short":
        backup_file.write_bytes(backup_file.read_bytes()[:-40])
    else:
        backup(backup_file, zxid=ZXID - 1)
    with pytest.raises((ConfigError, EnvironmentProblem)):
        restore.seed(volume, [].append, situation=None, membership=None, verified_backup=contents)
    assert os.listdir(tmp_path / "data" / "version-2") == []


@pytest.mark.parametrize("epoch", ["1", "6"])
def test_epoch_files_older_than_the_backups_epoch_are_refused(
    volume: Settings, tmp_path: Path, epoch: str
) -> None:
    (tmp_path / "data" / "version-2").mkdir()
    (tmp_path / "data" / "version-2" / "currentEpoch").write_text(epoch)
    (tmp_path / "data" / "version-2" / "acceptedEpoch").write_text(epoch)
    before = listing(tmp_path)
    with pytest.raises(
        EnvironmentProblem, match=f"epoch {epoch}\\), older than the backup's \\(7\\)"
    ):
        restored(volume)
    assert listing(tmp_path) == before


@pytest.mark.parametrize("epoch", ["7", "9"])
def test_epoch_files_as_new_as_the_backups_are_restored_onto(
    volume: Settings, tmp_path: Path, epoch: str
) -> None:
    (tmp_path / "data" / "version-2").mkdir()
    (tmp_path / "data" / "version-2" / "currentEpoch").write_text(epoch)
    restored(volume)
    assert (tmp_path / "data" / "version-2" / "snapshot.70000002a").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "it is empty"),
        (b"zkcontainer-backup 1\n{", "ends early"),
        (SNAPSHOT, "bare ZooKeeper snapshot"),
    ],
)
def test_a_file_that_is_no_backup_is_bad_input_and_nothing_is_written(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    (tmp_path / "data").mkdir()
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    before = listing(tmp_path)
    with pytest.raises(ConfigError) as refused:
        restored(settings(tmp_path, bad))
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(f"--restore_from={bad}: not restored: ")
    assert reason in refused.value.problems[0]
    assert listing(tmp_path) == before


def test_a_fifo_nobody_writes_to_is_bad_input_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "zk.backup"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as refused:
        without_a_writer(fifo, lambda: restored(settings(tmp_path, fifo)))
    assert refused.value.problems == [f"--restore_from={fifo}: not restored: it is empty"]


def test_a_missing_backup_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read: No such file"):
        restored(settings(tmp_path, tmp_path / "none.backup"))


@pytest.mark.parametrize("marker", ["{not json", "[" * 60000])
def test_an_unreadable_marker_leaves_the_volume_as_it_is(
    volume: Settings, tmp_path: Path, marker: str
) -> None:
    (tmp_path / "data" / RESTORE_MARKER).write_text(marker)
    before = listing(tmp_path)
    with pytest.raises(EnvironmentProblem, match="which one is unknown"):
        restored(volume)
    assert listing(tmp_path) == before


def start_flags(root: Path, backup_file: Path) -> list[str]:
    return [
        "--hostname=zk-0",
        "--domain=",
        f"--data_dir={root / 'data'}",
        f"--data_log_dir={root / 'datalog'}",
        f"--conf_dir={root / 'conf'}",
        f"--log_dir={root / 'log'}",
        f"--restore_from={backup_file}",
    ]


def test_a_dry_run_says_what_the_restore_would_do_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    backup_file = backup(tmp_path / "zk.backup")
    before = listing(tmp_path)
    assert main([*start_flags(tmp_path, backup_file), "--dry-run"]) == 0
    out = capsys.readouterr().err
    assert f"--dry-run: {backup_file} holds 4 znodes at zxid 0x70000002a;" in out
    assert f"{tmp_path / 'data'} is seeded from it in a new ensemble" in out
    assert listing(tmp_path) == before


def test_a_start_restores_before_zookeeper_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    backup_file = backup(tmp_path / "zk.backup")
    with mock.patch("os.execve") as execve:
        main(start_flags(tmp_path, backup_file))
    execve.assert_called_once()
    restored_snapshot = tmp_path / "data" / "version-2" / "snapshot.70000002a"
    assert restored_snapshot.read_bytes() == SNAPSHOT
    assert "start-zookeeper: restore: 4 znodes at zxid 0x70000002a" in capsys.readouterr().err


def test_a_start_onto_a_volume_with_data_exits_1_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    backup_file = backup(tmp_path / "zk.backup")
    log_file(tmp_path / "datalog" / "version-2", "log.100000001", entry(0x100000001))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "myid").write_text("1\n")
    before = listing(tmp_path)
    with mock.patch("os.execve") as execve:
        assert main(start_flags(tmp_path, backup_file)) == 1
    execve.assert_not_called()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "holds data (zxid 0x100000001): a restore never writes over it" in err[0]
    assert listing(tmp_path) == before


def test_a_start_from_a_file_that_is_no_backup_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    bad = tmp_path / "notes.txt"
    bad.write_text("not a backup\n")
    assert main(start_flags(tmp_path, bad)) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"start-zookeeper: --restore_from={bad}: not restored: it is not a backup file:"
        " it starts with b'not a backup\\n'"
    ]
    assert listing(tmp_path) == {"notes.txt": b"not a backup\n"}


RECONFIG = ("--reconfig", "--reconfig_password_file=/nonexistent")


def ensemble_member(tmp_path: Path, backup_file: Path, *flags: str) -> Settings:
    """Member 2 of three voters (zk-1), or with --observers=1 and --hostname=zk-3 the observer."""
    return load_settings(
        [
            "--servers=3",
            "--hostname=zk-1",
            "--domain=zk-hs.default.svc.cluster.local",
            f"--data_dir={tmp_path / 'data'}",
            f"--data_log_dir={tmp_path / 'datalog'}",
            f"--restore_from={backup_file}",
            *flags,
        ],
        {},
        lambda: "zk-1",
    )


@pytest.mark.parametrize(
    ("flags", "situation", "membership", "new"),
    [
        ((), "new", None, True),  # every voter answered with an empty volume
        ((), "serving", None, False),  # a replaced volume joins the ensemble that serves
        ((), "declared", None, False),  # the operator declared its data lost: it syncs
        (("--observers=1", "--hostname=zk-3"), None, None, False),  # an observer never decides
        (RECONFIG, None, "bootstrap", True),
        (RECONFIG, None, "join", False),
        (RECONFIG, None, "use", False),
    ],
)
def test_only_the_members_of_a_new_ensemble_are_seeded(
    tmp_path: Path, flags: tuple[str, ...], situation: str | None, membership: str | None, new: bool
) -> None:
    (tmp_path / "data").mkdir()
    member = ensemble_member(tmp_path, backup(tmp_path / "zk.backup"), *flags)
    assert restore.starts_new_ensemble(member, situation, membership) is new  # type: ignore[arg-type]
    said: list[str] = []
    restore.seed(member, said.append, situation, membership)  # type: ignore[arg-type]
    assert (tmp_path / "data" / RESTORE_MARKER).exists() is new
    assert classify(member.data_dir, member.data_log_dir).holds_data is new
    if not new:
        assert "not restored: this member does not start a new ensemble" in said[0]


def test_a_member_that_joined_instead_of_restoring_starts_again_from_what_it_synced(
    tmp_path: Path,
) -> None:
    """restore.from still set: a member that found its ensemble serving synced from the
    leader; at its next start its volume holds that data and no restore marker, and it
    starts from it rather than being refused as a volume with data."""
    (tmp_path / "data").mkdir()
    member = ensemble_member(tmp_path, backup(tmp_path / "zk.backup"))
    said: list[str] = []
    restore.seed(member, said.append, "serving", None)
    assert not (tmp_path / "data" / RESTORE_MARKER).exists()
    assert not classify(member.data_dir, member.data_log_dir).holds_data
    log_file(tmp_path / "datalog" / "version-2", "log.200000001", entry(0x200000001))
    assert classify(member.data_dir, member.data_log_dir).holds_data
    restore.seed(member, said.append, "data", None)
    assert "synced from its leader: starting from what it holds" in said[-1]
    assert not (tmp_path / "data" / RESTORE_MARKER).exists()


def test_a_volume_with_data_and_no_record_of_the_backup_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    log_file(tmp_path / "datalog" / "version-2", "log.200000001", entry(0x200000001))
    member = ensemble_member(tmp_path, backup(tmp_path / "zk.backup"))
    with pytest.raises(EnvironmentProblem, match="holds data"):
        restore.check(member)
