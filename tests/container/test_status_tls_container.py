"""zookeeper-status in a pod of a 3-member ensemble over TLS: the peers' plaintext ports
answer only on their own loopback, so it asks their secure port with the pod's certificate
(the stores start-zookeeper wrote from the Secret), no flag needed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import docker
import pytest

from tests.harness.ensemble import running
from tests.harness.tlspods import (
    SECRET,
    TLS,
    SecretMountingStatefulSet,
    secret_mounting_statefulset,
)

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def tls_ensemble(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretMountingStatefulSet]:
    sts = secret_mounting_statefulset(TLS, image, docker_client, tmp_path_factory.mktemp("tls"))
    with running(request, sts):
        yield sts


def test_the_members_are_read_over_tls_with_the_pods_certificate(
    tls_ensemble: SecretMountingStatefulSet,
) -> None:
    code, output = tls_ensemble.exec(0, ["zookeeper-status", "--format=json"])
    assert code == 0, output
    members = json.loads(output)["members"]
    assert [m["address"] for m in members] == [
        f"zk-{i}.zk-hs.default.svc.cluster.local:2281" for i in range(3)
    ]
    assert sorted(m["role"] for m in members) == ["follower", "follower", "leader"]

    # The Secret's own files serve as well, from --tls_dir.
    code, output = tls_ensemble.exec(1, ["zookeeper-status", f"--tls_dir={SECRET}"])
    assert code == 0, output
    assert output.splitlines()[-1].startswith("quorum serving: leader server.")
