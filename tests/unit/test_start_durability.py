"""What a start forces to disk: its evidence, not the files it renders at every start."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

from tests.harness.prerequisites import require_zookeeper
from zkcontainer.start import main

ENSEMBLE_MEMBER = ["--servers=3", "--hostname=zk-1", "--domain=zk-hs.default.svc.cluster.local"]


def test_a_start_fsyncs_myid_but_not_the_configuration_it_renders(tmp_path: Path) -> None:
    require_zookeeper()
    conf, data = tmp_path / "conf", tmp_path / "data"
    synced: list[Path] = []
    fsync = os.fsync

    def record(fd: int) -> None:
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    flags = [
        f"--data_dir={data}",
        f"--data_log_dir={tmp_path / 'datalog'}",
        f"--conf_dir={conf}",
        f"--log_dir={tmp_path / 'log'}",
    ]
    with (
        mock.patch("os.fsync", side_effect=record),
        mock.patch("os.execve") as execve,
        mock.patch("zkcontainer.start.pass_start_gate"),
    ):
        main([*flags, *ENSEMBLE_MEMBER])
    execve.assert_called_once()
    assert (data / "myid").read_text() == "2\n"
    assert {"zoo.cfg", "java.env", "log4j.properties"} <= {path.name for path in conf.iterdir()}
    # The myid (and the log directory's record) goes to disk, and so does its rename.
    assert any(path.parent == data for path in synced)
    assert data in synced
    assert not [path for path in synced if path == conf or conf in path.parents]
