"""bench/start.py refuses rounds it cannot measure (a median of nothing) in
argparse's one line, exit 2, before it asks Docker anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "start.py"


def bench(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *argv], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("rounds", ["0", "-1", "abc"])
def test_rounds_below_one_are_refused(rounds: str) -> None:
    result = bench("zkcontainer:any", "--rounds", rounds)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"start.py: error: argument --rounds: '{rounds}': must be a whole number, at least 1"
    )
