"""The chart's NetworkPolicy as the tests read it: whom each port admits."""

from __future__ import annotations

from typing import Any

from tests.harness.chart import Document, documents, render
from tests.harness.chartcases import RELEASE, one


def ingress_rules(values: dict[str, Any]) -> dict[int, list[Document] | None]:
    """port -> the peers its rules admit, together (None: from anywhere)."""
    policy = one(documents(render(values)), "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    admitted: dict[int, list[Document] | None] = {}
    for rule in policy["spec"]["ingress"]:
        for port in rule["ports"]:
            so_far = admitted.get(port["port"], [])
            peers = rule.get("from")
            admitted[port["port"]] = None if so_far is None or peers is None else so_far + peers
    return admitted


TEST_POD_PEER = {
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": f"{RELEASE}-test",
        }
    }
}
MEMBER_LABELS = {
    "app": RELEASE,
    "app.kubernetes.io/name": "zookeeper",
    "app.kubernetes.io/instance": RELEASE,
}
