"""The chart's reconfig Secret as the kubelet mounts it, and the live membership of an
ensemble of the image that runs with `reconfig: true`."""

from __future__ import annotations

from typing import Any

import docker
import pytest
from kazoo.client import KazooClient

from tests.harness.certs import mount_secret
from tests.harness.chart import documents, render
from tests.harness.clients import kazoo_client
from tests.harness.ensemble import hosts
from tests.harness.statefulset import StatefulSet, wait_for
from zkcontainer.reconfig.model import Membership, parse_config

SECRET = "my-zk-reconfig"  # the chart's Secret for release my-zk
PASSWORD = "a-password-of-the-tests-own"
# The chart's own values, small: five JVMs share the machine.
SMALL = {
    "heap": "256M",
    "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
}
# And stopped within 5 s, for the ensembles whose members tests stop and restart.
SMALL_STOPPED_QUICKLY = {**SMALL, "terminationGracePeriodSeconds": 5}


def chart_statefulset(values: dict[str, Any]) -> dict[str, Any]:
    """The chart's StatefulSet with `reconfig: true` and `values`."""
    rendered = render({**SMALL, "reconfig": True, **values})
    return next(doc for doc in documents(rendered) if doc["kind"] == "StatefulSet")


def chart_pods(
    manifest: dict[str, Any],
    docker_client: docker.DockerClient,
    image: str,
    secrets: dict[str, str],
    **options: Any,
) -> StatefulSet:
    """The chart's StatefulSet run in containers: its client Service, its mounted
    Secret, and the StatefulSet's `options` (ipv6_only...)."""
    return StatefulSet(
        manifest, image, client=docker_client, services=["my-zk-cs"], secrets=secrets, **options
    )


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The chart's Secret, as the kubelet mounts it."""
    directory = tmp_path_factory.mktemp("reconfig") / SECRET
    mount_secret(directory, {"password": PASSWORD})
    return {SECRET: str(directory)}


def live_membership(sts: StatefulSet, ordinal: int) -> Membership:
    """/zookeeper/config as the member at `ordinal` serves it, after a sync."""
    with kazoo_client(hosts(sts, [ordinal])) as zk:
        return read_membership(zk)


def read_membership(zk: KazooClient) -> Membership:
    zk.sync("/zookeeper/config")
    data: bytes = zk.get("/zookeeper/config")[0]
    return parse_config(data.decode())


def roles(membership: Membership) -> dict[int, str]:
    return {member.id: member.role for member in membership.members}


def membership_becomes(
    sts: StatefulSet, ordinal: int, expected: dict[int, str], timeout: float = 120
) -> Membership:
    """The live membership once it has exactly these ids and roles: a joining member
    adds itself a moment after it serves, as a non-voting follower, so Ready comes
    first."""
    seen: list[Membership] = []

    def reached() -> bool:
        seen[:] = [live_membership(sts, ordinal)]
        return roles(seen[0]) == expected

    wait_for(reached, timeout, lambda: f"membership {roles(seen[0]) if seen else None}", step=1)
    return seen[0]


def voters(*ids: int) -> dict[int, str]:
    return dict.fromkeys(ids, "participant")
