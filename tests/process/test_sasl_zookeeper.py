"""SASL DIGEST-MD5 against a real ZooKeeper (the host's Debian jars) started by
start-zookeeper, attacked by a client holding one user's password."""

from __future__ import annotations

from pathlib import Path

import pytest
from kazoo.exceptions import KazooException
from kazoo.security import ACL, Id, Permissions

from tests.conftest import ServerFactory
from tests.harness.authzid import asking_for
from tests.harness.clients import new_client, refusal, started

pytestmark = pytest.mark.process

USERS = {"alice": "alice-password", "bob": "bob-password"}


def read_as(hosts: str, user: str, password: str, path: str) -> str:
    """What a client authenticated as `user` gets reading `path`: its data, or the error."""
    zk = new_client(hosts, sasl=(user, password))
    try:
        zk.start(timeout=15)
    except Exception as error:  # kazoo's timeout type depends on its handler
        return f"no session: {type(error).__name__}"
    try:
        return zk.get(path)[0].decode()
    except KazooException as error:
        return type(error).__name__
    finally:
        zk.stop()
        zk.close()


def test_one_users_password_never_acts_as_another_user(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """ZooKeeper's SASL server hands a name it does not know the password of the
    last user it looked up, and then takes the client's authorization id for
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
