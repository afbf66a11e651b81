"""What a member's volume holds, read from what a real ZooKeeper wrote there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkcontainer import txnlog
from zkcontainer.volume import (
    LOG_DIR_RECORD,
    RESTORE_MARKER,
    LogsElsewhere,
    Volume,
    classify,
    holds_files,
    log_dir_record,
    logs_elsewhere,
    recorded_log_dir,
)


def test_nothing_at_all_is_empty(tmp_path: Path) -> None:
    assert classify(str(tmp_path / "data"), str(tmp_path / "log")) == Volume("empty", 0, 0)


def test_myid_a_lock_an_empty_snapshot_and_epochs_are_not_data(tmp_path: Path) -> None:
    version_2 = tmp_path / "version-2"
    version_2.mkdir()
    (tmp_path / "myid").write_text("2\n")
    (tmp_path / LOG_DIR_RECORD).write_text("/elsewhere/log\n")
    (tmp_path / "start-zookeeper.lock").write_text("")
    (tmp_path / "java_pid7.hprof").write_bytes(b"\0" * 64)
    (version_2 / "snapshot.0").write_bytes(b"\0" * 64)
    (version_2 / "acceptedEpoch").write_text("3")
    (version_2 / "currentEpoch").write_text("3")
    assert classify(str(tmp_path), str(tmp_path)) == Volume("empty", 0, 3)


def test_the_record_of_the_log_directory_alone_does_not_make_a_directory_a_servers(
    tmp_path: Path,
) -> None:
    (tmp_path / LOG_DIR_RECORD).write_text(f"{tmp_path}\n")
    assert not holds_files([str(tmp_path)])
    assert not classify(str(tmp_path), str(tmp_path)).holds_data


def test_a_log_file_is_data_even_when_its_entries_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "log" / "version-2").mkdir(parents=True)
    (tmp_path / "log" / "version-2" / "log.200000001").write_bytes(b"torn")
    volume = classify(str(tmp_path / "data"), str(tmp_path / "log"))
    assert volume == Volume("data", 0x200000001, 2)


def test_a_restore_marker_counts_as_data(tmp_path: Path) -> None:
    (tmp_path / RESTORE_MARKER).write_text("")
    assert classify(str(tmp_path), str(tmp_path)).kind == "restored"
    assert classify(str(tmp_path), str(tmp_path)).holds_data


def test_a_version_directory_that_cannot_be_listed_is_never_called_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions do not stop root, who runs CI: the listing error is what matters.
    def unlistable(directory: str, prefix: str, suffixes: tuple[str, ...] = ()) -> list[str]:
        raise txnlog.UnreplayableLogs(f"cannot list {directory}: Permission denied")

    monkeypatch.setattr(txnlog, "file_names", unlistable)
    assert classify(str(tmp_path), str(tmp_path)).holds_data


# -- transaction logs where ZooKeeper will not look ------------------------------------------


def logs_in(directory: Path) -> None:
    (directory / "version-2").mkdir(parents=True, exist_ok=True)
    (directory / "version-2" / "log.1").write_bytes(b"torn")


def test_logs_in_the_default_log_directory_are_elsewhere_for_another_that_has_none(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    logs_in(data / "log")
    (tmp_path / "datalog").mkdir()
    assert logs_elsewhere(str(data), str(tmp_path / "datalog"), None) == LogsElsewhere(
        str(data / "log"), recorded=False
    )


def test_logs_in_the_data_directory_itself_are_elsewhere_for_the_default_log_directory(
    tmp_path: Path,
) -> None:
    """Where ZooKeeper logs without a dataLogDir; its snapshots live there too."""
    logs_in(tmp_path)
    (tmp_path / "version-2" / "snapshot.0").write_bytes(b"\0" * 64)
    assert logs_elsewhere(str(tmp_path), str(tmp_path / "log"), None) == LogsElsewhere(
        str(tmp_path), recorded=False
    )


def test_logs_where_zookeeper_looks_are_in_place_whatever_lies_elsewhere(tmp_path: Path) -> None:
    data = tmp_path / "data"
    logs_in(data / "log")
    logs_in(tmp_path / "datalog")
    assert logs_elsewhere(str(data), str(tmp_path / "datalog"), None) is None
    assert logs_elsewhere(str(data), str(data / "log"), None) is None


def test_a_recorded_log_directory_is_where_the_logs_are_even_where_it_cannot_be_seen(
    tmp_path: Path,
) -> None:
    """The log volume of the earlier start is no longer mounted: only the record knows it."""
    data = tmp_path / "data"
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "snapshot.0").write_bytes(b"\0" * 64)
    gone = str(tmp_path / "gone" / "log")
    assert logs_elsewhere(str(data), str(data / "log"), gone) == LogsElsewhere(gone, recorded=True)
    logs_in(data / "log")  # logs here too, but the record says the data's went there
    assert logs_elsewhere(str(data), str(data / "log"), gone) == LogsElsewhere(gone, recorded=True)


@pytest.mark.parametrize("written", ["{log}", "{log}/", "{log}/./"])
def test_the_recorded_log_directory_is_compared_normalised(tmp_path: Path, written: str) -> None:
    log = tmp_path / "datalog"
    recorded = written.format(log=log)
    assert logs_elsewhere(str(tmp_path / "data"), str(log), recorded) is None


def test_no_logs_anywhere_are_nowhere_else(tmp_path: Path) -> None:
    """A snapshot.0 alone cannot tell whether logs lived on a volume no longer
    mounted: without a record, nothing says so."""
    data = tmp_path / "data"
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "snapshot.0").write_bytes(b"\0" * 64)
    assert logs_elsewhere(str(data), str(tmp_path / "datalog"), None) is None
    assert logs_elsewhere(str(data), str(data / "log"), None) is None


@pytest.mark.parametrize(
    ("data_log_dir", "text"),
    [("/zk/data/log", "log\n"), ("/zk/data", ".\n"), ("/zk/datalog", "/zk/datalog\n")],
)
def test_a_log_directory_within_the_data_directory_is_recorded_relative_to_it(
    data_log_dir: str, text: str
) -> None:
    """So a volume mounted at another path keeps its record true."""
    assert log_dir_record("/zk/data", data_log_dir) == text
    assert recorded_log_dir("/zk/data", text) == os.path.join("/zk/data", text.strip())
    moved = recorded_log_dir("/mnt/data", text)
    assert moved == (data_log_dir if text.startswith("/") else f"/mnt/data/{text.strip()}")


@pytest.mark.parametrize("text", ["", "\n", "\nlog\n"])
def test_a_record_without_a_directory_names_none(text: str) -> None:
    assert recorded_log_dir("/zk/data", text) is None
