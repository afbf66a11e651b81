"""The chart's extension points, under the names Bitnami's charts give them: each is
rendered where it belongs, absent by default, valid for Kubernetes, and refused with a
message naming the value when it would break the pod or go unused."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError

from tests.harness.apiserver import validate_strictly
from tests.harness.chart import (
    Document,
    container,
    documents,
    lint_report,
    notes,
    of_kind,
    only,
    render,
)
from tests.harness.docs import documentation
from zkcontainer.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
README = documentation()
RELEASE, NAMESPACE = "my-zk", "zk"
KUBERNETES_VERSIONS = ["1.29.0", "1.32.0", "1.37.0"]
DIGEST = "sha256:" + "0123456789abcdef" * 4
RULES = [
    {
        "alert": "ZooKeeperDown",
        "expr": "zookeeper_up == 0",
        "for": "5m",
        "labels": {"severity": "critical"},
        "annotations": {"summary": "{{ $labels.pod }} does not answer mntr"},
    }
]
RELABELINGS: list[dict[str, Any]] = [
    {
        "action": "replace",
        "sourceLabels": ["__meta_kubernetes_pod_node_name"],
        "targetLabel": "node",
    }
]
METRIC_RELABELINGS: list[dict[str, Any]] = [
    {"action": "drop", "sourceLabels": ["__name__"], "regex": "zookeeper_scrape_.*"}
]

EVERY_EXTENSION: dict[str, Any] = {
    "commonLabels": {"team": "storage", "app": "not-the-selector"},
    "commonAnnotations": {"example.com/owner": "storage"},
    "image": {"repository": "registry.example/zkcontainer", "tag": "1.2.3", "digest": DIGEST},
    "storage": {
        "labels": {"backup": "daily"},
        "annotations": {"example.com/snapshot": "hourly"},
        "dataLog": {"enabled": True, "size": "20Gi", "className": "fast-ssd"},
    },
    "service": {
        "type": "LoadBalancer",
        "nodePorts": {"client": 30181},
        "annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
        "loadBalancerIP": "10.1.2.3",
        "loadBalancerSourceRanges": ["10.0.0.0/8"],
        "externalTrafficPolicy": "Local",
    },
    "extraEnvVars": [
        {"name": "ZK_JVM_FLAGS", "value": "-XX:+UseZGC"},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    ],
    "lifecycleHooks": {"preStop": {"exec": {"command": ["sleep", "2"]}}},
    "extraVolumes": [{"name": "client-ca", "secret": {"secretName": "zk-clients-ca"}}],
    "extraVolumeMounts": [{"name": "client-ca", "mountPath": "/etc/zk-client-ca"}],
    "initContainers": [{"name": "sysctl", "image": "busybox:1.36", "command": ["true"]}],
    "sidecars": [
        {
            "name": "log-shipper",
            "image": "fluent/fluent-bit:3.0",
            "ports": [{"containerPort": 2020, "name": "http"}],
        }
    ],
    "schedulerName": "storage-scheduler",
    "hostAliases": [{"ip": "10.0.0.10", "hostnames": ["backup.internal"]}],
    "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
    "revisionHistoryLimit": 3,
    "metrics": {
        "enabled": True,
        "serviceMonitor": {
            "enabled": True,
            "namespace": "monitoring",
            "relabelings": RELABELINGS,
            "metricRelabelings": METRIC_RELABELINGS,
        },
        "prometheusRule": {
            "enabled": True,
            "namespace": "monitoring",
            "labels": {"release": "prometheus", "app": "not-the-selector"},
            "rules": RULES,
        },
    },
}

VALUE_SETS: dict[str, dict[str, Any]] = {
    "every extension": EVERY_EXTENSION,
    "NodePorts under TLS with port unification": {
        "tls": {"enabled": True, "portUnification": True},
        "service": {"type": "NodePort", "nodePorts": {"client": 30181, "clientTls": 30281}},
    },
    "a standalone on an existing claim": {"replicas": 1, "storage": {"existingClaim": "zk-data"}},
    "a standalone on an existing claim, its log on a claim per member": {
        "replicas": 1,
        "storage": {"existingClaim": "zk-data", "dataLog": {"enabled": True}},
    },
    "a revision history of none": {"revisionHistoryLimit": 0},
}


@functools.cache
def _rendered(value_set: str) -> dict[str, str]:
    return render(VALUE_SETS[value_set], RELEASE, NAMESPACE)


def rendered(value_set: str) -> list[Document]:
    """A fresh copy each time: a test may change what it reads."""
    return copy.deepcopy(documents(_rendered(value_set)))


@functools.cache
def _defaults() -> dict[str, str]:
    return render({}, RELEASE, NAMESPACE)


def defaults() -> list[Document]:
    return copy.deepcopy(documents(_defaults()))


def statefulset(docs: list[Document]) -> Document:
    return only(docs, "StatefulSet")


def pod_spec(docs: list[Document]) -> dict[str, Any]:
    spec: dict[str, Any] = statefulset(docs)["spec"]["template"]["spec"]
    return spec


def zookeeper(docs: list[Document]) -> dict[str, Any]:
    return container(pod_spec(docs), "zookeeper")


def client_service(docs: list[Document]) -> Document:
    return of_kind(docs, "Service")[f"{RELEASE}-cs"]


def refused(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as refusal:
        render(values, RELEASE, NAMESPACE)
    return str(refusal.value)


# -- every rendering is valid ---------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_document_validates_strictly(value_set: str, version: str) -> None:
    validate_strictly(rendered(value_set), version)


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_is_clean(value_set: str) -> None:
    report = lint_report(VALUE_SETS[value_set])
    assert (report["messages"], report["errors"]) == ([], []), report


def test_by_default_the_pod_has_nothing_the_extensions_add() -> None:
    docs = defaults()
    sts = statefulset(docs)
    pod = pod_spec(docs)
    zk = zookeeper(docs)
    assert [c["name"] for c in pod["containers"]] == ["zookeeper"]
    assert {"initContainers", "hostAliases", "dnsConfig", "schedulerName"}.isdisjoint(pod)
    assert {"env", "lifecycle"}.isdisjoint(zk)
    assert [v["name"] for v in pod["volumes"]] == ["conf"]
    assert [m["name"] for m in zk["volumeMounts"]] == ["datadir", "conf"]
    assert "revisionHistoryLimit" not in sts["spec"]
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"] == {"name": "datadir"}
    assert zk["image"] == "zkcontainer:dev"


def test_by_default_no_object_carries_annotations_but_the_test_hook() -> None:
    for doc in defaults():
        annotations = doc["metadata"].get("annotations", {})
        if doc["kind"] == "Pod":
            assert set(annotations) == {"helm.sh/hook", "helm.sh/hook-delete-policy"}
        else:
            assert annotations == {}, doc["kind"]
    assert "annotations" not in statefulset(defaults())["spec"]["template"]["metadata"]


def test_by_default_the_client_service_is_a_cluster_ip_one() -> None:
    spec = client_service(defaults())["spec"]
    assert set(spec) == {"ports", "selector"}
    assert all("nodePort" not in port for port in spec["ports"])
    assert of_kind(defaults(), "PrometheusRule") == {}


# -- commonLabels, commonAnnotations ------------------------------------------------------


def everything_with_common_metadata() -> list[Document]:
    """Every kind the chart makes: the TLS Certificate, the exporter's Service, the
    ServiceMonitor, the PrometheusRule, the reconfig Secret, the budget, the test pod."""
    values = {
        **EVERY_EXTENSION,
        "reconfig": True,
        "tls": {
            "enabled": True,
            "portUnification": True,
            "certManager": {"enabled": True, "issuerRef": {"name": "zk-ca"}},
        },
        "service": {"annotations": {"example.com/cs": "yes"}},
        "podAnnotations": {"example.com/scrape": "false"},
        "serviceAccount": {"annotations": {"example.com/role": "zk"}},
    }
    return documents(render(values, RELEASE, NAMESPACE))


def test_common_labels_are_on_every_object_the_pod_template_and_the_claims() -> None:
    docs = everything_with_common_metadata()
    assert {doc["kind"] for doc in docs} >= {
        "StatefulSet",
        "Service",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ServiceAccount",
        "Secret",
        "Certificate",
        "ServiceMonitor",
        "PrometheusRule",
        "Pod",
    }
    for doc in docs:
        assert doc["metadata"]["labels"]["team"] == "storage", doc["kind"]
    sts = statefulset(docs)
    assert sts["spec"]["template"]["metadata"]["labels"]["team"] == "storage"
    for claim in sts["spec"]["volumeClaimTemplates"]:
        assert claim["metadata"]["labels"]["team"] == "storage"


def test_the_charts_own_labels_win_over_common_labels() -> None:
    """commonLabels app: x changes no selector, and every selector still selects."""
    docs = rendered("every extension")
    sts = statefulset(docs)
    selector = sts["spec"]["selector"]["matchLabels"]
    assert selector == {"app": RELEASE}
    assert sts["metadata"]["labels"]["app"] == RELEASE
    assert selector.items() <= sts["spec"]["template"]["metadata"]["labels"].items()
    for service in of_kind(docs, "Service").values():
        assert service["metadata"]["labels"]["app"] == RELEASE
        assert service["spec"]["selector"] == selector
    assert only(docs, "PrometheusRule")["metadata"]["labels"]["app"] == RELEASE


def test_the_test_pod_keeps_what_the_network_policy_admits_and_stays_unselected() -> None:
    """commonLabels naming the selector (app: <name>) would make the test pod a member
    to the Services and the budget: the selector's keys stay off it."""
    values = {"commonLabels": {"app": RELEASE, "team": "storage"}}
    docs = documents(render(values, RELEASE, NAMESPACE))
    pod = only(docs, "Pod")["metadata"]["labels"]
    assert "app" not in pod
    assert pod["team"] == "storage"
    policy = only(docs, "NetworkPolicy")["spec"]["ingress"][1]["from"]
    admitted = [peer["podSelector"]["matchLabels"] for peer in policy if "podSelector" in peer]
    assert any(labels.items() <= pod.items() for labels in admitted)
    assert statefulset(docs)["spec"]["selector"]["matchLabels"] == {"app": RELEASE}


def test_common_annotations_are_on_every_object_the_pod_template_and_the_claims() -> None:
    docs = everything_with_common_metadata()
    for doc in docs:
        annotations = doc["metadata"]["annotations"]
        assert annotations["example.com/owner"] == "storage", doc["kind"]
    sts = statefulset(docs)
    assert sts["spec"]["template"]["metadata"]["annotations"] == {
        "example.com/owner": "storage",
        "example.com/scrape": "false",
    }
    for claim in sts["spec"]["volumeClaimTemplates"]:
        assert claim["metadata"]["annotations"]["example.com/owner"] == "storage"
    assert client_service(docs)["metadata"]["annotations"]["example.com/cs"] == "yes"
    account = only(docs, "ServiceAccount")["metadata"]["annotations"]
    assert account["example.com/role"] == "zk"


def test_an_objects_own_annotations_win_over_common_ones() -> None:
    values = {
        "commonAnnotations": {"example.com/a": "common", "helm.sh/hook": "pre-install"},
        "podAnnotations": {"example.com/a": "pod"},
        "service": {"annotations": {"example.com/a": "service"}},
        "storage": {"annotations": {"example.com/a": "claim"}},
    }
    docs = documents(render(values, RELEASE, NAMESPACE))
    sts = statefulset(docs)
    assert sts["metadata"]["annotations"]["example.com/a"] == "common"
    assert sts["spec"]["template"]["metadata"]["annotations"]["example.com/a"] == "pod"
    assert client_service(docs)["metadata"]["annotations"]["example.com/a"] == "service"
    claim = sts["spec"]["volumeClaimTemplates"][0]["metadata"]
    assert claim["annotations"]["example.com/a"] == "claim"
    test_pod = only(docs, "Pod")["metadata"]["annotations"]
    assert test_pod["helm.sh/hook"] == "test"
    assert test_pod["example.com/a"] == "common"


# -- image.digest ---------------------------------------------------------------------------


def test_a_digest_pins_every_container_of_the_charts_image() -> None:
    docs = rendered("every extension")
    pod = pod_spec(docs)
    pinned = f"registry.example/zkcontainer@{DIGEST}"
    assert container(pod, "zookeeper")["image"] == pinned
    assert container(pod, "metrics")["image"] == pinned
    assert container(only(docs, "Pod")["spec"], "serving")["image"] == pinned
    # The user's own containers keep their own images.
    assert container(pod, "log-shipper")["image"] == "fluent/fluent-bit:3.0"
    assert pod["initContainers"][0]["image"] == "busybox:1.36"


def test_by_default_the_image_is_repository_and_tag() -> None:
    docs = documents(render({"metrics": {"enabled": True}}))
    for image in (
        container(pod_spec(docs), "zookeeper")["image"],
        container(pod_spec(docs), "metrics")["image"],
        container(only(docs, "Pod")["spec"], "serving")["image"],
    ):
        assert image == "zkcontainer:dev"


@pytest.mark.parametrize(
    "digest", ["sha256:abc", "sha256:" + "A" * 64, "1.2.3", "sha512:" + "0" * 64]
)
def test_the_schema_refuses_what_is_no_sha256_digest(digest: str) -> None:
    assert "/image/digest" in refused({"image": {"digest": digest}})


# -- extraVolumes, extraVolumeMounts, extraEnvVars, lifecycleHooks --------------------------


def readme_client_ca_example() -> dict[str, Any]:
    (example,) = re.findall(r"```yaml\n(tls:\n.*?)```", README, re.DOTALL)
    values: dict[str, Any] = yaml.safe_load(example)
    return values


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_readme_client_ca_example_gives_tls_client_ca_a_file(version: str) -> None:
    values = readme_client_ca_example()
    docs = documents(render(values, RELEASE, NAMESPACE))
    zk = zookeeper(docs)
    (flag,) = [arg for arg in zk["command"] if arg.startswith("--tls_client_ca=")]
    ca_file = Path(flag.split("=", 1)[1])
    (mount,) = [m for m in zk["volumeMounts"] if m["name"] == "client-ca"]
    assert ca_file.parent == Path(mount["mountPath"])
    assert "subPath" not in mount  # a renewed CA reaches the pod
    (volume,) = [v for v in pod_spec(docs)["volumes"] if v["name"] == "client-ca"]
    assert volume["secret"]["items"] == [{"key": "ca.crt", "path": ca_file.name}]
    validate_strictly(docs, version)


def test_extra_volumes_and_mounts_come_after_the_charts_own() -> None:
    docs = rendered("every extension")
    assert [v["name"] for v in pod_spec(docs)["volumes"]] == ["conf", "client-ca"]
    mounts = [(m["name"], m["mountPath"]) for m in zookeeper(docs)["volumeMounts"]]
    assert mounts[-1] == ("client-ca", "/etc/zk-client-ca")
    assert "volumeMounts" not in container(pod_spec(docs), "metrics")


def test_extra_env_vars_and_lifecycle_hooks_are_the_zookeeper_containers() -> None:
    docs = rendered("every extension")
    zk = zookeeper(docs)
    assert zk["env"] == EVERY_EXTENSION["extraEnvVars"]
    assert zk["lifecycle"] == EVERY_EXTENSION["lifecycleHooks"]
    for other in ("metrics", "log-shipper"):
        assert {"env", "lifecycle"}.isdisjoint(container(pod_spec(docs), other))


@pytest.mark.parametrize(
    ("name", "instead"),
    [
        ("ZK_SERVERS", "set replicas instead"),
        ("ZK_HEAP", "set heap instead"),
        ("ZK_CLIENT_PORT", "set ports.client instead"),
        ("ZK_MAX_SESSION_TIMEOUT", "set zookeeper.maxSessionTimeout instead"),
        ("ZK_DATA_LOG_DIR", "it is the chart's volume layout, fixed"),
        ("ZK_TLS_DIR", "set tls.enabled instead"),
        ("ZK_RECONFIG_PASSWORD_FILE", "set reconfig instead"),
    ],
)
def test_an_env_var_for_a_flag_the_chart_sets_is_refused(name: str, instead: str) -> None:
    """start-zookeeper reads ZK_<FLAG> as --<flag>, but the chart's command line wins."""
    flag = name.removeprefix("ZK_").lower()
    message = refused({"extraEnvVars": [{"name": "ZK_JVM_FLAGS", "value": ""}, {"name": name}]})
    assert f"extraEnvVars {name}: start-zookeeper reads it as --{flag}" in message
    assert instead in message
    assert "ZK_JVM_FLAGS" not in message


def test_env_vars_start_zookeeper_leaves_to_the_user_render() -> None:
    values = {"extraEnvVars": [{"name": "ZK_FOUR_LETTER_WORDS", "value": "ruok,mntr,srvr"}]}
    assert zookeeper(documents(render(values)))["env"][0]["name"] == "ZK_FOUR_LETTER_WORDS"


@pytest.mark.parametrize(
    "hostname",
    [
        "my-zk-1.my-zk-hs.zk.svc.cluster.local",
        "my-zk-1.my-zk-hs.zk.svc",
        "my-zk-1.my-zk-hs",
        "my-zk-hs",
        "my-zk-cs.zk",
        "my-zk-cs.zk.svc.cluster.local",
    ],
)
def test_a_host_alias_for_the_releases_service_names_is_refused(hostname: str) -> None:
    """/etc/hosts answers before DNS: the alias would point peers elsewhere, as --domain
    would."""
    values = {"hostAliases": [{"ip": "10.0.0.9", "hostnames": ["backup.internal", hostname]}]}
    message = refused(values)
    assert f"hostAliases 10.0.0.9: {hostname} is a name of the release's Services" in message
    assert "backup.internal" not in message


@pytest.mark.parametrize(
    "hostname", ["my-zk-1.my-zk-hs.other.svc.cluster.local", "not-my-zk-hs", "backup.internal"]
)
def test_a_host_alias_for_other_names_renders(hostname: str) -> None:
    values = {"hostAliases": [{"ip": "10.0.0.9", "hostnames": [hostname]}]}
    pod = statefulset(documents(render(values)))["spec"]["template"]["spec"]
    assert pod["hostAliases"] == values["hostAliases"]


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"extraVolumes": [{"name": "conf", "emptyDir": {}}]},
            "extraVolumes conf: the chart names a volume of its own so",
        ),
        (
            {"extraVolumeMounts": [{"name": "nowhere", "mountPath": "/x"}]},
            "extraVolumeMounts nowhere: no volume of that name (add it to extraVolumes)",
        ),
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/opt/zookeeper/conf/"}],
            },
            "extraVolumeMounts scratch: /opt/zookeeper/conf/ is at, under or above "
            "the chart's own mount /opt/zookeeper/conf",
        ),
        # Paths as the kubelet cleans them: under, at, above a mount of the chart's.
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/var/lib/zookeeper/data"}],
            },
            "extraVolumeMounts scratch: /var/lib/zookeeper/data is at, under or above "
            "the chart's own mount /var/lib/zookeeper",
        ),
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/opt/zookeeper/./conf"}],
            },
            "extraVolumeMounts scratch: /opt/zookeeper/./conf is at, under or above "
            "the chart's own mount /opt/zookeeper/conf",
        ),
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/opt/zookeeper/conf//"}],
            },
            "extraVolumeMounts scratch: /opt/zookeeper/conf// is at, under or above "
            "the chart's own mount /opt/zookeeper/conf",
        ),
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/var/lib"}],
            },
            "extraVolumeMounts scratch: /var/lib is at, under or above "
            "the chart's own mount /var/lib/zookeeper",
        ),
        (
            {
                "tls": {"enabled": True},
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [{"name": "scratch", "mountPath": "/etc/zookeeper"}],
            },
            "extraVolumeMounts scratch: /etc/zookeeper is at, under or above "
            "the chart's own mount /etc/zookeeper/tls",
        ),
        (
            {
                "extraVolumes": [
                    {"name": "scratch", "emptyDir": {}},
                    {"name": "scratch", "emptyDir": {}},
                ]
            },
            "extraVolumes scratch: two volumes of that name",
        ),
        (
            {
                "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                "extraVolumeMounts": [
                    {"name": "scratch", "mountPath": "/scratch"},
                    {"name": "scratch", "mountPath": "/scratch/", "subPath": "x"},
                ],
            },
            "extraVolumeMounts scratch: /scratch/ is scratch's mount path too",
        ),
        (
            {"extraVolumeMounts": [{"name": "tls", "mountPath": "/certs"}]},
            "extraVolumeMounts tls: the chart renders no such volume with tls.enabled off",
        ),
        (
            {"extraVolumeMounts": [{"name": "reconfig", "mountPath": "/password"}]},
            "extraVolumeMounts reconfig: the chart renders no such volume with reconfig off",
        ),
        (
            {"sidecars": [{"name": "metrics", "image": "exporter"}]},
            "sidecars metrics: the chart's containers are zookeeper and metrics",
        ),
        (
            {"initContainers": [{"name": "zookeeper", "image": "busybox"}]},
            "initContainers zookeeper: the chart's containers are zookeeper and metrics",
        ),
    ],
)
def test_what_would_take_the_charts_own_names_or_paths_is_refused(
    values: dict[str, Any], complaint: str
) -> None:
    assert complaint in refused(values)


# -- initContainers, sidecars, and the pod's own settings ----------------------------------


def test_init_containers_and_sidecars_are_appended_to_the_pod() -> None:
    pod = pod_spec(rendered("every extension"))
    assert [c["name"] for c in pod["containers"]] == ["zookeeper", "metrics", "log-shipper"]
    assert pod["initContainers"] == EVERY_EXTENSION["initContainers"]
    assert container(pod, "log-shipper") == EVERY_EXTENSION["sidecars"][0]


def test_the_pods_scheduler_hosts_and_dns_are_the_values() -> None:
    pod = pod_spec(rendered("every extension"))
    assert pod["schedulerName"] == "storage-scheduler"
    assert pod["hostAliases"] == EVERY_EXTENSION["hostAliases"]
    assert pod["dnsConfig"] == EVERY_EXTENSION["dnsConfig"]


@pytest.mark.parametrize(
    ("value_set", "limit"), [("every extension", 3), ("a revision history of none", 0)]
)
def test_the_revision_history_limit_is_the_statefulsets(value_set: str, limit: int) -> None:
    assert statefulset(rendered(value_set))["spec"]["revisionHistoryLimit"] == limit


# -- the client Service ---------------------------------------------------------------------


def test_a_load_balancer_client_service_takes_its_settings() -> None:
    service = client_service(rendered("every extension"))
    spec = service["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["loadBalancerIP"] == "10.1.2.3"
    assert spec["loadBalancerSourceRanges"] == ["10.0.0.0/8"]
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["ports"] == [{"port": 2181, "name": "client", "nodePort": 30181}]
    annotation = "service.beta.kubernetes.io/aws-load-balancer-internal"
    assert service["metadata"]["annotations"][annotation] == "true"


def test_node_ports_follow_the_ports_the_client_service_offers() -> None:
    spec = client_service(rendered("NodePorts under TLS with port unification"))["spec"]
    assert spec["type"] == "NodePort"
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert {port["name"]: port["nodePort"] for port in spec["ports"]} == {
        "client": 30181,
        "client-tls": 30281,
    }
    assert "loadBalancerSourceRanges" not in spec


def test_the_headless_and_metrics_services_ignore_the_service_values() -> None:
    changed = of_kind(rendered("every extension"), "Service")
    plain = of_kind(
        documents(render({"metrics": {"enabled": True}}, RELEASE, NAMESPACE)), "Service"
    )
    for name in (f"{RELEASE}-hs", f"{RELEASE}-metrics"):
        assert changed[name]["spec"] == plain[name]["spec"]
        assert "example.com/owner" in changed[name]["metadata"]["annotations"]
        assert set(changed[name]["metadata"]["annotations"]) == {"example.com/owner"}


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"service": {"nodePorts": {"client": 30181}}},
            "service.nodePorts.client 30181: a ClusterIP Service has no node ports",
        ),
        (
            {
                "service": {"type": "NodePort", "nodePorts": {"client": 30181}},
                "tls": {"enabled": True},
            },
            "service.nodePorts.client 30181: with tls.enabled the client Service offers no"
            " plaintext port",
        ),
        (
            {"service": {"type": "NodePort", "nodePorts": {"clientTls": 30281}}},
            "service.nodePorts.clientTls 30281: the client Service offers TLS only with"
            " tls.enabled",
        ),
        (
            {
                "service": {"type": "NodePort", "nodePorts": {"client": 30181, "clientTls": 30181}},
                "tls": {"enabled": True, "portUnification": True},
            },
            "service.nodePorts.clientTls 30181: same node port as service.nodePorts.client",
        ),
        (
            {"service": {"type": "NodePort", "loadBalancerIP": "10.1.2.3"}},
            "service.loadBalancerIP 10.1.2.3: only a LoadBalancer Service takes it"
            " (service.type is NodePort)",
        ),
        (
            {"service": {"loadBalancerSourceRanges": ["10.0.0.0/8"]}},
            "service.loadBalancerSourceRanges: only a LoadBalancer Service takes them",
        ),
        (
            {"service": {"externalTrafficPolicy": "Local"}},
            "service.externalTrafficPolicy Local: a ClusterIP Service has no external traffic",
        ),
    ],
)
def test_a_client_service_setting_its_type_would_drop_is_refused(
    values: dict[str, Any], complaint: str
) -> None:
    assert complaint in refused(values)


# -- storage --------------------------------------------------------------------------------


def test_an_existing_claim_is_the_data_volume_of_a_standalone() -> None:
    docs = rendered("a standalone on an existing claim")
    sts = statefulset(docs)
    assert "volumeClaimTemplates" not in sts["spec"]
    (datadir,) = [v for v in pod_spec(docs)["volumes"] if v["name"] == "datadir"]
    assert datadir == {"name": "datadir", "persistentVolumeClaim": {"claimName": "zk-data"}}
    assert {"name": "datadir", "mountPath": "/var/lib/zookeeper"} in zookeeper(docs)["volumeMounts"]


def test_an_existing_claim_leaves_the_transaction_logs_claim_a_template() -> None:
    docs = rendered("a standalone on an existing claim, its log on a claim per member")
    (claim,) = statefulset(docs)["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "datalog"


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({}, 'storage.existingClaim "zk-data": one claim for 3 pods'),
        ({"replicas": 3, "observers": 2}, "one claim for 5 pods"),
        ({"replicas": 1, "reconfig": True}, "with reconfig: kubectl scale would add members"),
    ],
)
def test_an_existing_claim_more_than_one_member_could_mount_is_refused(
    values: dict[str, Any], complaint: str
) -> None:
    message = refused({**values, "storage": {"existingClaim": "zk-data"}})
    assert complaint in message
    assert "for a claim per member leave it empty" in message


def test_storage_labels_and_annotations_are_on_every_claim_template() -> None:
    for claim in statefulset(rendered("every extension"))["spec"]["volumeClaimTemplates"]:
        metadata = claim["metadata"]
        assert metadata["labels"]["backup"] == "daily"
        assert metadata["annotations"]["example.com/snapshot"] == "hourly"


def test_the_transaction_log_gets_a_claim_of_its_own() -> None:
    docs = rendered("every extension")
    datadir, datalog = statefulset(docs)["spec"]["volumeClaimTemplates"]
    assert datadir["metadata"]["name"] == "datadir"
    assert datalog["metadata"]["name"] == "datalog"
    assert datalog["spec"]["storageClassName"] == "fast-ssd"
    assert datalog["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert "storageClassName" not in datadir["spec"]
    mounts = {m["name"]: m["mountPath"] for m in zookeeper(docs)["volumeMounts"]}
    assert mounts["datalog"] == "/var/lib/zookeeper-datalog"
    # Its own mount, not a directory of the data's volume.
    assert not mounts["datalog"].startswith(mounts["datadir"] + "/")


def start_zookeepers_settings(docs: list[Document]) -> Any:
    """What start-zookeeper makes of the rendered command, in member 0."""
    command = zookeeper(docs)["command"]
    assert command[0] == "start-zookeeper"
    return load_settings(command[1:], {}, lambda: f"{RELEASE}-0.{RELEASE}-hs.zk.svc.cluster.local")


def test_start_zookeeper_logs_transactions_on_the_log_claim_when_it_has_one() -> None:
    docs = rendered("every extension")
    mounts = {m["name"]: m["mountPath"] for m in zookeeper(docs)["volumeMounts"]}
    settings = start_zookeepers_settings(docs)
    assert settings.data_log_dir == mounts["datalog"] + "/log"
    assert settings.data_dir.startswith(mounts["datadir"] + "/")


def test_without_a_log_claim_the_layout_is_the_default_one() -> None:
    settings = start_zookeepers_settings(defaults())
    assert (settings.data_dir, settings.data_log_dir) == (
        "/var/lib/zookeeper/data",
        "/var/lib/zookeeper/data/log",
    )


def test_a_class_of_dash_binds_the_log_claim_to_pre_provisioned_volumes() -> None:
    values = {"storage": {"dataLog": {"enabled": True, "className": "-"}}}
    claims = statefulset(documents(render(values)))["spec"]["volumeClaimTemplates"]
    assert claims[1]["spec"]["storageClassName"] == ""


# -- the ServiceMonitor and the PrometheusRule ----------------------------------------------


def test_the_service_monitor_takes_its_namespace_and_relabelings() -> None:
    monitor = only(rendered("every extension"), "ServiceMonitor")
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["metadata"]["name"] == f"{NAMESPACE}.{RELEASE}"
    # It still scrapes the exporters' Service in the release's namespace.
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["relabelings"] == RELABELINGS
    assert endpoint["metricRelabelings"] == METRIC_RELABELINGS


def test_by_default_the_service_monitor_is_in_the_release_namespace_without_relabelings() -> None:
    values = {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}}
    monitor = only(documents(render(values, RELEASE, NAMESPACE)), "ServiceMonitor")
    assert monitor["metadata"]["namespace"] == NAMESPACE
    (endpoint,) = monitor["spec"]["endpoints"]
    assert {"relabelings", "metricRelabelings"}.isdisjoint(endpoint)


def test_the_prometheus_rule_holds_the_users_rules() -> None:
    rule = only(rendered("every extension"), "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["name"] == f"{NAMESPACE}.{RELEASE}"
    assert rule["metadata"]["namespace"] == "monitoring"
    labels = rule["metadata"]["labels"]
    assert labels["release"] == "prometheus"
    assert labels["app"] == RELEASE  # the chart's own win
    assert rule["spec"] == {"groups": [{"name": RELEASE, "rules": RULES}]}


def test_a_prometheus_rule_in_the_release_namespace_by_default() -> None:
    values = {"metrics": {"enabled": True, "prometheusRule": {"enabled": True, "rules": RULES}}}
    rule = only(documents(render(values, RELEASE, NAMESPACE)), "PrometheusRule")
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert rule["metadata"]["name"] == RELEASE


@pytest.mark.parametrize("namespace", ["monitoring", NAMESPACE])
def test_releases_of_one_name_monitored_from_one_namespace_do_not_collide(
    namespace: str,
) -> None:
    """A ServiceMonitor or PrometheusRule elsewhere than its release carries the release's
    namespace in its name."""
    values = {
        "metrics": {
            "enabled": True,
            "serviceMonitor": {"enabled": True, "namespace": namespace},
            "prometheusRule": {"enabled": True, "namespace": namespace, "rules": RULES},
        }
    }
    names = {}
    for release_namespace in ("team-a", "team-b"):
        docs = documents(render(values, RELEASE, release_namespace))
        for kind in ("ServiceMonitor", "PrometheusRule"):
            found = only(docs, kind)["metadata"]
            names[release_namespace, kind] = (found["namespace"], found["name"])
    for kind in ("ServiceMonitor", "PrometheusRule"):
        assert names["team-a", kind] == (namespace, f"team-a.{RELEASE}")
        assert names["team-b", kind] == (namespace, f"team-b.{RELEASE}")


def test_names_across_namespaces_stay_apart_where_dashes_would_meet() -> None:
    """Release a-b in namespace x and release b in namespace x-a."""
    values = {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True, "namespace": "mon"}}}
    first = only(documents(render(values, "a-b", "x")), "ServiceMonitor")["metadata"]["name"]
    second = only(documents(render(values, "b", "x-a")), "ServiceMonitor")["metadata"]["name"]
    assert first != second
    assert "(ServiceMonitor x.a-b in namespace mon)" in notes(render(values, "a-b", "x"))


def test_the_values_yaml_example_rule_is_a_rule() -> None:
    """values.yaml's commented example, uncommented, renders."""
    text = (ROOT / "charts" / "zookeeper" / "values.yaml").read_text()
    (example,) = re.findall(r"^  #   (rules:\n(?:  #     .*\n)+)", text, re.M)
    rules = yaml.safe_load(example.replace("  #   ", "").replace("  #     ", "  "))["rules"]
    values = {"metrics": {"enabled": True, "prometheusRule": {"enabled": True, "rules": rules}}}
    rule = only(documents(render(values)), "PrometheusRule")
    assert rule["spec"]["groups"][0]["rules"][0]["expr"] == "zookeeper_up == 0"


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"prometheusRule": {"enabled": True, "rules": RULES}},
            "metrics.prometheusRule.enabled: its rules read the exporter's metrics, which is off",
        ),
        (
            {"enabled": True, "prometheusRule": {"enabled": True}},
            "metrics.prometheusRule.enabled without metrics.prometheusRule.rules",
        ),
    ],
)
def test_a_prometheus_rule_without_an_exporter_or_rules_is_refused(
    values: dict[str, Any], complaint: str
) -> None:
    assert complaint in refused({"metrics": values})


# -- the schema and the reporting --------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"service": {"type": "ExternalName"}}, "/service/type"),
        ({"service": {"externalTrafficPolicy": "Nearest"}}, "/service/externalTrafficPolicy"),
        ({"service": {"nodePorts": {"client": 70000}}}, "/service/nodePorts/client"),
        ({"service": {"nodePorts": {"admin": 30080}}}, "'admin' not allowed"),
        ({"service": {"clusterIP": "None"}}, "'clusterIP' not allowed"),
        ({"storage": {"dataLog": {"size": "lots"}}}, "/storage/dataLog/size"),
        ({"storage": {"dataLog": {"mountPath": "/log"}}}, "'mountPath' not allowed"),
        ({"storage": {"existingClaim": "Data_Claim"}}, "/storage/existingClaim"),
        ({"revisionHistoryLimit": -1}, "/revisionHistoryLimit"),
        ({"commonLabels": {"tier": 1}}, "/commonLabels/tier"),
        ({"extraEnvVars": [{"value": "x"}]}, "/extraEnvVars/0"),
        ({"extraVolumeMounts": [{"name": "x"}]}, "/extraVolumeMounts/0"),
        ({"sidecars": {"name": "x"}}, "/sidecars"),
        ({"metrics": {"prometheusRule": {"groups": []}}}, "'groups' not allowed"),
        (
            {"metrics": {"serviceMonitor": {"namespace": "Monitoring"}}},
            "/metrics/serviceMonitor/namespace",
        ),
    ],
)
def test_the_schema_rejects_bad_extension_values(values: dict[str, Any], complaint: str) -> None:
    assert complaint in refused(values)


def test_every_extension_problem_is_reported_with_the_others() -> None:
    message = refused(
        {
            "heap": "16M",
            "extraEnvVars": [{"name": "ZK_HEAP", "value": "1G"}],
            "storage": {"existingClaim": "zk-data"},
            "service": {"loadBalancerIP": "10.1.2.3"},
            "sidecars": [{"name": "metrics", "image": "x"}],
            "metrics": {"prometheusRule": {"enabled": True}},
        }
    )
    assert "7 problems with the values:" in message
    for value in (
        "heap 16M",
        "extraEnvVars ZK_HEAP",
        "storage.existingClaim",
        "service.loadBalancerIP",
        "sidecars metrics",
        "metrics.prometheusRule.enabled:",
        "metrics.prometheusRule.enabled without",
    ):
        assert f"\n- {value}" in message, value
