"""A snapshot a real ZooKeeper wrote: read as ZooKeeper reads it, backed up, and restored.

The host's ZooKeeper (3.8) takes a snapshot of its tree at every start; its
AdminServer has no `snapshot` command (3.9's), so here the snapshot file is
taken from the data directory rather than through zookeeper-backup, which
the container tier runs against the image's 3.9.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from kazoo.client import KazooClient
from kazoo.security import make_acl, make_digest_acl

from tests.conftest import ServerFactory
from tests.harness.clients import kazoo_client
from tests.harness.snapshots import parse, write
from tests.harness.zookeeper import ZooKeeperServer
from zkcontainer.backup import archive
from zkcontainer.backup.archive import Header
from zkcontainer.backup.snapshot import summarize


def count_znodes(zk: KazooClient, path: str = "/") -> int:
    children = zk.get_children(path)
    prefix = path.rstrip("/")
    return 1 + sum(count_znodes(zk, f"{prefix}/{child}") for child in children)


def newest_snapshot(server: ZooKeeperServer) -> Path:
    snapshots = (server.data_dir / "version-2").glob("snapshot.*")
    return max(snapshots, key=lambda path: int(path.name.split(".")[1], 16))


def populated(server: ZooKeeperServer) -> int:
    """Writes a tree with data, an ACL of its own and empty znodes; the znodes it holds."""
    with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
        zk.create("/app/config", b"x" * 5000, makepath=True)
        for n in range(20):
            zk.create(f"/app/items/item-{n:03}", f"value {n}".encode(), makepath=True)
        zk.create("/app/empty")
        admin = make_digest_acl("admin", "pw", all=True)
        zk.create("/locked", b"secret", acl=[admin, make_acl("world", "anyone", read=True)])
        return count_znodes(zk)


@pytest.fixture
def snapshot_of_a_tree(zookeeper_server: ServerFactory) -> tuple[Path, int]:
    server = zookeeper_server()
    server.start()
    server.wait_until_serving()
    znodes = populated(server)
    # Started again, ZooKeeper loads its log and writes a snapshot of all of it.
    server.stop()
    server.start()
    server.wait_until_serving()  # ruok answers before the database is loaded
    server.stop()
    snapshot = newest_snapshot(server)
    assert snapshot.name != "snapshot.0", "the restart wrote no snapshot of the tree"
    return snapshot, znodes


@pytest.mark.process
def test_a_real_snapshot_is_read_with_every_znode(snapshot_of_a_tree: tuple[Path, int]) -> None:
    path, znodes = snapshot_of_a_tree
    with open(path, "rb") as file:
        summary = summarize(file)
    assert summary.znodes == znodes
    # 3.8 writes the digest but not 3.9's last processed zxid.
    assert summary.last_zxid is None
    assert parse(path.read_bytes()).digest is not None


@pytest.mark.process
def test_the_test_writer_lays_out_snapshots_byte_for_byte_as_zookeeper(
    snapshot_of_a_tree: tuple[Path, int],
) -> None:
    real = snapshot_of_a_tree[0].read_bytes()
    parsed = parse(real)
    assert len(parsed.znodes) == snapshot_of_a_tree[1]
    assert parsed.acls, "the digest ACL is in the ACL cache"
    assert write(parsed) == real


@pytest.mark.process
def test_a_real_snapshot_round_trips_through_a_backup_file(
    snapshot_of_a_tree: tuple[Path, int], tmp_path: Path
) -> None:
    path, znodes = snapshot_of_a_tree
    real = path.read_bytes()
    zxid = int(path.name.split(".")[1], 16)
    backup = tmp_path / "zk.backup"
    with open(path, "rb") as snapshot, open(backup, "wb") as out:
        written = archive.write(out, Header("3.8.0", zxid, "now", "zk-0", len(real)), snapshot)
    copy = io.BytesIO()
    with open(backup, "rb") as file:
        read = archive.read(file, copy)
    assert read == written
    assert read.summary.znodes == znodes
    assert copy.getvalue() == real


@pytest.mark.process
def test_a_new_server_restored_from_the_backup_serves_the_tree(
    snapshot_of_a_tree: tuple[Path, int], tmp_path: Path, zookeeper_server: ServerFactory
) -> None:
    path, znodes = snapshot_of_a_tree
    backup = tmp_path / "zk.backup"
    with open(path, "rb") as snapshot, open(backup, "wb") as out:
        header = Header(
            "3.8.0", int(path.name.split(".")[1], 16), "now", "zk-0", path.stat().st_size
        )
        archive.write(out, header, snapshot)
    server = zookeeper_server(f"--restore_from={backup}", name="restored")
    for _ in range(2):  # the second start serves what the volume holds, restoring nothing
        server.start()
        server.wait_until_serving()
        with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
            # The tree restored, and what was written on it since: the volume is the member's.
            assert count_znodes(zk) == znodes + server.runs - 1
            assert zk.get("/app/items/item-007")[0] == b"value 7"
            zk.create(f"/written-after-restore-{server.runs}")
        server.stop()
    assert "restored from this backup" in server.stdout() + server.stderr_path.read_text()
