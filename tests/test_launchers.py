"""The launchers the image puts on PATH: the probe path imports only what it uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.harness.fakezk import fake_zookeeper, port_of, replies
from tests.harness.prerequisites import missing
from zkcontainer.launchers import COMMANDS, write_launchers

ROOT = Path(__file__).resolve().parent.parent
IMAGE_PYTHON = "/usr/bin/python3"

# Modules whose import would make a probe pay for more than a socket.
HEAVY = {"socket", "re", "argparse", "enum", "typing", "collections", "json", "dataclasses"}
# Light, but each module file is a measurable part of a probe's run (see README,
# "Probe cost"): __future__ (annotations stay unevaluated without it), the
# errors module (the exception tree lives in the package), the idna codec
# (ASCII hosts go to _socket as bytes).
NOT_ON_THE_PROBE_PATH = {"__future__", "zkcontainer.errors", "encodings.idna", "gc", "os"}
# Exactly what the probe path reads: the package and three modules of its own,
# besides C modules built into the interpreter.
PROBE_PATH = {"zkcontainer", "zkcontainer.fourlw", "zkcontainer.probeargs", "_socket", "errno"}


@pytest.fixture
def launchers(tmp_path: Path) -> Path:
    if not Path(IMAGE_PYTHON).exists():
        missing(f"{IMAGE_PYTHON} (the image's interpreter) is not on this machine")
    write_launchers(str(tmp_path), IMAGE_PYTHON, str(ROOT))
    return tmp_path


def imported_modules(argv: list[str]) -> tuple[int, set[str]]:
    """Run a launcher with -X importtime and list every module it imported."""
    script = Path(argv[0]).read_text().splitlines()[0]
    assert script.startswith(f"#!{IMAGE_PYTHON} -IS")
    return importtime([*argv])


def importtime(argv: list[str]) -> tuple[int, set[str]]:
    result = subprocess.run(
        [IMAGE_PYTHON, "-IS", "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    return result.returncode, {line.split("|")[-1].strip() for line in lines[1:]}


def test_every_command_gets_a_launcher(launchers: Path) -> None:
    assert sorted(p.name for p in launchers.iterdir()) == sorted(COMMANDS)
    help_text = subprocess.run(
        [str(launchers / "start-zookeeper"), "--help"], capture_output=True, text=True, check=True
    )
    assert "--servers" in help_text.stdout


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("zookeeper-ready", []),
        ("zookeeper-ready", ["--serving"]),
        ("zookeeper-metrics", []),
    ],
)
def test_the_probe_path_imports_no_heavy_module(
    launchers: Path, command: str, args: list[str]
) -> None:
    reply = "imok" if not args and command == "zookeeper-ready" else "zk_server_state\tleader\n"
    with fake_zookeeper(replies(reply)) as server:
        code, modules = imported_modules([str(launchers / command), *args, str(port_of(server))])
    assert code == 0
    assert "zkcontainer.fourlw" in modules
    assert not modules & HEAVY, f"probe imported {sorted(modules & HEAVY)}"
    unwanted = modules & NOT_ON_THE_PROBE_PATH
    assert not unwanted, f"probe imported {sorted(unwanted)}"
    interpreter = importtime(["-c", "pass"])[1]
    assert modules - interpreter - PROBE_PATH == {COMMANDS[command]}
