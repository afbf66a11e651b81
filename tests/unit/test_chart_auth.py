"""The chart's auth values (docs/security.md): the flags, Secrets and mounts they
give the members, generated or existing Secrets, and what is refused at install."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.chart import Document, documents, render, render_with_secrets
from zkcontainer.settings import load_settings

CLIENT = {"auth": {"client": {"enabled": True}}}
QUORUM = {"auth": {"quorum": {"enabled": True}}}


def rendered(values: dict[str, Any]) -> tuple[Document, dict[str, Document]]:
    """(the StatefulSet, the Secrets by name) the values render."""
    docs = documents(render(values))
    (sts,) = [d for d in docs if d["kind"] == "StatefulSet"]
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    return sts, secrets


def command(sts: Document) -> list[str]:
    container = sts["spec"]["template"]["spec"]["containers"][0]
    return [*container.get("command", []), *container.get("args", [])]


def volumes(sts: Document) -> dict[str, Any]:
    return {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}


def mounts(sts: Document) -> dict[str, str]:
    container = sts["spec"]["template"]["spec"]["containers"][0]
    return {m["name"]: m["mountPath"] for m in container["volumeMounts"]}


def test_client_auth_mounts_a_generated_user_and_requires_authentication() -> None:
    sts, secrets = rendered(CLIENT)
    assert "--client_sasl_users=/etc/zookeeper/users" in command(sts)
    assert "--client_auth_required=true" in command(sts)
    assert volumes(sts)["users"] == {"name": "users", "secret": {"secretName": "my-zk-client-auth"}}
    assert mounts(sts)["users"] == "/etc/zookeeper/users"
    password = base64.b64decode(secrets["my-zk-client-auth"]["data"]["zookeeper"]).decode()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)
    annotations = secrets["my-zk-client-auth"]["metadata"]["annotations"]
    assert annotations == {"helm.sh/resource-policy": "keep"}


def test_quorum_auth_mounts_the_learners_password_at_its_stage() -> None:
    values = {"auth": {"quorum": {"enabled": True, "stage": "learners_required"}}}
    sts, secrets = rendered(values)
    assert [a for a in command(sts) if a.startswith("--quorum_sasl")] == [
        "--quorum_sasl=learners_required",
        "--quorum_sasl_user=zookeeper",
        "--quorum_sasl_password_file=/etc/zookeeper/quorum/quorum-learner-password",
    ]
    assert list(secrets["my-zk-quorum-auth"]["data"]) == ["quorum-learner-password"]
    assert volumes(sts)["quorum"]["secret"] == {"secretName": "my-zk-quorum-auth"}


def test_existing_secrets_are_mounted_and_none_is_made() -> None:
    values = {
        "auth": {
            "client": {"enabled": True, "existingSecret": "zk-users"},
            "quorum": {"enabled": True, "existingSecret": "zk-quorum"},
        }
    }
    sts, secrets = rendered(values)
    assert secrets == {}
    assert volumes(sts)["users"]["secret"] == {"secretName": "zk-users"}
    assert volumes(sts)["quorum"]["secret"] == {"secretName": "zk-quorum"}
    assert render(values) == render(values)  # an offline render is the same every time


def test_passwords_in_the_conf_directory_stay_off_the_nodes_disk() -> None:
    for values in (CLIENT, QUORUM):
        assert volumes(rendered(values)[0])["conf"]["emptyDir"] == {"medium": "Memory"}
    assert volumes(rendered({})[0])["conf"]["emptyDir"] == {}


def test_start_zookeeper_takes_the_flags_the_chart_gives() -> None:
    sts, _ = rendered({**CLIENT, "auth": {**CLIENT["auth"], **QUORUM["auth"]}})
    flags = command(sts)[1:]
    settings = load_settings(flags, {}, lambda: "my-zk-0.my-zk-hs.zk.svc.cluster.local")
    assert settings.client_sasl_users == "/etc/zookeeper/users"
    assert (settings.quorum_sasl, settings.quorum_sasl_user) == ("required", "zookeeper")


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"auth": {"client": {"existingSecret": "zk-users"}}},
            'auth.client.existingSecret "zk-users": the passwords are for auth.client, which',
        ),
        (
            {"auth": {"quorum": {"existingSecret": "zk-quorum"}}},
            'auth.quorum.existingSecret "zk-quorum": the passwords are for auth.quorum, which',
        ),
        (
            {"replicas": 1, **QUORUM},
            "auth.quorum.enabled: a standalone server (replicas 1) has no quorum to authenticate",
        ),
        (
            {"reconfig": True, "auth": {"client": {"enabled": True, "clientUser": "super"}}},
            "auth.client.clientUser super: the name of ZooKeeper's superuser",
        ),
    ],
)
def test_what_start_zookeeper_would_refuse_is_refused_at_install(
    values: dict[str, Any], problem: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(problem)):
        render(values)


def test_extra_flags_cannot_set_what_auth_sets() -> None:
    with pytest.raises(HelmError, match=re.escape("auth.client.enabled")):
        render({"extraFlags": ["--client_sasl_users=/etc/users"]})


def test_an_upgrade_keeps_the_passwords_the_cluster_holds() -> None:
    """The Secrets the chart made at install are looked up at every upgrade and kept,
    so members and clients keep agreeing; a missing key gets a new password."""
    held = {
        "my-zk-client-auth": {"zookeeper": base64.b64encode(b"from-install-1").decode()},
        "my-zk-quorum-auth": {},
    }
    values = {"auth": {"client": {"enabled": True}, "quorum": {"enabled": True}}}
    docs = documents(render_with_secrets(values, held))
    secrets = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "Secret"}
    assert base64.b64decode(secrets["my-zk-client-auth"]["zookeeper"]) == b"from-install-1"
    made = base64.b64decode(secrets["my-zk-quorum-auth"]["quorum-learner-password"]).decode()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", made)
