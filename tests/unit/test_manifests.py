"""The Kubernetes manifests: valid for current Kubernetes and consistent (tests/container/
test_manifests.py runs them as written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.harness.apiserver import validate_strictly
from tests.harness.statefulset import quantity_bytes

MANIFESTS = sorted((Path(__file__).resolve().parents[2] / "manifests").glob("*.yaml"))
KUBERNETES_VERSIONS = ["1.29.0", "1.32.0", kubernetes_validate.latest_version()]
SIZES = {"zookeeper.yaml": 3, "zookeeper_mini.yaml": 3, "zookeeper_micro.yaml": 1}
# The JVM reads -Xmx512M and -Xmx2G in binary units.
JVM_UNITS = {"k": 2**10, "K": 2**10, "m": 2**20, "M": 2**20, "g": 2**30, "G": 2**30}


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(path: Path, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in documents(path) if doc["kind"] == kind]


def statefulset_of(path: Path) -> dict[str, Any]:
    (sts,) = of_kind(path, "StatefulSet")
    return sts


def container_of(sts: dict[str, Any]) -> dict[str, Any]:
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    return container


def flags_of(container: dict[str, Any]) -> dict[str, str]:
    command = container["command"]
    assert command[0] == "start-zookeeper"
    return dict(arg[2:].split("=", 1) for arg in command[1:])


def heap_bytes(heap: str) -> int:
    return int(heap[:-1]) * JVM_UNITS[heap[-1]]


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = selector.get("matchLabels", {})
    expressions = selector.get("matchExpressions", [])
    assert all(e["operator"] == "In" for e in expressions)
    return all(labels.get(k) == v for k, v in wanted.items()) and all(
        labels.get(e["key"]) in e["values"] for e in expressions
    )


def test_every_manifest_is_here() -> None:
    assert sorted(p.name for p in MANIFESTS) == sorted(SIZES)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_documents_validate_strictly(path: Path, version: str) -> None:
    validate_strictly(documents(path), version)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_is_consistent(path: Path) -> None:
    sts = statefulset_of(path)
    spec = sts["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    container = container_of(sts)
    flags = flags_of(container)
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}

    assert spec["replicas"] == SIZES[path.name] == int(flags["servers"])
    assert matches(spec["selector"], pod_labels)
    assert spec["serviceName"] == "zk-hs"
    for term in spec["template"]["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]:
        assert matches(term["labelSelector"], pod_labels)

    assert container_ports == {
        "client": int(flags["client_port"]),
        "server": int(flags["server_port"]),
        "leader-election": int(flags["election_port"]),
    }
    services = {s["metadata"]["name"]: s["spec"] for s in of_kind(path, "Service")}
    assert services["zk-hs"]["clusterIP"] == "None"
    assert services["zk-hs"]["publishNotReadyAddresses"] is True
    assert {p["name"]: p["port"] for p in services["zk-hs"]["ports"]} == {
        "server": container_ports["server"],
        "leader-election": container_ports["leader-election"],
    }
    assert {p["name"]: p["port"] for p in services["zk-cs"]["ports"]} == {
        "client": container_ports["client"]
    }
    for service in services.values():
        assert matches({"matchLabels": service["selector"]}, pod_labels)

    client_port = flags["client_port"]
    assert container["livenessProbe"]["exec"]["command"] == ["zookeeper-ready", client_port]
    assert container["readinessProbe"]["exec"]["command"] == [
        "zookeeper-ready",
        "--serving",
        client_port,
    ]

    limit = quantity_bytes(container["resources"]["limits"]["memory"])
    heap = heap_bytes(flags["heap"])
    assert limit >= 1.5 * heap, "heap + JVM overhead must fit the memory limit"
    if path.name == "zookeeper.yaml":
        assert limit >= max(2 * 2**30, 1.5 * heap)

    pdbs = of_kind(path, "PodDisruptionBudget")
    if spec["replicas"] > 1:
        (pdb,) = pdbs
        assert pdb["apiVersion"] == "policy/v1"
        assert pdb["spec"]["maxUnavailable"] == 1
        assert matches(pdb["spec"]["selector"], pod_labels)
    else:
        assert pdbs == []


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_pods_are_hardened(path: Path) -> None:
    pod = statefulset_of(path)["spec"]["template"]["spec"]
    container = container_of(statefulset_of(path))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == pod["securityContext"]["fsGroup"] == 1000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    flags = flags_of(container)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts[flags["conf_dir"]]]
    claims = {c["metadata"]["name"] for c in statefulset_of(path)["spec"]["volumeClaimTemplates"]}
    assert mounts["/var/lib/zookeeper"] in claims
    assert flags["data_dir"].startswith("/var/lib/zookeeper/")
    assert pod["terminationGracePeriodSeconds"] > 0
