"""What a member's volume holds, read from what a real ZooKeeper wrote there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ServerFactory
from tests.harness.clients import kazoo_client
from zkcontainer import txnlog
from zkcontainer.fourlw import find_value, send_word
from zkcontainer.volume import RESTORE_MARKER, Volume, classify


def test_nothing_at_all_is_empty(tmp_path: Path) -> None:
    assert classify(str(tmp_path / "data"), str(tmp_path / "log")) == Volume("empty", 0, 0)


def test_myid_a_lock_an_empty_snapshot_and_epochs_are_not_data(tmp_path: Path) -> None:
    version_2 = tmp_path / "version-2"
    version_2.mkdir()
    (tmp_path / "myid").write_text("2\n")
    (tmp_path / "start-zookeeper.lock").write_text("")
    (tmp_path / "java_pid7.hprof").write_bytes(b"\0" * 64)
    (version_2 / "snapshot.0").write_bytes(b"\0" * 64)
    (version_2 / "acceptedEpoch").write_text("3")
    (version_2 / "currentEpoch").write_text("3")
    assert classify(str(tmp_path), str(tmp_path)) == Volume("empty", 0, 3)


def test_a_log_file_is_data_even_when_its_entries_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "log" / "version-2").mkdir(parents=True)
    (tmp_path / "log" / "version-2" / "log.200000001").write_bytes(b"torn")
    volume = classify(str(tmp_path / "data"), str(tmp_path / "log"))
    assert volume == Volume("data", 0x200000001, 2)


def test_a_restore_marker_counts_as_data(tmp_path: Path) -> None:
    (tmp_path / RESTORE_MARKER).write_text("")
    assert classify(str(tmp_path), str(tmp_path)).kind == "restored"
    assert classify(str(tmp_path), str(tmp_path)).holds_data


@pytest.mark.process
def test_a_new_server_leaves_an_empty_volume_and_writes_make_it_data(
    zookeeper_server: ServerFactory,
) -> None:
    server = zookeeper_server()
    server.start()
    server.wait_until_imok()
    assert not classify(str(server.data_dir), str(server.root / "datalog")).holds_data
    with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
        for n in range(5):
            zk.create(f"/n{n}", b"x")
    zxid = int(find_value(send_word("srvr", port=server.client_port), "Zxid", ": ") or "0", 16)
    server.stop()
    volume = classify(str(server.data_dir), str(server.root / "datalog"))
    assert volume.kind == "data"
    assert volume.last_zxid == zxid
    assert volume.epoch == zxid >> 32


def test_a_version_directory_that_cannot_be_listed_is_never_called_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions do not stop root, who runs CI: the listing error is what matters.
    def unlistable(directory: str, prefix: str, suffixes: tuple[str, ...] = ()) -> list[str]:
        raise txnlog.UnreplayableLogs(f"cannot list {directory}: Permission denied")

    monkeypatch.setattr(txnlog, "file_names", unlistable)
    assert classify(str(tmp_path), str(tmp_path)).holds_data
