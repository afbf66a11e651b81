"""The benchmarks run as smoke tests of a minute at most: their numbers go to the docs,
never into asserts, and the full runs stay out of the suite (`make bench-failover`)."""

from __future__ import annotations

import re
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
    table = table_of(bench(image, script, *flags))
    assert len(table) == 1 + rows  # a header, then the rows


def test_the_backup_benchmark_measures_every_column_for_every_size(image: str) -> None:
    """Two small trees, one round: a row each, every figure of it a measurement (more than
    zero), and the peak memory of the larger tree set against the smaller one's."""
    output = bench(image, "backup.py", "--sizes", "200,400", "--rounds", "1")
    header, *rows = table_of(output)
    columns = len(cells(header))
    assert [cells(row)[0] for row in rows] == ["200", "400"], output
    for row in rows:
        figures = cells(row)
        assert len(figures) == columns, row
        for figure in figures[1:]:
            numbers = [float(number) for number in re.findall(r"\d+(?:\.\d+)?", figure)]
            assert numbers, row
            assert all(number > 0 for number in numbers), row
    assert re.search(r"peak RSS, 400 znodes against 200: \d+\.\d+x$", output, re.MULTILINE)


def bench(image: str, script: str, *flags: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), image, *flags],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    print(result.stdout)
    return result.stdout


def table_of(output: str) -> list[str]:
    """The report's table without its |---| line: a header, then the rows."""
    return [line for line in output.splitlines() if line.startswith("| ")]


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]
