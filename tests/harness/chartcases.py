"""The value sets the chart's tests render, the values they build on, and the parts of a
rendering they read."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from tests.harness.chart import CHART, Document, documents, render, values_file
from tests.harness.docs import documentation
from zkcontainer.settings import Settings, load_settings

README = documentation()
ORIGINAL = Path(__file__).resolve().parents[1] / "original_chart"
RELEASE, NAMESPACE = "my-zk", "zk"
KUBERNETES_VERSIONS = ["1.29.0", "1.32.0", "1.37.0"]
# Values as a user passes them: none, the chart's own sizes, the original chart's files
# as written, and every knob turned.
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "values-mini.yaml": values_file(CHART / "values-mini.yaml"),
    "values-micro.yaml": values_file(CHART / "values-micro.yaml"),
    "original values.yaml": values_file(ORIGINAL / "values.yaml"),
    "original values-mini.yaml": values_file(ORIGINAL / "values-mini.yaml"),
    "original values-micro.yaml": values_file(ORIGINAL / "values-micro.yaml"),
    "everything set": {
        "fullnameOverride": "coordination",
        "replicas": 5,
        "image": {"repository": "registry.example/zkcontainer", "tag": "1.2.3"},
        "imagePullSecrets": [{"name": "pull"}],
        "heap": "1G",
        "resources": {
            "requests": {"cpu": "1", "memory": "2Gi"},
            "limits": {"memory": "2Gi"},
        },
        "storage": {"size": "20Gi", "className": "fast-ssd"},
        "ports": {"client": 12181, "server": 12888, "election": 13888},
        "zookeeper": {"tickTime": 3000, "purgeInterval": 0, "logLevel": "WARN"},
        "extraFlags": ["--fast_failover=false"],
        "livenessProbe": {"initialDelaySeconds": 30, "timeoutSeconds": 3},
        "readinessProbe": {"periodSeconds": 3},
        "antiAffinity": "soft",
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
            }
        ],
        "nodeSelector": {"disktype": "ssd"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "zk"}],
        "priorityClassName": "system-cluster-critical",
        "podAnnotations": {"example.com/scrape": "true"},
        "podLabels": {"team": "storage"},
        "updateStrategy": {"type": "OnDelete"},
        "podDisruptionBudget": {"maxUnavailable": "40%"},
        "serviceAccount": {"create": False, "name": "zookeeper"},
        "networkPolicy": {"clientFrom": [{"podSelector": {"matchLabels": {"zk-client": "yes"}}}]},
    },
    "tls with cert-manager": {
        "tls": {
            "enabled": True,
            "certManager": {"enabled": True, "issuerRef": {"name": "zk-ca", "kind": "Issuer"}},
        },
    },
    "metrics under tls, with a ServiceMonitor": {
        "tls": {"enabled": True},
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}},
    },
}


@functools.cache
def rendered(value_set: str) -> dict[str, str]:
    return render(VALUE_SETS[value_set], RELEASE, NAMESPACE)


def rendered_documents(value_set: str, hooks: bool = True) -> list[Document]:
    return documents(rendered(value_set), hooks)


def one(docs: list[Document], kind: str) -> Document:
    (doc,) = [doc for doc in docs if doc["kind"] == kind]
    return doc


def flags_of(container: Document) -> dict[str, str]:
    assert container["command"][0] == "start-zookeeper"
    return dict(arg[2:].split("=", 1) for arg in container["command"][1:])


def container_of(sts: Document, name: str = "zookeeper") -> Document:
    (container,) = [c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    return dict(container)


CERT_MANAGER = {"enabled": True, "issuerRef": {"name": "zk-ca", "kind": "Issuer"}}


def tls(**settings: Any) -> dict[str, Any]:
    return {"tls": {"enabled": True, **settings}}


def start_zookeeper_settings(sts: Document) -> Settings:
    """What start-zookeeper makes of the rendered command in member 0."""
    name, service = sts["metadata"]["name"], sts["spec"]["serviceName"]
    fqdn = f"{name}-0.{service}.{NAMESPACE}.svc.cluster.local"
    return load_settings(container_of(sts)["command"][1:], {}, lambda: fqdn)


def secret_mount(sts: Document) -> tuple[Document, Document]:
    """The container's mount of a Secret volume, and that volume."""
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    (mount,) = [
        m for m in container_of(sts)["volumeMounts"] if "secret" in volumes.get(m["name"], {})
    ]
    return mount, volumes[mount["name"]]


def nested(path: str, value: Any) -> dict[str, Any]:
    """`a.b.c`, 1 -> {a: {b: {c: 1}}}"""
    *parents, last = path.split(".")
    tree: dict[str, Any] = {last: value}
    for key in reversed(parents):
        tree = {key: tree}
    return tree


def merged(*trees: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for tree in trees:
        for key, value in tree.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = value
    return result


def rolling_update(**settings: Any) -> dict[str, Any]:
    return {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": settings}}
