"""Switching a StatefulSet from the original image (ZooKeeper 3.4) to this one.

A lightly used 3.4 volume has transaction logs and no snapshot, which
ZooKeeper >= 3.5 refuses to start from. The volumes here are made by a real
ZooKeeper: logs rolled every few transactions (a small snapCount), then the
snapshots removed, which is the state 3.4 leaves.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ServerFactory
from tests.harness.clients import kazoo_client
from tests.harness.ports import free_port
from tests.harness.prerequisites import require_zookeeper
from tests.harness.zookeeper import START_ZOOKEEPER, ZooKeeperServer
from zkcontainer.volume import LOG_DIR_RECORD

pytestmark = pytest.mark.process

ZNODES = 40


@pytest.fixture(scope="module")
def logs_only_volume(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data and log directory holding ZNODES znodes in six logs and no snapshot."""
    require_zookeeper()
    root = tmp_path_factory.mktemp("zk-3.4-volume")
    server = ZooKeeperServer(
        root=root,
        client_port=free_port(),
        # Roll the log every few transactions, and keep each log file small.
        extra_flags=["--jvm_flags=-Dzookeeper.snapCount=10 -Dzookeeper.preAllocSize=16"],
    )
    server.start()
    try:
        server.wait_until_imok()
        with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
            for n in range(ZNODES):
                zk.create(f"/znode-{n:02d}", str(n).encode())
    finally:
        server.stop()
    for snapshot in (root / "data" / "version-2").glob("snapshot.*"):
        snapshot.unlink()
    return root


def logs(root: Path) -> list[Path]:
    return sorted(
        (root / "datalog" / "version-2").glob("log.*"), key=lambda p: int(p.suffix[1:], 16)
    )


def copy_of(volume: Path, tmp_path: Path) -> Path:
    """The volume at another path, as the original image left it: without the record
    of its log directory, which names the path it was made at."""
    root = tmp_path / "zk"
    ignored = ("conf", "stdout.*", "stderr.*", LOG_DIR_RECORD)
    shutil.copytree(volume, root, ignore=shutil.ignore_patterns(*ignored))
    return root


def flags_for(root: Path) -> list[str]:
    return [
        "--hostname=zk-0",
        "--domain=",
        f"--data_dir={root / 'data'}",
        f"--data_log_dir={root / 'datalog'}",
        f"--conf_dir={root / 'conf'}",
        f"--log_dir={root / 'log'}",
        f"--client_port={free_port()}",
    ]


def test_complete_logs_without_a_snapshot_are_replayed(
    logs_only_volume: Path, tmp_path: Path, zookeeper_server: ServerFactory
) -> None:
    root = copy_of(logs_only_volume, tmp_path)
    assert len(logs(root)) > 2
    server = zookeeper_server(root=root)
    server.start()
    server.wait_until_imok(word="mntr")
    with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
        children = zk.get_children("/")
    server.stop()

    assert {f"znode-{n:02d}" for n in range(ZNODES)} <= set(children)
    stderr = server.stderr_path.read_text()
    replayed = [line for line in stderr.splitlines() if "hold every transaction" in line]
    assert len(replayed) == 1, stderr
    assert replayed[0].startswith(f"start-zookeeper: {root / 'datalog' / 'version-2'} has ")
    # ZooKeeper wrote its first snapshot, so the next start needs no trust.
    assert any((root / "data" / "version-2").glob("snapshot.*"))


@pytest.mark.parametrize(
    ("lost", "reason"),
    [(0, "begins at zxid"), (2, "transactions are missing")],
    ids=["oldest log lost", "a log in the middle lost"],
)
def test_incomplete_logs_without_a_snapshot_are_refused_and_left_alone(
    logs_only_volume: Path, tmp_path: Path, lost: int, reason: str
) -> None:
    root = copy_of(logs_only_volume, tmp_path)
    logs(root)[lost].unlink()
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    flags = flags_for(root)
    for mode in (["--dry-run"], []):
        result = subprocess.run(
            [START_ZOOKEEPER, *flags, *mode],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        assert reason in result.stderr
        assert result.stderr.endswith(
            "wipe this member's version-2 directories (keep myid) and it resyncs from the quorum\n"
        )
        assert len(result.stderr.splitlines()) == 1
    after = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    assert after == before


def test_dry_run_shows_the_replay(logs_only_volume: Path, tmp_path: Path) -> None:
    root = copy_of(logs_only_volume, tmp_path)
    flags = [*flags_for(root), "--dry-run"]
    result = subprocess.run(
        [START_ZOOKEEPER, *flags], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "-Dzookeeper.snapshot.trust.empty=true" in result.stdout
    assert "hold every transaction" in result.stderr


def test_the_operator_may_decide_to_replay_what_is_there(
    logs_only_volume: Path, tmp_path: Path
) -> None:
    """Their own -Dzookeeper.snapshot.trust.empty is a decision start-zookeeper leaves alone."""
    root = copy_of(logs_only_volume, tmp_path)
    logs(root)[0].unlink()
    flags = [*flags_for(root), "--jvm_flags=-Dzookeeper.snapshot.trust.empty=true", "--dry-run"]
    result = subprocess.run(
        [START_ZOOKEEPER, *flags], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    command = result.stdout.split("==> command <==")[1]
    assert command.count("-Dzookeeper.snapshot.trust.empty=true") == 1
