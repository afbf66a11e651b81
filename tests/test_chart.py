"""The Helm chart, rendered by Helm's own engine: valid, faithful to its values and to the
original chart's, the source of manifests/, packaged as a repository, and runnable."""

from __future__ import annotations

import base64
import functools
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from docker.types import Mount
from helm_python.chart import Chart, digest
from helm_python.errors import HelmError

from tests.harness.apiserver import validate_strictly
from tests.harness.certs import Authority, mount_secret, tls_kazoo
from tests.harness.chart import (
    CHART,
    MANIFEST_VALUES,
    MANIFESTS,
    Document,
    documents,
    lint_report,
    manifest_text,
    notes,
    package_repository,
    render,
    values_file,
)
from tests.harness.clients import ContinuousWriter, new_client, stored_numbers
from tests.harness.docs import CHART_README, documentation
from tests.harness.members import leader_of, serving
from tests.harness.prerequisites import missing
from tests.harness.statefulset import StatefulSet, wait_for
from tests.test_tls_container import SecretMountingStatefulSet
from zkcontainer.exporter import listen_address
from zkcontainer.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
README = documentation()
ORIGINAL = Path(__file__).resolve().parent / "original_chart"
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


@dataclass(frozen=True)
class Expected:
    name: str
    replicas: int
    heap: str
    memory: str
    cpu: str
    anti_affinity: str
    liveness: tuple[int, int]  # initialDelaySeconds, timeoutSeconds
    readiness: tuple[int, int]
    storage: str
    client_port: int = 2181


EXPECTED = {
    "defaults": Expected(RELEASE, 3, "3G", "5Gi", "2", "hard", (15, 2), (5, 2), "250Gi"),
    "values-mini.yaml": Expected(
        RELEASE, 3, "512M", "1Gi", "500m", "hard", (15, 2), (5, 2), "10Gi"
    ),
    "values-micro.yaml": Expected(
        RELEASE, 1, "512M", "1Gi", "500m", "hard", (15, 2), (5, 2), "10Gi"
    ),
    "original values.yaml": Expected(
        RELEASE, 5, "2G", "4Gi", "2", "hard", (15, 5), (15, 5), "250Gi"
    ),
    "original values-mini.yaml": Expected(
        RELEASE, 3, "512M", "1Gi", "0.5", "soft", (15, 5), (15, 5), "10Gi"
    ),
    "original values-micro.yaml": Expected(
        RELEASE, 1, "512M", "1Gi", "0.5", "soft", (15, 5), (15, 5), "10Gi"
    ),
    "everything set": Expected(
        "coordination", 5, "1G", "2Gi", "1", "soft", (30, 3), (5, 2), "20Gi", 12181
    ),
    "tls with cert-manager": Expected(
        RELEASE, 3, "3G", "5Gi", "2", "hard", (15, 2), (5, 2), "250Gi"
    ),
    "metrics under tls, with a ServiceMonitor": Expected(
        RELEASE, 3, "3G", "5Gi", "2", "hard", (15, 2), (5, 2), "250Gi"
    ),
}


@functools.cache
def _rendered(value_set: str) -> dict[str, str]:
    return render(VALUE_SETS[value_set], RELEASE, NAMESPACE)


def rendered_documents(value_set: str, hooks: bool = True) -> list[Document]:
    return documents(_rendered(value_set), hooks)


def one(docs: list[Document], kind: str) -> Document:
    (doc,) = [doc for doc in docs if doc["kind"] == kind]
    return doc


def of_kind(docs: list[Document], kind: str) -> dict[str, Document]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def flags_of(container: Document) -> dict[str, str]:
    assert container["command"][0] == "start-zookeeper"
    return dict(arg[2:].split("=", 1) for arg in container["command"][1:])


def container_of(sts: Document, name: str = "zookeeper") -> Document:
    (container,) = [c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    return dict(container)


# -- every rendering is valid -------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_document_validates_strictly(value_set: str, version: str) -> None:
    docs = rendered_documents(value_set)
    assert {doc["kind"] for doc in docs} >= {"StatefulSet", "Service", "NetworkPolicy", "Pod"}
    validate_strictly(docs, version)


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_is_clean(value_set: str) -> None:
    report = lint_report(VALUE_SETS[value_set])
    assert (report["messages"], report["errors"]) == ([], []), report


def test_every_namespaced_resource_is_in_the_release_namespace() -> None:
    for doc in rendered_documents("defaults"):
        assert doc["metadata"]["namespace"] == NAMESPACE, doc["metadata"]["name"]


# -- the values decide ---------------------------------------------------------------------


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_the_statefulset_follows_the_values(value_set: str) -> None:
    want = EXPECTED[value_set]
    sts = one(rendered_documents(value_set), "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    container = container_of(sts)
    flags = flags_of(container)
    resources = container["resources"]
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]

    assert sts["metadata"]["name"] == want.name
    assert sts["spec"]["replicas"] == want.replicas == int(flags["servers"])
    assert flags["heap"] == want.heap
    assert resources["requests"]["memory"] == resources["limits"]["memory"] == want.memory
    assert str(resources["requests"]["cpu"]) == want.cpu
    assert "cpu" not in resources["limits"]
    assert flags["client_port"] == str(want.client_port)
    assert liveness["exec"]["command"] == ["zookeeper-ready", str(want.client_port)]
    assert readiness["exec"]["command"] == ["zookeeper-ready", "--serving", str(want.client_port)]
    assert (liveness["initialDelaySeconds"], liveness["timeoutSeconds"]) == want.liveness
    assert (readiness["initialDelaySeconds"], readiness["timeoutSeconds"]) == want.readiness
    startup = container["startupProbe"]
    assert startup["exec"]["command"] == liveness["exec"]["command"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # a large snapshot
    claim = sts["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == want.storage

    anti_affinity = pod["affinity"]["podAntiAffinity"]
    selector = sts["spec"]["selector"]["matchLabels"]
    if want.anti_affinity == "hard":
        (term,) = anti_affinity["requiredDuringSchedulingIgnoredDuringExecution"]
    else:
        (preferred,) = anti_affinity["preferredDuringSchedulingIgnoredDuringExecution"]
        term = preferred["podAffinityTerm"]
    assert term["labelSelector"]["matchLabels"] == selector
    assert term["topologyKey"] == "kubernetes.io/hostname"


def test_the_original_files_say_what_the_issue_lists() -> None:
    """The three files as the original chart shipped them, differing where it said."""
    full, mini, micro = (values_file(ORIGINAL / name) for name in MANIFEST_VALUES.values())
    assert full["Servers"] == 5
    assert full["Image"].endswith("kubernetes-zookeeper:1.0-3.4.10")
    assert {k: v for k, v in mini.items() if full[k] != v} == {
        "Servers": 3,
        "Cpu": "0.5",
        "Memory": "1Gi",
        "Heap": "512M",
        "Storage": "10Gi",
        "AntiAffinity": "soft",
    }
    assert {k: v for k, v in micro.items() if mini[k] != v} == {"Servers": 1}


def test_names_follow_the_release() -> None:
    docs = rendered_documents("defaults")
    sts = one(docs, "StatefulSet")
    assert sts["metadata"]["name"] == "my-zk"
    assert sts["spec"]["serviceName"] == "my-zk-hs"
    assert set(of_kind(docs, "Service")) == {"my-zk-hs", "my-zk-cs"}
    assert set(of_kind(docs, "PodDisruptionBudget")) == {"my-zk-pdb"}
    assert set(of_kind(docs, "NetworkPolicy")) == set(of_kind(docs, "ServiceAccount")) == {"my-zk"}
    assert set(of_kind(docs, "Pod")) == {"my-zk-test"}
    for doc in docs:
        if doc["kind"] != "Pod":
            assert doc["metadata"]["labels"]["app"] == "my-zk"
            assert doc["metadata"]["labels"]["app.kubernetes.io/instance"] == "my-zk"


def test_a_name_too_long_for_a_pod_hostname_is_refused() -> None:
    assert render({"fullnameOverride": "z" * 52})
    with pytest.raises(HelmError, match="at most 52"):
        render({}, name="z" * 53)


def test_the_services_the_pdb_and_the_policy_select_the_pods() -> None:
    docs = rendered_documents("defaults")
    sts = one(docs, "StatefulSet")
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    selector = sts["spec"]["selector"]["matchLabels"]
    assert selector == {"app": "my-zk"}
    assert selector.items() <= pod_labels.items()
    services = of_kind(docs, "Service")
    assert services["my-zk-hs"]["spec"]["clusterIP"] == "None"
    assert services["my-zk-hs"]["spec"]["publishNotReadyAddresses"] is True
    for service in services.values():
        assert service["spec"]["selector"] == selector
    assert one(docs, "PodDisruptionBudget")["spec"] == {
        "selector": {"matchLabels": selector},
        "maxUnavailable": 1,
    }
    # The policy takes the chart's own labels besides: `app` alone is common.
    governed = one(docs, "NetworkPolicy")["spec"]["podSelector"]["matchLabels"]
    assert selector.items() < governed.items() <= pod_labels.items()


def test_a_standalone_server_has_no_disruption_budget() -> None:
    assert of_kind(rendered_documents("values-micro.yaml"), "PodDisruptionBudget") == {}
    assert of_kind(rendered_documents("original values-micro.yaml"), "PodDisruptionBudget") == {}


def rolling_update(**settings: Any) -> dict[str, Any]:
    return {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": settings}}


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"MaxUnavailable": 2}, "MaxUnavailable 2 lets a drain take 2 of 3"),
        ({"podDisruptionBudget": {"maxUnavailable": "34%"}}, "take 2 of 3 members"),
        ({"replicas": 5, "podDisruptionBudget": {"maxUnavailable": 3}}, "at most 2 down"),
        ({"replicas": 5, "podDisruptionBudget": {"maxUnavailable": "41%"}}, "take 3 of 5"),
        ({"replicas": 2}, "2 members keep a quorum only with all up"),
        (rolling_update(maxUnavailable=2), "updateStrategy.rollingUpdate.maxUnavailable 2"),
        (rolling_update(maxUnavailable="67%"), "updateStrategy.rollingUpdate.maxUnavailable 67%"),
    ],
)
def test_a_disruption_setting_that_gives_up_the_quorum_is_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


@pytest.mark.parametrize(
    "values",
    [
        {"podDisruptionBudget": {"maxUnavailable": "33%"}},
        {"replicas": 5, "podDisruptionBudget": {"maxUnavailable": "40%"}},
        {"replicas": 2, "podDisruptionBudget": {"maxUnavailable": 0}},
        {"replicas": 2, "podDisruptionBudget": {"enabled": False}},
        {"replicas": 1, "podDisruptionBudget": {"maxUnavailable": 5}},  # no budget rendered
        rolling_update(maxUnavailable=1),
        rolling_update(partition=2),
    ],
)
def test_a_disruption_setting_that_keeps_the_quorum_renders(values: dict[str, Any]) -> None:
    assert one(documents(render(values)), "StatefulSet")


def test_the_startup_probe_is_configurable() -> None:
    values = {"startupProbe": {"failureThreshold": 360, "periodSeconds": 5}}
    startup = container_of(one(documents(render(values)), "StatefulSet"))["startupProbe"]
    assert (startup["failureThreshold"], startup["periodSeconds"]) == (360, 5)
    with pytest.raises(HelmError, match="/startupProbe"):
        render({"startupProbe": {"successThreshold": 2}})


class _Exited:
    """A container the probes are run against, never started."""


def test_the_harness_runs_liveness_and_readiness_only_after_the_startup_probe() -> None:
    """As the kubelet does: a member loading a large snapshot fails ruok, and only the
    startup probe counts that against it."""
    sts_manifest = one(documents(render({})), "StatefulSet")
    sts = StatefulSet(sts_manifest, "unused", client=cast(Any, object()))
    pod = sts.pods[0]
    answers = {"startup": False, "liveness": False, "readiness": False}
    ran: list[str] = []

    def run_probe(container: Any, probe: Any) -> tuple[bool, str]:
        ran.append(probe.kind)
        return answers[probe.kind], ""

    sts._run_probe = run_probe  # type: ignore[method-assign]
    pod.container = cast(Any, _Exited())
    pod.started = "startupProbe" not in sts.container_spec
    pod.started_at = -1e9  # every initial delay over

    def probe_round() -> None:
        pod.next_probe.clear()
        for probe in sts.probes:
            sts._maybe_probe(pod, probe)

    threshold = sts.container_spec["startupProbe"]["failureThreshold"]
    for _ in range(threshold - 1):  # the database loading: ruok unanswered
        probe_round()
    assert set(ran) == {"startup"}
    assert pod.live
    assert not pod.ready
    answers.update(startup=True, liveness=True, readiness=True)
    probe_round()  # the startup probe succeeds; the others start on the next round
    assert pod.started
    ran.clear()
    probe_round()
    assert sorted(ran) == ["liveness", "readiness"]
    assert pod.ready

    # A database that never loads: the startup probe's threshold fails the pod's liveness.
    pod.started, pod.streaks = False, {}
    answers["startup"] = False
    for _ in range(threshold):
        probe_round()
    assert not pod.live


def test_pods_are_hardened_and_carry_no_token() -> None:
    docs = rendered_documents("defaults")
    assert one(docs, "ServiceAccount")["automountServiceAccountToken"] is False
    for pod in [one(docs, "StatefulSet")["spec"]["template"]["spec"], one(docs, "Pod")["spec"]]:
        container = pod["containers"][0]
        assert pod["serviceAccountName"] == "my-zk"
        assert pod["automountServiceAccountToken"] is False
        assert pod["enableServiceLinks"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
    sts = one(docs, "StatefulSet")
    mounts = {m["mountPath"]: m["name"] for m in container_of(sts)["volumeMounts"]}
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    assert volumes[mounts["/opt/zookeeper/conf"]] == {"name": "conf", "emptyDir": {}}


def test_a_security_context_key_set_to_null_is_dropped() -> None:
    """OpenShift assigns each namespace's uid range itself."""
    values = {"podSecurityContext": {"runAsUser": None, "runAsGroup": None, "fsGroup": None}}
    sts = one(documents(render(values)), "StatefulSet")
    assert sts["spec"]["template"]["spec"]["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_everything_set_reaches_the_pods() -> None:
    docs = rendered_documents("everything set")
    sts = one(docs, "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    container = container_of(sts)
    assert container["image"] == "registry.example/zkcontainer:1.2.3"
    assert container["command"][-1] == "--fast_failover=false"
    assert flags_of(container)["tick_time"] == "3000"
    assert flags_of(container)["log_level"] == "WARN"
    assert flags_of(container)["election_port"] == "13888"
    assert pod["imagePullSecrets"] == [{"name": "pull"}]
    assert pod["nodeSelector"] == {"disktype": "ssd"}
    assert pod["tolerations"][0]["key"] == "dedicated"
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert pod["serviceAccountName"] == "zookeeper"
    assert "ServiceAccount" not in {doc["kind"] for doc in docs}
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["labelSelector"] == {"matchLabels": {"app": "coordination"}}
    metadata = sts["spec"]["template"]["metadata"]
    assert metadata["labels"]["team"] == "storage"
    assert metadata["annotations"] == {"example.com/scrape": "true"}
    assert sts["spec"]["updateStrategy"] == {"type": "OnDelete"}
    claim = sts["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "fast-ssd"
    assert one(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == "40%"


def test_affinity_keeps_the_anti_affinity_and_none_leaves_it_out() -> None:
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zk", "operator": "Exists"}]}]
            }
        }
    }
    hard = {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {
                "labelSelector": {"matchLabels": {"app": RELEASE}},
                "topologyKey": "kubernetes.io/hostname",
            }
        ]
    }
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"affinity": affinity}, {**affinity, "podAntiAffinity": hard}),
        ({"affinity": affinity, "antiAffinity": "none"}, affinity),
        ({"antiAffinity": "none"}, None),
    ]
    for values, expected in cases:
        pod = one(documents(render(values)), "StatefulSet")["spec"]["template"]["spec"]
        assert pod.get("affinity") == expected


def test_storage_class_null_is_the_default_class_and_empty_is_none() -> None:
    def claim(values: dict[str, Any]) -> dict[str, Any]:
        sts = one(documents(render(values)), "StatefulSet")
        spec: dict[str, Any] = sts["spec"]["volumeClaimTemplates"][0]["spec"]
        return spec

    assert "storageClassName" not in claim({})
    assert claim({"storage": {"className": ""}})["storageClassName"] == ""
    # The original chart left out an empty StorageClass: the default class.
    assert "storageClassName" not in claim({"StorageClass": ""})
    assert claim({"StorageClass": "fast"})["storageClassName"] == "fast"
    # "-" is the common spelling of no class: dynamic provisioning off.
    assert claim({"storage": {"className": "-"}})["storageClassName"] == ""
    assert claim({"StorageClass": "-"})["storageClassName"] == ""


def memory_of(quantity: str | int) -> dict[str, Any]:
    """resources with that memory request and limit, as the README asks."""
    return {"requests": {"memory": quantity}, "limits": {"memory": quantity}}


@pytest.mark.parametrize(
    ("values", "fits"),
    [
        ({}, True),  # 3G in 5Gi
        ({"heap": "4G"}, False),
        ({"Memory": "4Gi", "Heap": "2G"}, True),  # the original chart's values.yaml
        ({"Memory": "4Gi", "Heap": "3G"}, False),  # the original's production manifest
        ({"heap": "512M", "resources": memory_of("768Mi")}, True),
        ({"heap": "512m", "resources": memory_of("767Mi")}, False),
        ({"heap": "1G", "resources": memory_of("1610612736")}, True),
        ({"heap": "1G", "resources": memory_of("1.5Gi")}, True),
        ({"heap": "2G", "resources": memory_of("3G")}, False),  # 3G = 10^9 x 3
        ({"heap": "3G", "resources": {"limits": None}}, True),  # no limit: the request holds it
        # Plain numbers, as YAML gives `memory: 5368709120`, and thousandths of a byte.
        ({"resources": memory_of(5368709120)}, True),
        ({"resources": memory_of(4831838207)}, False),
        ({"Memory": 4294967296, "Heap": "2G"}, True),
        ({"resources": memory_of("5368709120000m")}, True),
        ({"resources": memory_of("4831838207000m")}, False),
        ({"resources": memory_of("5.36870912e9")}, True),
    ],
)
def test_a_heap_the_memory_limit_cannot_hold_is_refused(values: dict[str, Any], fits: bool) -> None:
    if fits:
        sts = one(documents(render(values)), "StatefulSet")
        # A whole number stays one: never 5.36870912e+09.
        for quantity in container_of(sts)["resources"].get("limits", {}).values():
            assert "e+" not in str(quantity)
    else:
        with pytest.raises(HelmError, match=r"needs a memory limit of at least 1\.5 x heap"):
            render(values)


def test_a_memory_request_above_the_limit_is_refused() -> None:
    # heap: auto with a smaller limit alone would leave the default 5Gi request above it.
    with pytest.raises(HelmError, match=re.escape("resources.requests.memory 5Gi exceeds")):
        render({"heap": "auto", "resources": {"limits": {"memory": "1Gi"}}})
    render({"heap": "auto", "resources": memory_of("1Gi")})


def test_heap_auto_passes_on_to_start_zookeeper_with_a_memory_limit() -> None:
    sts = one(documents(render({"heap": "auto"})), "StatefulSet")
    assert flags_of(container_of(sts))["heap"] == "auto"
    assert container_of(sts)["resources"]["limits"]["memory"] == "5Gi"


@pytest.mark.parametrize(
    ("limits", "complaint"),
    [
        (None, "heap auto: sized from the container's memory limit"),
        ({"memory": "383Mi"}, "heap auto: the memory limit 383Mi is below 384Mi"),
    ],
)
def test_heap_auto_without_a_limit_that_can_hold_one_is_refused(
    limits: dict[str, str] | None, complaint: str
) -> None:
    # start-zookeeper would exit 2 in every pod; the chart says so at install.
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render({"heap": "auto", "resources": {"requests": limits, "limits": limits}})
    render({"heap": "auto", "resources": memory_of("384Mi")})


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"ports": {"election": 2888}}, "ports.election 2888: same port as ports.server"),
        ({"ServerPort": 3888}, "ports.election 3888: same port as ServerPort"),
        ({"ports": {"client": 2888}}, "ports.server 2888: same port as ports.client"),
        ({"ports": {"client": 3888}}, "ports.election 3888: same port as ports.client"),
        ({"extraFlags": ["--admin-port=2181"]}, "--admin_port 2181: same port as ports.client"),
        (
            {"tls": {"enabled": True}, "ports": {"clientTls": 3888}},
            "ports.clientTls 3888: same port as ports.election",
        ),
        (
            {"tls": {"enabled": True}, "ports": {"client": 2281}},
            "ports.clientTls 2281: same port as ports.client",
        ),
        (
            {"tls": {"enabled": True}, "extraFlags": ["--admin_port=2281"]},
            "extraFlags --admin_port 2281: same port as ports.clientTls",
        ),
        (
            {"zookeeper": {"minSessionTimeout": 50000}},
            "zookeeper.minSessionTimeout 50000: above the maximum session timeout 40000",
        ),
        ({"MinSessionTimeout": 9000, "MaxSessionTimeout": 8000}, "above the maximum"),
        ({"heap": "1k"}, "heap 1k: must be at least 32M"),
        ({"heap": "31m", "resources": {"limits": None}}, "heap 31m: must be at least 32M"),
        ({"heap": "5T", "resources": {"limits": None}}, "heap 5T: must be at most 4T"),
        (
            {"zookeeper": {"tickTime": 300000000}},
            "zookeeper.tickTime 300000000 times zookeeper.initLimit 10 exceeds 2147483647",
        ),
        (
            {"zookeeper": {"tickTime": 2000, "initLimit": 1, "syncLimit": 1073742}},
            "times zookeeper.syncLimit 1073742 exceeds 2147483647",
        ),
    ],
)
def test_what_start_zookeeper_would_refuse_is_refused_at_render(
    values: dict[str, Any], complaint: str
) -> None:
    """Every pod would crash-loop on these: the install refuses them instead."""
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_the_limits_start_zookeeper_keeps_render() -> None:
    edge = {
        "heap": "32M",
        "zookeeper": {"tickTime": 2000, "initLimit": 1073741, "syncLimit": 1073741},
    }
    assert one(documents(render(edge)), "StatefulSet")
    same = {"zookeeper": {"minSessionTimeout": 40000, "maxSessionTimeout": 40000}}
    assert one(documents(render(same)), "StatefulSet")
    ports = {"extraFlags": ["--admin_port=8080"], "tls": {"enabled": True}}
    assert one(documents(render(ports)), "StatefulSet")
    # Without TLS nothing listens on ports.clientTls.
    assert one(documents(render({"ports": {"client": 2281}})), "StatefulSet")


@pytest.mark.parametrize(
    ("flag", "instead"),
    [
        ("--servers=1", "set replicas instead"),
        ("--client-port=2182", "set ports.client instead"),
        ("--heap=8G", "set heap instead"),
        ("--max_session_timeout=1", "set zookeeper.maxSessionTimeout instead"),
        ("--data-dir=/tmp", "the chart's volume layout"),
        ("--data_log_dir", "the chart's volume layout"),
        ("--tls_dir=/etc/tls", "set tls.enabled instead"),
        ("--secure-client-port=2282", "set ports.clientTls instead"),
        ("--tls_port_unification=true", "set tls.portUnification instead"),
    ],
)
def test_extra_flags_cannot_override_the_charts_own(flag: str, instead: str) -> None:
    with pytest.raises(HelmError, match=re.escape(instead)) as refused:
        render({"extraFlags": ["--fast_failover=false", flag]})
    assert f"extraFlags {flag!r}".replace("'", '"') in str(refused.value)


@pytest.mark.parametrize("name", ["my.zk", "1zk", "zk-"])
def test_a_release_name_that_is_no_dns_label_is_refused(name: str) -> None:
    with pytest.raises(HelmError, match=r"not an RFC 1035 label.*set fullnameOverride"):
        render({}, name=name)
    sts = one(documents(render({"fullnameOverride": "zk"}, name=name)), "StatefulSet")
    assert sts["metadata"]["name"] == "zk"
    assert sts["metadata"]["labels"]["app.kubernetes.io/instance"] == name


def test_pod_labels_cannot_take_the_selector_labels() -> None:
    values = {
        "podLabels": {"app": "other", "app.kubernetes.io/instance": "x", "team": "db"},
    }
    sts = one(documents(render(values)), "StatefulSet")
    labels = sts["spec"]["template"]["metadata"]["labels"]
    assert labels["app"] == RELEASE
    assert labels["app.kubernetes.io/instance"] == RELEASE
    assert labels["team"] == "db"
    for key, value in sts["spec"]["selector"]["matchLabels"].items():
        assert labels[key] == value


HOSTILE = "1.0 # rc: {x} 'y' \"z\" *a &b !c %d @e `f` |g >h"
# What --jvm_flags takes: no quotes, backslashes or @argfiles, which the heap check
# cannot see through.
HOSTILE_JVM_FLAGS = "1.0 # rc: {x} *a &b !c %d `f` |g >h"


def test_every_string_value_rendered_into_yaml_round_trips() -> None:
    """Names, labels and image references take no such string (the schema refuses it):
    annotations and flags do."""
    values = {
        "podAnnotations": {"note": HOSTILE},
        "serviceAccount": {"annotations": {"note": HOSTILE}},
        "extraFlags": [f"--jvm_flags={HOSTILE_JVM_FLAGS}"],
    }
    docs = documents(render(values))
    sts = one(docs, "StatefulSet")
    container = container_of(sts)
    assert sts["spec"]["template"]["metadata"]["annotations"]["note"] == HOSTILE
    assert one(docs, "ServiceAccount")["metadata"]["annotations"]["note"] == HOSTILE
    assert container["command"][-1] == f"--jvm_flags={HOSTILE_JVM_FLAGS}"


# -- the NetworkPolicy ----------------------------------------------------------------------


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


def test_quorum_ports_admit_only_the_members_and_the_client_port_its_selector() -> None:
    members = [{"podSelector": {"matchLabels": MEMBER_LABELS}}]
    assert ingress_rules({}) == {
        2888: members,
        3888: members,
        2181: [{"namespaceSelector": {}}, TEST_POD_PEER, *members],
    }
    clients = [{"podSelector": {"matchLabels": {"zk-client": "yes"}}}]
    assert ingress_rules({"networkPolicy": {"clientFrom": clients}})[2181] == [
        *clients,
        TEST_POD_PEER,
        *members,
    ]
    assert ingress_rules({"networkPolicy": {"clientFrom": []}})[2181] is None


def test_the_test_pod_carries_the_labels_the_policy_admits() -> None:
    labels = one(rendered_documents("defaults"), "Pod")["metadata"]["labels"]
    assert TEST_POD_PEER["podSelector"]["matchLabels"].items() <= labels.items()


def test_the_network_policy_can_be_left_out() -> None:
    docs = documents(render({"networkPolicy": {"enabled": False}}))
    assert "NetworkPolicy" not in {doc["kind"] for doc in docs}


def test_the_readme_network_policy_example_renders_valid() -> None:
    (example,) = re.findall(r"```yaml\n(networkPolicy:.*?)```", README, re.DOTALL)
    validate_strictly(documents(render(yaml.safe_load(example))), KUBERNETES_VERSIONS[-1])


# -- the helm test hook -------------------------------------------------------------------


@pytest.mark.parametrize(("value_set", "members"), [("defaults", 3), ("values-micro.yaml", 1)])
def test_the_test_hook_asks_every_member_and_the_client_service(
    value_set: str, members: int
) -> None:
    pod = one(rendered_documents(value_set), "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["spec"]["restartPolicy"] == "Never"
    script = pod["spec"]["containers"][0]["command"][-1]
    hosts = " ".join(f"my-zk-{i}.my-zk-hs" for i in range(members))
    assert f"for member in {hosts} ;" in script
    assert "zookeeper-ready --serving --timeout 5 --host my-zk-cs 2181" in script
    assert ("leaders, not one" in script) == (members > 1)
    assert ("not standalone" in script) == (members == 1)


def test_the_test_hook_is_not_installed_with_the_release() -> None:
    kinds = {doc["kind"] for doc in rendered_documents("defaults", hooks=False)}
    assert "Pod" not in kinds


# -- TLS ----------------------------------------------------------------------------------


TLS_MOUNT = "/etc/zookeeper/tls"
CERT_MANAGER = {"enabled": True, "issuerRef": {"name": "zk-ca", "kind": "Issuer"}}


def tls(**settings: Any) -> dict[str, Any]:
    return {"tls": {"enabled": True, **settings}}


# Renderings start-zookeeper must accept: every value set, and each TLS mode.
COMMANDS = {
    **VALUE_SETS,
    "tls": tls(),
    "tls, migrating (step 1)": tls(quorum=False, portUnification=True),
    "tls, want, no hostname check": tls(clientAuth="want", quorumHostnameVerification=False),
    "tls, standalone": {**tls(), "replicas": 1},
    "observers": {"observers": 2},
}


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


@pytest.mark.parametrize("value_set", COMMANDS)
def test_start_zookeeper_accepts_the_rendered_command(value_set: str) -> None:
    """The chart's flags are start-zookeeper's, each with a value it takes; under TLS its
    Secret's mount is --tls_dir and its client-tls port the secure client port."""
    values = COMMANDS[value_set]
    sts = one(documents(render(values)), "StatefulSet")
    settings = start_zookeeper_settings(sts)
    ports = {p["name"]: p["containerPort"] for p in container_of(sts)["ports"]}
    assert settings.servers + settings.observers == sts["spec"]["replicas"]
    assert settings.observers == values.get("observers", 0)
    assert (settings.server_port, settings.election_port) == (
        ports["server"],
        ports["leader-election"],
    )
    probe_port = int(container_of(sts)["readinessProbe"]["exec"]["command"][-1])
    assert settings.client_port == probe_port
    wanted = values.get("tls", {})
    if not wanted.get("enabled"):
        assert settings.tls_dir is None
        assert ports["client"] == settings.client_port
        return
    mount, _ = secret_mount(sts)
    assert settings.tls_dir == mount["mountPath"] == TLS_MOUNT
    assert settings.secure_client_port == ports["client-tls"]
    assert settings.tls_client_auth == wanted.get("clientAuth", "need")
    assert settings.tls_quorum == wanted.get("quorum", True)
    assert settings.quorum_tls == (wanted.get("quorum", True) and settings.servers > 1)
    assert settings.tls_quorum_hostname_verification == wanted.get(
        "quorumHostnameVerification", True
    )
    assert settings.tls_port_unification == wanted.get("portUnification", False)
    # The plaintext port: the probes' alone, unless a migration unifies it.
    if settings.tls_port_unification:
        assert settings.client_address is None
        assert ports["client"] == settings.client_port
    else:
        assert settings.client_address == "127.0.0.1"
        assert "client" not in ports


def test_tls_mounts_the_whole_secret_read_only_and_keeps_the_key_store_in_memory() -> None:
    sts = one(documents(render(tls())), "StatefulSet")
    mount, volume = secret_mount(sts)
    # A subPath mount never receives a Secret's updates, and renewal depends on them.
    assert mount == {"name": "tls", "mountPath": TLS_MOUNT, "readOnly": True}
    assert volume == {"name": "tls", "secret": {"secretName": "my-zk-tls"}}
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    # start-zookeeper writes the unencrypted key store into the conf directory.
    assert volumes["conf"] == {"name": "conf", "emptyDir": {"medium": "Memory"}}

    named = one(documents(render(tls(secretName="zk-certs"))), "StatefulSet")
    assert secret_mount(named)[1]["secret"] == {"secretName": "zk-certs"}
    plain = one(documents(render({})), "StatefulSet")["spec"]["template"]["spec"]
    assert [v["name"] for v in plain["volumes"]] == ["conf"]
    assert "--tls_dir" not in " ".join(plain["containers"][0]["command"])


@pytest.mark.parametrize(
    ("values", "offered"),
    [
        ({}, [2181]),
        (tls(), [2281]),
        (tls(portUnification=True), [2181, 2281]),
        ({**tls(), "ports": {"client": 2182, "clientTls": 2282}}, [2282]),
    ],
)
def test_clients_are_offered_the_tls_port_and_plaintext_only_off_tls_or_migrating(
    values: dict[str, Any], offered: list[int]
) -> None:
    docs = documents(render(values))
    client_service = of_kind(docs, "Service")["my-zk-cs"]
    assert sorted(p["port"] for p in client_service["spec"]["ports"]) == offered
    names = {p["port"]: p["name"] for p in client_service["spec"]["ports"]}
    container_ports = {
        p["name"]: p["containerPort"] for p in container_of(one(docs, "StatefulSet"))["ports"]
    }
    for port, name in names.items():
        assert container_ports[name] == port
    assert set(container_ports) - {"server", "leader-election"} == set(names.values())
    rules = ingress_rules(values)
    members = {"podSelector": {"matchLabels": MEMBER_LABELS}}
    for port in offered:
        assert rules[port] == [{"namespaceSelector": {}}, TEST_POD_PEER, members]
    assert set(rules) == {2888, 3888, *offered}


def test_the_test_hook_speaks_tls_to_the_members_with_their_certificate() -> None:
    docs = rendered_documents("tls with cert-manager")
    pod = one(docs, "Pod")
    (container,) = pod["spec"]["containers"]
    script = container["command"][-1]
    assert f"zookeeper-ready --serving --timeout 5 --tls_dir {TLS_MOUNT} --host my-zk-cs 2281" in (
        script
    )
    assert script.count(f'--tls_dir {TLS_MOUNT} --host "$member" 2281') == 2
    assert "2181" not in script
    assert container["volumeMounts"] == [{"name": "tls", "mountPath": TLS_MOUNT, "readOnly": True}]
    assert pod["spec"]["volumes"] == [secret_mount(one(docs, "StatefulSet"))[1]]


def certificate(
    values: dict[str, Any], name: str = RELEASE, namespace: str = NAMESPACE
) -> Document:
    return one(documents(render(values, name=name, namespace=namespace)), "Certificate")


# cert-manager.io/v1 Certificate's spec fields (cert-manager's API reference).
CERTIFICATE_SPEC_FIELDS = {
    "subject", "literalSubject", "commonName", "duration", "renewBefore",
    "renewBeforePercentage", "dnsNames", "ipAddresses", "uris", "otherNames",
    "emailAddresses", "secretName", "secretTemplate", "keystores", "issuerRef", "isCA",
    "usages", "privateKey", "signatureAlgorithm", "encodeUsagesInRequest",
    "revisionHistoryLimit", "additionalOutputFormats", "nameConstraints",
}  # fmt: skip


def test_the_certificate_names_every_member_and_the_client_service() -> None:
    docs = rendered_documents("tls with cert-manager")
    cert = one(docs, "Certificate")
    spec = cert["spec"]
    assert cert["apiVersion"] == "cert-manager.io/v1"
    assert cert["metadata"]["namespace"] == NAMESPACE
    assert set(spec) <= CERTIFICATE_SPEC_FIELDS
    assert spec["secretName"] == secret_mount(one(docs, "StatefulSet"))[1]["secret"]["secretName"]
    assert spec["issuerRef"] == {"name": "zk-ca", "kind": "Issuer"}
    assert spec["usages"] == ["server auth", "client auth"]  # the quorum connects both ways
    assert "privateKey" not in spec  # PKCS#1 by default: start-zookeeper converts it
    assert (spec["duration"], spec["renewBefore"]) == ("2160h", "720h")
    assert spec["dnsNames"] == [
        "*.my-zk-hs.zk.svc.cluster.local",
        "*.my-zk-hs.zk.svc",
        "*.my-zk-hs.zk",
        # Each member's short name by itself: OpenSSL takes no *.my-zk-hs.
        "my-zk-0.my-zk-hs",
        "my-zk-1.my-zk-hs",
        "my-zk-2.my-zk-hs",
        "my-zk-hs.zk.svc.cluster.local",
        "my-zk-cs.zk.svc.cluster.local",
        "my-zk-cs.zk.svc",
        "my-zk-cs.zk",
        "my-zk-cs",
    ]
    # A wildcard stands for one label: each member's <name>-<ordinal> under its serviceName.
    service = one(docs, "StatefulSet")["spec"]["serviceName"]
    assert spec["dnsNames"][0] == f"*.{service}.{NAMESPACE}.svc.cluster.local"


def test_the_certificate_follows_the_names_and_the_cluster_domain() -> None:
    values = {
        **tls(
            secretName="coordination-certs",
            certManager={**CERT_MANAGER, "duration": "720h", "renewBefore": "240h"},
        ),
        "fullnameOverride": "coordination",
        "clusterDomain": "k8s.example",
    }
    spec = certificate(values, namespace="data")["spec"]
    assert spec["secretName"] == "coordination-certs"
    assert spec["duration"] == "720h"
    assert spec["dnsNames"][:8] == [
        "*.coordination-hs.data.svc.k8s.example",
        "*.coordination-hs.data.svc",
        "*.coordination-hs.data",
        "coordination-0.coordination-hs",
        "coordination-1.coordination-hs",
        "coordination-2.coordination-hs",
        "coordination-hs.data.svc.k8s.example",
        "coordination-cs.data.svc.k8s.example",
    ]


def test_the_certificate_is_made_only_when_asked() -> None:
    for values in [{}, tls()]:
        assert "Certificate" not in {doc["kind"] for doc in documents(render(values))}


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            tls(certManager={"enabled": True}),
            "tls.certManager.enabled needs tls.certManager.issuerRef.name",
        ),
        (
            {"tls": {"certManager": CERT_MANAGER}},
            "tls.certManager.enabled: the Certificate is for TLS, which is off",
        ),
    ],
)
def test_contradictory_tls_settings_are_refused(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_the_readme_cert_manager_example_is_the_certificate_the_chart_makes() -> None:
    """README, TLS: the Certificate to apply without the chart is the one its helm command
    makes for release zk in namespace default."""
    section = README.split("### A copy-paste cert-manager example\n", 1)[1].split("\n### ", 1)[0]
    examples = re.findall(r"```yaml\n(apiVersion:.*?)```", section, re.DOTALL)
    (written,) = [
        doc
        for example in examples
        for doc in yaml.safe_load_all(example)
        if doc["kind"] == "Certificate" and doc["spec"]["secretName"] == "zk-tls"
    ]
    (command,) = re.findall(r"^helm install zk charts/zookeeper -n default (.*)$", section, re.M)
    sets = re.findall(r"--set ([\w.]+)=(\S+)", command)
    values = merged(*(nested(path, yaml.safe_load(value)) for path, value in sets))
    made = certificate(values, name="zk", namespace="default")
    assert made["metadata"]["name"] == written["metadata"]["name"]
    assert made["spec"] == written["spec"]


def test_notes_tell_tls_clients_where_to_connect_and_what_the_ca_must_sign() -> None:
    text = notes(_rendered("tls with cert-manager"))
    assert "my-zk-cs.zk:2281" in text
    assert "my-zk-2.my-zk-hs.zk:2281" in text
    assert "ca.crt of Secret my-zk-tls, with a certificate of\nthat CA (need)" in text
    assert "a CA of this ensemble alone" in text
    assert "zookeeper-metrics 2181" in text  # in the pod: the loopback plaintext port
    assert "exists (kubernetes.io/tls" in notes(render(tls()))
    assert "tls.portUnification is on" in notes(render(tls(portUnification=True)))


# -- the metrics sidecar -------------------------------------------------------------------

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
    text = notes(_rendered("metrics under tls, with a ServiceMonitor"))
    exporters = "http://<pod>.my-zk-hs.zk:9141/metrics"
    assert f"{exporters} (ServiceMonitor my-zk in namespace zk)." in text
    assert "Prometheus" not in notes(_rendered("defaults"))


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


# -- the schema -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"replicas": "three"}, "/replicas"),
        ({"replicas": 0}, "/replicas"),
        ({"heap": "2 GB"}, "/heap"),
        ({"heap": 2}, "/heap"),
        ({"Heap": "2 GB"}, "/Heap"),
        ({"Servers": "3"}, "/Servers"),
        ({"AntiAffinity": "never"}, "/AntiAffinity"),
        ({"antiAffinity": "sometimes"}, "/antiAffinity"),
        ({"ports": {"client": 70000}}, "/ports/client"),
        ({"zookeeper": {"logLevel": "LOUD"}}, "/zookeeper/logLevel"),
        ({"zookeeper": {"snapRetainCount": 2}}, "/zookeeper/snapRetainCount"),
        ({"resources": {"limits": {"memory": "lots"}}}, "/resources/limits/memory"),
        ({"storage": {"size": "big"}}, "/storage/size"),
        ({"storage": {"size": "0"}}, "/storage/size"),
        ({"Storage": "0Gi"}, "/Storage"),
        ({"resources": {"requests": {"cpu": "."}}}, "/resources/requests/cpu"),
        ({"resources": {"requests": {"cpu": -1}}}, "/resources/requests/cpu"),
        ({"resources": {"requests": {"cpu": "-1"}}}, "/resources/requests/cpu"),
        ({"Cpu": "1..5"}, "/Cpu"),
        ({"resources": {"requests": {"bogus": "1"}}}, "additional properties 'bogus'"),
        ({"extraFlags": ["fast_failover=false"]}, "/extraFlags/0"),
        ({"livenessProbe": {"exec": {"command": ["true"]}}}, "/livenessProbe"),
        ({"replica": 3}, "'replica' not allowed"),
        ({"fullnameOverride": "My_ZK"}, "/fullnameOverride"),
        (tls(clientAuth="maybe"), "/tls/clientAuth"),
        (tls(secretName="My_Secret"), "/tls/secretName"),
        (
            tls(certManager={"issuerRef": {"name": "ca", "namespace": "x"}}),
            "'namespace' not allowed",
        ),
        (tls(certManager={"duration": "90d"}), "/tls/certManager/duration"),
        ({"clusterDomain": "cluster.local."}, "/clusterDomain"),
        ({"ports": {"clientTls": 0}}, "/ports/clientTls"),
        ({"metrics": {"port": 0}}, "/metrics/port"),
        ({"metrics": {"serviceMonitor": {"interval": "30"}}}, "/metrics/serviceMonitor/interval"),
        ({"metrics": {"listen": ":9141"}}, "'listen' not allowed"),
    ],
)
def test_the_schema_rejects_bad_values(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


# -- observers ---------------------------------------------------------------------------


def test_observers_are_the_pods_after_the_voting_members() -> None:
    """replicas stays the voting members; ids come from ordinals, so the StatefulSet
    runs replicas + observers pods, and start-zookeeper makes the last ones observers."""
    docs = documents(render({"observers": 2}))
    sts = one(docs, "StatefulSet")
    assert sts["spec"]["replicas"] == 5
    assert {"servers": "3", "observers": "2"}.items() <= flags_of(container_of(sts)).items()
    name, service = sts["metadata"]["name"], sts["spec"]["serviceName"]
    observing = [
        load_settings(
            container_of(sts)["command"][1:],
            {},
            lambda i=i: f"{name}-{i}.{service}.{NAMESPACE}.svc.cluster.local",  # type: ignore[misc]
        ).observing
        for i in range(5)
    ]
    assert observing == [False, False, False, True, True]


def test_without_observers_the_command_is_as_before() -> None:
    assert "--observers" not in " ".join(
        container_of(one(documents(render()), "StatefulSet"))["command"]
    )


def test_the_test_hook_asks_the_observers_too_and_wants_them_observing() -> None:
    script = one(documents(render({"observers": 2})), "Pod")["spec"]["containers"][0]["command"][2]
    assert "my-zk-4.my-zk-hs ; do" in script
    assert 'my-zk-3.*) [ "$state" = observer ]' in script
    assert 'my-zk-4.*) [ "$state" = observer ]' in script
    assert '[ "$leaders" -eq 1 ]' in script


def test_notes_name_the_observers_and_say_they_never_vote() -> None:
    text = notes(render({"observers": 2}))
    assert "3 members and 2 observers" in text
    assert "my-zk-4.my-zk-hs.zk:2181" in text
    assert "Observers my-zk-3, my-zk-4 serve reads" in text
    assert "survives 1 voting member down" in text


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"replicas": 1, "observers": 2}, "observers 2: observers need an ensemble of voting"),
        ({"observers": 253}, "observers 253: with replicas 3 makes 256 members"),
        ({"observers": -1}, "/observers"),
        ({"observers": "2"}, "/observers"),
        ({"extraFlags": ["--observers=2"]}, "the chart sets --observers itself; set observers"),
        # The budget selects the observers too, and a drain may pick voters alone.
        (
            {"observers": 2, "podDisruptionBudget": {"maxUnavailable": 2}},
            "lets a drain take 2 of 5 pods, any of them among the 3 voting members: "
            "a quorum survives at most 1 down",
        ),
        ({"observers": 2, "podDisruptionBudget": {"maxUnavailable": "40%"}}, "take 2 of 5"),
        (
            {"observers": 3, **rolling_update(maxUnavailable="34%")},
            "updateStrategy.rollingUpdate.maxUnavailable 34%",
        ),
    ],
)
def test_observer_settings_that_zookeeper_or_the_quorum_cannot_take_are_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_a_disruption_budget_of_one_pod_keeps_the_quorum_with_observers() -> None:
    pdb = one(documents(render({"observers": 4})), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert one(
        documents(render({"observers": 4, "podDisruptionBudget": {"maxUnavailable": "14%"}})),
        "StatefulSet",
    )


# -- reconfig ------------------------------------------------------------------------------


RECONFIG_MOUNT = "/etc/zookeeper/reconfig"


def reconfig_secret(docs: list[Document]) -> Document:
    return of_kind(docs, "Secret")["my-zk-reconfig"]


def test_without_reconfig_there_is_no_password_and_the_command_is_as_before() -> None:
    docs = rendered_documents("defaults")
    assert "Secret" not in {doc["kind"] for doc in docs}
    command = container_of(one(docs, "StatefulSet"))["command"]
    assert not [arg for arg in command if arg.startswith("--reconfig")]


def test_reconfig_runs_every_member_with_the_password_of_one_secret_mounted_whole() -> None:
    docs = documents(render({"reconfig": True}))
    sts = one(docs, "StatefulSet")
    command = container_of(sts)["command"]
    assert command[-2:] == [
        "--reconfig",
        f"--reconfig_password_file={RECONFIG_MOUNT}/password",
    ]
    mount, volume = secret_mount(sts)
    # Whole and read-only: a subPath mount would never see the Secret change.
    assert mount == {"name": "reconfig", "mountPath": RECONFIG_MOUNT, "readOnly": True}
    assert volume["secret"] == {"secretName": "my-zk-reconfig"}
    secret = reconfig_secret(docs)
    assert secret["type"] == "Opaque"
    assert secret["metadata"]["namespace"] == NAMESPACE
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)


def test_offline_every_render_makes_a_new_password() -> None:
    """`helm template` sees no cluster, so no Secret to keep: applying its output again
    changes the password (the README says so); an install or upgrade keeps the one
    the cluster holds."""
    first, second = (reconfig_secret(documents(render({"reconfig": True}))) for _ in range(2))
    assert first["data"]["password"] != second["data"]["password"]


def test_reconfig_keeps_the_initial_ensemble_and_starts_new_pods_together() -> None:
    """replicas and observers are the initial ensemble (--servers, --observers); the
    pods of a `kubectl scale` start together, each adding itself."""
    sts = one(documents(render({"reconfig": True, "observers": 2})), "StatefulSet")
    assert sts["spec"]["replicas"] == 5
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    command = container_of(sts)["command"]
    assert {"--servers=3", "--observers=2", "--reconfig"} <= set(command)


@pytest.mark.parametrize(
    "values",
    [
        {"reconfig": True},
        {"reconfig": True, "replicas": 5, "observers": 2},
        {"reconfig": True, **tls(portUnification=True)},
    ],
    ids=["reconfig", "with observers", "with tls, unified"],
)
def test_start_zookeeper_accepts_the_rendered_reconfig_command(values: dict[str, Any]) -> None:
    sts = one(documents(render(values)), "StatefulSet")
    settings = start_zookeeper_settings(sts)
    assert settings.reconfig
    assert settings.reconfig_password_file == f"{RECONFIG_MOUNT}/password"
    initial = (values.get("replicas", 3), values.get("observers", 0))
    assert (settings.servers, settings.observers) == initial
    assert settings.servers + settings.observers == sts["spec"]["replicas"]


def test_reconfig_renders_valid_kubernetes_objects() -> None:
    validate_strictly(
        documents(render({"reconfig": True, "observers": 2})), KUBERNETES_VERSIONS[-1]
    )
    report = lint_report({"reconfig": True})
    assert (report["messages"], report["errors"]) == ([], []), report


@pytest.mark.parametrize(
    ("values", "ports"),
    [
        ({}, [2181]),
        ({"reconfig": True}, [2181]),
        (tls(), [2281]),
        ({"observers": 2, **tls(portUnification=True)}, [2181, 2281]),
    ],
)
def test_the_members_reach_each_others_client_ports_whatever_client_from_admits(
    values: dict[str, Any], ports: list[int]
) -> None:
    """A starting member asks its peers whether a quorum serves (the start gate),
    and with reconfig reads the membership there: a clientFrom of outside
    addresses alone must not leave an empty member waiting for ever."""
    members = {"podSelector": {"matchLabels": MEMBER_LABELS}}
    outside = {"networkPolicy": {"clientFrom": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}}
    rules = ingress_rules({**values, **outside})
    for port in ports:
        assert members in (rules[port] or [])


def test_notes_give_the_scaling_procedure_with_reconfig() -> None:
    text = notes(render({"reconfig": True}))
    assert "kubectl -n zk scale statefulset my-zk --replicas=N" in text
    down = "kubectl -n zk exec my-zk-0 -- zookeeper-scale N\n  kubectl -n zk scale statefulset"
    assert down in text
    assert "Secret my-zk-reconfig" in text
    assert "zookeeper-scale" not in notes(_rendered("defaults"))


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"reconfig": True, **tls()},
            "reconfig with tls.enabled needs tls.portUnification",
        ),
        ({"extraFlags": ["--reconfig"]}, "the chart sets --reconfig itself; set reconfig"),
        (
            {"extraFlags": ["--reconfig_password_file=/pw"]},
            "the chart sets --reconfig_password_file itself; set reconfig",
        ),
        ({"reconfig": "yes"}, "/reconfig"),
        # Checked against 5 pods, 40% is 2; after a scale-down to 3 it is still 2.
        (
            {"reconfig": True, "replicas": 5, "podDisruptionBudget": {"maxUnavailable": "40%"}},
            "podDisruptionBudget.maxUnavailable 40% with reconfig",
        ),
        (
            {"reconfig": True, "replicas": 5, "podDisruptionBudget": {"maxUnavailable": 2}},
            "only 0 or 1 keeps a quorum at every size of 3 or more",
        ),
    ],
)
def test_reconfig_settings_the_members_cannot_run_are_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_reconfig_with_tls_renders_while_the_plaintext_port_is_unified() -> None:
    sts = one(documents(render({"reconfig": True, **tls(portUnification=True)})), "StatefulSet")
    assert "--reconfig" in container_of(sts)["command"]


# -- the original chart's keys -----------------------------------------------------------


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
    original = notes(_rendered("original values-mini.yaml"))
    assert "Ignored: Image and ImagePullPolicy" in original
    assert "gcr.io/google_containers/kubernetes-zookeeper:1.0-3.4.10" in original
    assert "runs zkcontainer:dev (pull policy IfNotPresent)" in original
    sts = one(rendered_documents("original values-mini.yaml"), "StatefulSet")
    assert container_of(sts)["image"] == "zkcontainer:dev"
    assert "Ignored" not in notes(_rendered("defaults"))


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
    text = notes(_rendered("defaults"))
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


# -- the README's values table ----------------------------------------------------------


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


# -- manifests/ and the packaged chart ----------------------------------------------------


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
    assert app_version == "3.9.3"
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
        assert packaged.render({}, name=RELEASE, namespace=NAMESPACE) == _rendered("defaults")


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


# -- the rendered StatefulSet, run -------------------------------------------------------


@pytest.mark.container
def test_the_original_mini_values_run_an_ensemble_that_survives_losing_its_leader(
    statefulset: Callable[..., StatefulSet],
) -> None:
    """Release my-zk from the original chart's values-mini.yaml, as written: three pods
    named as the chart names them reach Ready, `helm test` passes, and a leader killed
    under a client writing throughout loses no acknowledged write."""
    docs = rendered_documents("original values-mini.yaml")
    manifest = one(docs, "StatefulSet")
    started = time.monotonic()
    sts = statefulset(manifest, services=["my-zk-cs"])
    print(f"3 pods Ready {time.monotonic() - started:.1f}s after start")
    assert [pod.name for pod in sts.pods] == ["my-zk-0", "my-zk-1", "my-zk-2"]
    assert sts.domain == "my-zk-hs.zk.svc.cluster.local"

    code, output = sts.run_pod(one(docs, "Pod"))
    print(output)
    assert code == 0, output
    assert output.count(": leader") == 1
    assert "my-zk-cs:2181: serving" in output
    with Chart.load(CHART) as chart:
        app_version = chart.metadata["appVersion"]
    metrics = sts.exec(0, ["zookeeper-metrics", "--timeout", "5"])[1]
    assert f"zk_version\t{app_version}-" in metrics, "appVersion is the image's ZooKeeper"

    leader = leader_of(sts, [0, 1, 2], timeout=30)
    survivors = [i for i in range(3) if i != leader]
    writer = ContinuousWriter(new_client(sts.connect_string()), "/writes")
    writer.start()
    wait_for(lambda: len(writer.acknowledged) >= 50, 60, lambda: "the writer did not start")
    killed = time.monotonic()
    sts.kill(leader)
    wait_for(lambda: all(serving(sts, i) for i in survivors), 60, lambda: "survivors not serving")
    print(f"survivors serving {time.monotonic() - killed:.1f}s after the leader was killed")
    before = len(writer.acknowledged)
    wait_for(lambda: len(writer.acknowledged) >= before + 50, 60, lambda: "writes stalled")
    writer.finish()

    hosts = ",".join(f"{sts.address(i)}:2181" for i in survivors)
    missing = set(writer.acknowledged) - stored_numbers(hosts, "/writes")
    print(
        f"{len(writer.acknowledged)} of {writer.attempts} writes acknowledged, "
        f"{len(missing)} lost; longest without an acknowledged write "
        f"{writer.longest_gap(since=killed):.1f}s"
    )
    assert not missing
    leader_of(sts, survivors, timeout=30)


class SecretMountingPods(SecretMountingStatefulSet):
    """Secret volumes bind-mounted into a bare Pod (the `helm test` pod) too, from the
    same directories as the members'."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pod_volumes: dict[str, Document] = {}

    def run_pod(self, manifest: Mapping[str, Any], timeout: float = 120) -> tuple[int, str]:
        self._pod_volumes = {v["name"]: v for v in manifest["spec"].get("volumes", [])}
        return super().run_pod(manifest, timeout)

    def _run_options(
        self, name: str, spec: Mapping[str, Any], security: Mapping[str, Any]
    ) -> dict[str, Any]:
        options = super()._run_options(name, spec, security)
        # A member's own mounts come after these and replace them.
        options["mounts"] = [
            Mount(mount["mountPath"], self.secrets[volume["secret"]["secretName"]], type="bind")
            for mount in spec.get("volumeMounts", [])
            if "secret" in (volume := self._pod_volumes.get(mount["name"], {}))
        ]
        return options


@pytest.mark.container
def test_a_tls_member_as_the_chart_runs_it_passes_its_helm_test(
    docker_client: Any, image: str, tmp_path: Path
) -> None:
    """values-micro.yaml with tls.enabled, as rendered: the member starts on its Secret
    mounted as the kubelet mounts one (PKCS#1, as cert-manager writes RSA), Ready on its
    loopback probes; the helm test pod, mounting the same Secret, finds it serving over
    TLS by name and through the client Service, and connects by every name NOTES give
    clients checking it against the certificate; kazoo with the certificate writes on 2281."""
    values = {**values_file(CHART / "values-micro.yaml"), **tls()}
    docs = documents(render(values))
    secret = tmp_path / "my-zk-tls"
    # The names cert-manager's Certificate of the chart would give it.
    certified = documents(render({**values, **tls(certManager=CERT_MANAGER)}))
    names = one(certified, "Certificate")["spec"]["dnsNames"]
    mount_secret(secret, Authority.make().secret(names, "rsa", "pkcs1"))
    sts = SecretMountingPods(
        one(docs, "StatefulSet"),
        image,
        client=docker_client,
        services=["my-zk-cs"],
        secrets={"my-zk-tls": str(secret)},
    )
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        code, output = sts.run_pod(one(docs, "Pod"))
        print(output)
        assert code == 0, output
        assert "my-zk-0.my-zk-hs: standalone" in output
        assert "my-zk-cs:2281: serving" in output
        for host in ["my-zk-cs.zk", "my-zk-0.my-zk-hs.zk"]:
            assert f"{host}:2281: the certificate names it" in output
        with tls_kazoo(f"{sts.address(0)}:2281", secret) as client:
            client.create("/chart-tls", b"written over TLS")
            assert client.get("/chart-tls")[0] == b"written over TLS"
    except BaseException:
        print(sts.logs(0)[-20000:])
        raise
    finally:
        sts.teardown()


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(HelmError) as refused:
        render(
            {
                "heap": "16M",
                "ports": {"client": 2888},
                "podDisruptionBudget": {"maxUnavailable": 2},
                "extraFlags": ["--tick_time=1"],
            },
            name="my.zk",
        )
    message = str(refused.value)
    assert "5 problems with the values:" in message
    for complaint in [
        '- the name "my.zk" is not an RFC 1035 label',
        "- heap 16M: must be at least 32M",
        "- ports.server 2888: same port as ports.client",
        "- podDisruptionBudget.maxUnavailable 2 lets a drain take 2 of 3",
        '- extraFlags "--tick_time=1": the chart sets --tick_time itself',
    ]:
        assert complaint in message
