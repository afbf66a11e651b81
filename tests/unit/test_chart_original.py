"""The original chart's values: each key means what the README maps it to, and NOTES say
so; and the README's values table documents every value with its default."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from helm_python.chart import Chart

from tests.harness.chart import CHART, documents, notes, render, values_file
from tests.harness.chartcases import (
    ORIGINAL,
    README,
    container_of,
    flags_of,
    merged,
    nested,
    one,
    rendered,
    rendered_documents,
)
from tests.harness.docs import CHART_README


def original_key_rows() -> dict[str, list[str]]:
    """The README's mapping: original key -> the chart's keys it sets ([] = ignored)."""
    section = README.split("### The original chart's values", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z]\w+)` \| (.*?) \|$", section, re.M)
    return {key: re.findall(r"`([\w.]+)`", target) for key, target in rows}


# A valid value for each original key, unlike the chart's defaults.
ORIGINAL_SAMPLES: dict[str, Any] = {
    "Servers": 5,
    "Cpu": "750m",
    "Memory": "6Gi",
    "Heap": "1G",
    "Storage": "20Gi",
    "StorageClass": "fast",
    "ServerPort": 2889,
    "LeaderElectionPort": 3889,
    "ClientPort": 2182,
    "TickTimeMs": 3000,
    "InitTicks": 12,
    "SyncTicks": 6,
    "ClientCnxns": 100,
    "SnapRetain": 5,
    "PurgeHours": 2,
    "MinSessionTimeout": 6000,
    "MaxSessionTimeout": 60000,
    "LogLevel": "WARN",
    "ProbeInitialDelaySeconds": 20,
    "ProbeTimeoutSeconds": 4,
    "AntiAffinity": "soft",
    "UpdateStrategy": "OnDelete",
    "MaxUnavailable": 0,
    "Image": "gcr.io/google_containers/kubernetes-zookeeper:1.0-3.4.10",
    "ImagePullPolicy": "Always",
}


def test_the_readme_maps_every_original_key_the_schema_accepts() -> None:
    with Chart.load(CHART) as chart:
        schema = chart.schema
    assert schema is not None
    camel_case = {key for key in schema["properties"] if key[0].isupper()}
    assert set(original_key_rows()) == camel_case == set(ORIGINAL_SAMPLES)


@pytest.mark.parametrize(("key", "targets"), original_key_rows().items())
def test_an_original_key_means_what_the_readme_maps_it_to(key: str, targets: list[str]) -> None:
    value = ORIGINAL_SAMPLES[key]
    as_original = documents(render({key: value}))
    as_chart = documents(render(merged(*(nested(path, value) for path in targets))))
    assert as_original == as_chart
    if targets:  # it changed something
        assert as_original != documents(render({}))


def test_an_original_key_wins_over_the_chart_key() -> None:
    sts = one(
        documents(render({"replicas": 5, "Servers": 3, "heap": "1G", "Heap": "2G"})), "StatefulSet"
    )
    assert sts["spec"]["replicas"] == 3
    assert flags_of(container_of(sts))["heap"] == "2G"


def test_notes_say_the_original_image_is_ignored_only_when_it_is_given() -> None:
    original = notes(rendered("original values-mini.yaml"))
    assert "Ignored: Image and ImagePullPolicy" in original
    assert "gcr.io/google_containers/kubernetes-zookeeper:1.0-3.4.10" in original
    assert "runs zkcontainer:dev (pull policy IfNotPresent)" in original
    sts = one(rendered_documents("original values-mini.yaml"), "StatefulSet")
    assert container_of(sts)["image"] == "zkcontainer:dev"
    assert "Ignored" not in notes(rendered("defaults"))


def test_notes_call_only_the_originals_image_no_longer_published() -> None:
    text = notes(render({"Image": "registry.example/zkcontainer:1.2"}))
    assert "Image (registry.example/zkcontainer:1.2) is not used" in text
    assert "no longer published" not in text


def test_notes_warn_when_an_original_key_shadows_the_charts_own() -> None:
    text = notes(render({"Heap": "2G", "heap": "1G", "Memory": "4Gi", "Servers": 3}))
    assert "original keys win over the chart's own" in text
    assert "Heap (2G wins over heap 1G)" in text
    assert "Memory (4Gi wins over resources.limits.memory 5Gi)" in text
    assert "Servers" not in text.split("Warning")[-1]  # 3 = replicas: nothing lost
    assert "--set Heap=" in text
    assert "win over" not in notes(render({"heap": "1G", "resources": {"limits": None}}))
    assert "win over" not in notes(render({"Heap": "3G", "Storage": "250Gi"}))


def test_notes_tell_how_to_reach_and_check_the_ensemble() -> None:
    text = notes(rendered("defaults"))
    assert "my-zk-cs.zk:2181" in text
    assert "my-zk-2.my-zk-hs.zk:2181" in text
    assert "helm test my-zk -n zk" in text
    assert "Warning" not in text
    assert "4 members survive no more failures than 3 do" in notes(render({"replicas": 4}))


def readme_section(title: str) -> str:
    return README.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]


def test_the_readme_upgrade_example_for_an_original_release_changes_it() -> None:
    """--reuse-values keeps Heap and Memory, which win: the example sets them."""
    section = readme_section("Upgrade")
    (line,) = [line for line in section.splitlines() if "--set Heap=" in line]
    sets = dict(re.findall(r"--set (\w+)=(\S+)", line))
    installed = values_file(ORIGINAL / "values-mini.yaml")
    flags = flags_of(container_of(one(documents(render({**installed, **sets})), "StatefulSet")))
    assert flags["heap"] == sets["Heap"] != installed["Heap"]
    # The chart's own key alone changes nothing: the installed Heap wins.
    unchanged = one(documents(render({**installed, "heap": sets["Heap"]})), "StatefulSet")
    assert flags_of(container_of(unchanged))["heap"] == installed["Heap"]
    assert "`fullnameOverride`" in section.split("Not refused by the chart, but as fixed:", 1)[1]


def test_the_readme_migration_names_the_originals_truncated_statefulset() -> None:
    """The original named it `printf "zk-%s" .Release.Name | trunc 24`."""
    section = readme_section("Upgrade")
    (install,) = re.findall(r"^helm install (\S+) .*--set fullnameOverride=(\S+)$", section, re.M)
    release, override = install
    assert override == f"zk-{release}"[:24] != f"zk-{release}"
    sts = one(documents(render({"fullnameOverride": override}, name=release)), "StatefulSet")
    assert sts["metadata"]["name"] == override
    assert "trunc 24" in section
    assert "kubectl -n zk get statefulsets" in section


def test_the_readme_passes_image_tags_as_strings() -> None:
    commands = [line for line in README.splitlines() if line.startswith("helm ")]
    assert not [line for line in commands if "--set image.tag" in line]
    assert [line for line in commands if "--set-string image.tag=" in line]


def values_rows() -> dict[str, str]:
    """The chart README's values table: key -> its default column."""
    section = CHART_README.read_text().split("\n## Values\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z][\w.]*)` \| (.*?) \|", section, re.M)
    return {key: default.strip() for key, default in rows}


def leaves(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value, down to scalars, lists and empty maps."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            found.update(leaves(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def shown(value: Any) -> str:
    """A default as the README's table writes it."""
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def test_the_chart_readme_values_table_documents_every_value_with_its_default() -> None:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    rows = values_rows()
    every = leaves(defaults)
    for key in every:
        assert any(key == row or key.startswith(row + ".") for row in rows), f"{key} not in README"
    for row, default in rows.items():
        assert any(key == row or key.startswith(row + ".") for key in every), (
            f"README lists {row}, which values.yaml does not have"
        )
        # A list's or a map's default is described in words unless it is empty.
        if row in every and (every[row] in ([], {}) or not isinstance(every[row], list)):
            assert default == shown(every[row]), row
