"""StatefulSets as dicts, shaped like the manifests Kubernetes reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.harness.original import PROBE_COMMAND, START_COMMAND

MANIFESTS = Path(__file__).resolve().parent.parent.parent / "manifests"


def manifest_statefulset(name: str) -> dict[str, Any]:
    """The StatefulSet document of manifests/<name>, as written."""
    documents = yaml.safe_load_all((MANIFESTS / name).read_text())
    return next(doc for doc in documents if doc and doc["kind"] == "StatefulSet")


def original_statefulset(replicas: int = 3) -> dict[str, Any]:
    """The original project's zookeeper_mini.yaml StatefulSet, command and probes verbatim."""
    probe = {
        "exec": {"command": ["sh", "-c", PROBE_COMMAND]},
        "initialDelaySeconds": 10,
        "timeoutSeconds": 5,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "zk"},
        "spec": {
            "serviceName": "zk-hs",
            "replicas": replicas,
            "podManagementPolicy": "Parallel",
            "template": {
                "metadata": {"labels": {"app": "zk"}},
                "spec": {
                    "containers": [
                        {
                            "name": "kubernetes-zookeeper",
                            "command": ["sh", "-c", START_COMMAND],
                            "ports": [
                                {"containerPort": 2181, "name": "client"},
                                {"containerPort": 2888, "name": "server"},
                                {"containerPort": 3888, "name": "leader-election"},
                            ],
                            "readinessProbe": probe,
                            "livenessProbe": probe,
                            "volumeMounts": [
                                {"name": "datadir", "mountPath": "/var/lib/zookeeper"}
                            ],
                        }
                    ],
                    "securityContext": {"runAsUser": 1000, "fsGroup": 1000},
                },
            },
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}}],
        },
    }


def single_pod_statefulset(security: dict[str, Any], conf_on_empty_dir: bool) -> dict[str, Any]:
    """One standalone pod running the image's default command under `security`."""
    mounts = [{"name": "datadir", "mountPath": "/var/lib/zookeeper"}]
    volumes = []
    if conf_on_empty_dir:
        mounts.append({"name": "conf", "mountPath": "/opt/zookeeper/conf"})
        volumes.append({"name": "conf", "emptyDir": {}})
    return {
        "metadata": {"name": "zk"},
        "spec": {
            "serviceName": "zk-hs",
            "replicas": 1,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "zookeeper",
                            "env": [{"name": "ZK_HEAP", "value": "256M"}],
                            "readinessProbe": {
                                "exec": {"command": ["zookeeper-ready", "--serving"]},
                                "periodSeconds": 2,
                            },
                            "volumeMounts": mounts,
                        }
                    ],
                    "securityContext": security,
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}}],
        },
    }
