"""The README's shell commands: each either run by a test or excused, with the reason."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness.docs import documentation

ROOT = Path(__file__).resolve().parents[2]
README = documentation()
# Commands the README shows that need what no test has, and why.
NOT_RUN = {
    "make demo": "runs the container tier's own harness (tests/container/test_container.py)",
    "make test": "is this suite",
    "make image": "is what the `image` fixture runs",
    "docker tag": "needs a registry",
    "kubectl apply": "needs a cluster; the manifests are validated in tests/unit/test_manifests.py",
    "kubectl rollout": "needs a cluster",
    "kubectl exec zk-0 -- zookeeper-scale": "needs a --reconfig ensemble:"
    " tests/container/test_reconfig_container.py runs it in one, as the README's scale-down does",
    "kubectl exec zk-1 -- zookeeper-": "needs a member waiting at the start gate:"
    " tests/container/test_start_gate_container.py runs both in one,"
    " as the README's declaration does",
    "kubectl -n zk": "needs a cluster",
    "kubectl exec zk-2 -- zookeeper-backup >": "needs an ensemble with its AdminServer on:"
    " tests/container/test_backup_container.py runs it as written, in a follower",
    "docker run --rm -i --entrypoint zookeeper-backup": "tests/container/"
    "test_backup_container.py runs it as written, on the file the command before it wrote",
    "kubectl exec zk-2 -- zookeeper-backup |": "needs an object store; the backup is the same"
    " standard output as the command before it",
    "kubectl cp": "needs a cluster",
    "kubectl delete": "needs a cluster",
    "kubectl exec zk-restore-loader": "needs a cluster; --verify is run as the docker command"
    " above is, in tests/container/test_backup_container.py",
    "kubectl debug": "needs a cluster, whose member fails to start;"
    " tests/process/test_upgrade.py starts from the file it writes",
    "helm ": "no helm binary: tests/unit/test_chart*.py render, lint and package the chart"
    " with Helm's own engine, and tests/container/test_chart_runs.py runs what they render",
}


def readme_commands() -> list[str]:
    """Every command line of the README's ```sh blocks, without its comment."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def runnable() -> list[str]:
    return [c for c in readme_commands() if not any(c.startswith(p) for p in NOT_RUN)]
