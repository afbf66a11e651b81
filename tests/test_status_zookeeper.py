"""zookeeper-status against real ZooKeeper servers started by start-zookeeper."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import ServerFactory
from tests.harness.certs import Authority, mount_secret
from tests.harness.zookeeper import ZooKeeperServer, free_port
from tests.test_probes_zookeeper import probe, started, until

pytestmark = pytest.mark.process


def status(*args: str | Path, inside: ZooKeeperServer | None = None) -> CompletedProcess[str]:
    return probe("zookeeper-status", *args, inside=inside)


def test_a_standalone_server_is_its_own_quorum(zookeeper_server: ServerFactory) -> None:
    server = started(zookeeper_server())
    until(0, "zookeeper-ready", "--serving", server.client_port)
    result = status(f"--conf_dir={server.root / 'conf'}", "--format=json")
    assert (result.returncode, result.stderr) == (0, "")
    (member,) = json.loads(result.stdout)["members"]
    assert member["role"] == "standalone"
    assert member["address"] == f"127.0.0.1:{server.client_port}"
    assert member["znodes"] >= 1
    assert member["zxid"].startswith("0x")

    table = status(f"--config={server.root / 'conf' / 'zoo.cfg'}")
    assert table.returncode == 0
    assert table.stdout.splitlines()[-1].startswith("quorum serving: standalone")


def test_a_config_with_one_server_line_serves_standalone(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """ZooKeeper 3.5+ runs a config whose only server line is its own as a standalone
    server (standaloneEnabled): its one voter serves."""
    server = started(zookeeper_server())
    until(0, "zookeeper-ready", "--serving", server.client_port)
    config = tmp_path / "zoo.cfg"
    config.write_text(f"server.1=127.0.0.1:2888:3888;{server.client_port}\n")
    result = status(f"--config={config}")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.split("\n")[1].split()[:3] == [
        "1",
        f"127.0.0.1:{server.client_port}",
        "standalone",
    ]
    assert result.stdout.splitlines()[-1] == (
        "quorum serving: standalone server.1, 1 of 1 voting members serving (1 needed)"
    )


def test_a_member_without_quorum_is_shown_not_serving(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    # Member zk-0 of a three-server ensemble whose peers never resolve. Its own
    # line names it by address here: its name resolves no better than theirs.
    server = started(zookeeper_server("--servers=3", "--domain=zk-hs.invalid", isolated=True))
    written = (server.root / "conf" / "zoo.cfg").read_text()
    config = tmp_path / "zoo.cfg"
    config.write_text(written.replace("server.1=zk-0.zk-hs.invalid:", "server.1=127.0.0.1:"))

    result = status(f"--config={config}", "--format=json", inside=server)
    members = json.loads(result.stdout)["members"]
    assert [(m["id"], m["role"], m["reason"]) for m in members] == [
        (1, None, "not serving"),
        (2, None, "unreachable"),
        (3, None, "unreachable"),
    ]
    assert "This ZooKeeper instance is not currently serving requests" in members[0]["detail"]
    assert result.returncode == 1
    assert result.stderr == (
        "zookeeper-status: no quorum: no leader, 0 of 3 voting members serving (2 needed)\n"
    )


def test_with_tls_only_it_speaks_tls_with_the_servers_own_stores(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """--client_port=0: nothing but TLS; no --tls_dir given, status finds the certificate
    where zoo.cfg says the server's key and trust stores are."""
    secret = tmp_path / "secret"
    mount_secret(secret, Authority.make().secret(["zk-0", "localhost", "127.0.0.1"]))
    secure = free_port()
    server = zookeeper_server(f"--tls_dir={secret}", f"--secure_client_port={secure}")
    server.client_port = 0
    server.start()
    until(0, "zookeeper-ready", "--tls_dir", secret, secure)

    result = status(f"--conf_dir={server.root / 'conf'}", "--format=json")
    assert (result.returncode, result.stderr) == (0, "")
    (member,) = json.loads(result.stdout)["members"]
    assert (member["address"], member["role"]) == (f"127.0.0.1:{secure}", "standalone")

    # --tls_dir takes what the probes take: the Secret's mount or the store directory.
    for tls_dir in (secret, server.root / "conf" / "tls"):
        given = status(f"--conf_dir={server.root / 'conf'}", f"--tls_dir={tls_dir}")
        assert given.returncode == 0, given.stderr
