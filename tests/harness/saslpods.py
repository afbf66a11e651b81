"""An ensemble of the image whose clients and members authenticate with SASL
DIGEST-MD5, its passwords Secrets mounted as the kubelet mounts them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docker

from tests.harness.certs import Authority, mount_secret
from tests.harness.statefulset import StatefulSet
from tests.harness.tlspods import NAMES, secret_pods
from tests.harness.tlspods import SECRET as TLS_SECRET

USERS = "/etc/zookeeper/users"
QUORUM = "/etc/zookeeper/quorum"
RECONFIG = "/etc/zookeeper/reconfig"
# Each key of the users' Secret a user, its value the password.
CLIENT_USERS = {"kafka": 'k4fka "quoted" \\ back', "solr": "s0lr-password"}
QUORUM_SECRET = "quorum-password-1"
SUPERUSER_SECRET = "superuser-password-1"
# Secret name -> (mount path, its keys and values).
SECRETS: dict[str, tuple[str, dict[str, str]]] = {
    "zk-users": (USERS, CLIENT_USERS),
    "zk-quorum": (QUORUM, {"password": QUORUM_SECRET + "\n"}),
    "zk-reconfig": (RECONFIG, {"password": SUPERUSER_SECRET}),
}

PLAIN = ["start-zookeeper", "--servers=3", "--heap=256M"]
CLIENT_SASL = [f"--client_sasl_users={USERS}", "--client_auth_required=true"]
QUORUM_SASL = ["--quorum_sasl=required", f"--quorum_sasl_password_file={QUORUM}/password"]
RECONFIG_FLAGS = ["--reconfig", f"--reconfig_password_file={RECONFIG}/password"]
SASL = [*PLAIN, *CLIENT_SASL, *QUORUM_SASL]


def sasl_manifest(
    command: Sequence[str], secrets: Sequence[str] = tuple(SECRETS)
) -> dict[str, Any]:
    """A StatefulSet of three whose pods mount the Secrets named (SECRETS', and zk-tls)."""
    paths = {name: path for name, (path, _) in SECRETS.items()} | {"zk-tls": TLS_SECRET}
    return secret_pods(command, {name: (name, paths[name]) for name in secrets})


def mount_secrets(directory: Path, tls: bool) -> dict[str, str]:
    """SECRETS (and with `tls` zk-tls, a new CA's certificate for the pods) written under
    `directory` as the kubelet mounts Secrets: name -> directory."""
    secrets = {name: files for name, (_, files) in SECRETS.items()}
    if tls:
        secrets["zk-tls"] = Authority.make().secret(NAMES)
    for name, files in secrets.items():
        mount_secret(directory / name, files)
    return {name: str(directory / name) for name in secrets}


def sasl_statefulset(
    command: Sequence[str],
    image: str,
    client: docker.DockerClient,
    secrets: Path,
    tls: bool = False,
) -> StatefulSet:
    """sasl_manifest(command) with its Secrets mounted from under `secrets`; with `tls`,
    the TLS Secret too (at TLS_SECRET, for --tls_dir)."""
    mounted = mount_secrets(secrets, tls)
    return StatefulSet(sasl_manifest(command, list(mounted)), image, client=client, secrets=mounted)
