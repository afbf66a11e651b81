"""An ensemble of the image whose clients and members authenticate with SASL
DIGEST-MD5, its passwords Secrets mounted as the kubelet mounts them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docker

from tests.harness.certs import mount_secret
from tests.harness.tlspods import SecretMountingStatefulSet

USERS = "/etc/zookeeper/users"
QUORUM = "/etc/zookeeper/quorum"
QUORUM_PASSWORD = f"{QUORUM}/password"
# Each key of the users' Secret a user, its value the password.
CLIENT_USERS = {"kafka": 'k4fka "quoted" \\ back', "solr": "s0lr-password"}
QUORUM_SECRET = "quorum-password-1"

PLAIN = ["start-zookeeper", "--servers=3", "--heap=256M"]
CLIENT_SASL = [f"--client_sasl_users={USERS}", "--client_auth_required=true"]
QUORUM_SASL = ["--quorum_sasl=required", f"--quorum_sasl_password_file={QUORUM_PASSWORD}"]
SASL = [*PLAIN, *CLIENT_SASL, *QUORUM_SASL]


def sasl_manifest(command: Sequence[str]) -> dict[str, Any]:
    """A StatefulSet of three whose pods mount the users' Secret and the quorum's."""
    mounts = [
        {"name": "datadir", "mountPath": "/var/lib/zookeeper"},
        {"name": "users", "mountPath": USERS, "readOnly": True},
        {"name": "quorum", "mountPath": QUORUM, "readOnly": True},
    ]
    return {
        "metadata": {"name": "zk"},
        "spec": {
            "serviceName": "zk-hs",
            "replicas": 3,
            "podManagementPolicy": "Parallel",
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "zookeeper",
                            "command": list(command),
                            "readinessProbe": {
                                "exec": {"command": ["zookeeper-ready", "--serving"]},
                                "periodSeconds": 2,
                            },
                            "livenessProbe": {"exec": {"command": ["zookeeper-ready"]}},
                            "volumeMounts": mounts,
                        }
                    ],
                    "securityContext": {"runAsUser": 1000, "fsGroup": 1000},
                    "volumes": [
                        {"name": "users", "secret": {"secretName": "zk-users"}},
                        {"name": "quorum", "secret": {"secretName": "zk-quorum"}},
                    ],
                },
            },
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}}],
        },
    }


def sasl_statefulset(
    command: Sequence[str],
    image: str,
    client: docker.DockerClient,
    secrets: Path,
    quorum_password: str = QUORUM_SECRET,
) -> SecretMountingStatefulSet:
    """sasl_manifest(command), its Secrets written under `secrets` (`zk-users`: CLIENT_USERS;
    `zk-quorum`: `password`) and bind-mounted as the kubelet mounts Secrets."""
    users, quorum = secrets / "zk-users", secrets / "zk-quorum"
    mount_secret(users, CLIENT_USERS)
    mount_secret(quorum, {"password": quorum_password + "\n"})
    return SecretMountingStatefulSet(
        sasl_manifest(command),
        image,
        client=client,
        secrets={"zk-users": str(users), "zk-quorum": str(quorum)},
    )
