"""The benchmarks run, once, as smoke tests: their numbers go to the README, never into asserts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.container


@pytest.mark.parametrize(
    ("script", "rows"),
    [
        ("failover.py", (2 + 2 + 3) * 2),  # stop, kill, cut under their settings; 2 clients
        ("start.py", 2),  # a standalone container, a recreated ensemble pod
    ],
)
def test_a_benchmark_runs_one_round(image: str, script: str, rows: int) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), image, "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + rows, result.stdout  # a header, then the rows
    print(result.stdout)
