"""A 3-member ensemble of the image whose clients and members must authenticate
with SASL DIGEST-MD5, its passwords Secrets mounted as the kubelet mounts them.

One ensemble serves the module, in order: forming, the clients (kazoo, the
Java client, refusals), our own commands, where the passwords are not, a
member with the wrong quorum password, a leader kill under a writing client.
"""

from __future__ import annotations

import shlex
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest
from docker.types import Mount
from kazoo.security import ACL, Id, Permissions

from tests.harness.authzid import asking_for
from tests.harness.backups import backup_in, restored_server
from tests.harness.certs import mount_secret, tls_kazoo
from tests.harness.clients import (
    ContinuousWriter,
    new_client,
    read_as,
    refusal,
    started,
    stored_numbers,
)
from tests.harness.containers import client_address
from tests.harness.ensemble import running
from tests.harness.members import leader_of, serving
from tests.harness.rolling import fewest_ready, roll
from tests.harness.saslpods import (
    CLIENT_SASL,
    CLIENT_USERS,
    PLAIN,
    QUORUM_SASL,
    QUORUM_SECRET,
    RECONFIG_FLAGS,
    SASL,
    SUPERUSER_SECRET,
    USERS,
    sasl_statefulset,
)
from tests.harness.statefulset import StatefulSet, labels, wait_for
from tests.harness.tlspods import SECRET as TLS_SECRET
from tests.harness.writes import write_numbers, written
from zkcontainer.sasl import FIPS_MODE_LINE

pytestmark = pytest.mark.container

USER, PASSWORD = "kafka", CLIENT_USERS["kafka"]
# The Java client as an application runs it: ZooKeeper's jar, a JAAS Client section.
JAVA_CLIENT = (
    "/opt/java/bin/java -Djava.security.auth.login.config=/tmp/client.jaas"
    " -Dzookeeper.fips-mode=false"
    " -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar"
    ":/usr/share/java/log4j-1.2.jar"
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
    # The AdminServer on, for the backup taken under required authentication.
    command = [*SASL, "--admin_port=8080"]
    with running(request, sasl_statefulset(command, image, docker_client, secrets)) as sts:
        yield Ensemble(sts, secrets)


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
    """ZooKeeper's own client, as an application runs it: its jar and a JAAS file."""
    sts = ensemble.sts
    jaas = (
        "Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
        '  username="solr"\n  password="s0lr-password";\n};\n'
    )
    assert sts.exec(1, f"printf '%s' {shlex.quote(jaas)} >/tmp/client.jaas")[0] == 0
    server = sts.pods[0].fqdn
    try:
        code, output = sts.exec(
            1, JAVA_CLIENT.format(server=server, command="create /solr by-java")
        )
        assert code == 0, output
        code, output = sts.exec(1, JAVA_CLIENT.format(server=server, command="get /solr"))
        assert code == 0, output
        assert "by-java" in output
        # A 3.9.4+ client in FIPS mode, its default, refuses DIGEST-MD5 too: the
        # right password fails as a wrong one would (docs/security.md, FIPS mode).
        in_fips_mode = JAVA_CLIENT.replace(" -Dzookeeper.fips-mode=false", "")
        code, output = sts.exec(1, in_fips_mode.format(server=server, command="get /solr"))
        assert code != 0
        assert "AuthFailed" in output
    finally:
        sts.exec(1, "rm -f /tmp/client.jaas")  # it holds solr's password


def test_a_client_without_credentials_is_refused(ensemble: Ensemble) -> None:
    assert refusal(ensemble.hosts()) == "SessionClosedRequireSaslError"


def test_a_client_with_a_wrong_password_is_refused(ensemble: Ensemble) -> None:
    """ZooKeeper closes the connection at the failed SASL exchange, as it does for an
    unknown user; the client sees its connection lost, and never a session."""
    assert refusal(ensemble.hosts(), (USER, PASSWORD + "x")) in (
        "ConnectionLoss",
        "KazooTimeoutError",
    )
    assert refusal(ensemble.hosts(), ("nobody", PASSWORD)) in (
        "ConnectionLoss",
        "KazooTimeoutError",
    )


def test_the_digest_scheme_never_counts_as_authentication(ensemble: Ensemble) -> None:
    """ZooKeeper's digest scheme takes any user and password a client makes up."""
    assert refusal(ensemble.hosts(), digest="anything:anything") == "SessionClosedRequireSaslError"
    assert refusal(ensemble.hosts(), digest=f"super:{SUPERUSER_SECRET}") == (
        "SessionClosedRequireSaslError"
    )


def test_one_users_password_never_acts_as_another_user(ensemble: Ensemble) -> None:
    """tests/process/test_sasl_zookeeper.py's attack on the image's ZooKeeper: Kafka's
    password, under a name the Secret does not list, asking to act as Solr. 3.9.6
    refuses the name itself (the connection is closed); 3.8.0 took it."""
    # One member: the name a member's handler holds is that member's own.
    hosts, solr = ensemble.hosts((0,)), CLIENT_USERS["solr"]
    with started(new_client(hosts, sasl=("solr", solr)), 30) as zk:
        zk.create("/solrs", b"for solr only", acl=[ACL(Permissions.ALL, Id("sasl", "solr"))])
    assert read_as(hosts, "solr", solr, "/solrs") == "for solr only"
    for name in ("x@EVIL", "x/host@EVIL", USER):
        # Kafka's look-up first, so the member's handler holds its name.
        assert read_as(hosts, USER, PASSWORD, "/solrs") == "NoAuthError"
        with asking_for("solr"):
            refused = read_as(hosts, name, PASSWORD, "/solrs")
        # Refused as a name (no session, or the connection closed) or as Solr (NoAuth).
        assert refused in ("NoAuthError", "ConnectionLoss") or refused.startswith("no session:")


def test_our_commands_work_with_authentication_required(
    ensemble: Ensemble, docker_client: docker.DockerClient, image: str
) -> None:
    """The probes and the exporter speak four-letter words, which ZooKeeper never
    authenticates; zookeeper-status asks each member the same way."""
    sts = ensemble.sts
    for i in range(3):
        assert sts.exec(i, ["zookeeper-ready", "--serving"])[0] == 0
        code, output = sts.exec(i, ["zookeeper-metrics"])
        assert code == 0, output
        assert "zk_server_state" in output
    code, output = sts.exec(0, ["zookeeper-status"])
    assert code == 0, output
    assert "quorum serving" in output
    # The exporter as the chart runs it: a sidecar in the pod's network namespace.
    exporter = docker_client.containers.run(
        image,
        ["zookeeper-metrics", "--listen", "9141"],
        network_mode=f"container:{sts.container(0).id}",
        labels=labels("sasl-exporter"),
        detach=True,
    )
    try:
        url = f"http://{sts.address(0)}:9141/metrics"
        # The sample line itself: the HELP line names "zookeeper_up 1" too.
        wait_for(lambda: "\nzookeeper_up 1\n" in scrape(url), 30, lambda: scrape(url)[-2000:])
    finally:
        exporter.remove(force=True)


def scrape(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return str(answer.read().decode())
    except OSError as error:
        return str(error)


def test_no_password_is_anywhere_but_the_jaas_file(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    secrets = [*CLIENT_USERS.values(), QUORUM_SECRET, SUPERUSER_SECRET]
    for i in range(3):
        assert not [s for s in secrets if s in sts.logs(i)]
        processes = sts.exec(i, "cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ | tr '\\0' '\\n'")[1]
        assert not [s for s in secrets if s in processes]
        _, holding = sts.exec(
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
    # ZooKeeper's one line on the member that cannot get in, every time it tries.
    refused = "javax.security.sasl.SaslException: Authentication failed against server addr:"
    wait_for(lambda: refused in sts.logs(2), 60, lambda: sts.logs(2)[-3000:])
    assert any("Failed to authenticate using SASL" in sts.logs(i) for i in (0, 1))
    assert not serving(sts, 2)
    assert serving(sts, 0)
    assert serving(sts, 1)
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


@contextmanager
def own_ensemble(sts: StatefulSet) -> Iterator[StatefulSet]:
    """`sts` started and Ready for one test; its members' logs printed if the test
    fails; removed afterwards."""
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        yield sts
    except BaseException:
        for pod in sts.pods:
            print(f"\n===== {pod.name} logs =====\n{sts.logs(pod.ordinal)[-8000:]}")
        raise
    finally:
        sts.teardown()


def test_reconfig_grows_and_shrinks_with_authentication_required(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    tmp_path: Path,
) -> None:
    """--reconfig with every client required to authenticate: a pod beyond the
    initial three adds itself, and zookeeper-scale removes it, both as the
    superuser by SASL; a member restarting reads the membership the same way."""
    sts = sasl_statefulset([*PLAIN, *CLIENT_SASL, *RECONFIG_FLAGS], image, docker_client, tmp_path)
    with own_ensemble(sts):
        sts.scale(4)
        sts.wait_ready(timeout=120)
        hosts = ",".join(f"{sts.address(i)}:2181" for i in range(3))
        with started(new_client(hosts, sasl=(USER, PASSWORD)), 30) as zk:

            def members() -> set[str]:
                zk.sync("/zookeeper/config")
                config = zk.get("/zookeeper/config")[0].decode()
                return {line.split("=")[0] for line in config.splitlines() if "=" in line}

            wait_for(lambda: "server.4" in members(), 60, lambda: f"members {members()}")
            code, output = sts.exec(0, ["zookeeper-scale", "3"])
            assert code == 0, output
            assert "server.4" not in members()
        sts.scale(3)
        sts.delete(1)
        sts.wait_ready([1], timeout=120)
        assert "membership: " in sts.logs(1)


def test_quorum_sasl_turned_on_in_three_rolls_keeps_a_quorum_serving(
    docker_client: docker.DockerClient, image: str, tmp_path: Path
) -> None:
    """docs/security.md, "Turning quorum SASL on in a running ensemble": enabled, then
    learners_required, then required, each a rolling restart as the controller makes
    it, under a client writing throughout; never fewer than two members Ready, and
    every acknowledged write there at the end."""
    sts = sasl_statefulset(PLAIN, image, docker_client, tmp_path)
    stages = ["enabled", "learners_required", "required"]
    with own_ensemble(sts):
        writer = ContinuousWriter(new_client(sts.connect_string()), "/rolling")
        writer.start()
        wait_for(lambda: writer.writing(2), 60, lambda: "no write acknowledged")
        with fewest_ready(sts) as fewest:
            for stage in stages:
                roll(sts, [*PLAIN, f"--quorum_sasl={stage}", QUORUM_SASL[1]])
        written(writer, 20)
        writer.finish()
        assert fewest[0] >= 2, f"only {fewest[0]} members Ready at one moment"
        assert set(writer.acknowledged) <= stored_numbers(sts.connect_string(), "/rolling")
        leader = leader_of(sts, [0, 1, 2])
        assert "Successfully authenticated learner" in sts.logs(leader)


def test_quorum_sasl_and_quorum_tls_together_form_a_quorum(
    docker_client: docker.DockerClient, image: str, tmp_path: Path
) -> None:
    """FIPS mode off (for DIGEST-MD5) brings back the trust manager that checks
    hostnames: the members still form their quorum over TLS, authenticated. With
    every client required to authenticate, a client certificate counts."""
    command = [*SASL, f"--tls_dir={TLS_SECRET}"]
    sts = sasl_statefulset(command, image, docker_client, tmp_path, tls=True)
    with own_ensemble(sts):
        leader = leader_of(sts, [0, 1, 2])
        assert "Successfully authenticated learner" in sts.logs(leader)
        assert any("Accepted TLS connection from" in sts.logs(i) for i in range(3))
        assert "enforce.auth.schemes=sasl,x509" in sts.exec(0, "cat /opt/zookeeper/conf/zoo.cfg")[1]
        with tls_kazoo(f"{sts.address(0)}:2281", tmp_path / "zk-tls") as zk:
            zk.create("/by-certificate", b"no password")


def test_a_backup_under_required_authentication_restores_with_its_sasl_acls(
    ensemble: Ensemble, image: str, tmp_path: Path
) -> None:
    """zookeeper-backup in a member of an ensemble that requires SASL of every client,
    restored into a new server that requires it too: a znode only kafka may read
    is still kafka's alone there."""
    owned = [ACL(Permissions.ALL, Id("sasl", USER))]
    with started(new_client(ensemble.hosts(), sasl=(USER, PASSWORD)), 30) as zk:
        zk.create("/kafkas-own", b"for kafka", acl=owned)
    backup = backup_in(ensemble.sts, 1, tmp_path)
    users = Mount(USERS, str(ensemble.secrets / "zk-users"), type="bind", read_only=True)
    with restored_server(image, "sasl-restore", backup, CLIENT_SASL, [users]) as server:
        restored = client_address(server)
        assert read_as(restored, USER, PASSWORD, "/kafkas-own") == "for kafka"
        assert read_as(restored, "solr", CLIENT_USERS["solr"], "/kafkas-own") == "NoAuthError"
        assert refusal(restored) != "served"
        assert "restore: " in server.get_logs()[1].decode()
