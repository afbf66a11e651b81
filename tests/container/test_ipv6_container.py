"""An IPv6-only cluster: every pod and Service name resolves to IPv6 addresses alone.

One ensemble, the chart's with `reconfig: true` and `metrics.listenAddress: "::"`,
its members started with `--client_address=::` (the chart refuses the flag; an
own manifest may give it), on a Docker network with an IPv6 subnet whose names
the harness maps to the pods' IPv6 addresses only (tests/harness/ipv6.py). In
order, as it lives: it forms, its probes pass, zookeeper-status reads every
member, the exporter sidecar is scraped over IPv6 from this machine, a member
added by `kubectl scale` joins by reconfig and `zookeeper-scale` removes it,
and the leader is killed: the survivors elect and serve, and it rejoins. A
client on this machine writes over IPv6 throughout; the last test checks every
acknowledged write.
"""

from __future__ import annotations

import http.client
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docker
import pytest

from tests.harness.clients import ContinuousWriter, stored_numbers, writing
from tests.harness.ensemble import hosts, running
from tests.harness.exporter import families
from tests.harness.members import alive, leader_of, serving
from tests.harness.reconfigpods import (
    chart_pods,
    chart_statefulset,
    live_membership,
    membership_becomes,
    voters,
)
from tests.harness.reconfigpods import secrets as secrets  # noqa: PLC0414  (a fixture)
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.status import status
from tests.harness.writes import written

pytestmark = pytest.mark.container

ORIGINAL = [0, 1, 2]
EXPORTER_PORT = 9141


def chart_pod_containers() -> tuple[dict[str, Any], list[str]]:
    """The chart's StatefulSet with its members on every IPv6 address, and the
    exporter sidecar's command."""
    manifest = chart_statefulset({"metrics": {"enabled": True, "listenAddress": "::"}})
    zookeeper, metrics = manifest["spec"]["template"]["spec"]["containers"]
    zookeeper["command"].append("--client_address=::")
    return manifest, list(metrics["command"])


@dataclass
class Ensemble:
    sts: StatefulSet
    writer: ContinuousWriter
    exporter_command: list[str]


@pytest.fixture(scope="module")
def ensemble(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    secrets: dict[str, str],
) -> Iterator[Ensemble]:
    manifest, exporter_command = chart_pod_containers()
    sts = chart_pods(manifest, docker_client, image, secrets, ipv6_only=True)
    with running(request, sts), writing(hosts(sts, ORIGINAL), "/writes") as writer:
        yield Ensemble(sts, writer, exporter_command)


def resolved(sts: StatefulSet, ordinal: int, name: str, database: str = "ahosts") -> set[str]:
    """The addresses `getent <database> name` gives in the pod; none when it does not resolve."""
    code, output = sts.exec(ordinal, ["getent", database, name])
    return {line.split()[0] for line in output.splitlines()} if code == 0 else set()


def test_every_name_resolves_to_the_pods_ipv6_addresses_alone(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    pods = {sts.pod(i).fqdn: sts.address(i) for i in ORIGINAL}
    assert all(ipaddress.ip_address(address).version == 6 for address in pods.values())
    service = sts.service_names[0]
    for asking in ORIGINAL:
        for name, address in [*pods.items(), (sts.pod(asking).name, sts.address(asking))]:
            assert resolved(sts, asking, name) == {address}, name
            assert resolved(sts, asking, name, "ahostsv4") == set(), name
        assert resolved(sts, asking, service) == set(pods.values())
    # The members listen on every IPv6 address, as ZooKeeper itself reports it.
    code, config = sts.exec(0, "cat /var/lib/zookeeper/data/reconfig/zoo.cfg.dynamic.*")
    assert code == 0, config
    assert ";[0:0:0:0:0:0:0:0]:2181" in config, config


def test_the_probes_pass_on_every_member(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    assert all(sts.pod(i).ready for i in ORIGINAL)  # the readiness probe, as the kubelet runs it
    for i in ORIGINAL:
        assert alive(sts, i)
        assert serving(sts, i)


def test_status_reads_every_member_by_its_ipv6_name(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    written(ensemble.writer, 20)
    result = status(sts, "--format=json")
    assert result.code == 0, result.stdout + result.stderr
    members = result.members
    assert [member["address"] for member in members] == [
        f"{sts.pod(i).fqdn}:2181" for i in ORIGINAL
    ]
    assert all(member["synced"] for member in members), members
    assert sorted(member["role"] for member in members) == ["follower", "follower", "leader"]


def test_the_exporter_on_every_ipv6_address_is_scraped_over_ipv6(
    ensemble: Ensemble, docker_client: docker.DockerClient, image: str
) -> None:
    sts = ensemble.sts
    # The chart's sidecar: a second container in the pod's network namespace.
    docker_client.containers.run(
        image,
        ensemble.exporter_command,
        network_mode=f"container:{sts.container(1).id}",
        labels=sts.labels(),
        detach=True,
    )
    answers: list[str] = []

    def scraped() -> bool:
        connection = http.client.HTTPConnection(sts.address(1), EXPORTER_PORT, timeout=10)
        try:
            connection.request("GET", "/metrics")
            answers[:] = [connection.getresponse().read().decode()]
        except OSError:
            return False  # not listening yet
        finally:
            connection.close()
        return True

    wait_for(scraped, 30, lambda: "the exporter never answered on its IPv6 address")
    metrics = families(answers[0])
    assert metrics["zookeeper_up"] == [({}, 1.0)]
    [(labels, _)] = metrics["zookeeper_server_state_info"]
    assert labels["server_state"] in ("leader", "follower")


def test_a_member_added_by_scaling_up_joins_as_a_voter(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    sts.scale(4)
    sts.wait_ready()
    # It adds itself through its own client port, on :: and so asked on ::1.
    membership = membership_becomes(sts, 0, voters(1, 2, 3, 4))
    assert membership.get(4) is not None
    assert "added server.4=" in sts.logs(3)
    written(ensemble.writer, 20)


def test_zookeeper_scale_removes_it_before_the_pod_goes(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    code, output = sts.exec(0, ["zookeeper-scale", "3"])
    assert code == 0, output
    assert live_membership(sts, 0).voter_ids == {1, 2, 3}
    sts.scale(3)
    assert resolved(sts, 0, f"my-zk-3.{sts.domain}") == set()
    written(ensemble.writer, 20)


def test_the_leader_killed_the_others_elect_and_serve_and_it_rejoins(
    ensemble: Ensemble,
) -> None:
    sts, writer = ensemble.sts, ensemble.writer
    leader = leader_of(sts, ORIGINAL, timeout=30)
    sts.kill(leader)
    survivors = [i for i in ORIGINAL if i != leader]
    assert leader_of(sts, survivors, timeout=60) != leader
    written(writer, 20)
    sts.restart(leader)
    sts.wait_ready([leader])
    assert serving(sts, leader)
    membership_becomes(sts, leader, voters(1, 2, 3))
    written(writer, 20)
    writer.finish()
    acknowledged = set(writer.acknowledged)
    assert acknowledged <= stored_numbers(hosts(sts, ORIGINAL), "/writes")
