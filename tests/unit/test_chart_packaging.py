"""The chart as it ships: lint-clean, the source of manifests/, and packaged as a repository."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from helm_python.chart import Chart, digest

from tests.harness.chart import (
    CHART,
    MANIFEST_VALUES,
    MANIFESTS,
    ROOT,
    lint_report,
    manifest_text,
    package_repository,
)
from tests.harness.chartcases import NAMESPACE, RELEASE, VALUE_SETS, rendered
from tests.harness.prerequisites import missing


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_is_clean(value_set: str) -> None:
    report = lint_report(VALUE_SETS[value_set])
    assert (report["messages"], report["errors"]) == ([], []), report


@pytest.mark.parametrize("manifest", MANIFEST_VALUES)
def test_the_manifests_are_the_chart_rendered_for_release_zk(manifest: str) -> None:
    """`make manifests` leaves no diff: run it after changing the chart."""
    assert (MANIFESTS / manifest).read_text() == manifest_text(manifest)


@pytest.mark.parametrize("manifest", MANIFEST_VALUES)
def test_the_manifests_keep_their_names_and_no_namespace(manifest: str) -> None:
    docs = [doc for doc in yaml.safe_load_all((MANIFESTS / manifest).read_text()) if doc]
    names = {(doc["kind"], doc["metadata"]["name"]) for doc in docs}
    assert {("StatefulSet", "zk"), ("Service", "zk-hs"), ("Service", "zk-cs")} <= names
    assert (("PodDisruptionBudget", "zk-pdb") in names) == (manifest != "zookeeper_micro.yaml")
    assert "Pod" not in {kind for kind, _ in names}, "the helm test hook is no manifest"
    for doc in docs:
        assert "namespace" not in doc["metadata"]


def test_the_chart_packages_as_a_repository(tmp_path: Path) -> None:
    archive, index = package_repository(tmp_path / "repo", url="https://charts.example/zk")
    with Chart.load(CHART) as chart:
        version, app_version = chart.version, chart.metadata["appVersion"]
    assert archive.name == f"zookeeper-{version}.tgz"
    assert app_version == "3.9.6"
    (entry,) = index["entries"]["zookeeper"]
    assert entry["version"] == version
    assert entry["appVersion"] == app_version
    assert entry["urls"] == [f"https://charts.example/zk/{archive.name}"]
    assert f"sha256:{entry['digest']}" == digest(archive)
    on_disk = yaml.safe_load((tmp_path / "repo" / "index.yaml").read_text())
    assert on_disk["entries"]["zookeeper"][0]["digest"] == entry["digest"]
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {
        "zookeeper/Chart.yaml",
        "zookeeper/README.md",  # what `helm show readme` prints
        "zookeeper/values.yaml",
        "zookeeper/values.schema.json",
        # values.yaml again, as the templates read the defaults (a link in the repository).
        "zookeeper/files/values.yaml",
        "zookeeper/values-mini.yaml",
        "zookeeper/templates/statefulset.yaml",
        "zookeeper/templates/tests/serving.yaml",
    } <= names
    with Chart.load(archive) as packaged:
        assert packaged.render({}, name=RELEASE, namespace=NAMESPACE) == rendered("defaults")


def test_make_chart_puts_the_repository_where_it_is_told(tmp_path: Path) -> None:
    """As a user types it; `deps` taken as made, since this suite runs in that venv."""
    if shutil.which("make") is None:
        missing("no make")
    url = "https://charts.example/zk"
    command = ["make", "-s", "-o", "deps", "chart", f"CHART_DIR={tmp_path}", f"CHART_URL={url}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    index = yaml.safe_load((tmp_path / "index.yaml").read_text())
    (entry,) = index["entries"]["zookeeper"]
    archive = f"zookeeper-{entry['version']}.tgz"
    assert (tmp_path / archive).is_file()
    assert entry["urls"] == [f"{url}/{archive}"]
