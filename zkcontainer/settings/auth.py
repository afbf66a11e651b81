"""The SASL flags, checked against each other and against TLS (docs/security.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zkcontainer.settings.declarations import QUORUM_SASL_STAGES
from zkcontainer.settings.reader import Reader

# What a JAAS file takes in an option's name (after `user_`), and what a Kubernetes
# Secret takes as a key: ASCII letters, digits, '.', '_' and '-'.
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
NAME_RULE = "ASCII letters, digits, '.', '_' and '-', as a Secret's keys"


def is_user_name(text: str) -> bool:
    """A SASL user name the JAAS file can carry."""
    return bool(text) and _NAME_CHARACTERS.issuperset(text)


def read_auth(read: Reader, values: Mapping[str, Any], tls_client_auth: str) -> str:
    """--quorum_sasl's stage, with every SASL flag checked against the others."""
    stage = (read.text("quorum_sasl") or "").lower()
    if stage not in QUORUM_SASL_STAGES:
        read.problem("quorum_sasl", "must be one of " + ", ".join(QUORUM_SASL_STAGES))
    quorum_sasl = QUORUM_SASL_STAGES.get(stage, (False,))[0]
    servers: int | None = values["servers"]
    ensemble = values["reconfig"] or (servers is not None and servers > 1)
    if quorum_sasl and servers is not None and not ensemble:
        read.problem("quorum_sasl", "needs an ensemble: a standalone server has no quorum")
    # A password file given but refused is one problem, not two.
    refused = any(p.startswith(read.origin("quorum_sasl_password_file")) for p in read.problems)
    if quorum_sasl and values["quorum_sasl_password_file"] is None and not refused:
        read.problem(
            "quorum_sasl",
            "needs --quorum_sasl_password_file=FILE, the password members "
            "authenticate with (a Secret's file)",
        )
    if not quorum_sasl and stage in QUORUM_SASL_STAGES:
        for name in ("quorum_sasl_user", "quorum_sasl_password_file"):
            if name in read.given:
                read.problem(name, "needs --quorum_sasl")
    if not is_user_name(read.text("quorum_sasl_user") or ""):
        read.problem("quorum_sasl_user", f"must be a user name: {NAME_RULE}")
    if (
        values["reconfig"]
        and values["client_auth_required"]
        and values["client_sasl_users"] is None
    ):
        read.problem(
            "client_auth_required",
            "with --reconfig needs --client_sasl_users: the members and zookeeper-scale "
            "change the membership as the superuser, by SASL",
        )
    certificates = values["tls_dir"] is not None and tls_client_auth != "none"
    if values["client_auth_required"] and values["client_sasl_users"] is None and not certificates:
        read.problem(
            "client_auth_required",
            "needs a way to authenticate: --client_sasl_users, or --tls_dir with "
            "client certificates (--tls_client_auth need or want)",
        )
    return stage
