"""The README's claims, checked: its flag table against the code, its commands by running them.

Every command in the README's ```sh blocks is either run, here or against the
image (tests/container/test_readme.py), or named in NOT_RUN with the reason it
cannot be (a registry, a Kubernetes cluster, make targets that are this suite itself).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.harness.readmecommands import README, readme_commands, runnable
from zkcontainer import EnvironmentProblem, datadir
from zkcontainer.settings import FLAGS, load_settings


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
    """docs/helm-chart.md, Upgrade, "Moving the transaction log": its pod's script, run on
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
            datadir.log_dir_to_record(settings)
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
