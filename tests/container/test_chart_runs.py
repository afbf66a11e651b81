"""The rendered StatefulSet, run in the image: an ensemble from the original mini values
survives losing its leader, and a TLS member and an authenticated ensemble pass their
helm test."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helm_python.chart import Chart

from tests.harness.certs import Authority, mount_secret, tls_kazoo
from tests.harness.chart import CHART, documents, render, values_file
from tests.harness.chartcases import CERT_MANAGER, one, rendered_documents, tls
from tests.harness.clients import (
    ContinuousWriter,
    new_client,
    refusal,
    started,
    stored_numbers,
)
from tests.harness.members import leader_of, serving
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.tlspods import SecretMountingStatefulSet


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
    # The helm test pod mounts the same Secret: a bare pod's secret volumes are the
    # StatefulSet's `secrets` too.
    sts = SecretMountingStatefulSet(
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


@pytest.mark.container
def test_an_authenticated_ensemble_as_the_chart_runs_it_passes_its_helm_test(
    docker_client: Any, image: str, tmp_path: Path
) -> None:
    """values-mini.yaml with auth.client and auth.quorum, the Secrets the chart makes
    mounted as the kubelet mounts them: three members form a quorum that authenticates
    each of them, the helm test pod passes (four-letter words need no credentials), and
    kazoo writes as the chart's user with its generated password, and only with it."""
    auth = {"client": {"enabled": True}, "quorum": {"enabled": True}}
    docs = documents(render({**values_file(CHART / "values-mini.yaml"), "auth": auth}))
    mounted = {}
    for secret in (d for d in docs if d["kind"] == "Secret"):
        name = secret["metadata"]["name"]
        data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
        mount_secret(tmp_path / name, data)
        mounted[name] = str(tmp_path / name)
    assert sorted(mounted) == ["my-zk-client-auth", "my-zk-quorum-auth"]
    password = (tmp_path / "my-zk-client-auth" / "zookeeper").read_text()
    sts = StatefulSet(
        one(docs, "StatefulSet"),
        image,
        client=docker_client,
        services=["my-zk-cs"],
        secrets=mounted,
    )
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        assert any("Successfully authenticated learner" in sts.logs(i) for i in range(3))
        code, output = sts.run_pod(one(docs, "Pod"))
        print(output)
        assert code == 0, output
        assert output.count(": leader") == 1
        with started(new_client(sts.connect_string(), sasl=("zookeeper", password)), 30) as zk:
            zk.create("/chart-auth", b"authenticated")
        assert refusal(sts.connect_string()) == "SessionClosedRequireSaslError"
    except BaseException:
        print(sts.logs(0)[-20000:])
        raise
    finally:
        sts.teardown()
