"""SASL DIGEST-MD5 against a real ZooKeeper (the host's Debian jars) started by
start-zookeeper, attacked by a client holding one user's password."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import SessionClosedRequireSaslError
from kazoo.security import ACL, Id, Permissions

from tests.conftest import ServerFactory
from tests.harness.authzid import asking_for
from tests.harness.certs import Authority, mount_secret, tls_kazoo
from tests.harness.clients import new_client, read_as, refusal, sasl_options, started
from tests.harness.ports import free_port
from tests.harness.statefulset import wait_for

pytestmark = pytest.mark.process

USERS = {"alice": "alice-password", "bob": "bob-password"}


def test_one_users_password_never_acts_as_another_user(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """ZooKeeper 3.8.0's SASL server (the host's) hands a name it does not know the
    password of the last user it looked up, and then takes the client's authorization id for
    the session's identity: with Alice's password, a client named `x@EVIL` asking
    to act as Bob would be Bob. start-zookeeper's auth_to_local rules give
    such a name an identity of its own, so the authorization id never counts."""
    users = tmp_path / "users"
    users.mkdir()
    for user, password in USERS.items():
        (users / user).write_text(password)
    server = zookeeper_server(f"--client_sasl_users={users}", "--client_auth_required=true")
    server.start()
    server.wait_until_imok()
    hosts = f"127.0.0.1:{server.client_port}"
    with started(new_client(hosts, sasl=("bob", USERS["bob"])), 30) as zk:
        zk.create("/bobs", b"for bob only", acl=[ACL(Permissions.ALL, Id("sasl", "bob"))])
    assert read_as(hosts, "bob", USERS["bob"], "/bobs") == "for bob only"
    assert refusal(hosts) == "SessionClosedRequireSaslError"
    for name in ("x@EVIL", "x/host@EVIL", "alice"):
        # Alice's look-up first, so the server's handler holds her name.
        assert read_as(hosts, "alice", USERS["alice"], "/bobs") == "NoAuthError"
        with asking_for("bob"):
            assert read_as(hosts, name, USERS["alice"], "/bobs") == "NoAuthError", name


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_tls_client_without_a_certificate_must_still_authenticate(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """--tls_client_auth=want lets a client without a certificate connect over TLS:
    with every client required to authenticate, it must then use SASL."""
    users, secret = tmp_path / "users", tmp_path / "tls"
    users.mkdir()
    (users / "alice").write_text(USERS["alice"])
    mount_secret(secret, Authority.make().secret(["zk-0", "localhost", "127.0.0.1"]))
    secure = free_port()
    server = zookeeper_server(
        f"--client_sasl_users={users}",
        "--client_auth_required=true",
        f"--tls_dir={secret}",
        f"--secure_client_port={secure}",
        "--tls_client_auth=want",
    )
    server.start()
    server.wait_until_imok()
    # The TLS port opens after the plaintext one answers ruok.
    wait_for(lambda: accepts(secure), 30, lambda: f"port {secure} never opened")
    hosts = f"127.0.0.1:{secure}"

    def without_certificate(**options: Any) -> KazooClient:
        tls = {"use_ssl": True, "ca": str(secret / "ca.crt"), "verify_certs": True}
        return KazooClient(
            hosts=hosts, timeout=5, connection_retry={"max_tries": 1}, **tls, **options
        )

    anonymous = without_certificate()
    with pytest.raises(SessionClosedRequireSaslError), started(anonymous, 15):
        anonymous.get_children("/")
    sasl = without_certificate(sasl_options=sasl_options("alice", USERS["alice"]))
    with started(sasl, 15):
        assert "zookeeper" in sasl.get_children("/")
    with tls_kazoo(hosts, secret) as certified:
        assert "zookeeper" in certified.get_children("/")
