"""TLS against a real ZooKeeper (the host's Debian jars) started by start-zookeeper."""

from __future__ import annotations

import contextlib
import ssl
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import ServerFactory
from tests.harness.certs import Authority, mount_secret, tls_kazoo, tls_ruok
from tests.harness.ports import free_port
from tests.harness.probes import until

pytestmark = pytest.mark.process

BIN = Path(sys.executable).parent
NAMES = ["zk-0", "localhost", "127.0.0.1"]


def refused_without_certificate(port: int, secret: Path) -> bool:
    try:
        tls_ruok("127.0.0.1", port, secret, with_certificate=False)
    except (ssl.SSLError, OSError):
        return True
    return False


@pytest.mark.parametrize(("kind", "encoding"), [("rsa", "pkcs1"), ("ec", "sec1"), ("rsa", "pkcs8")])
def test_a_converted_key_serves_tls_clients_and_the_probes(
    zookeeper_server: ServerFactory, tmp_path: Path, kind: str, encoding: str
) -> None:
    ca = Authority.make()
    secret = tmp_path / "secret"
    mount_secret(secret, ca.secret(NAMES, kind, encoding))
    secure = free_port()
    server = zookeeper_server(f"--tls_dir={secret}", f"--secure_client_port={secure}")
    server.start()
    server.wait_until_imok()

    with tls_kazoo(f"127.0.0.1:{secure}", secret) as zk:
        zk.create("/over-tls", b"yes")
        assert zk.get("/over-tls")[0] == b"yes"
    assert refused_without_certificate(secure, secret)
    result = until(0, "zookeeper-ready", "--serving", "--tls_dir", secret, secure)
    assert (result.returncode, result.stderr) == (0, "")
    metrics = until(0, "zookeeper-metrics", "--tls_dir", secret, secure)
    assert "zk_server_state\tstandalone" in metrics.stdout
    # The plaintext port listens on loopback only.
    assert "clientPortAddress=127.0.0.1\n" in (server.root / "conf" / "zoo.cfg").read_text()


def test_want_takes_clients_without_a_certificate_and_port_0_leaves_only_tls(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    mount_secret(secret, Authority.make().secret(NAMES))
    secure = free_port()
    server = zookeeper_server(
        f"--tls_dir={secret}", f"--secure_client_port={secure}", "--tls_client_auth=want"
    )
    server.client_port = 0
    server.start()
    until(0, "zookeeper-ready", "--tls_dir", secret, secure)
    assert not refused_without_certificate(secure, secret)
    assert "clientPort=" not in (server.root / "conf" / "zoo.cfg").read_text()
    plain = subprocess.run(
        [BIN / "zookeeper-ready", str(secure)], capture_output=True, text=True, check=False
    )
    assert plain.returncode == 1  # a plaintext ruok on the TLS port gets no imok


def test_the_renewal_watcher_leaves_with_the_jvm_and_holds_no_lock(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """The child start-zookeeper forks to follow the Secret: one per server, gone once
    the JVM is, and never holding the data directories' locks, so a restart goes ahead."""
    secret = tmp_path / "secret"
    mount_secret(secret, Authority.make().secret(NAMES))
    server = zookeeper_server(
        f"--tls_dir={secret}", f"--secure_client_port={free_port()}", "--tls_reload_interval=1"
    )
    server.start()
    server.wait_until_imok()
    watchers = psutil.Process(server.pid).children()
    assert len(watchers) == 1
    data = (str(server.data_dir), str(server.root / "datalog"))

    def held(pid: int) -> list[str]:
        links = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(FileNotFoundError):  # closed while we looked
                links.append(str(fd.readlink()))
        return [link for link in links if link.startswith(data)]

    assert held(server.pid), "the JVM holds the locked directories"
    assert held(watchers[0].pid) == [], "the watcher holds what the JVM locked"
    server.stop()
    psutil.wait_procs(watchers, timeout=5)
    assert not watchers[0].is_running()
    server.start()  # the same directories: their locks were the JVM's alone
    server.wait_until_imok()


def test_with_port_0_a_bad_renewal_fails_no_probe_given_the_store_directory(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """The Secret's own files would fail the probes (a key of another certificate), and
    liveness would restart every member into a Secret start-zookeeper refuses; the store
    directory keeps what the server serves."""
    ca = Authority.make()
    secret = tmp_path / "secret"
    mount_secret(secret, ca.secret(NAMES))
    secure = free_port()
    server = zookeeper_server(f"--tls_dir={secret}", f"--secure_client_port={secure}")
    server.client_port = 0
    server.start()
    store = server.root / "conf" / "tls"
    until(0, "zookeeper-ready", "--tls_dir", store, secure)
    mismatched = ca.secret(NAMES)
    mismatched["tls.key"] = ca.secret(NAMES)["tls.key"]
    mount_secret(secret, mismatched)
    assert until(2, "zookeeper-ready", "--tls_dir", secret, secure).returncode == 2
    result = until(0, "zookeeper-ready", "--serving", "--tls_dir", store, secure)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_client_of_the_client_ca_connects_to_the_tls_port(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    members, clients = Authority.make("members CA"), Authority.make("clients CA")
    secret = tmp_path / "secret"
    mount_secret(secret, members.secret(NAMES))
    client_ca = tmp_path / "clients-ca.crt"
    client_ca.write_text(clients.pem)
    client = tmp_path / "client"  # a client's certificate, trusting the members' CA
    mount_secret(client, {**clients.secret(["app"]), "ca.crt": members.pem})
    secure = free_port()
    server = zookeeper_server(
        f"--tls_dir={secret}", f"--secure_client_port={secure}", f"--tls_client_ca={client_ca}"
    )
    server.start()
    server.wait_until_imok()
    with tls_kazoo(f"127.0.0.1:{secure}", client) as zk:
        zk.create("/from-a-client-ca", b"yes")
    # The members' own certificate still gets through: the probes present it.
    result = until(0, "zookeeper-ready", "--tls_dir", server.root / "conf" / "tls", secure)
    assert (result.returncode, result.stderr) == (0, "")
