"""The chart refuses exactly what start-zookeeper refuses, for every rule both check.

The chart checks some of start-zookeeper's rules itself, so that `helm install`
fails with the reason instead of a pod crash-looping with it: ports that clash,
a tick time whose limits overflow a Java int, session timeouts out of order, a
heap out of bounds, observers without an ensemble or past server id 255. Values
are drawn to land on both sides of each rule; the chart renders them, and
start-zookeeper runs `--dry-run` with the flags the chart gives for them. Each
side's refusals are sorted into those rules, and the two sets must be equal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helm_python.errors import HelmRenderError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.harness.chart import container, documents, only, render
from zkcontainer.settings import FLAGS_BY_NAME
from zkcontainer.start import main

# Each rule both check, and how either side words a refusal under it.
RULES = {
    "ports clash": "same port as",
    "limit overflows a Java int": "ZooKeeper computes it as a Java int",
    "session timeouts out of order": "above the maximum session timeout",
    "heap too small": "must be at least 32M",
    "heap too big": "must be at most 4T",
    "observers without an ensemble": "observers need an ensemble of voting members",
    "server ids past 255": "server ids stop at 255",
}

# The chart's value and the start-zookeeper flag it becomes. Checked on every
# values set the chart renders, so the mapping cannot drift from the chart.
FLAG_OF = {
    ("replicas",): "servers",
    ("observers",): "observers",
    ("ports", "client"): "client_port",
    ("ports", "server"): "server_port",
    ("ports", "election"): "election_port",
    ("zookeeper", "tickTime"): "tick_time",
    ("zookeeper", "initLimit"): "init_limit",
    ("zookeeper", "syncLimit"): "sync_limit",
    ("zookeeper", "minSessionTimeout"): "min_session_timeout",
    ("zookeeper", "maxSessionTimeout"): "max_session_timeout",
    ("heap",): "heap",
}

PORTS = st.sampled_from([2181, 2888, 3888, 8080])
# Around the edges: 300,000,000 ms times 8 overflows a Java int, times 7 does not.
VALUES = st.fixed_dictionaries(
    {
        ("replicas",): st.sampled_from([1, 3, 5]),
        ("observers",): st.sampled_from([0, 2, 251, 253]),
        ("ports", "client"): PORTS,
        ("ports", "server"): PORTS,
        ("ports", "election"): PORTS,
        ("zookeeper", "tickTime"): st.sampled_from([2000, 300_000_000]),
        ("zookeeper", "initLimit"): st.sampled_from([7, 8, 10]),
        ("zookeeper", "syncLimit"): st.sampled_from([5, 8]),
        ("zookeeper", "minSessionTimeout"): st.sampled_from([4000, 40000, 40001]),
        ("zookeeper", "maxSessionTimeout"): st.sampled_from([40000, 60000]),
        ("heap",): st.sampled_from(["31M", "32M", "1G", "4T", "4097G"]),
    }
)
ADMIN_PORT = st.sampled_from([None, 0, 2181, 8080, 9090])


def chart_values(drawn: dict[tuple[str, ...], Any], admin_port: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path, value in drawn.items():
        *parents, leaf = path
        node = values
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    if admin_port is not None:
        values["extraFlags"] = [f"--admin_port={admin_port}"]
    return values


def rendered_as(flags: list[str], command: list[str]) -> bool:
    """Each flag is in the chart's command, or left out at start-zookeeper's default."""
    given = dict(flag.partition("=")[::2] for flag in command if flag.startswith("--"))
    for flag in flags:
        name, _, value = flag.partition("=")
        if given.get(name, FLAGS_BY_NAME[name[2:]].default) != value:
            return False
    return True


def rules_of(message: str) -> set[str]:
    """The rules a refusal names, one problem a line."""
    return {rule for line in message.splitlines() for rule, says in RULES.items() if says in line}


def start_zookeeper_refusals(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> set[str]:
    dirs = [f"--{name}={tmp_path / name}" for name in ("data_dir", "conf_dir", "log_dir")]
    member = ["--hostname=my-zk-0", "--domain=my-zk-headless.zk.svc.cluster.local"]
    code = main([*flags, *dirs, f"--data_log_dir={tmp_path / 'datalog'}", *member, "--dry-run"])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "Traceback" not in err
    return rules_of(err) if code == 2 else set()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=VALUES, admin_port=ADMIN_PORT)
# One the chart renders, with a flag it leaves out at its default (--observers=0).
@example(
    drawn={
        ("replicas",): 3,
        ("observers",): 0,
        ("ports", "client"): 2181,
        ("ports", "server"): 2888,
        ("ports", "election"): 3888,
        ("zookeeper", "tickTime"): 2000,
        ("zookeeper", "initLimit"): 10,
        ("zookeeper", "syncLimit"): 5,
        ("zookeeper", "minSessionTimeout"): 4000,
        ("zookeeper", "maxSessionTimeout"): 40000,
        ("heap",): "1G",
    },
    admin_port=8080,
)
def test_the_chart_refuses_exactly_what_start_zookeeper_refuses(
    drawn: dict[tuple[str, ...], Any],
    admin_port: int | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flags = [f"--{FLAG_OF[path]}={value}" for path, value in drawn.items()]
    if admin_port is not None:
        flags.append(f"--admin_port={admin_port}")
    values = chart_values(drawn, admin_port)
    try:
        rendered = render(values)
    except HelmRenderError as refusal:
        chart = rules_of(str(refusal))
    else:
        chart = set()
        statefulset = only(documents(rendered), "StatefulSet")
        command = container(statefulset["spec"]["template"]["spec"], "zookeeper")["command"]
        assert rendered_as(flags, command), "the chart gives other flags for these values"
    assert chart == start_zookeeper_refusals(flags, tmp_path, capsys), values


def test_every_rule_is_drawn_on_both_sides() -> None:
    """The draws reach each rule: an example of each that both refuse is rendered here."""
    refused = chart_values(
        {
            ("replicas",): 1,
            ("observers",): 2,
            ("ports", "server"): 2181,
            ("zookeeper", "tickTime"): 300_000_000,
            ("zookeeper", "initLimit"): 8,
            ("zookeeper", "minSessionTimeout"): 40001,
            ("heap",): "31M",
        },
        None,
    )
    with pytest.raises(HelmRenderError) as refusal:
        render(refused)
    assert rules_of(str(refusal.value)) == {
        "ports clash",
        "limit overflows a Java int",
        "session timeouts out of order",
        "heap too small",
        "observers without an ensemble",
    }
    with pytest.raises(HelmRenderError, match=re.escape(RULES["heap too big"])):
        render({"heap": "4097G"})
    with pytest.raises(HelmRenderError, match=re.escape(RULES["server ids past 255"])):
        render({"replicas": 5, "observers": 251})
