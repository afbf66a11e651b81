"""The chart's metrics sidecar: an exporter beside each member, its Service and
ServiceMonitor, and the ports the NetworkPolicy opens to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.chart import documents, notes, of_kind, render
from tests.harness.chartcases import (
    NAMESPACE,
    RELEASE,
    container_of,
    one,
    rendered,
    rendered_documents,
    start_zookeeper_settings,
    tls,
)
from tests.harness.chartpolicy import TEST_POD_PEER, ingress_rules
from zkcontainer.exporter import listen_address

METRICS = {"metrics": {"enabled": True}}


@pytest.mark.parametrize("values", [METRICS, {**METRICS, **tls()}], ids=["plaintext", "tls"])
def test_the_exporter_runs_beside_each_member_and_asks_it_on_loopback(
    values: dict[str, Any],
) -> None:
    """zookeeper-metrics --listen in a second container of the same image, hardened alike,
    reading its member's plaintext port: start-zookeeper binds that on 127.0.0.1 under
    TLS, which the pod's containers share."""
    sts = one(documents(render(values)), "StatefulSet")
    zookeeper, exporter = container_of(sts), container_of(sts, "metrics")
    assert [c["name"] for c in sts["spec"]["template"]["spec"]["containers"]] == [
        "zookeeper",
        "metrics",
    ]
    assert exporter["image"] == zookeeper["image"]
    assert exporter["imagePullPolicy"] == zookeeper["imagePullPolicy"]
    assert exporter["securityContext"] == zookeeper["securityContext"]
    assert exporter["ports"] == [{"containerPort": 9141, "name": "metrics"}]
    command, listen, zk_port = exporter["command"][0], *exporter["command"][1:]
    assert command == "zookeeper-metrics"
    assert listen_address(listen.removeprefix("--listen=")) == ("0.0.0.0", 9141)
    settings = start_zookeeper_settings(sts)
    assert int(zk_port) == settings.client_port
    assert settings.client_address in (None, "127.0.0.1")
    assert exporter["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"memory": "64Mi"},
    }


def test_without_metrics_there_is_no_exporter_nor_its_service() -> None:
    docs = rendered_documents("defaults")
    assert len(one(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"]) == 1
    assert "my-zk-metrics" not in of_kind(docs, "Service")
    assert "ServiceMonitor" not in {doc["kind"] for doc in docs}
    assert 9141 not in ingress_rules({})


def test_the_metrics_service_lists_every_member_ready_or_not() -> None:
    docs = rendered_documents("metrics under tls, with a ServiceMonitor")
    service = of_kind(docs, "Service")["my-zk-metrics"]
    sts = one(docs, "StatefulSet")
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert service["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [{"port": 9141, "name": "metrics"}]


# monitoring.coreos.com/v1 ServiceMonitor's spec fields (prometheus-operator's API reference).
SERVICE_MONITOR_SPEC_FIELDS = {
    "jobLabel", "targetLabels", "podTargetLabels", "endpoints", "selector",
    "selectorMechanism", "namespaceSelector", "sampleLimit", "scrapeProtocols",
    "fallbackScrapeProtocol", "targetLimit", "labelLimit", "labelNameLengthLimit",
    "labelValueLengthLimit", "scrapeClassicHistograms", "nativeHistogramBucketLimit",
    "nativeHistogramMinBucketFactor", "convertClassicHistogramsToNHCB",
    "keepDroppedTargets", "attachMetadata", "scrapeClass", "bodySizeLimit",
}  # fmt: skip


def test_the_service_monitor_scrapes_the_metrics_service_alone() -> None:
    values = {
        "metrics": {
            "enabled": True,
            "serviceMonitor": {
                "enabled": True,
                "interval": "15s",
                "labels": {"release": "prometheus", "app": "other"},
            },
        },
    }
    docs = documents(render(values))
    monitor = one(docs, "ServiceMonitor")
    spec = monitor["spec"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(spec) <= SERVICE_MONITOR_SPEC_FIELDS
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["metadata"]["labels"]["app"] == RELEASE  # the chart's own labels win
    services = of_kind(docs, "Service")
    selected = [
        name
        for name, service in services.items()
        if spec["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    ]
    assert selected == ["my-zk-metrics"]
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = spec["endpoints"]
    assert endpoint == {
        "port": "metrics",
        "path": "/metrics",
        "interval": "15s",
        "scrapeTimeout": "10s",
    }


def test_the_metrics_port_admits_its_peers_and_the_test_pod() -> None:
    prometheus = [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]
    assert ingress_rules(METRICS)[9141] == [{"namespaceSelector": {}}, TEST_POD_PEER]
    rules = ingress_rules({"metrics": {"enabled": True, "from": prometheus}})
    assert rules[9141] == [*prometheus, TEST_POD_PEER]
    assert ingress_rules({"metrics": {"enabled": True, "from": []}})[9141] is None


def test_notes_say_where_the_exporters_answer() -> None:
    text = notes(rendered("metrics under tls, with a ServiceMonitor"))
    exporters = "http://<pod>.my-zk-hs.zk:9141/metrics"
    assert f"{exporters} (ServiceMonitor my-zk in namespace zk)." in text
    assert "Prometheus" not in notes(rendered("defaults"))


def test_the_test_hook_reads_every_members_exporter() -> None:
    def script(value_set: str) -> str:
        pod = one(rendered_documents(value_set), "Pod")
        return str(pod["spec"]["containers"][0]["command"][-1])

    with_metrics = script("metrics under tls, with a ServiceMonitor")
    assert '"http://$member:9141/metrics"' in with_metrics
    assert "zookeeper_up 1" in with_metrics
    assert "/metrics" not in script("defaults")


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"metrics": {"serviceMonitor": {"enabled": True}}},
            "metrics.serviceMonitor.enabled: the ServiceMonitor scrapes the exporter, which is off",
        ),
        (
            {"metrics": {"enabled": True, "port": 2888}},
            "metrics.port 2888: same port as ports.server (the exporter shares the pod's ports",
        ),
        (
            {**METRICS, "extraFlags": ["--admin_port=9141"]},
            "extraFlags --admin_port 9141: same port as metrics.port",
        ),
    ],
)
def test_contradictory_metrics_settings_are_refused(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)
