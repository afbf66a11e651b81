"""bench/revisions.py runs once as a smoke test: its numbers go to the README, not asserts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.harness.prerequisites import require_zookeeper

pytestmark = pytest.mark.process


def test_the_revisions_benchmark_runs_one_round() -> None:
    require_zookeeper()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "revisions.py"), "HEAD", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert len(table) == 3, result.stdout  # ready, ready --serving, metrics
