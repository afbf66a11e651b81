"""A 3-member ensemble of the image over TLS, its certificates a Secret mounted as the
kubelet mounts one (a `..data` symlink to a timestamped directory).

One ensemble serves the whole module, in order: forming, clients, refusals, the
probes, a leader kill, then a renewed Secret. It costs a minute instead of one
per test, and the later tests run on an ensemble that has already lived
through the earlier ones, as a production one would. Two tests need ensembles
of their own: the rolling migration from plaintext, and ZooKeeper 3.8 (the
Debian 12 variant of the image).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import docker
import pytest
from cryptography import x509
from docker.types import Mount
from kazoo.client import KazooClient

from tests.harness.backups import backup_in, restored_server
from tests.harness.certs import Authority, mount_secret, tls_client, tls_kazoo, tls_ruok
from tests.harness.clients import ContinuousWriter, new_client
from tests.harness.containers import client_address
from tests.harness.members import leader_of, serving
from tests.harness.rolling import fewest_ready, roll
from tests.harness.statefulset import StatefulSet, wait_for
from tests.harness.tlspods import (
    NAMES,
    PLAINTEXT,
    SECRET,
    TLS,
    SecretMountingStatefulSet,
    tls_statefulset,
)
from tests.harness.writes import write_numbers

pytestmark = pytest.mark.container


def print_logs(sts: StatefulSet) -> None:
    for pod in sts.pods:
        print(f"\n===== {pod.name} logs =====\n{sts.logs(pod.ordinal)[-20000:]}")


class Ensemble:
    def __init__(self, sts: StatefulSet, secret: Path) -> None:
        self.sts, self.secret = sts, secret

    def client(self, ordinals: Sequence[int] = (0, 1, 2)) -> AbstractContextManager[KazooClient]:
        hosts = ",".join(f"{self.sts.address(i)}:2281" for i in ordinals)
        return tls_kazoo(hosts, self.secret)


@pytest.fixture(scope="module")
def ensemble(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, image: str, tmp_path_factory
) -> Iterator[Ensemble]:  # type: ignore[no-untyped-def]
    ca = Authority.make()
    secret = tmp_path_factory.mktemp("tls") / "zk-tls"
    mount_secret(secret, ca.secret(NAMES, "rsa", "pkcs1"))  # cert-manager's RSA default
    # The AdminServer on, for the backup taken over TLS.
    sts = SecretMountingStatefulSet(
        tls_statefulset([*TLS, "--admin_port=8080"]),
        image,
        client=docker_client,
        secrets={"zk-tls": str(secret)},
    )
    failed_before = request.session.testsfailed
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        yield Ensemble(sts, secret)
    finally:
        if request.session.testsfailed != failed_before:
            print_logs(sts)
        sts.teardown()


def test_the_quorum_forms_over_tls(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    leader_of(sts, [0, 1, 2])
    for i in range(3):
        zoo_cfg = sts.exec(i, "cat /opt/zookeeper/conf/zoo.cfg")[1]
        assert "sslQuorum=true" in zoo_cfg
        assert SECRET not in zoo_cfg, "ZooKeeper must never read the Secret's mount itself"
        assert sts.exec(i, "ls /opt/zookeeper/conf/tls")[1].split() == [
            "keystore.pem",
            "truststore.pem",
        ]
    # Members connect to those of lower ids on the election port: TLS, as ZooKeeper logs it.
    assert any("Accepted TLS connection from" in sts.logs(i) for i in range(3))


def test_kazoo_with_a_client_certificate_writes_and_reads_through_2281(
    ensemble: Ensemble,
) -> None:
    with ensemble.client() as zk:
        zk.create("/over-tls", b"secret")
        assert zk.get("/over-tls")[0] == b"secret"


def test_a_backup_of_a_tls_ensemble_restores_into_a_tls_server(
    ensemble: Ensemble, image: str, tmp_path: Path
) -> None:
    """zookeeper-backup in a member whose clients and quorum speak TLS (its AdminServer
    is HTTP on a port of its own), restored into a new server on the same Secret:
    the znode written over TLS is read back over TLS."""
    with ensemble.client() as zk:
        zk.create("/backed-up-over-tls", b"restored")
    backup = backup_in(ensemble.sts, 1, tmp_path)
    secret = Mount(SECRET, str(ensemble.secret), type="bind", read_only=True)
    with (
        restored_server(image, "tls-restore", backup, [f"--tls_dir={SECRET}"], [secret]) as server,
        tls_kazoo(client_address(server, 2281), ensemble.secret) as zk,
    ):
        assert zk.get("/backed-up-over-tls")[0] == b"restored"


def test_a_client_without_a_certificate_is_refused(ensemble: Ensemble) -> None:
    address = ensemble.sts.address(0)
    tls_ruok(address, 2281, ensemble.secret, with_certificate=True)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_ruok(address, 2281, ensemble.secret, with_certificate=False)


def test_plaintext_2181_is_refused_from_another_pod(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    code, output = sts.exec(1, ["zookeeper-ready", "--host", sts.address(0), "2181"])
    assert code == 1
    assert "refused" in output


def test_the_probes_pass_plaintext_on_loopback_and_over_tls(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    for i in range(3):
        assert sts.exec(i, ["zookeeper-ready", "--serving"])[0] == 0
        code, output = sts.exec(
            i, ["zookeeper-ready", "--serving", "--timeout=3", "--tls_dir", SECRET, "2281"]
        )
        assert (code, output) == (0, "")
        code, output = sts.exec(
            i, ["zookeeper-metrics", "--timeout=3", "--tls_dir", SECRET, "2281"]
        )
        assert code == 0
        assert "zk_server_state" in output


def test_losing_the_leader_loses_no_acknowledged_write_over_tls(ensemble: Ensemble) -> None:
    sts = ensemble.sts
    leader = leader_of(sts, [0, 1, 2])
    survivors = [i for i in range(3) if i != leader]

    def kill_leader_midway(n: int) -> None:
        if n == 40:
            sts.kill(leader)

    with ensemble.client() as zk:
        acknowledged = write_numbers(zk, 120, kill_leader_midway)
    assert len(acknowledged) >= 60
    wait_for(lambda: all(serving(sts, i) for i in survivors), 60, lambda: "survivors not serving")
    with ensemble.client(survivors) as reader:
        reader.sync("/writes")
        stored = {int(child) for child in reader.get_children("/writes")}
    assert set(acknowledged) <= stored

    sts.restart(leader)
    sts.wait_ready(timeout=120)


def test_a_renewed_secret_serves_new_connections_and_the_quorum_without_restart(
    ensemble: Ensemble,
) -> None:
    """cert-manager renews: a new version of the Secret, `..data` swapped. Here the CA
    changes too, so nothing issued before the swap is trusted after it: a quorum that
    forms afterwards can only have used the new material."""
    sts = ensemble.sts
    started = started_at(sts)
    renewed = Authority.make("zkcontainer test CA, renewed")
    files = renewed.secret(NAMES, "ec", "sec1")
    mount_secret(ensemble.secret, files)
    serial = x509.load_pem_x509_certificate(files["tls.crt"].encode()).serial_number

    address = sts.address(0)

    def serves_the_new_certificate() -> bool:
        try:
            return tls_ruok(address, 2281, ensemble.secret, True).serial_number == serial
        except (ssl.SSLError, OSError):
            return False

    took = wait_for(serves_the_new_certificate, 30, lambda: "2281 still serves the old one")
    print(f"client port served the renewed certificate {took:.1f}s after the swap")

    quorum_takes_renewal(ensemble, started)


def started_at(sts: StatefulSet) -> list[str]:
    """When each pod's container last started: a restart changes it."""
    for i in range(sts.replicas):
        sts.container(i).reload()
    return [sts.container(i).attrs["State"]["StartedAt"] for i in range(sts.replicas)]


def quorum_takes_renewal(ensemble: Ensemble, started: list[str]) -> None:
    """After a renewal to a new CA: the leader goes, the two others, never restarted,
    elect and serve, and the old leader, restarted, joins them. Two survivors that both
    kept the old material would still trust each other; the restarted member holds only
    the new, so its joining proves the quorum's key and trust stores were reloaded."""
    sts = ensemble.sts
    leader = leader_of(sts, [0, 1, 2])
    survivors = [i for i in range(3) if i != leader]
    time.sleep(3)  # the watcher's interval (1 s) and ZooKeeper's file watcher
    sts.kill(leader)
    wait_for(lambda: all(serving(sts, i) for i in survivors), 60, lambda: "no quorum after renewal")
    leader_of(sts, survivors)
    now = started_at(sts)
    assert [now[i] for i in survivors] == [started[i] for i in survivors], "restarted"
    sts.restart(leader)
    sts.wait_ready(timeout=120)


def test_a_rolling_migration_from_plaintext_to_tls_keeps_serving(
    docker_client: docker.DockerClient, image: str, tmp_path: Path
) -> None:
    """README, "Migrating a running ensemble from plaintext to TLS": three rolls under
    clients writing throughout, plaintext until TLS is there for them."""
    secret = tmp_path / "zk-tls"
    mount_secret(secret, Authority.make().secret(NAMES))
    sts = SecretMountingStatefulSet(
        tls_statefulset(PLAINTEXT), image, client=docker_client, secrets={"zk-tls": str(secret)}
    )
    try:
        sts.start()
        sts.wait_ready(timeout=120)
        plain = ContinuousWriter(new_client(sts.connect_string()), "/plain")
        plain.start()
        wait_for(lambda: plain.writing(2), 60, lambda: "no plaintext write acknowledged")
        started = time.monotonic()
        with fewest_ready(sts) as fewest:
            roll(sts, [*TLS, "--tls_quorum=false", "--tls_port_unification=true"])
            roll(sts, [*TLS, "--tls_port_unification=true"])
            secure = ContinuousWriter(tls_client(sts.connect_string(2281), secret), "/secure")
            secure.start()
            wait_for(lambda: secure.writing(2), 60, lambda: "no TLS write acknowledged")
            secure_since = time.monotonic()
            plain.finish()
            roll(sts, TLS)
            secure.finish()
        # Each pod recreated here comes back at a new address, which the clients (given
        # addresses, not the pods' DNS names) cannot know: their gaps are not the ensemble's.
        print(
            f"longest stretch without an acknowledged write: {plain.longest_gap(started):.1f}s"
            f" plaintext, {secure.longest_gap(secure_since):.1f}s TLS"
        )
        assert fewest[0] >= 2, f"only {fewest[0]} members Ready at one moment"
        with tls_kazoo(sts.connect_string(2281), secret) as zk:
            zk.sync("/")
            for writer in (plain, secure):
                stored = {int(child) for child in zk.get_children(writer.path)}
                assert set(writer.acknowledged) <= stored
        zoo_cfg = sts.exec(0, "cat /opt/zookeeper/conf/zoo.cfg")[1]
        assert "sslQuorum=true\n" in zoo_cfg
        assert "portUnification" not in zoo_cfg
        assert sts.exec(1, ["zookeeper-ready", "--host", sts.address(0), "2181"])[0] == 1
    except BaseException:
        print_logs(sts)
        raise
    finally:
        sts.teardown()
