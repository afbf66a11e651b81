"""zookeeper-backup as a process: stopped by a signal mid-backup, it leaves no file behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.harness.fakeadmin import FakeAdmin, fake_admin
from tests.harness.snapshots import Snapshot, tree, write

ZXID = 0x500000021
SNAPSHOT = write(Snapshot(tree("/zookeeper", "/app", data=b"x" * 5000), last_zxid=ZXID))


@pytest.mark.process
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_backup_stopped_by_a_signal_leaves_no_partial_file(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """A CronJob's pod deleted mid-backup gets SIGTERM: the partial file would stay in
    the backups claim for good, as large as a backup, counted by no --keep."""
    hold = threading.Event()
    output = tmp_path / "zk.backup"
    with fake_admin(FakeAdmin(SNAPSHOT, ZXID, send_bytes=len(SNAPSHOT) // 2, hold=hold)) as member:
        backup = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zkcontainer.backup.command",
                f"--admin_port={member.port}",
                f"--output={output}",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            partial = tmp_path / "zk.backup.partial"
            deadline = time.monotonic() + 30
            asked = ("/commands/snapshot?streaming=true", "digest zookeeper-backup:")
            while not (partial.exists() and asked in member.requests):
                assert time.monotonic() < deadline, "the backup never started"
                time.sleep(0.05)
            time.sleep(0.5)  # half the snapshot arrives, and the backup waits for the rest
            backup.send_signal(signum)
            _, err = backup.communicate(timeout=30)
        finally:
            hold.set()
            if backup.poll() is None:
                backup.kill()
                backup.wait()
    assert backup.returncode == 128 + signum
    assert err.splitlines() == [f"zookeeper-backup: stopped by {signum.name}; no backup written"]
    assert list(tmp_path.iterdir()) == []
