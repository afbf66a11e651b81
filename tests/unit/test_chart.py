"""The Helm chart, rendered by Helm's own engine: valid, and faithful to its values.

Its other concerns have files of their own beside this one (tests/unit/test_chart_*.py),
and tests/container/test_chart_runs.py runs what it renders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.apiserver import validate_strictly
from tests.harness.chart import MANIFEST_VALUES, documents, of_kind, render, values_file
from tests.harness.chartcases import (
    KUBERNETES_VERSIONS,
    NAMESPACE,
    ORIGINAL,
    RELEASE,
    VALUE_SETS,
    container_of,
    flags_of,
    one,
    rendered_documents,
    rolling_update,
    tls,
)


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


# -- every rendering is valid -------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_document_validates_strictly(value_set: str, version: str) -> None:
    docs = rendered_documents(value_set)
    assert {doc["kind"] for doc in docs} >= {"StatefulSet", "Service", "NetworkPolicy", "Pod"}
    validate_strictly(docs, version)


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
