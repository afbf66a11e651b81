"""The README's claims, checked: its flag table against the code, its commands by running them.

Every command in the README's ```sh blocks is either run here, against the
image, or named in NOT_RUN with the reason it cannot be (a registry, a
Kubernetes cluster, make targets that are this suite itself).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container
from zkcontainer import EnvironmentProblem, start
from zkcontainer.settings import FLAGS, load_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

# Commands the README shows that need what no test has, and why.
NOT_RUN = {
    "make demo": "runs the container tier's own harness (tests/test_container.py)",
    "make test": "is this suite",
    "make image": "is what the `image` fixture runs",
    "docker tag": "needs a registry",
    "kubectl apply": "needs a cluster; the manifests are validated in test_manifests.py",
    "kubectl rollout": "needs a cluster",
    "kubectl exec zk-0 -- zookeeper-scale": "needs a --reconfig ensemble:"
    " tests/test_reconfig_container.py runs it in one, as the README's scale-down does",
    "kubectl exec zk-1 -- zookeeper-": "needs a member waiting at the start gate:"
    " tests/test_start_gate_container.py runs both in one, as the README's declaration does",
    "kubectl -n zk": "needs a cluster",
    "kubectl debug": "needs a cluster, whose member fails to start;"
    " tests/test_upgrade.py starts from the file it writes",
    "helm ": "no helm binary: tests/test_chart.py renders, lints and packages the chart with"
    " Helm's own engine, and runs what it renders",
}


def readme_commands() -> list[str]:
    """Every command line of the README's ```sh blocks, without its comment."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def runnable() -> list[str]:
    return [c for c in readme_commands() if not any(c.startswith(p) for p in NOT_RUN)]


def test_every_readme_command_is_run_or_excused() -> None:
    commands = runnable()
    assert {c.split()[0] for c in commands} <= {
        "docker",
        "kubectl",
        "start-zookeeper",
        "zookeeper-ready",
    }
    assert len(commands) >= 8, commands


def table_rows() -> dict[str, str]:
    """`--flag` -> its default column, from the README's flag table."""
    rows = re.findall(r"^\| `(--[a-z_-]+)`(?: / `(--[a-z_-]+)`)? \|([^|]*)\|", README, re.M)
    table = {}
    for first, second, default in rows:
        for flag in (first, second):
            if flag:
                table[flag] = default.strip()
    return table


def test_the_flag_table_lists_every_flag_with_its_default() -> None:
    table = table_rows()
    assert set(table) == {f"--{flag.name}".replace("dry_run", "dry-run") for flag in FLAGS}
    for flag in FLAGS:
        if flag.default and flag.kind != "bool":
            assert table[f"--{flag.name}"] == flag.default, flag.name


def test_the_pod_that_moves_the_transaction_log_moves_it_where_the_member_then_starts(
    tmp_path: Path,
) -> None:
    """README, Upgrade, "Moving the transaction log": its pod's script, run on
    directories laid out as the chart's member sees them, on and then off."""
    (block,) = re.findall(r"```yaml\n(apiVersion: v1\nkind: Pod\n.*?)```", README, re.DOTALL)
    (container,) = yaml.safe_load(block)["spec"]["containers"]
    env = {variable["name"]: variable["value"] for variable in container["env"]}
    volume = tmp_path.as_posix()  # what the member sees at / is here
    data = Path(volume + "/var/lib/zookeeper/data")
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "snapshot.0").write_bytes(b"\0" * 64)
    (data / "log" / "version-2").mkdir(parents=True)
    (data / "log" / "version-2" / "log.1").write_bytes(b"\0" * 64)
    (data / "zkcontainer-data-log-dir").write_text("log\n")  # as the first start wrote it

    def member_starts(data_log_dir: str) -> bool:
        flags = [f"--data_dir={data}", f"--data_log_dir={volume}{data_log_dir}"]
        settings = load_settings([*flags, "--hostname=zk-0", "--domain="], {}, lambda: "zk-0")
        try:
            start.log_dir_to_record(settings)
        except EnvironmentProblem:
            return False
        return True

    script = container["command"][-1].replace("/var/lib/", f"{volume}/var/lib/")
    for source, target in ((env["FROM"], env["TO"]), (env["TO"], env["FROM"])):
        assert not member_starts(target)
        moved = {"FROM": volume + source, "TO": volume + target, "PATH": "/usr/bin:/bin"}
        subprocess.run([*container["command"][:-1], script], env=moved, check=True)
        assert member_starts(target)
        assert [p.name for p in Path(volume + target, "version-2").iterdir()] == ["log.1"]
        assert list(Path(volume + source, "version-2").iterdir()) == []


def test_the_pod_command_outside_a_pod_says_what_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README: run outside a StatefulSet pod, the pod's command exits 2 and says why."""
    from zkcontainer.start import main  # noqa: PLC0415

    pod_command = next(c for c in readme_commands() if c.startswith("start-zookeeper --servers=3"))
    assert main([*shlex.split(pod_command)[1:], "--hostname=laptop", "--domain="]) == 2
    err = capsys.readouterr().err
    assert "pass --hostname=<name>-<ordinal>" in err
    assert "pass --domain" in err
    # And in a pod, it is valid as written.
    settings = load_settings(
        shlex.split(pod_command)[1:], {}, lambda: "zk-0.zk-hs.default.svc.cluster.local"
    )
    assert settings.myid == 1


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
