"""Every command's bad input, as a newcomer types it: a line per problem naming
the flag or argument and its value, "did you mean" for a near miss, exit 2,
no usage block and no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from zkcontainer.launchers import COMMANDS
from zkcontainer.suggest import did_you_mean


def run(command: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The command as its launcher runs it: its module's main, with these arguments."""
    script = f"import sys\nfrom {COMMANDS[command]} import main\nsys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


CASES = [
    ("start-zookeeper", ["--servrs=3"], ["--servrs=3: unknown flag; did you mean --servers?"]),
    ("start-zookeeper", ["--servers=three"], ["--servers=three: not an integer"]),
    ("zookeeper-ready", ["--serve"], ["--serve: unknown flag; did you mean --serving?"]),
    ("zookeeper-ready", ["--tiemout=1"], ["--tiemout=1: unknown flag; did you mean --timeout?"]),
    ("zookeeper-ready", ["--timeout=soon"], ["--timeout=soon: must be a number of seconds"]),
    (
        "zookeeper-metrics",
        ["--fromat=json"],
        ["--fromat=json: unknown flag; did you mean --format?"],
    ),
    ("zookeeper-metrics", ["--format=yaml"], ["--format=yaml: must be one of text, json"]),
    ("zookeeper-status", ["--formt=json"], ["--formt=json: unknown flag; did you mean --format?"]),
    ("zookeeper-status", ["--format=xml"], ["--format=xml: must be one of text, json"]),
    ("zookeeper-status", ["--conf_dir"], ["--conf_dir: expected one argument"]),
    (
        "zookeeper-status",
        ["--formt", "json", "--timout=3"],
        [
            "--formt: unknown flag; did you mean --format?",
            "json: unexpected argument",
            "--timout=3: unknown flag; did you mean --timeout?",
        ],
    ),
    ("zookeeper-scale", ["three"], ["N three: not an integer"]),
    ("zookeeper-scale", ["3", "--timeout=soon"], ["--timeout=soon: not a number"]),
    ("zookeeper-scale", ["3", "--timout=5"], ["--timout=5: unknown flag; did you mean --timeout?"]),
    ("zookeeper-scale", ["3", "4"], ["4: unexpected argument"]),
    ("zookeeper-scale", ["3", "--host"], ["--host: expected one argument"]),
    (
        "zookeeper-declare-lost",
        ["--confdir=/tmp", "2"],
        ["--confdir=/tmp: unknown flag; did you mean --conf_dir?"],
    ),
    ("zookeeper-declare-lost", [], ["the following arguments are required: ID"]),
    ("zookeeper-backup", ["--ouput=x"], ["--ouput=x: unknown flag; did you mean --output?"]),
    ("zookeeper-backup", ["--admin_port=0"], ["--admin_port=0: not a port (1 to 65535)"]),
    (
        "zookeeper-backup",
        ["--verify=x", "--output=y", "--keep=3"],
        ["--output=y: means nothing with --verify", "--keep=3: means nothing with --verify"],
    ),
]


@pytest.mark.parametrize(("command", "argv", "lines"), CASES)
def test_bad_input_is_a_line_per_problem_and_exit_2(
    command: str, argv: list[str], lines: list[str]
) -> None:
    result = run(command, *argv)
    assert (result.returncode, result.stdout) == (2, "")
    said = result.stderr.splitlines()
    assert len(said) == len(lines), result.stderr
    for line, expected in zip(said, lines, strict=True):
        assert line.startswith(f"{command}: {expected}")


def test_every_command_is_covered() -> None:
    assert {command for command, _, _ in CASES} == set(COMMANDS)


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("--formt=json", "--format"),
        ("--timout", "--timeout"),
        ("--serve", "--serving"),
        ("--conf-dir=/x", "--conf_dir"),
    ],
)
def test_a_near_miss_names_the_flag_it_was_likely_meant_as(given: str, meant: str) -> None:
    known = ["--format", "--timeout", "--serving", "--conf_dir", "--host"]
    assert did_you_mean(given, known) == f"; did you mean {meant}?"


@pytest.mark.parametrize("given", ["--port=2181", "--bogus", "--x"])
def test_a_flag_like_none_is_not_given_a_guess(given: str) -> None:
    assert did_you_mean(given, ["--format", "--timeout", "--host", "--tls_dir"]) == ""
