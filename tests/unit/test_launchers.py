"""The launchers the image puts on PATH: the probe path imports only what it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.fakezk import fake_zookeeper, port_of, replies
from tests.harness.prerequisites import missing
from zkcontainer.launchers import COMMANDS, write_launchers

ROOT = Path(__file__).resolve().parents[2]
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


# What a start's Python would pay for before the JVM runs and does not need
# (docs/image.md, "Start time"): dataclasses brings inspect, ast and dis; shlex
# and enum bring re.
NOT_ON_THE_START_PATH = {
    "dataclasses",
    "inspect",
    "ast",
    "re",
    "shlex",
    "enum",
    "contextlib",
    "argparse",
    "json",
    "socket",
    "ipaddress",
    "subprocess",
    "tempfile",
    "pathlib",
}


def test_a_standalone_start_imports_only_what_it_uses(launchers: Path, tmp_path: Path) -> None:
    code, modules = imported_modules(
        [
            str(launchers / "start-zookeeper"),
            "--dry-run",
            f"--data_dir={tmp_path / 'data'}",
            f"--conf_dir={tmp_path / 'conf'}",
            f"--log_dir={tmp_path / 'log'}",
        ]
    )
    assert code == 0
    assert "zkcontainer.start" in modules
    # Its records are typing's NamedTuples; typing itself imports re and
    # contextlib before Python 3.12.
    with_typing = importtime(["-c", "import typing"])[1]
    unwanted = (modules - with_typing) & NOT_ON_THE_START_PATH
    assert not unwanted, f"start-zookeeper imported {sorted(unwanted)}"


MNTR = 'zk_version\t3.9.3 "é"\nzk_server_state\tleader\nzk_jvm_info{vendor="Café ☕"}\t1\n'
# Each case: how the launcher's streams are redirected (sh syntax), the
# exit code, and what stderr holds.
STREAM_CASES = {
    "stdout full": ("{command} {port} >/dev/full", 1, "cannot write the output: No space"),
    "both full": ("{command} {port} >/dev/full 2>/dev/full", 1, None),
    "a pipe closed at once": ("{command} {port} 2>&1 | true", 1, None),
    "stdout closed": ("{command} {port} >&-", 1, "cannot write the output: standard output is"),
    "help to a full stdout": ("{command} -h >/dev/full", 1, "cannot write the output: No space"),
    "stderr closed": ("{command} --format=yaml 2>&-", 2, None),
    "stderr full": ("{command} --format=yaml 2>/dev/full", 2, None),
    "both closed": ("{command} {port} >&- 2>&-", 1, None),
}


@pytest.mark.parametrize(
    ("shell", "code", "stderr"), STREAM_CASES.values(), ids=STREAM_CASES.keys()
)
def test_any_stream_failure_is_an_exit_code_and_at_most_one_line(
    launchers: Path, tmp_path: Path, shell: str, code: int, stderr: str | None
) -> None:
    # Nothing ever reaches stdout here: the cases redirect it, or fail before output.
    with fake_zookeeper(replies(MNTR)) as server:
        command = launchers / "zookeeper-metrics"
        script = shell.format(command=command, port=f"--format=prometheus {port_of(server)}")
        result = subprocess.run(
            ["bash", "-c", f'{script}; echo "${{PIPESTATUS[0]}}" >{tmp_path / "code"}'],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    assert ((tmp_path / "code").read_text(), result.stdout) == (f"{code}\n", "")
    if stderr is None:
        assert result.stderr == ""
    else:
        assert result.stderr.startswith(f"zookeeper-metrics: {stderr}")
        assert result.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def latin1_locale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a shell whose locale is en_US.ISO-8859-1 (compiled here)."""
    locales = tmp_path_factory.mktemp("locales")
    made = subprocess.run(
        ["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(locales / "en_US.ISO-8859-1")],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        missing(f"localedef cannot compile en_US.ISO-8859-1: {made.stderr.strip()}")
    return {"PATH": "/usr/bin:/bin", "LOCPATH": str(locales), "LC_ALL": "en_US.ISO-8859-1"}


def run_bytes(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, env=env, timeout=10, check=False)


@pytest.mark.parametrize("output_format", ["text", "prometheus"])
def test_output_is_utf8_whatever_the_locale(
    launchers: Path, latin1_locale: dict[str, str], output_format: str
) -> None:
    check = run_bytes(
        ["/usr/bin/python3", "-IS", "-c", "import sys; print(sys.stdout.encoding)"], latin1_locale
    )
    assert check.stdout == b"iso8859-1\n", "the locale did not take: the test proves nothing"
    ascii_env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "ascii"}
    venv_command = str(Path(sys.executable).parent / "zookeeper-metrics")
    with fake_zookeeper(replies(MNTR)) as server:
        port = str(port_of(server))
        results = [
            run_bytes(
                [str(launchers / "zookeeper-metrics"), f"--format={output_format}", port],
                latin1_locale,
            ),
            run_bytes([venv_command, f"--format={output_format}", port], ascii_env),
        ]
    for result in results:
        assert (result.returncode, result.stderr) == (0, b"")
        if output_format == "text":
            assert result.stdout == MNTR.encode()
        else:
            assert 'zookeeper_jvm_info{vendor="Café ☕"} 1\n'.encode() in result.stdout


def test_an_error_line_is_escaped_where_the_locale_lacks_a_character(
    launchers: Path, latin1_locale: dict[str, str]
) -> None:
    with fake_zookeeper(replies("café ☕")) as server:
        port = port_of(server)
        result = run_bytes([str(launchers / "zookeeper-ready"), str(port)], latin1_locale)
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr == (
        f"zookeeper-ready: unexpected reply: 127.0.0.1:{port}: ruok answered 'café \\u2615', "
        "not 'imok'\n"
    ).encode("latin-1")
