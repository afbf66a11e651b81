"""The chart's answers to a hostile review: each finding, rendered, fixed at its cause.

Anti-affinity kept when `affinity` is set; the Certificate names every host NOTES give
clients, and `helm test` checks those names as a client would; the NetworkPolicy takes
the chart's own labels and can open egress; the exporter has probes and a configurable
address; a heap without a limit is weighed against the request; extraFlags carries only
what changes no member's identity, probes or memory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from helm_python.errors import HelmError

from tests.harness.chart import CHART, Document, documents, render

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
VALUES_YAML = (CHART / "values.yaml").read_text()
RELEASE, NAMESPACE = "my-zk", "zk"
KUBERNETES = "1.32.0"


def one(docs: list[Document], kind: str) -> Document:
    (doc,) = [doc for doc in docs if doc["kind"] == kind]
    return doc


def pod_spec(values: dict[str, Any], **where: str) -> Document:
    spec: Document = one(documents(render(values, **where)), "StatefulSet")["spec"]["template"][
        "spec"
    ]
    return spec


def container(values: dict[str, Any], name: str = "zookeeper") -> Document:
    (found,) = [c for c in pod_spec(values)["containers"] if c["name"] == name]
    return dict(found)


def validate_all(values: dict[str, Any]) -> list[Document]:
    docs = documents(render(values))
    for doc in docs:
        if doc["kind"] not in {"Certificate", "ServiceMonitor"}:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    return docs


def refusal(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as refused:
        render(values)
    return str(refused.value)


# -- 1. affinity merges with antiAffinity --------------------------------------------------

CHART_TERM = {
    "labelSelector": {"matchLabels": {"app": RELEASE}},
    "topologyKey": "kubernetes.io/hostname",
}
NODE_AFFINITY = {
    "requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zk", "operator": "Exists"}]}]
    }
}
POD_AFFINITY = {
    "preferredDuringSchedulingIgnoredDuringExecution": [
        {
            "weight": 10,
            "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"cache": "near"}},
                "topologyKey": "topology.kubernetes.io/zone",
            },
        }
    ]
}
USER_REQUIRED = {
    "labelSelector": {"matchLabels": {"app": "kafka"}},
    "topologyKey": "kubernetes.io/hostname",
}
USER_PREFERRED = {
    "weight": 50,
    "podAffinityTerm": {
        "labelSelector": {"matchLabels": {"app": RELEASE}},
        "topologyKey": "topology.kubernetes.io/zone",
    },
}
USER_AFFINITY = {
    "nodeAffinity": NODE_AFFINITY,
    "podAffinity": POD_AFFINITY,
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [USER_REQUIRED],
        "preferredDuringSchedulingIgnoredDuringExecution": [USER_PREFERRED],
    },
}


def affinity_of(values: dict[str, Any]) -> Any:
    return pod_spec(values).get("affinity")


def test_a_node_affinity_keeps_the_hard_anti_affinity() -> None:
    """Setting affinity for the nodes must not let every member land on one node."""
    assert affinity_of({"affinity": {"nodeAffinity": NODE_AFFINITY}}) == {
        "nodeAffinity": NODE_AFFINITY,
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [CHART_TERM]},
    }


def test_the_users_terms_follow_the_charts_own_required_for_hard() -> None:
    assert affinity_of({"affinity": USER_AFFINITY}) == {
        "nodeAffinity": NODE_AFFINITY,
        "podAffinity": POD_AFFINITY,
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [CHART_TERM, USER_REQUIRED],
            "preferredDuringSchedulingIgnoredDuringExecution": [USER_PREFERRED],
        },
    }


def test_the_users_terms_follow_the_charts_own_preferred_for_soft() -> None:
    assert affinity_of({"affinity": USER_AFFINITY, "antiAffinity": "soft"}) == {
        "nodeAffinity": NODE_AFFINITY,
        "podAffinity": POD_AFFINITY,
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [USER_REQUIRED],
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": CHART_TERM},
                USER_PREFERRED,
            ],
        },
    }


def test_the_original_charts_anti_affinity_key_merges_too() -> None:
    soft = affinity_of({"AntiAffinity": "soft", "affinity": {"nodeAffinity": NODE_AFFINITY}})
    assert soft["nodeAffinity"] == NODE_AFFINITY
    assert soft["podAntiAffinity"] == {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": CHART_TERM}
        ]
    }


def test_none_leaves_the_users_affinity_as_given() -> None:
    assert affinity_of({"affinity": USER_AFFINITY, "antiAffinity": "none"}) == USER_AFFINITY
    assert affinity_of({"antiAffinity": "none"}) is None


@pytest.mark.parametrize("anti", ["hard", "soft", "none"])
def test_a_merged_affinity_validates_strictly(anti: str) -> None:
    validate_all({"affinity": USER_AFFINITY, "antiAffinity": anti})


def test_values_and_readme_say_affinity_merges() -> None:
    assert "Replaced\n# by `affinity`" not in VALUES_YAML
    assert "merged with antiAffinity's" in VALUES_YAML
    (row,) = re.findall(r"^\| `affinity` \| .*$", README, re.M)
    assert "merged with `antiAffinity`'s" in row
    assert "replaces" not in row
