"""An ensemble of the image over TLS, its certificates a Secret bind-mounted read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import docker
from docker.types import Mount

from tests.harness.certs import Authority, mount_secret
from tests.harness.statefulset import Pod, StatefulSet

SECRET = "/etc/zookeeper/tls"
NAMES = ["*.zk-hs.default.svc.cluster.local", "zk-hs.default.svc.cluster.local", "localhost"]


class SecretMountingStatefulSet(StatefulSet):
    """Secret volumes as bind mounts of a directory of this machine, read-only: an update
    there reaches every pod at once, as a Secret update does."""

    def __init__(self, *args: Any, secrets: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secrets = secrets

    def _mounts(self, pod: Pod, security: Mapping[str, Any]) -> list[Mount]:
        spec = self.container_spec
        mounts = spec.get("volumeMounts", [])
        secret = [m for m in mounts if "secret" in self.volumes.get(m["name"], {})]
        self.container_spec = {**spec, "volumeMounts": [m for m in mounts if m not in secret]}
        try:
            made = super()._mounts(pod, security)
        finally:
            self.container_spec = spec
        for mount in secret:
            source = self.secrets[self.volumes[mount["name"]]["secret"]["secretName"]]
            made.append(Mount(mount["mountPath"], source, type="bind", read_only=True))
        return made


PLAINTEXT = ["start-zookeeper", "--servers=3", "--heap=256M"]
TLS = [*PLAINTEXT, f"--tls_dir={SECRET}", "--tls_reload_interval=1"]


def tls_statefulset(command: Sequence[str] = TLS) -> dict[str, Any]:
    """The pod spec pieces the README's TLS section shows: the Secret's volume, its mount,
    --tls_dir; probes unchanged (plaintext on the pod's loopback)."""
    return secret_pods(command, {"zk-tls": ("tls", SECRET)})


def secret_pods(command: Sequence[str], secrets: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """A StatefulSet of three running `command`, with the image's probes, each pod
    mounting the Secrets given as Secret name -> (volume name, mount path)."""
    mounts = [{"name": "datadir", "mountPath": "/var/lib/zookeeper"}]
    mounts += [{"name": v, "mountPath": path, "readOnly": True} for v, path in secrets.values()]
    volumes = [{"name": v, "secret": {"secretName": name}} for name, (v, _) in secrets.items()]
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
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}}],
        },
    }


def secret_mounting_statefulset(
    command: Sequence[str],
    image: str,
    client: docker.DockerClient,
    secret_dir: Path,
    replicas: int | None = None,
) -> SecretMountingStatefulSet:
    """tls_statefulset(command), its Secret `zk-tls` a new CA's certificate for NAMES
    mounted at `secret_dir/zk-tls` as the kubelet mounts one."""
    secret = secret_dir / "zk-tls"
    mount_secret(secret, Authority.make().secret(NAMES))
    return SecretMountingStatefulSet(
        tls_statefulset(command),
        image,
        replicas=replicas,
        client=client,
        secrets={"zk-tls": str(secret)},
    )
