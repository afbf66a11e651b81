"""zookeeper-status against real ZooKeeper servers started by start-zookeeper."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import ServerFactory
from tests.harness.certs import Authority, mount_secret
from tests.harness.clients import kazoo_client
from tests.harness.ports import free_port
from tests.harness.probes import probe, started, until
from tests.harness.zookeeper import ZooKeeperServer
from zkcontainer.fourlw import parse_lines, send_word

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


def as_one_ensemble(tmp_path: Path, *flags: str, servers: ServerFactory) -> tuple[Path, list[int]]:
    """Two standalone servers named in one hand-written zoo.cfg, the second as an
    observer so that the first alone makes the quorum: to zookeeper-status, members
    of one ensemble. Returns the config and the servers' client ports."""
    ports = []
    for name in ("first", "second"):
        server = started(servers(*flags, name=name))
        until(0, "zookeeper-ready", "--serving", server.client_port)
        ports.append(server.client_port)
    config = tmp_path / "zoo.cfg"
    config.write_text(
        f"server.1=127.0.0.1:2888:3888;{ports[0]}\n"
        f"server.2=127.0.0.1:2889:3889:observer;{ports[1]}\n"
    )
    return config, ports


def zxid_and_count(port: int) -> tuple[str, str]:
    srvr = parse_lines(send_word("srvr", port=port))
    return srvr["Zxid"], srvr["Node count"]


def test_members_at_one_zxid_with_different_znode_counts_are_diverged(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """What replicas that diverged look like: the same last zxid over different trees.
    start-zookeeper's whitelist has no hash: the znode counts tell them apart."""
    config, (first, second) = as_one_ensemble(tmp_path, servers=zookeeper_server)
    alike = status(f"--config={config}")
    assert (alike.returncode, alike.stderr) == (0, ""), alike.stdout
    assert "DIVERGED" not in alike.stdout

    # Four transactions each (a session, two writes, its close), one znode apart.
    with kazoo_client(f"127.0.0.1:{first}") as zk:
        zk.create("/a")
        zk.create("/b")
    with kazoo_client(f"127.0.0.1:{second}") as zk:
        zk.create("/a")
        zk.set("/a", b"x")
    assert zxid_and_count(first) == ("0x4", "7")
    assert zxid_and_count(second) == ("0x4", "6")

    result = status(f"--config={config}", "--format=json")
    assert result.returncode == 1, result.stdout
    assert result.stderr == (
        "zookeeper-status: diverged: 2 of 2 members hold another tree at the same zxid:"
        " server.1, server.2\n"
    )
    assert [(m["diverged"], m["divergence"]) for m in json.loads(result.stdout)["members"]] == [
        (True, "at zxid 0x4: 7 znodes, server.2 has 6"),
        (True, "at zxid 0x4: 6 znodes, server.1 has 7"),
    ]
    table = status(f"--config={config}").stdout.splitlines()
    # SYNCED, then ZXID, LAG, LATENCY, CONNECTIONS, OUTSTANDING and ZNODES.
    assert [row.split()[-7] for row in table[1:3]] == ["DIVERGED", "DIVERGED"]
    assert table[-1].endswith("; 2 of 2 members DIVERGED (server.1, server.2)")


def test_with_hash_whitelisted_digests_tell_trees_of_one_count_apart(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """ZooKeeper logs its tree's digest at every 128th zxid: past 0x80, two trees of
    as many znodes under other names differ there."""
    whitelist = "--four_letter_words=ruok,mntr,srvr,hash"
    config, ports = as_one_ensemble(tmp_path, whitelist, servers=zookeeper_server)
    for port, prefix in zip(ports, ("a", "b"), strict=True):
        with kazoo_client(f"127.0.0.1:{port}") as zk:
            for n in range(130):
                zk.create(f"/{prefix}{n}")
    assert [zxid_and_count(port) for port in ports] == [("0x84", "135")] * 2
    digests = [send_word("hash", port=port) for port in ports]
    assert [d.split(":")[0] for d in digests] == ["80", "80"]
    assert digests[0] != digests[1]

    result = status(f"--config={config}", "--format=json")
    assert result.returncode == 1, result.stdout
    members = json.loads(result.stdout)["members"]
    assert [m["diverged"] for m in members] == [True, True]
    assert all(m["divergence"].startswith("at zxid 0x80: tree digest ") for m in members)
