"""bench/backup.py refuses sizes and rounds it cannot measure in one line, exit 2,
before it asks Docker anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "backup.py"


def bench(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *argv], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("rounds", ["0", "-1", "abc"])
def test_rounds_below_one_are_refused(rounds: str) -> None:
    result = bench("zkcontainer:any", "--rounds", rounds)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"backup.py: error: argument --rounds: '{rounds}': must be a whole number, at least 1"
    ]


@pytest.mark.parametrize("sizes", ["", "0", "100,0", "100,-5", "1e4", "100,,200", "ten"])
def test_sizes_that_are_not_numbers_of_znodes_are_refused(sizes: str) -> None:
    result = bench("zkcontainer:any", "--sizes", sizes)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"backup.py: error: argument --sizes: '{sizes}': must be comma-separated whole"
        " numbers, each at least 1"
    ]
