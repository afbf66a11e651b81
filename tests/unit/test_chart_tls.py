"""The chart with TLS: the Secret mounted, the ports offered, the cert-manager Certificate,
and what start-zookeeper makes of the rendered command."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError

from tests.harness.chart import Document, documents, notes, of_kind, render
from tests.harness.chartcases import (
    CERT_MANAGER,
    NAMESPACE,
    README,
    RELEASE,
    VALUE_SETS,
    container_of,
    merged,
    nested,
    one,
    rendered,
    rendered_documents,
    secret_mount,
    start_zookeeper_settings,
    tls,
)
from tests.harness.chartpolicy import MEMBER_LABELS, TEST_POD_PEER, ingress_rules

TLS_MOUNT = "/etc/zookeeper/tls"
# Renderings start-zookeeper must accept: every value set, and each TLS mode.
COMMANDS = {
    **VALUE_SETS,
    "tls": tls(),
    "tls, migrating (step 1)": tls(quorum=False, portUnification=True),
    "tls, want, no hostname check": tls(clientAuth="want", quorumHostnameVerification=False),
    "tls, standalone": {**tls(), "replicas": 1},
    "observers": {"observers": 2},
}


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
    text = notes(rendered("tls with cert-manager"))
    assert "my-zk-cs.zk:2281" in text
    assert "my-zk-2.my-zk-hs.zk:2281" in text
    assert "ca.crt of Secret my-zk-tls, with a certificate of\nthat CA (need)" in text
    assert "a CA of this ensemble alone" in text
    assert "zookeeper-metrics 2181" in text  # in the pod: the loopback plaintext port
    assert "exists (kubernetes.io/tls" in notes(render(tls()))
    assert "tls.portUnification is on" in notes(render(tls(portUnification=True)))
