"""The benchmarks run as smoke tests of a minute at most: their numbers go to the docs,
never into asserts, and the full runs stay out of the suite (`make bench-failover`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.container


@pytest.mark.parametrize(
    ("script", "flags", "rows"),
    [
        ("failover.py", ("--smoke",), 1),  # one fault, one profile, one client
        ("start.py", ("--rounds", "1"), 2),  # a standalone container, a recreated ensemble pod
    ],
)
def test_a_benchmark_runs_as_a_smoke_test(
    image: str, script: str, flags: tuple[str, ...], rows: int
) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), image, *flags],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + rows, result.stdout  # a header, then the rows
    print(result.stdout)
