"""The README's commands that need the image, run in it."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container
from tests.harness.readmecommands import runnable


@pytest.fixture(scope="module")
def pod(image: str) -> Iterator[DockerContainer]:
    """A standalone server of the image, named like the README's zk-0."""
    with serving_container(image, "readme", hostname="zk-0") as container:
        yield container


def in_pod(command: str) -> list[str]:
    """`kubectl exec zk-0 -- X && echo serving` -> X; `[PORT]` is the default port."""
    command = command.removeprefix("kubectl exec zk-0 -- ").split(" && ")[0]
    return [word for word in shlex.split(command) if word != "[PORT]"]


@pytest.mark.container
@pytest.mark.parametrize(
    "command", [c for c in runnable() if c.startswith(("kubectl exec", "zookeeper-"))]
)
def test_readme_probe_and_metrics_commands_work_in_a_pod(
    pod: DockerContainer, command: str
) -> None:
    result = pod.exec(in_pod(command))
    output = result.output.decode()
    assert result.exit_code == 0, output
    if "--format json" in command:
        assert json.loads(output)["zk_server_state"] == "standalone"
    elif "--format prometheus" in command:
        names = {family.name for family in text_string_to_metric_families(output)}
        assert "zookeeper_znode_count" in names
    elif command.endswith("zookeeper-metrics"):
        assert "zk_server_state\tstandalone" in output


@pytest.mark.container
def test_readme_dry_run_runs_as_shown(image: str) -> None:
    command = next(c for c in runnable() if c.startswith("docker run"))
    argv = [image if word == "zkcontainer:dev" else word for word in shlex.split(command)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "server.3=zk-2.zk-hs.default.svc.cluster.local:2888:3888" in result.stdout
    assert "==> /var/lib/zookeeper/data/myid <==\n1\n" in result.stdout
