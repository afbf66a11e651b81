"""The files around the code: the licence pyproject.toml declares, the changelog, the design."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
# The SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt, which Debian
# ships unchanged as /usr/share/common-licenses/Apache-2.0.
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def test_the_licence_is_the_apache_2_0_text_pyproject_declares() -> None:
    assert project()["license"] == {"text": "Apache-2.0"}
    licence = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(licence).hexdigest() == APACHE_2_0_SHA256


def test_the_changelog_names_the_version_pyproject_declares() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f" {project()['version']} " in changelog


def test_the_design_links_zookeeper_at_the_release_the_chart_runs() -> None:
    chart = yaml.safe_load((ROOT / "charts/zookeeper/Chart.yaml").read_text())
    design = (ROOT / "docs/design.md").read_text()
    sources = re.findall(r"github\.com/apache/zookeeper/blob/release-([0-9.]+)/", design)
    docs = re.findall(r"zookeeper\.apache\.org/doc/r([0-9.]+)/", design)
    assert sources
    assert docs
    assert set(sources) | set(docs) == {chart["appVersion"]}
