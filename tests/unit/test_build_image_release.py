"""docker/build-image refuses a ZOOKEEPER_RELEASE it cannot build in one line,
before it waits for the build lock or asks Docker anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

BUILD_IMAGE = Path(__file__).resolve().parents[2] / "docker" / "build-image"


@pytest.mark.parametrize("release", ["nonsense", "Forky", "bookworm", "forky "])
def test_an_unknown_release_is_one_line_and_exit_2(release: str, tmp_path: Path) -> None:
    # No docker on PATH: a refusal that reached Docker would fail differently.
    environment = {**os.environ, "ZOOKEEPER_RELEASE": release, "PATH": "/usr/bin:/bin"}
    environment["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        [str(BUILD_IMAGE)], env=environment, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"build-image: ZOOKEEPER_RELEASE={release}: must be forky (ZooKeeper 3.9.6,"
        " the default) or trixie (3.9.3)\n",
    )
