"""The benchmarks run, once, as smoke tests: their numbers go to the README, never into asserts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.container


def test_the_failover_benchmark_runs_one_round(image: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "failover.py"), image, "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [
        line for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line
    ]
    assert len(rows) == 1 + 3 * 2, result.stdout  # a header, three faults, two clients
    print(result.stdout)
