"""values.schema.json against what Kubernetes takes: every value set the schema accepts
either renders objects the API server accepts (their shape, by kubernetes-validate, and the
rules on values it enforces besides, tests/harness/apiserver.py), in pods within the
restricted Pod Security Standard, or is refused by the chart's own checks, with their
message.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from helm_python.errors import HelmError, HelmRenderError
from hypothesis import HealthCheck, event, given, settings

from tests.harness.apiserver import validate_strictly, violations
from tests.harness.chart import CHART, Document, documents, render, strict_documents
from tests.harness.podsecurity import restricted_violations
from tests.harness.schemavalues import reproducible
from tests.harness.schemavalues import values as schema_values

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
# The oldest and the newest Kubernetes the chart's objects are checked against.
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]
# Values that put the user's own containers in the pod, whose security is the user's.
USER_CONTAINER_KEYS = {"sidecars", "extraContainers", "initContainers", "extraInitContainers"}
# What zookeeper.validate's `fail` looks like: every problem the chart's checks printed.
REFUSAL = re.compile(
    r"execution error at \(zookeeper/templates/statefulset\.yaml:\d+:\d+\): "
    r"(\d+ problems with the values:\n(- [^\n]+\n?)+|[^\n]+)$"
)


def pods(docs: list[Document]) -> list[tuple[str, Document, dict[str, str]]]:
    """Each pod spec rendered (a StatefulSet's template, the backup CronJob's, the test
    hook's Pod), with its name and annotations."""
    found = []
    for doc in docs:
        if doc["kind"] == "StatefulSet":
            template = doc["spec"]["template"]
            annotations = template["metadata"].get("annotations") or {}
            found.append((doc["metadata"]["name"], template["spec"], annotations))
        elif doc["kind"] == "CronJob":
            template = doc["spec"]["jobTemplate"]["spec"]["template"]
            annotations = template["metadata"].get("annotations") or {}
            found.append((doc["metadata"]["name"], template["spec"], annotations))
        elif doc["kind"] == "Pod":
            annotations = doc["metadata"].get("annotations") or {}
            found.append((doc["metadata"]["name"], doc["spec"], annotations))
    return found


def assert_refused_by_the_charts_checks(refusal: HelmError) -> None:
    """A refusal the chart means: zookeeper.validate's message, not the schema (which
    accepted the values) nor a template that broke on them."""
    assert isinstance(refusal, HelmRenderError), refusal
    assert REFUSAL.fullmatch(str(refusal).rstrip("\n")), str(refusal)


# -- the sweep -------------------------------------------------------------------------------


@reproducible
@settings(
    max_examples=80,
    deadline=None,
    # CI sees the same examples every run: a failure is the chart's, reproducible.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=schema_values(SCHEMA))
def test_every_value_set_the_schema_accepts_renders_valid_or_is_refused(
    values: dict[str, Any],
) -> None:
    try:
        rendered = render(values)
    except HelmError as refusal:
        event("refused by the chart's checks")
        assert_refused_by_the_charts_checks(refusal)
        return
    event("rendered")
    # Read as YAML forbids a key twice: the chart merges maps, never repeats a key.
    docs = strict_documents(rendered)
    validate_strictly(docs, *KUBERNETES_VERSIONS, values=True)
    if not any(values.get(key) for key in USER_CONTAINER_KEYS):
        for name, spec, annotations in pods(docs):
            assert restricted_violations(spec, annotations) == [], name


# -- what a review found the schema let through ----------------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        # An int64 overflow once rendered.
        ({"terminationGracePeriodSeconds": 1e19}, "at '/terminationGracePeriodSeconds'"),
        # Rendered as a negative int64, and large enough for any heap.
        ({"resources": {"limits": {"memory": 1e30}}}, "at '/resources/limits/memory'"),
        ({"resources": {"limits": {"memory": "1e30"}}}, "at '/resources/limits/memory'"),
        ({"Memory": "1e30"}, "at '/Memory'"),
        ({"resources": {"limits": {"memory": 0}}}, "at '/resources/limits/memory'"),
        ({"resources": {"limits": {"memory": "0Gi"}}}, "at '/resources/limits/memory'"),
        # Kubernetes keeps probe timings as int32.
        ({"livenessProbe": {"periodSeconds": 1e12}}, "at '/livenessProbe/periodSeconds'"),
        ({"startupProbe": {"failureThreshold": 2**31}}, "at '/startupProbe/failureThreshold'"),
        ({"ProbeTimeoutSeconds": 2**31}, "at '/ProbeTimeoutSeconds'"),
        (
            {"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
            "at '/updateStrategy': additional properties 'rollingUpdate' not allowed",
        ),
        (
            {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "2"}}},
            "at '/updateStrategy/rollingUpdate/maxUnavailable': '2' does not match",
        ),
        (
            {"podDisruptionBudget": {"maxUnavailable": "101%"}},
            "/podDisruptionBudget/maxUnavailable",
        ),
        ({"podLabels": {"Bad Key!": "x"}}, "at '/podLabels': additional properties 'Bad Key!'"),
        ({"podLabels": {"team": "Bad Value!"}}, "at '/podLabels/team'"),
        ({"podLabels": {"team": "x" * 64}}, "at '/podLabels/team'"),
        (
            {"podAnnotations": {"Bad Key!": "x"}},
            "at '/podAnnotations': additional properties 'Bad Key!'",
        ),
        (
            {"nodeSelector": {"Bad Key!": "x"}},
            "at '/nodeSelector': additional properties 'Bad Key!'",
        ),
        (
            {"metrics": {"serviceMonitor": {"labels": {"Bad Key!": "x"}}}},
            "at '/metrics/serviceMonitor/labels': additional properties 'Bad Key!'",
        ),
        (
            {"serviceAccount": {"annotations": {"Bad Key!": "x"}}},
            "at '/serviceAccount/annotations': additional properties 'Bad Key!'",
        ),
        # Object names are DNS subdomains; an image reference has no spaces.
        ({"serviceAccount": {"name": "ZooKeeper SA"}}, "at '/serviceAccount/name'"),
        ({"priorityClassName": "high priority"}, "at '/priorityClassName'"),
        ({"storage": {"className": "Fast_SSD"}}, "at '/storage/className'"),
        ({"StorageClass": "Fast_SSD"}, "at '/StorageClass'"),
        # Found by the sweep: the datalog claim's class was any string.
        ({"storage": {"dataLog": {"className": ":"}}}, "at '/storage/dataLog/className'"),
        ({"image": {"tag": "1.0 beta"}}, "at '/image/tag'"),
        ({"image": {"repository": "Registry.example/ZK "}}, "at '/image/repository'"),
        # The kubelet takes a repository name of at most 255 characters.
        ({"image": {"repository": "a" * 256}}, "at '/image/repository'"),
        # The Kubernetes-shaped extensions take what Kubernetes takes.
        ({"extraEnvVars": [{"name": "1ZK", "value": "x"}]}, "at '/extraEnvVars/0/name'"),
        (
            {"extraVolumeMounts": [{"name": "scratch", "mountPath": "scratch"}]},
            "at '/extraVolumeMounts/0/mountPath'",
        ),
        (
            {"metrics": {"serviceMonitor": {"relabelings": [{"action": "delete"}]}}},
            "at '/metrics/serviceMonitor/relabelings/0/action'",
        ),
        ({"lifecycleHooks": {"": None}}, "at '/lifecycleHooks': additional properties ''"),
        ({"lifecycleHooks": {"preStop": {}}}, "at '/lifecycleHooks/preStop'"),
        (
            {"lifecycleHooks": {"preStop": {"sleep": {"seconds": 1}, "tcpSocket": {"port": 1}}}},
            "at '/lifecycleHooks/preStop'",
        ),
        (
            {"dnsConfig": {"nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9", "8.8.4.4"]}},
            "at '/dnsConfig/nameservers'",
        ),
        ({"dnsConfig": {"nameservers": ["dns.example"]}}, "at '/dnsConfig/nameservers/0'"),
        (
            {"dnsConfig": {"searches": [f"s{i}.example" for i in range(33)]}},
            "at '/dnsConfig/searches'",
        ),
        ({"hostAliases": [{"ip": "10.0.0.300"}]}, "at '/hostAliases/0/ip'"),
        (
            {"hostAliases": [{"ip": "::1", "hostnames": ["Not A Name"]}]},
            "at '/hostAliases/0/hostnames/0'",
        ),
        ({"sidecars": [{"name": "My_Sidecar", "image": "x"}]}, "at '/sidecars/0/name'"),
        ({"initContainers": [{"name": "x" * 64, "image": "x"}]}, "at '/initContainers/0/name'"),
        ({"extraVolumes": [{"name": "Scratch", "emptyDir": {}}]}, "at '/extraVolumes/0/name'"),
        (
            {"extraVolumeMounts": [{"name": "a.b", "mountPath": "/scratch"}]},
            "at '/extraVolumeMounts/0/name'",
        ),
        ({"schedulerName": "My Scheduler"}, "at '/schedulerName'"),
        ({"revisionHistoryLimit": 2**31}, "at '/revisionHistoryLimit'"),
        (
            {"commonLabels": {"Bad Key!": "x"}},
            "at '/commonLabels': additional properties 'Bad Key!'",
        ),
        ({"commonLabels": {"team": "Bad Value!"}}, "at '/commonLabels/team'"),
        ({"commonAnnotations": {"Bad Key!": "x"}}, "at '/commonAnnotations'"),
        ({"storage": {"labels": {"team": "Bad Value!"}}}, "at '/storage/labels/team'"),
        ({"storage": {"annotations": {"Bad Key!": "x"}}}, "at '/storage/annotations'"),
        ({"service": {"annotations": {"Bad Key!": "x"}}}, "at '/service/annotations'"),
        (
            {"metrics": {"prometheusRule": {"labels": {"Bad Key!": "x"}}}},
            "at '/metrics/prometheusRule/labels'",
        ),
        ({"service": {"loadBalancerIP": "my-lb"}}, "at '/service/loadBalancerIP'"),
        (
            {"service": {"loadBalancerSourceRanges": ["10.0.0.0/33"]}},
            "at '/service/loadBalancerSourceRanges/0'",
        ),
        (
            {"metrics": {"serviceMonitor": {"interval": "1.5s"}}},
            "at '/metrics/serviceMonitor/interval'",
        ),
        (
            {"metrics": {"serviceMonitor": {"scrapeTimeout": "10 s"}}},
            "at '/metrics/serviceMonitor/scrapeTimeout'",
        ),
        (
            {"metrics": {"prometheusRule": {"rules": [{"expr": "up"}]}}},
            "at '/metrics/prometheusRule/rules/0'",
        ),
        (
            {"metrics": {"prometheusRule": {"rules": [{"alert": "ZooKeeperDown"}]}}},
            "at '/metrics/prometheusRule/rules/0'",
        ),
        (
            {
                "metrics": {
                    "prometheusRule": {"rules": [{"record": "a:b", "expr": "up", "for": "5m"}]}
                }
            },
            "at '/metrics/prometheusRule/rules/0'",
        ),
    ],
)
def test_values_kubernetes_refuses_are_refused_at_install(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ({"podSecurityContext": {"runAsNonRoot": True, "bogus": 1}}, "/podSecurityContext"),
        ({"affinity": {"nodeAffinity": {}, "bogus": 1}}, "/affinity"),
        ({"tolerations": [{"operator": "Exists", "bogus": 1}]}, "/tolerations/0"),
        (
            {
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "bogus": 1,
                    }
                ]
            },
            "/topologySpreadConstraints/0",
        ),
        ({"updateStrategy": {"type": "RollingUpdate", "bogus": 1}}, "/updateStrategy"),
        ({"imagePullSecrets": [{"name": "pull", "bogus": 1}]}, "/imagePullSecrets/0"),
        ({"securityContext": {"allowPrivilegeEscalation": False, "bogus": 1}}, "/securityContext"),
        ({"networkPolicy": {"clientFrom": [{"bogus": {}}]}}, "/networkPolicy/clientFrom/0"),
        (
            {"metrics": {"serviceMonitor": {"relabelings": [{"action": "drop", "bogus": 1}]}}},
            "/metrics/serviceMonitor/relabelings/0",
        ),
        (
            {"metrics": {"serviceMonitor": {"metricRelabelings": [{"bogus": 1}]}}},
            "/metrics/serviceMonitor/metricRelabelings/0",
        ),
        # Found by the sweep: the egress peers and rules were open objects.
        (
            {"networkPolicy": {"egress": {"dnsTo": [{"bogus": {}}]}}},
            "/networkPolicy/egress/dnsTo/0",
        ),
        (
            {"networkPolicy": {"egress": {"extra": [{"bogus": {}}]}}},
            "/networkPolicy/egress/extra/0",
        ),
        (
            {"networkPolicy": {"egress": {"extra": [{"ports": [{"port": 443, "bogus": 1}]}]}}},
            "/networkPolicy/egress/extra/0/ports/0",
        ),
        # Found by the sweep in CI: the Kubernetes-shaped extensions were open objects.
        ({"lifecycleHooks": {"preStop": {"sleep": {"seconds": 5}}, "bogus": 1}}, "/lifecycleHooks"),
        (
            {"lifecycleHooks": {"preStop": {"exec": {"command": ["x"], "bogus": 1}}}},
            "/lifecycleHooks/preStop/exec",
        ),
        ({"dnsConfig": {"bogus": 1}}, "/dnsConfig"),
        ({"dnsConfig": {"options": [{"name": "ndots", "bogus": 1}]}}, "/dnsConfig/options/0"),
        ({"hostAliases": [{"ip": "10.0.0.1", "bogus": 1}]}, "/hostAliases/0"),
        (
            {"metrics": {"prometheusRule": {"rules": [{"alert": "a", "expr": "up", "bogus": 1}]}}},
            "/metrics/prometheusRule/rules/0",
        ),
    ],
)
def test_kubernetes_shaped_values_take_only_the_fields_kubernetes_defines(
    values: dict[str, Any], path: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(f"at '{path}': additional properties 'bogus'")):
        render(values)


def test_the_largest_quantities_render_exactly() -> None:
    values = {
        "resources": {"requests": {"memory": 2**53 - 1}, "limits": {"memory": 2**53 - 1}},
        "metrics": {
            "enabled": True,
            "resources": {"requests": {"memory": "7Ei"}, "limits": {"memory": "7Ei"}},
        },
    }
    (sts,) = [doc for doc in documents(render(values)) if doc["kind"] == "StatefulSet"]
    zookeeper, metrics = sts["spec"]["template"]["spec"]["containers"]
    assert zookeeper["resources"]["limits"]["memory"] == 2**53 - 1
    assert metrics["resources"]["limits"]["memory"] == "7Ei"


# -- what the schema cannot see, the chart's checks refuse ------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        # Found by the sweep: the default request of 2 CPUs is above this limit.
        (
            {"resources": {"limits": {"cpu": "1"}}},
            "resources.requests.cpu 2 exceeds resources.limits.cpu 1: Kubernetes refuses the pod",
        ),
        (
            {"Cpu": "3", "resources": {"limits": {"cpu": "2500m"}}},
            "Cpu 3 exceeds resources.limits.cpu 2500m",
        ),
        (
            {"metrics": {"enabled": True, "resources": {"limits": {"memory": "16Mi"}}}},
            "metrics.resources.requests.memory 32Mi exceeds metrics.resources.limits.memory 16Mi",
        ),
        (
            {"resources": {"requests": {"hugepages-2Mi": "4Mi"}}},
            "resources.requests.hugepages-2Mi 4Mi needs resources.limits.hugepages-2Mi",
        ),
        (
            {
                "resources": {
                    "requests": {"hugepages-2Mi": "4Mi"},
                    "limits": {"hugepages-2Mi": "8Mi"},
                }
            },
            "resources.requests.hugepages-2Mi 4Mi differs from resources.limits.hugepages-2Mi 8Mi",
        ),
        (
            {
                "metrics": {
                    "resources": {
                        "requests": None,
                        "limits": {"memory": None, "hugepages-1Gi": "1Gi"},
                    }
                }
            },
            "metrics.resources: huge pages need a cpu or memory request or limit beside them",
        ),
        # The original chart's UpdateStrategy sets the type beside this chart's rollingUpdate.
        (
            {
                "UpdateStrategy": "OnDelete",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            },
            "updateStrategy.rollingUpdate: Kubernetes takes it only with type RollingUpdate",
        ),
        (
            {
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                    {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                ]
            },
            "topologySpreadConstraints: two constraints on zone with whenUnsatisfiable",
        ),
        (
            {"lifecycleHooks": {"preStop": {"sleep": {"seconds": 31}}}},
            "lifecycleHooks.preStop.sleep.seconds 31 exceeds terminationGracePeriodSeconds 30",
        ),
        # null removes a key before the schema sees the values.
        ({"podSecurityContext": None}, "podSecurityContext: the pods need runAsNonRoot"),
        (
            {"securityContext": None},
            "securityContext: the containers need allowPrivilegeEscalation",
        ),
    ],
)
def test_what_kubernetes_refuses_across_values_is_refused_by_the_charts_checks(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)) as refused:
        render(values)
    assert_refused_by_the_charts_checks(refused.value)


def test_huge_pages_requested_as_limited_beside_memory_render() -> None:
    pages = {"hugepages-2Mi": "64Mi"}
    values = {"resources": {"requests": pages, "limits": pages}}
    (sts,) = [doc for doc in documents(render(values)) if doc["kind"] == "StatefulSet"]
    resources = sts["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"]["hugepages-2Mi"] == resources["limits"]["hugepages-2Mi"]


# -- names YAML would read as something else ------------------------------------------------


@pytest.mark.parametrize("name", ["n", "no", "y", "on", "off", "true", "null"])
def test_a_name_yaml_reads_as_a_boolean_or_null_stays_a_name(name: str) -> None:
    """Found by the sweep: `app: n` is the boolean false to YAML 1.1, as kubectl reads it."""
    values = {"fullnameOverride": name, "metrics": {"enabled": True}}
    docs = documents(render(values))
    for doc in docs:
        assert doc["metadata"]["name"].startswith(name), doc["kind"]
    validate_strictly(docs, *KUBERNETES_VERSIONS, values=True)


# -- the sweep's own checks ------------------------------------------------------------------


def _statefulset(values: dict[str, Any] | None = None) -> Document:
    (sts,) = [doc for doc in documents(render(values)) if doc["kind"] == "StatefulSet"]
    return sts


def test_the_restricted_checker_flags_what_the_profile_forbids() -> None:
    spec = copy.deepcopy(_statefulset()["spec"]["template"]["spec"])
    assert restricted_violations(spec) == []
    spec["hostNetwork"] = True
    spec["securityContext"]["runAsUser"] = 0
    spec["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    container = spec["containers"][0]
    container["securityContext"]["privileged"] = True
    container["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    container["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    container["ports"][0]["hostPort"] = 2181
    found = "\n".join(restricted_violations(spec))
    for rule in [
        "hostNetwork",
        "pod: runAsUser 0",
        "volume host: hostPath",
        "volume host: ['hostPath']",
        "privileged",
        "adds capabilities ['SYS_ADMIN']",
        "seccompProfile Unconfined",
        "hostPort 2181",
        "capabilities do not drop ALL",
    ]:
        assert rule in found


def test_the_api_server_checker_flags_values_the_openapi_schema_lets_through() -> None:
    sts = copy.deepcopy(_statefulset())
    assert violations(sts, "1.29.0") == []
    pod = sts["spec"]["template"]["spec"]
    pod["terminationGracePeriodSeconds"] = 10**19
    pod["containers"][0]["readinessProbe"]["periodSeconds"] = 10**12
    pod["containers"][0]["resources"]["limits"]["memory"] = "1Gi"
    pod["containers"][0]["resources"]["requests"]["cpu"] = "1e30"
    sts["spec"]["template"]["metadata"]["labels"]["Bad Key!"] = "x"
    sts["spec"]["updateStrategy"] = {"type": "OnDelete", "rollingUpdate": {"maxUnavailable": "2"}}
    pod["initContainers"] = [{"name": "zookeeper", "image": "busybox"}]
    pod["containers"][0]["image"] = "Reg/zk:dev"
    pod["containers"][0]["volumeMounts"][0]["mountPropagation"] = "Bidirectional"
    found = "\n".join(violations(sts, "1.29.0"))
    for rule in [
        "terminationGracePeriodSeconds: 10000000000000000000 is beyond int64",
        "periodSeconds: 1000000000000 is beyond int32",
        "requests[memory]: 5Gi above the limit 1Gi",
        "requests[cpu]: '1e30' is at least 2^63",
        "labels[Bad Key!]",
        "rollingUpdate: only with RollingUpdate",
        "rollingUpdate.maxUnavailable: '2'",
        "containers: the name zookeeper twice",
        "image: 'Reg/zk:dev': repository 'Reg/zk' is not lower case",
        "volumeMounts[0]: Bidirectional mount propagation, in a container that is not privileged",
    ]:
        assert rule in found


def test_the_sweep_refuses_to_draw_from_a_keyword_it_does_not_know() -> None:
    """A schema grown beyond what the sweep draws fails the sweep, rather than narrowing it."""
    schema = {"type": "object", "properties": {"since": {"type": "string", "format": "date"}}}
    with pytest.raises(ValueError, match="keywords the sweep cannot draw: \\['format'\\]"):
        schema_values(schema)
