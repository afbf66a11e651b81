"""The chart's answers to a hostile review: each finding, rendered, fixed at its cause.

Anti-affinity kept when `affinity` is set; the Certificate names every host NOTES give
clients, and `helm test` checks those names as a client would; the NetworkPolicy takes
the chart's own labels and can open egress; the exporter has probes and a configurable
address; a heap without a limit is weighed against the request; extraFlags carries only
what changes no member's identity, probes or memory."""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from helm_python.chart import Chart
from helm_python.errors import HelmError

from tests.harness.apiserver import validate_strictly
from tests.harness.certs import Authority, mount_secret
from tests.harness.chart import (
    CHART,
    Document,
    documents,
    notes,
    render,
    render_reusing,
    render_upgrade,
    strict_documents,
)
from tests.harness.docs import documentation
from zkcontainer.exporter import listen_address
from zkcontainer.settings import FLAGS, FLAGS_BY_NAME, TLS_ONLY_FLAGS, load_settings

ROOT = Path(__file__).resolve().parents[2]
README = documentation()
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
    validate_strictly(docs, KUBERNETES)
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


# -- 2. the Certificate names what NOTES give clients; helm test checks those names --------

CERT_MANAGER = {"enabled": True, "issuerRef": {"name": "zk-ca", "kind": "Issuer"}}
TLS_VALUE_SETS: dict[str, tuple[dict[str, Any], str, str]] = {
    "defaults": ({"tls": {"enabled": True, "certManager": CERT_MANAGER}}, RELEASE, NAMESPACE),
    "named, another domain": (
        {
            "tls": {"enabled": True, "certManager": CERT_MANAGER},
            "fullnameOverride": "coordination",
            "clusterDomain": "k8s.example",
        },
        "zk",
        "data",
    ),
    "observers, another port": (
        {
            "tls": {"enabled": True, "certManager": CERT_MANAGER},
            "observers": 2,
            "ports": {"clientTls": 3281},
        },
        RELEASE,
        NAMESPACE,
    ),
    "migrating": (
        {"tls": {"enabled": True, "portUnification": True, "certManager": CERT_MANAGER}},
        RELEASE,
        NAMESPACE,
    ),
}
HOST_PORT = re.compile(r"(?<![\w.<>/-])([a-z0-9][-a-z0-9.]*[a-z0-9]):([0-9]+)\b")


def tls_hosts_in_notes(text: str, port: int) -> list[str]:
    """Every host NOTES print with the TLS port, in order."""
    return [host for host, found in HOST_PORT.findall(text) if int(found) == port]


@functools.cache
def _serving(dns_names: tuple[str, ...]) -> tuple[ssl.SSLContext, str]:
    """A server's TLS context presenting a certificate of exactly these names, and the
    CA that signed it."""
    authority = Authority.make()
    with tempfile.TemporaryDirectory() as directory:
        secret = Path(directory)
        for name, text in authority.secret(list(dns_names), "ec", "pkcs8").items():
            (secret / name).write_text(text)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(secret / "tls.crt", secret / "tls.key")
    return context, authority.pem


def covered(host: str, dns_names: list[str]) -> bool:
    """Whether a client checking hostnames with OpenSSL (Python's ssl, as kazoo and the
    test pod do; the C client alike) accepts `host` from a server whose certificate holds
    exactly `dns_names`: a TLS handshake in memory, the chain checked as the test pod
    checks it. OpenSSL takes a wildcard only as the whole leftmost label, for exactly one
    label, and only with at least two labels after it."""
    server_context, authority = _serving(tuple(dns_names))
    client_context = ssl.create_default_context(cadata=authority)
    client_context.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_context.wrap_bio(to_client, to_server, server_hostname=host)
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = server_context.wrap_bio(server_in, server_out, server_side=True)
    for _ in range(10):
        try:
            client.do_handshake()
            return True
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLCertVerificationError as error:
            if not error.verify_message.startswith("Hostname mismatch"):
                raise  # the chain: the name was never weighed
            return False
        server_in.write(to_server.read())
        with contextlib.suppress(ssl.SSLWantReadError):
            server.do_handshake()
        to_client.write(server_out.read())
    raise AssertionError(f"no handshake for {host}")


def test_wildcards_stand_for_one_label_with_two_after_it() -> None:
    names = ["*.a.b", "c.d", "*.e"]
    assert covered("x.a.b", names)
    assert covered("c.d", names)
    assert not covered("a.b", names)
    assert not covered("y.x.a.b", names)
    assert not covered("x.c.d", names)
    # What *.<name>-hs was: OpenSSL refuses a wildcard with one label after it.
    assert not covered("x.e", names)


@pytest.mark.parametrize("value_set", TLS_VALUE_SETS)
def test_the_certificate_covers_every_host_notes_give_tls_clients(value_set: str) -> None:
    values, name, namespace = TLS_VALUE_SETS[value_set]
    rendered = render(values, name=name, namespace=namespace)
    dns_names = one(documents(rendered), "Certificate")["spec"]["dnsNames"]
    port = values.get("ports", {}).get("clientTls", 2281)
    hosts = tls_hosts_in_notes(notes(rendered), port)
    members = 3 + values.get("observers", 0)
    assert len(hosts) == 1 + members, hosts  # the client Service, then every member
    assert all(host.endswith(f".{namespace}") for host in hosts)
    for host in hosts:
        assert covered(host, dns_names), f"{host} not covered by {dns_names}"
    # And every other form a client in the cluster may use, the shortest (what the pods
    # of the release's namespace resolve) too.
    stem = values.get("fullnameOverride") or name
    domain = values.get("clusterDomain", "cluster.local")
    for suffix in ["", f".{namespace}", f".{namespace}.svc", f".{namespace}.svc.{domain}"]:
        for member in range(members):
            assert covered(f"{stem}-{member}.{stem}-hs{suffix}", dns_names)
        assert covered(f"{stem}-cs{suffix}", dns_names)


def test_with_reconfig_the_short_names_are_those_of_the_pods_at_the_last_upgrade() -> None:
    """kubectl scale adds pods the Certificate does not name by their short name: the
    namespace-qualified wildcards cover them, and the next helm upgrade names them."""
    values = {
        "reconfig": True,
        "tls": {"enabled": True, "portUnification": True, "certManager": CERT_MANAGER},
    }
    live = one(documents(render(values)), "StatefulSet")
    live["spec"]["replicas"] = 5
    dns_names = one(documents(render_upgrade(live, values)), "Certificate")["spec"]["dnsNames"]
    assert covered("my-zk-4.my-zk-hs", dns_names)
    assert not covered("my-zk-5.my-zk-hs", dns_names)  # scaled to 6 after this upgrade
    for suffix in [".zk", ".zk.svc", ".zk.svc.cluster.local"]:
        assert covered(f"my-zk-5.my-zk-hs{suffix}", dns_names)


def test_the_names_the_readme_promises_are_covered() -> None:
    hosts = {
        host
        for title in ["Naming for a release", "TLS in the chart"]
        for host in re.findall(
            r"`(my-zk-(?:[0-9]+\.my-zk-h|c)s(?:\.[-\w]+)*)(?::[0-9]+)?`",  # members, clients
            README.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0],
        )
    }
    assert {
        "my-zk-0.my-zk-hs.zk.svc.cluster.local",
        "my-zk-0.my-zk-hs.zk",
        "my-zk-0.my-zk-hs",
        "my-zk-cs.zk",
    } <= hosts
    values, name, namespace = TLS_VALUE_SETS["defaults"]
    dns_names = one(documents(render(values, name, namespace)), "Certificate")["spec"]["dnsNames"]
    for host in hosts:
        assert covered(host, dns_names), host


def test_the_readme_example_certificate_covers_the_hosts_notes_give() -> None:
    section = README.split("### A copy-paste cert-manager example\n", 1)[1].split("\n### ", 1)[0]
    (written,) = [
        doc
        for example in re.findall(r"```yaml\n(apiVersion:.*?)```", section, re.DOTALL)
        for doc in yaml.safe_load_all(example)
        if doc["kind"] == "Certificate" and doc["spec"]["secretName"] == "zk-tls"
    ]
    values = {"tls": {"enabled": True, "certManager": CERT_MANAGER}}
    for host in tls_hosts_in_notes(notes(render(values, "zk", "default")), 2281):
        assert covered(host, written["spec"]["dnsNames"]), host


def hook_script(values: dict[str, Any]) -> str:
    pod = one(documents(render(values)), "Pod")
    script: str = pod["spec"]["containers"][0]["command"][-1]
    return script


def hostname_check(script: str) -> tuple[str, int, list[str]]:
    """The test pod's hostname check: its Python code, port and hosts."""
    found = re.search(
        r"python3 -c '\n((?:(?!\n').)*server_hostname(?:(?!\n').)*)\n' (.*)", script, re.S
    )
    assert found, script
    port, *hosts = found.group(2).split()
    return found.group(1), int(port), hosts


@pytest.mark.parametrize("value_set", TLS_VALUE_SETS)
def test_helm_test_checks_the_names_notes_give_against_the_certificate(value_set: str) -> None:
    values, name, namespace = TLS_VALUE_SETS[value_set]
    rendered = render(values, name=name, namespace=namespace)
    pod = one(documents(rendered), "Pod")
    _code, port, hosts = hostname_check(pod["spec"]["containers"][0]["command"][-1])
    assert port == values.get("ports", {}).get("clientTls", 2281)
    # And the short names, which the test pod resolves in the release's namespace.
    stem = values.get("fullnameOverride") or name
    members = 3 + values.get("observers", 0)
    short = [f"{stem}-cs", *(f"{stem}-{member}.{stem}-hs" for member in range(members))]
    assert hosts == [*tls_hosts_in_notes(notes(rendered), port), *short]
    dns_names = one(documents(rendered), "Certificate")["spec"]["dnsNames"]
    for host in hosts:
        assert covered(host, dns_names), host


def test_without_tls_helm_test_checks_no_certificate() -> None:
    assert "server_hostname" not in hook_script({})


@contextmanager
def tls_server(secret: Path) -> Iterator[int]:
    """A TLS listener on 127.0.0.1 presenting the Secret's certificate; its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(secret / "tls.crt"), str(secret / "tls.key"))
    context.load_verify_locations(str(secret / "ca.crt"))
    context.verify_mode = ssl.CERT_OPTIONAL
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize(
    ("names", "passes"),
    [
        (["localhost"], True),
        (["*.localhost", "localhost.zk"], False),  # a wildcard is one label, never none
        (["*.my-zk-hs.zk.svc.cluster.local", "my-zk-cs"], False),
    ],
)
def test_the_hostname_check_fails_on_a_name_the_certificate_lacks(
    tmp_path: Path, names: list[str], passes: bool
) -> None:
    """The test pod's own Python, run against a server: it verifies names, not only the
    chain (zookeeper-ready's check)."""
    code, _port, _hosts = hostname_check(hook_script({"tls": {"enabled": True}}))
    secret = tmp_path / "tls"
    mount_secret(secret, Authority.make().secret(names))
    code = code.replace("/etc/zookeeper/tls", str(secret))
    with tls_server(secret) as port:
        result = subprocess.run(
            [sys.executable, "-c", code, str(port), "localhost"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    if passes:
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"localhost:{port}: the certificate names it\n"
    else:
        assert result.returncode != 0
        assert f"localhost:{port}: " in result.stderr
        assert "certificate verification failed: Hostname mismatch" in result.stderr


# -- 3. the NetworkPolicy: the chart's own labels, and egress ------------------------------

MEMBERS = {
    "app": RELEASE,
    "app.kubernetes.io/name": "zookeeper",
    "app.kubernetes.io/instance": RELEASE,
}
MEMBER_PEER = {"podSelector": {"matchLabels": MEMBERS}}
KUBE_SYSTEM = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}


def policy(values: dict[str, Any]) -> Document:
    """The members' NetworkPolicy."""
    (found,) = [
        doc
        for doc in validate_all(values)
        if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == RELEASE
    ]
    spec: Document = found["spec"]
    return spec


def helm_test_policy(values: dict[str, Any]) -> Document | None:
    """The `helm test` pod's NetworkPolicy, if any."""
    found = [
        doc
        for doc in validate_all(values)
        if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == f"{RELEASE}-test.egress"
    ]
    return found[0]["spec"] if found else None


def peers_of(rules: list[Document], port: int) -> list[Any]:
    return [
        rule.get("from", rule.get("to"))
        for rule in rules
        if any(p["port"] == port for p in rule.get("ports", []))
    ]


def test_the_quorum_ports_admit_the_members_by_the_charts_own_labels() -> None:
    """`app: my-zk` alone is a label any workload may carry: it would reach the quorum."""
    spec = policy({})
    assert spec["podSelector"] == {"matchLabels": MEMBERS}
    assert peers_of(spec["ingress"], 2888) == [[MEMBER_PEER]]
    assert peers_of(spec["ingress"], 3888) == [[MEMBER_PEER]]
    reconfig = policy({"reconfig": True, "networkPolicy": {"clientFrom": [{"podSelector": {}}]}})
    assert [MEMBER_PEER] in peers_of(reconfig["ingress"], 2181)


def test_the_pods_carry_the_labels_and_the_statefulset_selector_stays() -> None:
    values = {
        "podLabels": {
            "app.kubernetes.io/name": "other",
            "app.kubernetes.io/instance": "other",
            "team": "db",
        }
    }
    sts = one(documents(render(values)), "StatefulSet")
    assert sts["spec"]["selector"] == {"matchLabels": {"app": RELEASE}}  # immutable
    labels = sts["spec"]["template"]["metadata"]["labels"]
    assert MEMBERS.items() <= labels.items()
    named = one(documents(render({"fullnameOverride": "zk"}, name="prod")), "NetworkPolicy")
    assert named["spec"]["podSelector"]["matchLabels"] == {
        "app": "zk",
        "app.kubernetes.io/name": "zookeeper",
        "app.kubernetes.io/instance": "prod",
    }


def test_the_test_pod_is_no_member() -> None:
    labels = one(documents(render({})), "Pod")["metadata"]["labels"]
    assert not MEMBERS.items() <= labels.items()


def test_egress_is_left_alone_by_default() -> None:
    spec = policy({})
    assert spec["policyTypes"] == ["Ingress"]
    assert "egress" not in spec


@pytest.mark.parametrize(
    ("values", "client_ports"),
    [
        ({}, [2181]),
        ({"tls": {"enabled": True}}, [2281]),
        ({"tls": {"enabled": True, "portUnification": True}}, [2181, 2281]),
    ],
)
def test_egress_lets_the_members_reach_dns_and_each_other(
    values: dict[str, Any], client_ports: list[int]
) -> None:
    spec = policy({**values, "networkPolicy": {"egress": {"enabled": True}}})
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    dns, members = spec["egress"]
    assert dns == {
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        "to": [KUBE_SYSTEM],
    }
    assert members["to"] == [MEMBER_PEER]
    assert [p["port"] for p in members["ports"]] == [2888, 3888, *client_ports]


@pytest.mark.parametrize(
    ("values", "ports"),
    [
        ({}, [2181]),
        ({"tls": {"enabled": True}}, [2281]),
        (
            {"tls": {"enabled": True, "portUnification": True}, "metrics": {"enabled": True}},
            [2181, 2281, 9141],
        ),
    ],
)
def test_with_egress_the_test_pod_reaches_dns_and_the_members_it_asks(
    values: dict[str, Any], ports: list[int]
) -> None:
    """In a default-deny-egress cluster `helm test` asks every member's client port (and
    exporter): a policy of its own lets it out, selecting it alone."""
    assert helm_test_policy(values) is None
    spec = helm_test_policy({**values, "networkPolicy": {"egress": {"enabled": True}}})
    assert spec is not None
    assert spec["policyTypes"] == ["Egress"]
    labels = {
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": f"{RELEASE}-test",
    }
    assert spec["podSelector"] == {"matchLabels": labels}
    test_pod = next(d for d in validate_all(values) if d["kind"] == "Pod")
    assert labels.items() <= test_pod["metadata"]["labels"].items()
    dns, members = spec["egress"]
    assert dns == {
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        "to": [KUBE_SYSTEM],
    }
    assert members["to"] == [MEMBER_PEER]
    assert [p["port"] for p in members["ports"]] == ports


EVERYTHING = {
    "reconfig": True,
    "tls": {"enabled": True, "portUnification": True, "certManager": CERT_MANAGER},
    "metrics": {
        "enabled": True,
        "serviceMonitor": {"enabled": True},
        "prometheusRule": {"enabled": True, "rules": [{"alert": "Down", "expr": "up == 0"}]},
    },
    "networkPolicy": {"egress": {"enabled": True}},
}


def named_objects(name: str) -> set[tuple[str, str]]:
    """Every object release `name` makes in the namespace (its pods too), by kind and
    name, with everything on."""
    docs = documents(render(EVERYTHING, name=name))
    objects = {(doc["kind"], doc["metadata"]["name"]) for doc in docs}
    objects.add(("Secret", one(docs, "Certificate")["spec"]["secretName"]))
    sts = one(docs, "StatefulSet")
    pods = {("Pod", f"{name}-{ordinal}") for ordinal in range(sts["spec"]["replicas"])}
    return objects | pods


def test_no_object_takes_the_name_of_another_releases_object() -> None:
    """Release zk and a release named after one of zk's objects, zk-<suffix>, in one
    namespace: no kind holds a name twice, or the second install fails."""
    objects = named_objects("zk")
    suffixes = {name.removeprefix("zk-") for _kind, name in objects if name.startswith("zk-")}
    releases = [f"zk-{suffix}" for suffix in sorted(suffixes) if "." not in suffix]
    assert {"zk-test", "zk-hs", "zk-tls", "zk-0"} <= set(releases)
    for release in releases:
        assert not objects & named_objects(release), release


def test_egress_takes_any_dns_and_extra_rules() -> None:
    extra = [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 2181}]}]
    spec = policy({"networkPolicy": {"egress": {"enabled": True, "dnsTo": [], "extra": extra}}})
    dns, _members, *rest = spec["egress"]
    assert "to" not in dns  # any destination: node-local DNS caches are no pods
    assert rest == extra


def test_the_schema_refuses_an_unknown_egress_key() -> None:
    with pytest.raises(HelmError, match="egress"):
        render({"networkPolicy": {"egress": {"enabled": True, "rules": []}}})


def test_the_default_client_from_stays_and_its_reach_is_documented() -> None:
    """Narrowing it by default would cut off clients in other namespaces on upgrade."""
    defaults = yaml.safe_load(VALUES_YAML)
    assert defaults["networkPolicy"]["clientFrom"] == [{"namespaceSelector": {}}]
    assert "admits every pod of every namespace" in VALUES_YAML
    assert "an upgrade cuts off no client" in VALUES_YAML
    (row,) = re.findall(r"^\| `networkPolicy\.clientFrom` \| .*$", README, re.M)
    assert "any pod of any namespace" in row
    assert "By default any pod of any namespace reaches the client port" in README


# -- 4. the metrics sidecar: probes and its listen address ---------------------------------

METRICS = {"metrics": {"enabled": True}}


def exporter(values: dict[str, Any]) -> Document:
    return container(
        {**values, "metrics": {"enabled": True, **values.get("metrics", {})}}, "metrics"
    )


def test_the_exporter_has_a_liveness_probe_on_metrics_and_no_readiness_probe() -> None:
    """/metrics answers 200 with zookeeper_up 0 while ZooKeeper is down
    (tests/unit/test_exporter.py): liveness watches the exporter, never its member. A pod is
    Ready only when all its containers are: the exporter has no say in it."""
    found = exporter({})
    ports = {p["name"]: p["containerPort"] for p in found["ports"]}
    probe = found["livenessProbe"]
    assert probe["httpGet"] == {"path": "/metrics", "port": "metrics"}
    assert "metrics" in ports
    # A scrape is one mntr within the exporter's --timeout, 1s by default.
    assert probe["timeoutSeconds"] > 1
    assert "readinessProbe" not in found
    assert "--timeout" not in " ".join(found["command"])
    validate_all(METRICS)
    assert "| CKV_K8S_9 readiness probe | exporter" in README


@pytest.mark.parametrize(
    ("address", "listen", "parsed"),
    [
        (None, "--listen=0.0.0.0:9141", ("0.0.0.0", 9141)),
        ("::", "--listen=[::]:9141", ("::", 9141)),
    ],
)
def test_the_listen_address_renders_as_zookeeper_metrics_parses_it(
    address: str | None, listen: str, parsed: tuple[str, int]
) -> None:
    metrics: dict[str, Any] = {} if address is None else {"listenAddress": address}
    command = exporter({"metrics": metrics})["command"]
    assert command[1] == listen
    assert listen_address(command[1].removeprefix("--listen=")) == parsed


def test_the_listen_address_follows_the_port() -> None:
    command = exporter({"metrics": {"listenAddress": "::", "port": 9200}})["command"]
    assert command[1] == "--listen=[::]:9200"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "[::1]",
        "localhost",
        # What a review found rendered into a broken exporter.
        "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1",
        "LOCALHOST",
        "0x7f000001",
        "0.0.0.0:9141",
        "10.0.0.7",
    ],
)
def test_a_listen_address_other_than_a_wildcard_is_refused(address: str) -> None:
    message = refusal({"metrics": {"enabled": True, "listenAddress": address}})
    assert "at '/metrics/listenAddress'" in message


@pytest.mark.parametrize("limit", ["16Mi", "30M", "33554431"])
def test_an_exporter_memory_limit_below_32mi_is_refused(limit: str) -> None:
    values = {
        "metrics": {
            "enabled": True,
            "resources": {"requests": {"memory": "8Mi"}, "limits": {"memory": limit}},
        }
    }
    message = refusal(values)
    assert f"metrics.resources.limits.memory {limit}: below 32Mi" in message


def test_an_exporter_memory_limit_of_32mi_renders() -> None:
    values = {"resources": {"requests": {"memory": "32Mi"}, "limits": {"memory": "32Mi"}}}
    assert exporter({"metrics": values})["resources"]["limits"]["memory"] == "32Mi"


def test_values_and_readme_document_the_listen_address() -> None:
    defaults = yaml.safe_load(VALUES_YAML)
    assert defaults["metrics"]["listenAddress"] == "0.0.0.0"
    assert "--listen=[::]:9141" in VALUES_YAML
    assert "| `metrics.listenAddress` | `0.0.0.0` |" in README


# -- 5. a heap without a memory limit is weighed against the request -----------------------


def memory(request: str | None = None, limit: str | None = None) -> dict[str, Any]:
    return {"requests": {"memory": request}, "limits": {"memory": limit}}


def test_a_heap_the_request_cannot_hold_is_refused_without_a_limit() -> None:
    message = refusal({"heap": "3G", "resources": memory("1Gi")})
    assert (
        "heap 3G needs a memory request of at least 1.5 x heap, 4.50Gi; the request is 1Gi"
        in message
    )
    assert "resources.requests.memory" in message


@pytest.mark.parametrize(
    "resources",
    [memory(), {"requests": None, "limits": None}],
    ids=["both null", "both maps null"],
)
def test_a_heap_with_no_memory_request_or_limit_is_refused(resources: dict[str, Any]) -> None:
    message = refusal({"heap": "3G", "resources": resources})
    assert "heap 3G with no memory request or limit: the scheduler reserves nothing" in message
    assert "to at least 1.5 x heap, 4.50Gi" in message


@pytest.mark.parametrize(
    "values",
    [
        {"heap": "3G", "resources": memory("4.5Gi")},  # exactly 1.5 x heap
        {"heap": "512M", "resources": memory("768Mi")},
        {"heap": "3G", "resources": {"limits": None}},  # the default 5Gi request
        {"heap": "3G", "resources": memory(None, "5Gi")},  # a limit alone: the limit's rule
    ],
)
def test_a_heap_the_request_holds_renders(values: dict[str, Any]) -> None:
    assert one(documents(render(values)), "StatefulSet")


def test_with_a_limit_the_limit_is_what_is_weighed() -> None:
    message = refusal({"heap": "3G", "resources": memory("1Gi", "2Gi")})
    assert "needs a memory limit of at least 1.5 x heap" in message
    assert "memory request" not in message


# -- 6. extraFlags: an allowlist ------------------------------------------------------------

HELPERS = (CHART / "templates" / "_helpers.tpl").read_text()


def defined(name: str) -> dict[str, Any]:
    """A YAML map a named template of _helpers.tpl holds."""
    opening = '{{- define "' + name + '" -}}\n'
    found = re.search(re.escape(opening) + r"(.*?)\{\{- end -\}\}", HELPERS, re.S)
    assert found, name
    loaded: dict[str, Any] = yaml.safe_load(found.group(1))
    return loaded


def allowed() -> dict[str, Any]:
    return defined("zookeeper.allowedFlags")


def test_every_start_zookeeper_flag_is_allowed_refused_or_the_charts() -> None:
    """A flag added to Settings must be decided on here: allowed, or refused saying why."""
    groups = [
        set(allowed()),
        set(defined("zookeeper.refusedFlags")),
        set(defined("zookeeper.chartFlags")),
    ]
    assert set().union(*groups) == {flag.name for flag in FLAGS}
    assert sum(len(group) for group in groups) == len(FLAGS)  # each in one group
    assert set(allowed()) == {
        "admin_port",
        "fast_failover",
        "four_letter_words",
        "jvm_flags",
        "tls_reload_interval",
        "tls_client_ca",
    }


# The start-zookeeper kind each zookeeper.allowedFlags kind checks a value as:
# words and jvm are str flags that start-zookeeper reads further.
CHART_KINDS = {"int": "int", "bool": "bool", "path": "path", "words": "str", "jvm": "str"}


def test_the_allowlist_checks_each_flag_as_its_declaration_says() -> None:
    """An allowed flag's kind, bounds and need of TLS are start-zookeeper's, so the
    chart refuses at install what every pod would refuse in a crash loop."""
    for name, rule in allowed().items():
        declared = FLAGS_BY_NAME[name]
        assert CHART_KINDS[rule["kind"]] == declared.kind, name
        if declared.kind == "int":
            assert (rule["min"], rule["max"]) == (declared.minimum, declared.maximum), name
        assert rule.get("tls", False) == (name in TLS_ONLY_FLAGS), name


def start_zookeeper(values: dict[str, Any]) -> Any:
    """What start-zookeeper makes of the rendered command, in member 0."""
    command = container(values)["command"]
    fqdn = f"{RELEASE}-0.{RELEASE}-hs.{NAMESPACE}.svc.cluster.local"
    return load_settings(command[1:], {}, lambda: fqdn)


@pytest.mark.parametrize(
    ("flags", "tls", "check"),
    [
        (["--fast_failover=false"], False, ("fast_failover", False)),
        (["--fast_failover"], False, ("fast_failover", True)),  # alone: true
        (["--fast-failover=off"], False, ("fast_failover", False)),
        (["--admin_port=8080"], False, ("admin_port", 8080)),
        (["--admin-port=08080"], False, ("admin_port", 8080)),  # base 10
        (
            ["--four_letter_words=ruok, mntr,srvr,stat"],
            False,
            ("four_letter_words", ("ruok", "mntr", "srvr", "stat")),
        ),
        (["--four_letter_words=*"], False, ("four_letter_words", ("*",))),
        (
            ["--jvm_flags=-XX:+AlwaysPreTouch -Dzookeeper.fips-mode=false"],
            False,
            ("jvm_flags", ("-XX:+AlwaysPreTouch", "-Dzookeeper.fips-mode=false")),
        ),
        (["--tls_reload_interval=30"], True, ("tls_reload_interval", 30)),
        (
            ["--tls_client_ca=/etc/zookeeper/tls/ca.crt"],
            True,
            ("tls_client_ca", "/etc/zookeeper/tls/ca.crt"),
        ),
    ],
)
def test_allowed_flags_reach_start_zookeeper(
    flags: list[str], tls: bool, check: tuple[str, Any]
) -> None:
    values: dict[str, Any] = {"extraFlags": flags, "tls": {"enabled": tls}}
    assert container(values)["command"][-len(flags) :] == flags
    settings = start_zookeeper(values)
    attribute, expected = check
    assert getattr(settings, attribute) == expected


@pytest.mark.parametrize(
    ("flag", "complaint"),
    [
        (
            "--hostname=zk-0",
            "--hostname is refused: a member takes its server id from its pod's name",
        ),
        ("--domain=other-hs.zk.svc.cluster.local", "--domain is refused: members find each other"),
        ("--dry_run=true", "--dry_run is refused: start-zookeeper would print its files and exit"),
        ("--dry-run", "--dry_run is refused"),
        ("--client_address=10.1.2.3", "--client_address is refused: the probes and the exporter"),
        ("--log_dir=/tmp", "--log_dir is refused"),
        ("--zk_home=/opt/zookeeper", "--zk_home is refused"),
        ("--four_letter_words=stat", "the probes need ruok (liveness) and mntr"),
        ("--four_letter_words=ruok,srvr", "the probes need ruok (liveness) and mntr"),
        ("--four_letter_words=ruok,mntr", "the start gate and zookeeper-scale srvr"),
        (
            "--jvm_flags=-Dzookeeper.DigestAuthenticationProvider.superDigest=super:x",
            "-Dzookeeper.DigestAuthenticationProvider.superDigest overrides what start-zookeeper",
        ),
        ("--jvm_flags=-Dzookeeper.skipACL=yes", "-Dzookeeper.skipACL overrides"),
        ("--jvm_flags=-Dlogback.configurationFile=/x.xml", "-Dlogback.configurationFile"),
        ("--jvm_flags=-Xmx64g", "-Xmx64g sizes the heap, which heap sets"),
        ("--jvm_flags=-Dx=1 -Xms1g", "-Xms1g sizes the heap"),
        ("--jvm_flags=-XX:MaxRAMPercentage=80", "-XX:MaxRAMPercentage=80 sizes the heap"),
        # start-zookeeper splits --jvm_flags as a shell would: these are -Xmx64g.
        ("--jvm_flags=-X''mx64g", "quotes and backslashes in --jvm_flags: the chart cannot see"),
        ('--jvm_flags=-X""mx64g', "quotes and backslashes in --jvm_flags"),
        ("--jvm_flags=-X\\mx64g", "quotes and backslashes in --jvm_flags"),
        ("--jvm_flags='-XX:MaxRAMPercentage=80'", "quotes and backslashes in --jvm_flags"),
        # Files of options the JVM reads, which the chart cannot.
        (
            "--jvm_flags=-Dx=1 @/etc/zookeeper/jvm.args",
            "@/etc/zookeeper/jvm.args reads JVM options",
        ),
        ("--jvm_flags=-XX:Flags=/tmp/.hotspotrc", "-XX:Flags=/tmp/.hotspotrc reads JVM options"),
        ("--jvm_flags=-XX:VMOptionsFile=/tmp/o", "-XX:VMOptionsFile=/tmp/o reads JVM options"),
        # The heap's options in any case.
        ("--jvm_flags=-XX:maxheapsize=64g", "-XX:maxheapsize=64g sizes the heap"),
        ("--jvm_flags=-XMX64g", "-XMX64g sizes the heap"),
        ("--jvm_flags=-XX:MaxRAM=8g", "-XX:MaxRAM=8g sizes the heap"),
        ("--jvm_flags=-XX:InitialRAMPercentage=50", "-XX:InitialRAMPercentage=50 sizes the heap"),
        ("--jvm_flags=-XX:MaxHeapSize=8g", "-XX:MaxHeapSize=8g sizes the heap"),
        ("--tls_reload_interval=10", "--tls_reload_interval is for TLS, which is off"),
        ("--tls_client_ca=/etc/ca.pem", "--tls_client_ca is for TLS, which is off"),
        ("--no_such_flag=1", "--no_such_flag is not a flag extraFlags may set (admin_port, "),
        ("--admin_port", "--admin_port needs a value: --admin_port=VALUE, in one entry"),
        ("--jvm_flags", "--jvm_flags needs a value"),
        ("--admin_port=70000", "--admin_port must be a number from 0 to 65535"),
        ("--admin_port=-1", "--admin_port must be a number from 0 to 65535"),
        ("--fast_failover=maybe", "--fast_failover must be true or false"),
    ],
)
def test_flags_that_break_a_pod_or_its_identity_are_refused(flag: str, complaint: str) -> None:
    message = refusal({"extraFlags": ["--fast_failover=false", flag]})
    assert complaint in message
    assert message.count("\n") == 0, message  # one problem: the allowed flag is none


def test_a_tls_flag_with_tls_off_says_what_to_set() -> None:
    message = refusal({"extraFlags": ["--tls_reload_interval=10"]})
    assert "(set tls.enabled, or remove it)" in message


def test_a_chart_set_flag_still_names_the_value_to_set() -> None:
    message = refusal({"extraFlags": ["--heap=8G"]})
    assert 'extraFlags "--heap=8G": the chart sets --heap itself; set heap instead' in message


def test_an_admin_port_with_a_leading_zero_is_read_in_base_10() -> None:
    """sprig's int reads "09141" as octal (and fails to 0): the clash went unseen."""
    message = refusal({"extraFlags": ["--admin_port=09141"], **METRICS})
    assert "extraFlags --admin_port 9141: same port as metrics.port" in message
    message = refusal({"extraFlags": ["--admin_port=02181"]})
    assert "extraFlags --admin_port 2181: same port as ports.client" in message
    assert one(documents(render({"extraFlags": ["--admin_port=09142"], **METRICS})), "StatefulSet")


def test_every_refused_flag_is_reported_at_once() -> None:
    message = refusal(
        {"extraFlags": ["--hostname=a", "--dry_run", "--jvm_flags=-Xmx1g", "--servers=5"]}
    )
    assert "4 problems with the values:" in message


def test_values_and_readme_list_the_allowed_flags() -> None:
    comment = VALUES_YAML.split("\nextraFlags:", 1)[0].rsplit("\n\n", 1)[1]
    (row,) = re.findall(r"^\| `extraFlags` \| .*$", README, re.M)
    for name in allowed():
        assert f"--{name}" in comment, name
        assert f"`--{name}`" in row, name
    for name in ["hostname", "domain", "client_address", "dry_run"]:
        assert f"`--{name}`" in row


@pytest.mark.parametrize(
    ("variable", "complaint"),
    [
        (
            {"name": "ZK_HOSTNAME", "value": "zk"},
            "--hostname is refused: a member takes its server id",
        ),
        ({"name": "ZK_DRY_RUN", "value": "true"}, "--dry_run is refused"),
        ({"name": "ZK_FOUR_LETTER_WORDS", "value": "stat"}, "the probes need ruok"),
        ({"name": "ZK_JVM_FLAGS", "value": "-Xmx64g"}, "-Xmx64g sizes the heap"),
        ({"name": "ZK_TLS_CLIENT_CA", "value": "/ca.crt"}, "--tls_client_ca is for TLS"),
        # start-zookeeper reads ZOOKEEPER_HOME as --zk_home.
        ({"name": "ZOOKEEPER_HOME", "value": "/opt/other"}, "--zk_home is refused"),
    ],
)
def test_an_env_var_is_held_to_the_rule_extra_flags_are(
    variable: dict[str, str], complaint: str
) -> None:
    """start-zookeeper reads ZK_<FLAG> as --<flag>: the variable is the flag by another way."""
    with pytest.raises(HelmError) as refused:
        render({"extraEnvVars": [variable]})
    assert f"extraEnvVars {variable['name']}: start-zookeeper reads it as --" in str(refused.value)
    assert complaint in str(refused.value)


@pytest.mark.parametrize("name", ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"])
def test_jvm_wide_option_variables_are_refused(name: str) -> None:
    message = refusal({"extraEnvVars": [{"name": name, "value": "-Xmx64g"}]})
    assert f"extraEnvVars {name}: the JVM reads it past the chart's heap check" in message
    assert "--jvm_flags" in message


def test_a_variable_named_in_lower_case_is_no_flag() -> None:
    """Environment names are case-sensitive: start-zookeeper reads ZK_HEAP, never ZK_heap."""
    env = [{"name": "ZK_heap", "value": "64g"}, {"name": "zk_servers", "value": "1"}]
    (sts,) = [d for d in documents(render({"extraEnvVars": env})) if d["kind"] == "StatefulSet"]
    assert sts["spec"]["template"]["spec"]["containers"][0]["env"] == env


def test_an_admin_port_variable_is_checked_against_the_pods_ports() -> None:
    message = refusal({"extraEnvVars": [{"name": "ZK_ADMIN_PORT", "value": "2181"}]})
    assert "extraEnvVars ZK_ADMIN_PORT 2181: same port as ports.client" in message
    # The command line wins, as start-zookeeper reads them.
    both = {
        "extraEnvVars": [{"name": "ZK_ADMIN_PORT", "value": "2181"}],
        "extraFlags": ["--admin_port=8080"],
    }
    documents(render(both))


def test_env_vars_that_are_no_flag_or_come_from_a_secret_render() -> None:
    secret_ref = {"secretKeyRef": {"name": "jvm", "key": "flags"}}
    env = [
        {"name": "ZK_TEAM", "value": "storage"},
        {"name": "ZK_JVM_FLAGS", "valueFrom": secret_ref},
        {"name": "ZK_FAST_FAILOVER", "value": "false"},
    ]
    (sts,) = [d for d in documents(render({"extraEnvVars": env})) if d["kind"] == "StatefulSet"]
    assert sts["spec"]["template"]["spec"]["containers"][0]["env"] == env


# -- a key set to null, or missing: the chart's default -------------------------------------
# Helm deletes a key set to null from the values, and `helm upgrade --reuse-values` renders
# with the older chart version's values.yaml, which lacks every key this version added:
# either way the key takes the chart's default, from files/values.yaml.

DEFAULTS = yaml.safe_load(VALUES_YAML)
# Where a null drops a field on purpose (README, Values): no default fills a key in.
NULL_DROPS = ["podSecurityContext", "securityContext", "resources", "metrics.resources"]
EVERY_FEATURE = {
    "tls": {"enabled": True, "portUnification": True},
    "reconfig": True,
    "metrics": {
        "enabled": True,
        "serviceMonitor": {"enabled": True},
        "prometheusRule": {"enabled": True, "rules": [{"alert": "Down", "expr": "up == 0"}]},
    },
    "storage": {"dataLog": {"enabled": True}},
    "networkPolicy": {"egress": {"enabled": True}},
}
# The original chart's keys, written over the chart's: NOTES name the value they win over.
ORIGINAL_KEYS = {"Servers": 5, "TickTimeMs": 3000}
VALUE_SETS = {"defaults": {}, "every feature": EVERY_FEATURE, "original keys": ORIGINAL_KEYS}


def chart_keys(leaves: bool, node: dict[str, Any] = DEFAULTS, path: str = "") -> list[str]:
    """values.yaml's keys outside NULL_DROPS, as dotted paths: the outermost (metrics'
    own beside metrics.resources), or with leaves=True every key that holds no map."""
    found: list[str] = []
    for key, value in node.items():
        at = f"{path}{key}"
        if at in NULL_DROPS:
            continue
        holds_a_drop = any(drop.startswith(f"{at}.") for drop in NULL_DROPS)
        if isinstance(value, dict) and value and (leaves or holds_a_drop):
            found += chart_keys(leaves, value, f"{at}.")
        else:
            found.append(at)
    return found


def nulled(paths: list[str]) -> dict[str, Any]:
    """Values that set each of `paths` to null."""
    values: dict[str, Any] = {}
    for path in paths:
        *parents, key = path.split(".")
        node = values
        for parent in parents:
            node = node.setdefault(parent, {})
        node[key] = None
    return values


def comparable(rendered: dict[str, str]) -> tuple[list[Document], str]:
    """The objects and NOTES; without the reconfig password, which each offline render draws
    anew."""
    docs = documents(rendered)
    for doc in docs:
        if doc["kind"] == "Secret":
            doc.get("data", {}).pop("password", None)
    return docs, notes(rendered)


@functools.cache
def as_the_chart_renders(values_set: str) -> tuple[list[Document], str]:
    return comparable(render(VALUE_SETS[values_set]))


@pytest.mark.parametrize(
    "path",
    [
        "replicas",
        "antiAffinity",
        "ports.server",
        "zookeeper.tickTime",
        "terminationGracePeriodSeconds",
        "podDisruptionBudget.maxUnavailable",
        "livenessProbe",
        "tls",
        "metrics",
        "storage",
        "networkPolicy.clientFrom",
        # The ServiceAccount is made as the pods name it.
        "serviceAccount.create",
        "image.tag",
        "resources",
    ],
)
def test_a_key_set_to_null_renders_as_its_default(path: str) -> None:
    assert comparable(render(nulled([path]))) == as_the_chart_renders("defaults")


@pytest.mark.parametrize("leaves", [False, True], ids=["outermost keys", "leaves"])
def test_every_key_set_to_null_at_once_renders_as_the_defaults(leaves: bool) -> None:
    assert comparable(render(nulled(chart_keys(leaves)))) == as_the_chart_renders("defaults")


def test_the_keys_left_out_include_those_recent_versions_added() -> None:
    assert {"tls", "networkPolicy", "metrics.prometheusRule", "reconfigExistingSecret"} <= set(
        chart_keys(leaves=False)
    )
    assert {
        "tls.plaintextClients",
        "networkPolicy.egress.dnsTo",
        "storage.dataLog.size",
        "image.digest",
    } <= set(chart_keys(leaves=True))


@pytest.mark.parametrize("values_set", VALUE_SETS)
@pytest.mark.parametrize("leaves", [False, True], ids=["outermost keys", "leaves"])
def test_reusing_the_values_of_a_chart_without_these_keys_renders_as_this_chart(
    leaves: bool, values_set: str
) -> None:
    """--reuse-values from a chart version whose values.yaml had none of them."""
    reused = render_reusing(chart_keys(leaves), VALUE_SETS[values_set])
    assert comparable(reused) == as_the_chart_renders(values_set)


@pytest.mark.parametrize(
    ("missing", "values"),
    [
        ("tls.plaintextClients", {}),
        ("tls.plaintextClients", {"tls": {"enabled": True}}),
        ("networkPolicy.egress", {"networkPolicy": {"egress": {"enabled": True}}}),
        ("storage.dataLog", {}),
        ("storage.dataLog.size", {"storage": {"dataLog": {"enabled": True}}}),
        ("metrics.prometheusRule", {"metrics": {"enabled": True}}),
        ("reconfigExistingSecret", {"reconfig": True}),
        ("extraVolumes", {}),
    ],
)
def test_reusing_the_values_of_a_chart_without_a_recent_key_renders_as_this_chart(
    missing: str, values: dict[str, Any]
) -> None:
    assert comparable(render_reusing([missing], values)) == comparable(render(values))


def test_reusing_values_without_a_security_context_key_leaves_the_field_out() -> None:
    """A null there drops the field on purpose, and a missing key reads the same (README)."""
    reused = one(documents(render_reusing(["podSecurityContext.fsGroup"])), "StatefulSet")
    assert "fsGroup" not in reused["spec"]["template"]["spec"]["securityContext"]


@pytest.mark.parametrize(
    "values",
    [
        # Documented: a key set to null drops it (OpenShift assigns its own uid).
        {"podSecurityContext": {"runAsUser": None, "fsGroup": None}},
        {"securityContext": {"readOnlyRootFilesystem": None}},
        # A limit or request may go.
        {"resources": {"limits": None}},
        {"metrics": {"enabled": True, "resources": {"limits": {"memory": None}}}},
        # Null is a default's own value.
        {"storage": {"className": None}, "revisionHistoryLimit": None},
    ],
)
def test_null_renders_where_it_means_something(values: dict[str, Any]) -> None:
    documents(render(values))


def test_a_null_the_original_keys_fill_renders() -> None:
    sts = one(documents(render({"Servers": 5, "replicas": None})), "StatefulSet")
    assert sts["spec"]["replicas"] == 5


def test_the_templates_read_the_defaults_values_yaml_gives() -> None:
    """Helm keeps values.yaml out of .Files: files/values.yaml is a plain copy of it
    (`make manifests`), which survives wherever the chart is copied as files."""
    copy = CHART / "files" / "values.yaml"
    assert not copy.is_symlink()
    assert copy.read_text() == VALUES_YAML


# -- labels merged, never a key twice ----------------------------------------------------

CHART_LABEL_KEYS = [
    "app",
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "helm.sh/chart",
]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"tls": {"enabled": True, "certManager": {"enabled": True, "issuerRef": {"name": "ca"}}}},
        {"reconfig": True},
    ],
)
def test_no_rendered_object_has_a_key_twice(extra: dict[str, Any]) -> None:
    """commonLabels, podLabels and the other maps the values give, with every key the
    chart sets itself: each object takes them merged (YAML forbids a key twice, and
    `kubectl apply` refuses some such objects)."""
    labels = {key: "user" for key in CHART_LABEL_KEYS}
    annotations = {"helm.sh/hook": "x", "helm.sh/resource-policy": "x", "note": "user"}
    values: dict[str, Any] = {
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "podLabels": labels,
        "podAnnotations": annotations,
        "storage": {"labels": labels, "annotations": annotations},
        "service": {"annotations": annotations},
        "serviceAccount": {"annotations": annotations},
        "networkPolicy": {"egress": {"enabled": True}},
        "metrics": {
            "enabled": True,
            "serviceMonitor": {"enabled": True, "labels": labels},
            "prometheusRule": {
                "enabled": True,
                "labels": labels,
                "rules": [{"alert": "ZooKeeperDown", "expr": "zookeeper_up == 0"}],
            },
        },
        **extra,
    }
    docs = strict_documents(render(values))
    assert len(docs) == len(documents(render(values)))
    service = next(d for d in docs if d["metadata"]["name"] == f"{RELEASE}-metrics")
    assert service["metadata"]["labels"]["app.kubernetes.io/component"] == "metrics"


def test_the_test_pod_runs_where_the_members_may_and_resolves_as_they_do() -> None:
    values = {
        "nodeSelector": {"pool": "zookeeper"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "zk"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                    ]
                }
            }
        },
        "priorityClassName": "critical",
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
        "hostAliases": [{"ip": "10.0.0.9", "hostnames": ["registry.example"]}],
    }
    docs = documents(render(values))
    (pod,) = [doc for doc in docs if doc["kind"] == "Pod"]
    (sts,) = [doc for doc in docs if doc["kind"] == "StatefulSet"]
    members = sts["spec"]["template"]["spec"]
    for field in ("nodeSelector", "tolerations", "priorityClassName", "dnsConfig", "hostAliases"):
        assert pod["spec"][field] == members[field], field
    assert pod["spec"]["affinity"] == {"nodeAffinity": values["affinity"]["nodeAffinity"]}


def test_a_sidecar_cannot_take_a_port_zookeeper_listens_on() -> None:
    sidecar = {"name": "proxy", "image": "proxy:1", "ports": [{"containerPort": 2888}]}
    complaint = "sidecars proxy containerPort 2888: same port as ports.server (a sidecar shares"
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render({"sidecars": [sidecar]})


def test_a_chart_whose_defaults_copy_is_not_yaml_says_so() -> None:
    """As a checkout that writes a symbolic link as a text file would leave it."""
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / "zookeeper"
        shutil.copytree(CHART, copy)
        (copy / "files" / "values.yaml").write_text("../values.yaml")
        with Chart.load(copy) as chart, pytest.raises(HelmError) as refused:
            chart.render(values={}, name="my-zk", namespace="zk")
    assert "files/values.yaml, a copy of values.yaml (make manifests writes it)" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("flag", "complaint"),
    [
        ("-Dzookeeper.snapshot.trust.empty=true", "whether logs without a snapshot are trusted"),
        ("-Dzookeeper.forceSync=no", "-Dzookeeper.forceSync overrides"),
        ("-XX:-ExitOnOutOfMemoryError", "keeps a JVM that ran out of heap running"),
    ],
)
def test_jvm_flags_cannot_weaken_what_keeps_the_data_safe(flag: str, complaint: str) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render({"extraFlags": [f"--jvm_flags={flag}"]})


def test_a_rolling_update_of_a_reconfig_ensemble_replaces_one_member_whatever_its_size() -> None:
    values = {"reconfig": True, "updateStrategy": {"type": "RollingUpdate"}}
    values["updateStrategy"]["rollingUpdate"] = {"maxUnavailable": "33%"}
    with pytest.raises(HelmError, match=re.escape("maxUnavailable 33%: a rolling update")):
        render(values)


def test_notes_survive_resources_the_original_keys_fill() -> None:
    shadowed = notes(render({"resources": {"limits": None}, "Memory": "6Gi"}))
    assert "Memory (6Gi wins over resources.requests.memory 5Gi)" in shadowed
    assert "resources.limits.memory" not in shadowed  # nothing there to win over
    assert "Cpu" not in notes(render({"resources": None, "Cpu": 2, "Memory": "6Gi"}))


def test_notes_warn_against_scaling_a_standalone_and_say_when_helm_test_is_current() -> None:
    standalone = notes(render({"replicas": 1}))
    assert "Do not kubectl scale it: start-zookeeper refuses the new pods" in standalone
    assert "Do not kubectl scale it" not in notes(render({"replicas": 1, "reconfig": True}))
    assert "--reuse-values before helm test" in notes(render({"reconfig": True}))


def test_notes_give_exporter_addresses_that_resolve_and_keep_reconfigs_plaintext_port() -> None:
    metrics = notes(render({"metrics": {"enabled": True}}))
    assert "http://<pod>.my-zk-hs.zk:9141/metrics" in metrics
    tls = {"enabled": True, "portUnification": True}
    assert "reconfig needs it" in notes(render({"reconfig": True, "tls": tls}))
    assert "turn it off" in notes(render({"tls": tls}))


# -- an original key set to null ---------------------------------------------------------


def test_an_original_key_set_to_null_leaves_the_charts_key() -> None:
    """StorageClass: null has no value: storage.className stays, and NOTES name no winner."""
    values = {"StorageClass": None, "storage": {"className": "fast"}}
    rendered = render(values)
    (claim,) = one(documents(rendered), "StatefulSet")["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "fast"
    assert "StorageClass" not in notes(rendered)


def test_a_refusal_names_the_charts_key_beside_an_original_key_set_to_null() -> None:
    live = one(documents(render({"storage": {"className": "slow"}})), "StatefulSet")
    with pytest.raises(HelmError) as refused:
        render_upgrade(live, {"StorageClass": None, "storage": {"className": "fast"}})
    assert 'storage.className "fast": the running StatefulSet\'s claims use' in str(refused.value)


# -- extraVolumeMounts: only where the chart mounts --------------------------------------

SCRATCH = [{"name": "scratch", "emptyDir": {}}]
# Every mount the chart can make (reconfig with TLS needs port unification).
EVERY_MOUNT = {
    "tls": {"enabled": True, "portUnification": True},
    "reconfig": True,
    "storage": {"dataLog": {"enabled": True}},
}


@pytest.mark.parametrize(
    "path",
    [mount["mountPath"] for mount in container(EVERY_MOUNT)["volumeMounts"]],
)
def test_each_mount_the_chart_makes_is_refused_to_extra_volume_mounts(path: str) -> None:
    values = {**EVERY_MOUNT, "extraVolumes": SCRATCH}
    values["extraVolumeMounts"] = [{"name": "scratch", "mountPath": path}]
    message = refusal(values)
    assert (
        f"extraVolumeMounts scratch: {path} is at, under or above the chart's own mount {path} ("
        in message
    )


def test_a_mount_over_the_conf_directory_says_start_zookeeper_writes_there() -> None:
    values = {"extraVolumes": SCRATCH}
    values["extraVolumeMounts"] = [{"name": "scratch", "mountPath": "/opt/zookeeper/conf"}]
    message = refusal(values)
    assert (
        "(an emptyDir where start-zookeeper writes zoo.cfg and the logging configuration" in message
    )


@pytest.mark.parametrize(
    "path",
    # Nothing is there: the image has no /etc/zookeeper, and these values mount none of these.
    [
        "/etc/zookeeper",
        "/etc/zookeeper/tls",
        "/etc/zookeeper/reconfig",
        "/var/lib/zookeeper-datalog",
    ],
)
def test_a_mount_where_the_chart_mounts_nothing_renders(path: str) -> None:
    mount = {"name": "scratch", "mountPath": path}
    values = {"extraVolumes": SCRATCH, "extraVolumeMounts": [mount]}
    assert container(values)["volumeMounts"][-1] == mount


# -- a path flag names a file the container mounts ---------------------------------------

CLIENT_CA = {
    "extraVolumes": [{"name": "client-ca", "secret": {"secretName": "zk-clients-ca"}}],
    "extraVolumeMounts": [{"name": "client-ca", "mountPath": "/etc/zk-client-ca/"}],
}


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ({}, "/etc/zookeeper/clients/ca.pem"),
        # Under a mount's name, not under the mount.
        (CLIENT_CA, "/etc/zk-client-ca-old/ca.crt"),
    ],
)
def test_a_tls_client_ca_on_no_mounted_volume_is_refused(values: dict[str, Any], path: str) -> None:
    message = refusal(
        {**values, "tls": {"enabled": True}, "extraFlags": [f"--tls_client_ca={path}"]}
    )
    assert (
        f'extraFlags "--tls_client_ca={path}": --tls_client_ca {path} is on no volume the '
        "zookeeper container mounts, so start-zookeeper would find no file there; mount the "
        "volume holding it with extraVolumes and extraVolumeMounts"
    ) in message
    assert message.count("\n") == 0, message


@pytest.mark.parametrize(
    ("values", "path"),
    [
        # Compared cleaned, as the kubelet reads the mount path.
        (CLIENT_CA, "/etc/zk-client-ca/./ca.crt"),
        (
            {
                **CLIENT_CA,
                "extraVolumeMounts": [
                    {"name": "client-ca", "mountPath": "/ca.crt", "subPath": "ca.crt"}
                ],
            },
            "/ca.crt",
        ),
        # The chart's own mount of the TLS Secret.
        ({}, "/etc/zookeeper/tls/ca.crt"),
    ],
)
def test_a_tls_client_ca_on_a_mounted_volume_renders(values: dict[str, Any], path: str) -> None:
    flags = [f"--tls_client_ca={path}"]
    command = container({**values, "tls": {"enabled": True}, "extraFlags": flags})["command"]
    assert command[-1] == flags[0]


def test_a_tls_client_ca_variable_is_held_to_the_same_mounts() -> None:
    variable = {"name": "ZK_TLS_CLIENT_CA", "value": "/etc/ca.crt"}
    message = refusal({"tls": {"enabled": True}, "extraEnvVars": [variable]})
    assert "--tls_client_ca /etc/ca.crt is on no volume the zookeeper container mounts" in message


# -- --jvm_flags cannot size the memory beside the heap ----------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "-Xss1m",
        "-XX:ThreadStackSize=2048",
        "-XX:MaxDirectMemorySize=2g",
        "-XX:ReservedCodeCacheSize=512m",
        "-XX:MaxMetaspaceSize=1g",
        "-XX:MetaspaceSize=256m",
        "-XX:CompressedClassSpaceSize=1g",
    ],
)
def test_jvm_flags_sizing_memory_outside_the_heap_are_refused(option: str) -> None:
    message = refusal({"extraFlags": [f"--jvm_flags=-Dx=1 {option}"]})
    assert (
        f"{option} sizes memory outside the heap (thread stacks, direct buffers, code cache or "
        "class metadata), which the memory check (heap against resources) assumes at the JVM's "
        "defaults; remove it"
    ) in message
    assert message.count("\n") == 0, message


# -- a required podAffinity for the members contradicts the hard anti-affinity -----------

HOST = "kubernetes.io/hostname"


def required_pod_affinity(term: dict[str, Any]) -> dict[str, Any]:
    return {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}}


@pytest.mark.parametrize(
    "term",
    [
        {"labelSelector": {"matchLabels": {"app": RELEASE}}, "topologyKey": HOST},
        {
            "labelSelector": {
                "matchLabels": {"app.kubernetes.io/instance": RELEASE},
                "matchExpressions": [
                    {
                        "key": "app.kubernetes.io/name",
                        "operator": "In",
                        "values": ["x", "zookeeper"],
                    }
                ],
            },
            "topologyKey": HOST,
        },
        # An empty selector selects every pod; {} namespaces every namespace.
        {
            "labelSelector": {},
            "topologyKey": HOST,
            "namespaces": ["other"],
            "namespaceSelector": {},
        },
        {"labelSelector": {"matchLabels": {"tier": "coordination"}}, "topologyKey": HOST},
        {
            "labelSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
            "topologyKey": HOST,
            "namespaces": [NAMESPACE],
        },
    ],
)
def test_a_required_pod_affinity_for_the_members_on_their_anti_affinity_topology_is_refused(
    term: dict[str, Any],
) -> None:
    message = refusal({**required_pod_affinity(term), "podLabels": {"tier": "coordination"}})
    assert (
        "affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]: it selects the "
        f"members themselves on {HOST}, where antiAffinity hard keeps no two of them: every "
        "member after the first could never be scheduled"
    ) in message
    assert message.count("\n") == 0, message


@pytest.mark.parametrize(
    ("term", "values"),
    [
        (
            {"labelSelector": {"matchLabels": {"app": RELEASE}}, "topologyKey": HOST},
            {"antiAffinity": "soft"},
        ),
        (
            {"labelSelector": {"matchLabels": {"app": RELEASE}}, "topologyKey": HOST},
            {"antiAffinity": "none"},
        ),
        # Another topology: members share a zone, one per node.
        (
            {
                "labelSelector": {"matchLabels": {"app": RELEASE}},
                "topologyKey": "topology.kubernetes.io/zone",
            },
            {},
        ),
        # Other pods, or the members' labels elsewhere.
        ({"labelSelector": {"matchLabels": {"app": "kafka"}}, "topologyKey": HOST}, {}),
        (
            {
                "labelSelector": {
                    "matchExpressions": [{"key": "app", "operator": "NotIn", "values": [RELEASE]}]
                },
                "topologyKey": HOST,
            },
            {},
        ),
        (
            {
                "labelSelector": {"matchLabels": {"app": RELEASE}},
                "topologyKey": HOST,
                "namespaces": ["other"],
            },
            {},
        ),
        # No labelSelector selects no pod.
        ({"topologyKey": HOST}, {}),
    ],
)
def test_a_pod_affinity_that_leaves_the_members_schedulable_renders(
    term: dict[str, Any], values: dict[str, Any]
) -> None:
    affinity = pod_spec({**required_pod_affinity(term), **values})["affinity"]
    assert affinity["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == [term]


def test_a_preferred_pod_affinity_for_the_members_renders() -> None:
    preferred = [{"weight": 10, "podAffinityTerm": CHART_TERM}]
    values = {
        "affinity": {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}}
    }
    assert affinity_of(values)["podAffinity"] == values["affinity"]["podAffinity"]


def test_the_original_anti_affinity_key_is_named() -> None:
    term = {"labelSelector": {"matchLabels": {"app": RELEASE}}, "topologyKey": HOST}
    message = refusal({**required_pod_affinity(term), "AntiAffinity": "hard"})
    assert f"on {HOST}, where AntiAffinity hard keeps no two of them" in message


# -- reconfig under TLS: the plaintext client port is the members' ---------------------------

RECONFIG_TLS = {"reconfig": True, "tls": {"enabled": True, "portUnification": True}}
MIGRATING = {"reconfig": True, "tls": {**RECONFIG_TLS["tls"], "plaintextClients": True}}
ANY_NAMESPACE = {"namespaceSelector": {}}
TEST_POD_PEER = {
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": f"{RELEASE}-test",
        }
    }
}


def client_service(values: dict[str, Any]) -> Document:
    (service,) = [
        doc
        for doc in validate_all(values)
        if doc["kind"] == "Service" and doc["metadata"]["name"] == f"{RELEASE}-cs"
    ]
    return service


def client_service_ports(values: dict[str, Any]) -> dict[str, int]:
    return {port["name"]: port["port"] for port in client_service(values)["spec"]["ports"]}


def test_with_reconfig_under_tls_clients_are_offered_the_tls_port_alone() -> None:
    assert client_service_ports(RECONFIG_TLS) == {"client-tls": 2281}
    ingress = policy(RECONFIG_TLS)["ingress"]
    assert peers_of(ingress, 2181) == [[MEMBER_PEER]]
    assert peers_of(ingress, 2281) == [[ANY_NAMESPACE, TEST_POD_PEER], [MEMBER_PEER]]
    # Admitting anyone opens the TLS port to anyone, never the members' plaintext one.
    anyone = {**RECONFIG_TLS, "networkPolicy": {"clientFrom": []}}
    assert peers_of(policy(anyone)["ingress"], 2181) == [[MEMBER_PEER]]


def test_with_reconfig_under_tls_the_members_keep_the_plaintext_port_between_them() -> None:
    ports = {p["name"]: p["containerPort"] for p in container(RECONFIG_TLS)["ports"]}
    assert ports["client"] == 2181
    egress = {**RECONFIG_TLS, "networkPolicy": {"egress": {"enabled": True}}}
    _dns, members = policy(egress)["egress"]
    assert [p["port"] for p in members["ports"]] == [2888, 3888, 2181, 2281]


def test_the_helm_test_pod_asks_a_reconfig_ensemble_under_tls_over_tls_alone() -> None:
    script = hook_script(RECONFIG_TLS)
    assert " 2281" in script
    assert "2181" not in script
    egress = {**RECONFIG_TLS, "networkPolicy": {"egress": {"enabled": True}}}
    test_policy = helm_test_policy(egress)
    assert test_policy is not None
    assert [p["port"] for p in test_policy["egress"][1]["ports"]] == [2281]


def test_plaintext_clients_keep_2181_while_a_reconfig_ensemble_moves_to_tls() -> None:
    assert client_service_ports(MIGRATING) == {"client": 2181, "client-tls": 2281}
    ingress = policy(MIGRATING)["ingress"]
    clients_and_members = [[ANY_NAMESPACE, TEST_POD_PEER], [MEMBER_PEER]]
    assert peers_of(ingress, 2181) == clients_and_members
    assert peers_of(ingress, 2281) == clients_and_members


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (
            {"tls": {"enabled": True, "portUnification": True, "plaintextClients": True}},
            "without reconfig tls.portUnification is what admits plaintext clients",
        ),
        (
            {"tls": {"plaintextClients": True}},
            "without reconfig tls.portUnification is what admits plaintext clients",
        ),
        (
            {"reconfig": True, "tls": {"plaintextClients": True}},
            "without TLS ports.client serves every client anyway",
        ),
    ],
    ids=["tls without reconfig", "neither", "reconfig without tls"],
)
def test_plaintext_clients_are_refused_where_they_mean_nothing(
    values: dict[str, Any], why: str
) -> None:
    message = refusal(values)
    assert "problems with the values" not in message  # one line, this one
    assert "tls.plaintextClients true: it keeps plaintext clients on ports.client of a" in message
    assert f"{why}; leave it out" in message


def test_a_client_node_port_is_refused_where_the_service_offers_no_plaintext_port() -> None:
    node_port = {"service": {"type": "NodePort", "nodePorts": {"client": 30181}}}
    message = refusal({**RECONFIG_TLS, **node_port})
    assert "service.nodePorts.client 30181: with tls.enabled and reconfig the client Service" in (
        message
    )
    assert "tls.plaintextClients offers ports.client while clients move to TLS" in message
    service = client_service({**MIGRATING, **node_port})
    assert {"port": 2181, "name": "client", "nodePort": 30181} in service["spec"]["ports"]


def test_notes_say_who_reaches_2181_of_a_reconfig_ensemble_under_tls() -> None:
    closed = notes(render(RECONFIG_TLS))
    assert "is the members' alone: the client\nService leaves it out" in closed
    assert "NetworkPolicy my-zk admits only the members." in closed
    assert "the client port 2281 accepts networkPolicy.clientFrom and this chart's test pod" in (
        closed
    )
    assert "the plaintext port 2181 only the members." in closed
    unguarded = notes(render({**RECONFIG_TLS, "networkPolicy": {"enabled": False}}))
    assert "any pod reaching a\nmember's address reaches it too" in unguarded
    migrating = notes(render(MIGRATING))
    assert "takes plaintext clients too while tls.plaintextClients is on" in migrating
    assert "remove tls.plaintextClients" in migrating


def test_values_schema_and_readme_document_plaintext_clients() -> None:
    assert "plaintextClients: false" in VALUES_YAML
    with pytest.raises(HelmError, match="plaintextClients"):
        render({**RECONFIG_TLS, "tls": {**RECONFIG_TLS["tls"], "plaintextClients": "yes"}})
    migration = README.split("### Migrating a running ensemble from plaintext to TLS\n", 1)[1]
    assert "sets\n`tls.plaintextClients=true` with step 1" in migration
    upgrade = README.split("### Upgrade\n", 1)[1].split("\n### ", 1)[0]
    assert "closes the plaintext\n`ports.client` (2181) to clients" in upgrade
    assert "`tls.plaintextClients=true`" in upgrade


# -- advice on the number of members that a user can follow --------------------------------


@pytest.mark.parametrize(
    "values",
    [{"replicas": 2}, {"replicas": 1, "observers": 2}],
    ids=["a budget two members cannot keep", "observers beside a standalone"],
)
def test_before_the_release_exists_the_advice_is_to_set_replicas(values: dict[str, Any]) -> None:
    message = refusal(values)
    assert "set replicas to 3" in message
    assert "kubectl" not in message


def test_notes_advise_an_even_ensemble_the_resize_an_existing_release_can_take() -> None:
    """The notes are read once the release exists, where a new replicas is refused."""
    static = notes(render({"replicas": 4}))
    assert "Warning: 4 members survive no more failures than 3 do" in static
    assert (
        "resize to 5 voting members by turning on reconfig first with the same members"
        " (helm upgrade my-zk -n zk --reuse-values --set reconfig=true), then kubectl -n zk"
        " scale statefulset my-zk --replicas=5 (docs/helm-chart.md, Upgrade)."
    ) in static
    assert "set replicas" not in static
    with_tls = notes(render({"replicas": 4, "tls": {"enabled": True}}))
    assert "--set reconfig=true,tls.portUnification=true)" in with_tls
    dynamic = notes(render({"replicas": 4, "reconfig": True}))
    assert (
        "resize to 5 voting members with kubectl -n zk scale statefulset my-zk --replicas=5,"
        " no member restarting (docs/scaling.md, Scaling without restarts)."
    ) in dynamic


def test_notes_grow_a_standalone_server_with_the_same_advice() -> None:
    text = notes(render({"replicas": 1}))
    assert "To grow it,\nresize to 3 voting members by turning on reconfig first" in text
    assert (
        "kubectl -n zk scale statefulset my-zk --replicas=3 (docs/helm-chart.md, Upgrade)." in text
    )


# -- an admin port read in base 10, whatever its leading zeros -------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"extraFlags": ["--admin_port=002181"]}, "extraFlags --admin_port 2181: same port as"),
        (
            {"extraEnvVars": [{"name": "ZK_ADMIN_PORT", "value": "002888"}]},
            "extraEnvVars ZK_ADMIN_PORT 2888: same port as ports.server",
        ),
        (
            {"extraFlags": ["--admin_port=009141"], **METRICS},
            "extraFlags --admin_port 9141: same port as metrics.port",
        ),
        (
            {"extraFlags": ["--admin_port=00000000000000003888"]},
            "extraFlags --admin_port 3888: same port as ports.election",
        ),
    ],
)
def test_an_admin_port_with_leading_zeros_still_clashes(
    values: dict[str, Any], complaint: str
) -> None:
    """The allowlist took any ten digits, the clash check only five: 002181 went unseen."""
    message = refusal(values)
    assert complaint in message
    assert message.count("\n") == 0, message


def test_an_admin_port_with_many_leading_zeros_is_the_port_start_zookeeper_reads() -> None:
    flags = ["--admin_port=0000000000000008080"]
    assert start_zookeeper({"extraFlags": flags}).admin_port == 8080


def test_a_number_past_its_zeros_too_long_for_any_port_is_refused() -> None:
    message = refusal({"extraFlags": ["--admin_port=00012345678901"]})
    assert "--admin_port must be a number from 0 to 65535" in message


# -- container names, unique across init containers and containers ---------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"sidecars": [{"name": "s", "image": "x"}, {"name": "s", "image": "y"}]},
            "sidecars[1] s: same container name as sidecars[0]",
        ),
        (
            {"initContainers": [{"name": "s", "image": "x"}], "sidecars": [{"name": "s"}]},
            "sidecars[0] s: same container name as initContainers[0]",
        ),
        (
            {"initContainers": [{"name": "a", "image": "x"}, {"name": "a", "image": "x"}]},
            "initContainers[1] a: same container name as initContainers[0]",
        ),
    ],
)
def test_a_container_name_given_twice_is_refused_naming_both(
    values: dict[str, Any], complaint: str
) -> None:
    message = refusal(values)
    assert f"{complaint}: Kubernetes refuses a pod whose containers" in message
    assert message.count("\n") == 0, message


# -- jvm flags: the digest reconfig's superuser logs in with --------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "-Dzookeeper.DigestAuthenticationProvider.digestAlg=SHA3-256",
        "-Dzookeeper.DigestAuthenticationProvider.enabled=false",
    ],
)
def test_jvm_flags_cannot_change_the_digest_reconfigs_superuser_logs_in_with(
    option: str,
) -> None:
    message = refusal({"reconfig": True, "extraFlags": [f"--jvm_flags={option}"]})
    assert f"{option.partition('=')[0]} overrides what start-zookeeper sets" in message
    assert "its SHA-1 digest" in message


# -- refusals name the key the user set ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"MinSessionTimeout": 50000},
            "MinSessionTimeout 50000: above the maximum session timeout 40000 "
            "(zookeeper.maxSessionTimeout)",
        ),
        (
            {"MinSessionTimeout": 9000, "MaxSessionTimeout": 8000},
            "MinSessionTimeout 9000: above the maximum session timeout 8000 (MaxSessionTimeout)",
        ),
        (
            {"TickTimeMs": 2147483647},
            "TickTimeMs 2147483647 times zookeeper.initLimit 10 exceeds 2147483647",
        ),
        (
            {"zookeeper": {"tickTime": 2000}, "SyncTicks": 1073742},
            "zookeeper.tickTime 2000 times SyncTicks 1073742 exceeds 2147483647",
        ),
        ({"ClientPort": 2888}, "ports.server 2888: same port as ClientPort"),
        ({"Heap": "16M", "resources": {"limits": None}}, "Heap 16M: must be at least 32M"),
        ({"Heap": "8G", "Memory": "4Gi"}, "Heap 8G needs a memory limit of at least 1.5 x heap"),
        ({"Heap": "8G", "Memory": "4Gi"}, "the limit is 4Gi (Memory)"),
        (
            {"Servers": 1, "observers": 2},
            "but Servers 1 is a standalone server (set observers to 0, or set Servers to 3",
        ),
    ],
)
def test_a_refusal_names_the_original_key_that_set_the_value(
    values: dict[str, Any], complaint: str
) -> None:
    assert complaint in refusal(values)


# -- mounts that hide the image's own files --------------------------------------------------


def mounted_at(path: str) -> dict[str, Any]:
    return {
        "extraVolumes": [{"name": "extra", "emptyDir": {}}],
        "extraVolumeMounts": [{"name": "extra", "mountPath": path}],
    }


@pytest.mark.parametrize(
    ("path", "hidden"),
    [
        ("/usr/share/java", "/usr/share/java"),
        ("/usr/share/java/", "/usr/share/java"),
        ("/usr/share", "/usr/share/java"),
        ("/opt/java", "/opt/java"),
        ("/opt/zkcontainer", "/opt/zkcontainer"),
        ("/usr/local/bin", "/usr/local/bin"),
        ("/usr/local", "/usr/local/bin"),
        ("/usr/bin", "/usr/bin"),
        ("/usr/lib", "/usr/lib"),
        ("/usr", "/usr/bin"),
    ],
)
def test_a_mount_at_or_above_the_images_files_is_refused(path: str, hidden: str) -> None:
    message = refusal(mounted_at(path))
    assert f"extraVolumeMounts extra: {path} hides the image's {hidden}" in message
    assert message.count("\n") == 0, message


@pytest.mark.parametrize("path", ["/usr/share/java/extra", "/opt/zkcontainer/plugins", "/srv"])
def test_a_mount_under_or_beside_the_images_files_renders(path: str) -> None:
    assert container(mounted_at(path))["volumeMounts"][-1]["mountPath"] == path


def test_every_image_path_the_chart_keeps_is_refused_and_in_the_values_table() -> None:
    helpers = (CHART / "templates" / "_helpers.tpl").read_text()
    (listed,) = re.findall(r"\$imagePaths := list ((?:\"[^\"]+\" ?)+)", helpers)
    (row,) = re.findall(r"^\| `extraVolumeMounts` \| .*$", README, re.M)
    for path in re.findall(r'"([^"]+)"', listed):
        assert re.search(rf"[ (]{re.escape(path)}[,)]", row), path
        assert f"{path} hides the image's {path}" in refusal(mounted_at(path))


def test_a_mount_above_the_charts_and_the_images_paths_is_refused_once() -> None:
    message = refusal(mounted_at("/opt"))
    assert "at, under or above the chart's own mount /opt/zookeeper/conf" in message
    assert message.count("\n") == 0, message


# -- ports the processes bind, never below 1024 ----------------------------------------------


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"ports": {"client": 80}}, "/ports/client"),
        ({"ports": {"clientTls": 443}}, "/ports/clientTls"),
        ({"ports": {"server": 1023}}, "/ports/server"),
        ({"ports": {"election": 1}}, "/ports/election"),
        ({"metrics": {"port": 80}}, "/metrics/port"),
        ({"ClientPort": 80}, "/ClientPort"),
        ({"ServerPort": 888}, "/ServerPort"),
        ({"LeaderElectionPort": 999}, "/LeaderElectionPort"),
    ],
)
def test_a_port_below_1024_for_a_process_to_bind_is_refused_by_the_schema(
    values: dict[str, Any], where: str
) -> None:
    assert f"at '{where}'" in refusal(values)


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"extraFlags": ["--admin_port=80"]}, "extraFlags --admin_port 80: below 1024"),
        ({"extraFlags": ["--admin_port=0080"]}, "extraFlags --admin_port 80: below 1024"),
        (
            {"extraEnvVars": [{"name": "ZK_ADMIN_PORT", "value": "1023"}]},
            "extraEnvVars ZK_ADMIN_PORT 1023: below 1024",
        ),
    ],
)
def test_an_admin_port_below_1024_is_refused(values: dict[str, Any], complaint: str) -> None:
    message = refusal(values)
    assert complaint in message
    assert "runs as a user other than root" in message


@pytest.mark.parametrize(
    "values",
    [
        {"ports": {"client": 1024}, "metrics": {"enabled": True, "port": 1025}},
        {"extraFlags": ["--admin_port=1024"]},
        {"extraFlags": ["--admin_port=0"]},
        {"service": {"type": "NodePort", "nodePorts": {"client": 30181}}},
    ],
)
def test_ports_from_1024_render(values: dict[str, Any]) -> None:
    assert one(documents(render(values)), "StatefulSet")


# -- timings cert-manager's webhook and Prometheus refuse --------------------------------


def cert_manager_timing(**timing: str) -> dict[str, Any]:
    return {"tls": {"enabled": True, "certManager": {**CERT_MANAGER, **timing}}}


@pytest.mark.parametrize(
    ("timing", "complaints"),
    [
        (
            {"duration": "24h"},
            [
                "tls.certManager.duration 24h, tls.certManager.renewBefore 720h: cert-manager"
                " refuses a certificate renewed before it is issued (renewBefore not below"
                " the duration); lower tls.certManager.renewBefore too, e.g. to 8h",
            ],
        ),
        (
            {"duration": "30m"},
            [
                "tls.certManager.duration 30m: cert-manager refuses a certificate shorter than 1h",
                "tls.certManager.duration 30m, tls.certManager.renewBefore 720h",
            ],
        ),
        (
            {"duration": "30m", "renewBefore": "10m"},
            ["tls.certManager.duration 30m: cert-manager refuses a certificate shorter than 1h"],
        ),
        (
            {"renewBefore": "0s"},
            ["tls.certManager.renewBefore 0s: cert-manager refuses a renewBefore under 5m"],
        ),
        (
            {"renewBefore": "4m59.5s"},
            ["tls.certManager.renewBefore 4m59.5s: cert-manager refuses a renewBefore under 5m"],
        ),
        (
            {"duration": "1h30m", "renewBefore": "1.5h"},
            ["tls.certManager.duration 1h30m, tls.certManager.renewBefore 1.5h: cert-manager"],
        ),
        (
            {"duration": "25h", "renewBefore": "90000000ms"},
            ["e.g. to 8h20m"],
        ),
    ],
)
def test_certificate_timings_cert_manager_refuses_are_refused(
    timing: dict[str, str], complaints: list[str]
) -> None:
    """cert-manager's webhook refuses a duration under 1h, a renewBefore under 5m or not
    below the duration: helm install would fail part-way, its other objects made."""
    message = refusal(cert_manager_timing(**timing))
    lines = [line for line in message.splitlines() if "tls.certManager" in line]
    assert len(lines) == len(complaints), lines
    for line, complaint in zip(lines, complaints, strict=True):
        assert complaint in line


@pytest.mark.parametrize(
    "timing",
    [
        {},
        {"duration": "1h", "renewBefore": "5m"},
        {"duration": "59m60s", "renewBefore": "300s"},
        {"duration": "1.5h", "renewBefore": "89m59s"},
        {"duration": "24h", "renewBefore": "8h"},
        {"duration": "3600000ms", "renewBefore": "300000000us"},
    ],
)
def test_certificate_timings_cert_manager_takes_render(timing: dict[str, str]) -> None:
    spec = one(documents(render(cert_manager_timing(**timing))), "Certificate")["spec"]
    assert (spec["duration"], spec["renewBefore"]) == (
        timing.get("duration", "2160h"),
        timing.get("renewBefore", "720h"),
    )


def service_monitor(**timing: str) -> dict[str, Any]:
    return {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True, **timing}}}


@pytest.mark.parametrize(
    ("interval", "timeout"), [("10s", "30s"), ("1m", "1m1s"), ("1d", "1w"), ("1w", "1y")]
)
def test_a_scrape_timeout_above_the_interval_is_refused(interval: str, timeout: str) -> None:
    """Prometheus refuses a scrape timeout above the interval: the members would go
    unscraped, without a word from helm."""
    message = refusal(service_monitor(interval=interval, scrapeTimeout=timeout))
    assert (
        f"metrics.serviceMonitor.scrapeTimeout {timeout}: longer than"
        f" metrics.serviceMonitor.interval {interval}, and Prometheus refuses a scrape"
        " timeout longer than the interval"
    ) in message


@pytest.mark.parametrize(
    ("interval", "timeout"),
    [("30s", "10s"), ("30s", "30s"), ("1m", "59s999ms"), ("1h", "60m"), ("2d", "1d23h")],
)
def test_a_scrape_timeout_within_the_interval_renders(interval: str, timeout: str) -> None:
    monitor = one(
        documents(render(service_monitor(interval=interval, scrapeTimeout=timeout))),
        "ServiceMonitor",
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == (interval, timeout)


def test_the_schema_takes_only_go_durations_the_chart_reads() -> None:
    for value in ["1h", "1.5h", "1h30m", "300000ms", "900s", "600000000000ns", "300000000us"]:
        assert render(cert_manager_timing(renewBefore=value))
    for value in ["1d", "-1h", ".5h", "1µs", "1h 30m", ""]:
        with pytest.raises(HelmError, match="renewBefore"):
            render(cert_manager_timing(renewBefore=value))


# -- ports clash by protocol, and the reason names what took the port --------------------------


def sidecar(name: str, *ports: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "image": "proxy:1", "ports": list(ports)}


@pytest.mark.parametrize("protocol", ["UDP", "SCTP"])
def test_a_sidecar_port_of_another_protocol_than_tcp_takes_no_port_of_zookeeper(
    protocol: str,
) -> None:
    """ZooKeeper, the exporter and the AdminServer listen on TCP alone."""
    values: dict[str, Any] = {
        **METRICS,
        "extraFlags": ["--admin_port=8080"],
        "sidecars": [
            sidecar(
                "s",
                *(
                    {"containerPort": port, "protocol": protocol}
                    for port in (2181, 2888, 3888, 9141, 8080)
                ),
            )
        ],
    }
    (pod,) = [c for c in pod_spec(values)["containers"] if c["name"] == "s"]
    assert {port["protocol"] for port in pod["ports"]} == {protocol}


@pytest.mark.parametrize(
    "port", [{"containerPort": 2181}, {"containerPort": 2181, "protocol": "TCP"}]
)
def test_a_sidecar_tcp_port_stated_or_not_takes_zookeepers(port: dict[str, Any]) -> None:
    message = refusal({"sidecars": [sidecar("s", port)]})
    assert "sidecars s containerPort 2181: same port as ports.client" in message


def test_two_sidecars_clash_on_a_port_of_one_protocol_only() -> None:
    udp = {"containerPort": 5353, "protocol": "UDP"}
    assert pod_spec({"sidecars": [sidecar("a", udp), sidecar("b", {"containerPort": 5353})]})
    message = refusal({"sidecars": [sidecar("a", udp), sidecar("b", udp)]})
    assert (
        "sidecars b containerPort 5353/UDP: same port as sidecars a containerPort"
        " (a sidecar shares the pod's ports with another sidecar)"
    ) in message


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {**METRICS, "sidecars": [sidecar("s", {"containerPort": 9141})]},
            "sidecars s containerPort 9141: same port as metrics.port"
            " (a sidecar shares the pod's ports with the exporter)",
        ),
        (
            {"sidecars": [sidecar("s", {"containerPort": 2888})]},
            "sidecars s containerPort 2888: same port as ports.server"
            " (a sidecar shares the pod's ports with ZooKeeper)",
        ),
        (
            {
                "extraFlags": ["--admin_port=8080"],
                "sidecars": [sidecar("s", {"containerPort": 8080})],
            },
            "sidecars s containerPort 8080: same port as extraFlags --admin_port"
            " (a sidecar shares the pod's ports with ZooKeeper)",
        ),
        (
            {"metrics": {"enabled": True, "port": 2888}},
            "metrics.port 2888: same port as ports.server"
            " (the exporter shares the pod's ports with ZooKeeper)",
        ),
        (
            {**METRICS, "extraFlags": ["--admin_port=9141"]},
            "extraFlags --admin_port 9141: same port as metrics.port"
            " (the exporter shares the pod's ports with ZooKeeper)",
        ),
        (
            {"extraFlags": ["--admin_port=2181"]},
            "extraFlags --admin_port 2181: same port as ports.client (start-zookeeper refuses it)",
        ),
    ],
)
def test_a_port_clash_says_who_shares_the_port(values: dict[str, Any], complaint: str) -> None:
    assert complaint in refusal(values)


# -- a rolling update's percentage is rounded down, as the StatefulSet controller does -------


def rolling(max_unavailable: int | str, **values: Any) -> dict[str, Any]:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}
    return {"updateStrategy": strategy, **values}


@pytest.mark.parametrize(
    "values",
    [
        rolling("49%"),
        rolling("66%"),
        rolling("1%"),
        rolling("33%", observers=3),
        rolling("24%", replicas=5, observers=2),
    ],
)
def test_a_rolling_update_percentage_of_one_member_renders(values: dict[str, Any]) -> None:
    """Kubernetes scales it rounding down, and replaces at least one pod: 49% of 3 is 1."""
    sts = one(documents(render(values)), "StatefulSet")
    assert sts["spec"]["updateStrategy"] == values["updateStrategy"]


@pytest.mark.parametrize(
    "values", [rolling("67%"), rolling("34%", observers=3), rolling("29%", replicas=5, observers=2)]
)
def test_a_rolling_update_percentage_of_two_members_is_refused(values: dict[str, Any]) -> None:
    max_unavailable = values["updateStrategy"]["rollingUpdate"]["maxUnavailable"]
    assert (
        f"updateStrategy.rollingUpdate.maxUnavailable {max_unavailable}: a rolling update"
        " replaces one member at a time"
    ) in refusal(values)


def test_a_budget_percentage_is_still_rounded_up() -> None:
    """A PodDisruptionBudget's percentage is rounded up: 34% of 3 lets a drain take 2."""
    message = refusal({"podDisruptionBudget": {"maxUnavailable": "34%"}})
    assert "podDisruptionBudget.maxUnavailable 34% lets a drain take 2 of 3 members" in message


def test_with_reconfig_a_rolling_update_takes_1_alone_even_as_a_percentage_of_one() -> None:
    assert "maxUnavailable 49%: a rolling update" in refusal(rolling("49%", reconfig=True))


# -- egress rules without the NetworkPolicy -------------------------------------------------


def test_egress_without_the_network_policy_is_refused() -> None:
    message = refusal({"networkPolicy": {"enabled": False, "egress": {"enabled": True}}})
    assert (
        "networkPolicy.egress.enabled: egress rules are part of the NetworkPolicy,"
        " which is off (set networkPolicy.enabled too, or leave egress off)"
    ) in message


@pytest.mark.parametrize(
    "network_policy",
    [{"enabled": False, "egress": {"enabled": True}}, {"egress": {"enabled": False}}],
    ids=["policy off", "egress off"],
)
def test_extra_egress_rules_where_no_egress_is_rendered_are_refused(
    network_policy: dict[str, Any],
) -> None:
    rule = {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 443}]}
    network_policy["egress"]["extra"] = [rule]
    message = refusal({"networkPolicy": network_policy})
    assert "networkPolicy.egress.extra: these rules go into the members' egress, which is off" in (
        message
    )


def test_no_network_policy_renders_without_egress() -> None:
    docs = documents(render({"networkPolicy": {"enabled": False}}))
    assert [doc for doc in docs if doc["kind"] == "NetworkPolicy"] == []


# -- values the API server or the kubelet would refuse -----------------------------------------


@pytest.mark.parametrize("propagation", ["None", "HostToContainer"])
def test_a_mount_propagation_an_unprivileged_container_takes_renders(propagation: str) -> None:
    mount = {"name": "scratch", "mountPath": "/scratch", "mountPropagation": propagation}
    values = {"extraVolumes": SCRATCH, "extraVolumeMounts": [mount]}
    assert mount in container(values)["volumeMounts"]
    validate_strictly(documents(render(values)), KUBERNETES, values=True)


def test_bidirectional_mount_propagation_is_refused() -> None:
    """The API server takes it only in a privileged container, and the chart's never are."""
    mount = {"name": "scratch", "mountPath": "/scratch", "mountPropagation": "Bidirectional"}
    message = refusal({"extraVolumes": SCRATCH, "extraVolumeMounts": [mount]})
    assert "at '/extraVolumeMounts/0/mountPropagation'" in message


@pytest.mark.parametrize(
    ("mount", "where"),
    [
        ({"subPath": "../etc"}, "/extraVolumeMounts/0/subPath"),
        ({"subPath": "data/../../etc"}, "/extraVolumeMounts/0/subPath"),
        ({"subPath": "/etc"}, "/extraVolumeMounts/0/subPath"),
        ({"subPath": "a", "subPathExpr": "$(POD_NAME)"}, "/extraVolumeMounts/0"),
    ],
    ids=["up", "up inside", "absolute", "both sub paths"],
)
def test_a_mount_the_api_server_refuses_is_refused(mount: dict[str, Any], where: str) -> None:
    mount = {"name": "scratch", "mountPath": "/scratch", **mount}
    message = refusal({"extraVolumes": SCRATCH, "extraVolumeMounts": [mount]})
    assert f"at '{where}'" in message


@pytest.mark.parametrize(
    "fields",
    [
        {"subPath": "a..b/c"},
        {"subPathExpr": "$(POD_NAME)"},
        {"recursiveReadOnly": "Enabled", "readOnly": True},
    ],
)
def test_a_mount_the_api_server_takes_renders(fields: dict[str, Any]) -> None:
    mount = {"name": "scratch", "mountPath": "/scratch", **fields}
    values = {"extraVolumes": SCRATCH, "extraVolumeMounts": [mount]}
    assert mount in container(values)["volumeMounts"]


@pytest.mark.parametrize(
    "repository",
    [
        "zk",
        "library/zk",
        "localhost/zk",
        "my_org/zk-server",
        "registry.example.com/team/zk",
        "Registry.Example.com/team/zk",
        "REG:5000/zk",
        "localhost:5000/zk",
        "10.0.0.1:5000/a.b/c__d",
    ],
)
def test_an_image_reference_the_kubelet_parses_renders(repository: str) -> None:
    values = {"image": {"repository": repository}}
    assert container(values)["image"] == f"{repository}:dev"
    validate_strictly(documents(render(values)), KUBERNETES, values=True)


@pytest.mark.parametrize(
    "repository", ["Reg/zk", "REG/zk", "Localhost/zk", "registry.example.com/Team/zk", "zk/ZK"]
)
def test_a_repository_path_in_upper_case_is_refused(repository: str) -> None:
    """Only a registry host may hold capitals; a first component without a dot or a port
    is Docker Hub's namespace, which kubelets refuse in upper case (InvalidImageName)."""
    assert "at '/image/repository'" in refusal({"image": {"repository": repository}})


# -- original keys set to null are unset, as an original values file may leave them --------


@pytest.mark.parametrize(
    "key",
    ["Servers", "Heap", "Memory", "Cpu", "Image", "ImagePullPolicy", "UpdateStrategy", "LogLevel"],
)
def test_an_original_key_set_to_null_renders_as_if_left_out(key: str) -> None:
    assert documents(render({key: None})) == documents(render({}))


def test_notes_name_no_null_an_original_key_wins_over() -> None:
    text = notes(render({"storage": None, "StorageClass": "ssd"}))
    assert "<nil>" not in text
    assert "StorageClass (ssd wins over" not in text


# -- a plaintext quorum is a migration step, and NOTES say so -------------------------------


def test_notes_warn_while_the_quorum_speaks_plaintext() -> None:
    step1 = notes(render({"tls": {"enabled": True, "quorum": False, "portUnification": True}}))
    assert "Warning: tls.quorum is false: the members speak plaintext to each other" in step1
    assert "and tls.quorum is on (the next step), turn it off" in step1
    assert "next, tls.quorum=true with\ntls.portUnification still on" in step1
    left = notes(render({"tls": {"enabled": True, "quorum": False}}))
    assert "Warning: tls.quorum is false" in left
    assert "next, tls.portUnification=true, and then\ntls.quorum=true" in left
    assert "tls.quorum is false" not in notes(render({"tls": {"enabled": True}}))
    # A standalone server has no peers to speak to.
    standalone = {"replicas": 1, "tls": {"enabled": True, "quorum": False}}
    assert "tls.quorum is false" not in notes(render(standalone))


def test_an_existing_claim_refused_beside_more_pods_says_to_copy_a_running_servers_data() -> None:
    message = refusal({"replicas": 3, "storage": {"existingClaim": "zk-data"}})
    assert "first copy the claim into datadir-<name>-0" in message
