"""The documentation the tests hold to its word: the README, the manual in docs/, and
the chart's README, which `helm show readme` prints."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CHART_README = ROOT / "charts" / "zookeeper" / "README.md"


def pages() -> list[Path]:
    """README.md, then docs/ in name order, then the chart's README."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), CHART_README]


def documentation() -> str:
    """Every page, one after another: where a test finds a command, an example or a
    table row, whichever page it is on (their headings are unique across pages)."""
    return "\n".join(page.read_text() for page in pages())
