"""A 3-member ensemble of the image whose clients and members must authenticate
with SASL DIGEST-MD5, its passwords Secrets mounted as the kubelet mounts them.

One ensemble serves the module, in order: forming, the clients (kazoo, the
Java client, refusals), our own commands, where the passwords are not, a
member with the wrong quorum password, a leader kill under a writing client.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from kazoo.exceptions import ConnectionLoss, SessionClosedRequireSaslError

from tests.harness.certs import mount_secret
from tests.harness.clients import new_client, started
from tests.harness.members import leader_of, serving
from tests.harness.saslpods import CLIENT_USERS, QUORUM_SECRET, SASL, sasl_statefulset
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.writes import write_numbers
from zkcontainer.sasl import FIPS_MODE_LINE

pytestmark = pytest.mark.container

USER, PASSWORD = "kafka", CLIENT_USERS["kafka"]
# The Java client as an application runs it: ZooKeeper's jar, a JAAS Client section.
JAVA_CLIENT = (
    "/opt/java/bin/java -Djava.security.auth.login.config=/tmp/client.jaas"
    " -Dzookeeper.fips-mode=false"
    " -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"
    " org.apache.zookeeper.ZooKeeperMain -server {server}:2181 {command}"
)


class Ensemble:
    def __init__(self, sts: StatefulSet, secrets: Path) -> None:
        self.sts, self.secrets = sts, secrets

    def hosts(self, ordinals: tuple[int, ...] = (0, 1, 2)) -> str:
        return ",".join(f"{self.sts.address(i)}:2181" for i in ordinals)


@pytest.fixture(scope="module")
def ensemble(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Ensemble]:
    secrets = tmp_path_factory.mktemp("sasl")
    sts = sasl_statefulset(SASL, image, docker_client, secrets)
    failed_before = request.session.testsfailed
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        yield Ensemble(sts, secrets)
    finally:
        if request.session.testsfailed != failed_before:
            for pod in sts.pods:
                print(f"\n===== {pod.name} logs =====\n{sts.logs(pod.ordinal)[-20000:]}")
        sts.teardown()


def test_the_quorum_forms_with_every_member_authenticated(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    leader_of(sts, [0, 1, 2])
    for i in range(3):
        zoo_cfg = sts.exec(i, "cat /opt/zookeeper/conf/zoo.cfg")[1]
        assert "quorum.auth.serverRequireSasl=true" in zoo_cfg
        assert "enforce.auth.schemes=sasl" in zoo_cfg
        assert FIPS_MODE_LINE in sts.logs(i)


def test_kazoo_with_digest_md5_writes_and_reads(ensemble: Ensemble) -> None:
    with started(new_client(ensemble.hosts(), sasl=(USER, PASSWORD)), 30) as zk:
        zk.create("/kafka", b"written with SASL")
        assert zk.get("/kafka")[0] == b"written with SASL"


def test_the_java_client_with_a_jaas_file_writes_and_reads(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    jaas = (
        "Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
        '  username="solr"\n  password="s0lr-password";\n};\n'
    )
    assert sts.exec(1, f"printf '%s' {shlex.quote(jaas)} >/tmp/client.jaas")[0] == 0
    server = sts.pods[0].fqdn
    code, output = sts.exec(1, JAVA_CLIENT.format(server=server, command="create /solr by-java"))
    assert code == 0, output
    code, output = sts.exec(1, JAVA_CLIENT.format(server=server, command="get /solr"))
    assert code == 0 and "by-java" in output, output


def test_a_client_without_credentials_is_refused(ensemble: Ensemble) -> None:
    zk = new_client(ensemble.hosts())
    zk.connection_retry.max_tries = 0
    with pytest.raises(SessionClosedRequireSaslError):
        started(zk, 15).__enter__()
    zk.stop()
    zk.close()


def test_a_client_with_a_wrong_password_is_refused(ensemble: Ensemble) -> None:
    zk = new_client(ensemble.hosts(), sasl=(USER, PASSWORD + "x"))
    zk.connection_retry.max_tries = 0
    with pytest.raises((ConnectionLoss, SessionClosedRequireSaslError)):
        started(zk, 15).__enter__()
    zk.stop()
    zk.close()


def test_our_commands_work_with_authentication_required(ensemble: Ensemble) -> None:
    """The probes and the exporter speak four-letter words, which ZooKeeper never
    authenticates; zookeeper-status asks each member the same way."""
    sts = ensemble.sts
    for i in range(3):
        assert sts.exec(i, ["zookeeper-ready", "--serving"])[0] == 0
        code, output = sts.exec(i, ["zookeeper-metrics"])
        assert code == 0 and "zk_server_state" in output, output
    code, output = sts.exec(0, ["zookeeper-status"])
    assert code == 0 and "quorum serving" in output, output


def test_no_password_is_anywhere_but_the_jaas_file(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    secrets = [*CLIENT_USERS.values(), QUORUM_SECRET]
    for i in range(3):
        assert not [s for s in secrets if s in sts.logs(i)]
        processes = sts.exec(i, "cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ | tr '\\0' '\\n'")[1]
        assert not [s for s in secrets if s in processes]
        code, holding = sts.exec(
            i,
            "grep -rlF -e "
            + " -e ".join(shlex.quote(s) for s in secrets)
            + " /opt/zookeeper /var/lib/zookeeper /tmp /var/log 2>/dev/null",
        )
        assert holding.split() == ["/opt/zookeeper/conf/jaas.conf"]
        assert sts.exec(i, "stat -c %a /opt/zookeeper/conf/jaas.conf")[1].strip() == "600"


def test_a_member_with_the_wrong_quorum_password_never_joins(ensemble: Ensemble) -> None:
    """Its Secret changed under it (a rotation gone wrong): restarted, it cannot join,
    says why, and the two others serve on; with the right password again, it joins."""
    sts, quorum = ensemble.sts, ensemble.secrets / "zk-quorum"
    mount_secret(quorum, {"password": "not-the-quorum-password\n"})
    sts.delete(2)
    with started(new_client(ensemble.hosts((0, 1)), sasl=(USER, PASSWORD)), 30) as zk:
        for n in range(20):
            zk.create(f"/while-2-is-out-{n}", b"x")
    wait_for(lambda: re.search(r"SASL|sasl", sts.logs(2)) is not None, 60, lambda: "no log")
    assert not serving(sts, 2)
    assert serving(sts, 0) and serving(sts, 1)
    print(sts.logs(2)[-6000:])
    mount_secret(quorum, {"password": QUORUM_SECRET + "\n"})
    sts.delete(2)
    sts.wait_ready([2], timeout=120)


def test_losing_the_leader_loses_no_authenticated_write(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    leader = leader_of(sts, [0, 1, 2])
    survivors = tuple(i for i in range(3) if i != leader)

    def kill_leader_midway(n: int) -> None:
        if n == 40:
            sts.kill(leader)

    with started(new_client(ensemble.hosts(), sasl=(USER, PASSWORD)), 30) as zk:
        acknowledged = write_numbers(zk, 120, kill_leader_midway)
    assert len(acknowledged) >= 60
    wait_for(lambda: all(serving(sts, i) for i in survivors), 60, lambda: "survivors not serving")
    with started(new_client(ensemble.hosts(survivors), sasl=(USER, PASSWORD)), 30) as reader:
        reader.sync("/writes")
        stored = {int(child) for child in reader.get_children("/writes")}
    assert set(acknowledged) <= stored
    sts.restart(leader)
    sts.wait_ready(timeout=120)
