"""start-zookeeper's command line: exit codes, messages, and what it leaves on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.prerequisites import require_zookeeper
from tests.harness.zookeeper import logback_home
from zkcontainer.start import main


def dirs(root: Path) -> list[str]:
    return [
        f"--data_dir={root / 'data'}",
        f"--data_log_dir={root / 'datalog'}",
        f"--conf_dir={root / 'conf'}",
        f"--log_dir={root / 'log'}",
    ]


ENSEMBLE_MEMBER = ["--servers=3", "--hostname=zk-1", "--domain=zk-hs.default.svc.cluster.local"]


def test_help_describes_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--servers", "--data_dir", "--heap", "--log_level", "--four_letter_words"):
        assert flag in out
    assert "ZK_SERVERS" in out


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (["--servers=0"], ["--servers=0"]),
        (["--client_port=99999", "--heap=lots"], ["--client_port=99999", "--heap=lots"]),
        (
            ["--unknown=1", "--log_level=NOISY", "--tick_time=-5"],
            ["--unknown=1", "--tick_time=-5", "--log_level=NOISY"],
        ),
        (["--servers=3", "--hostname=zk", "--domain="], ["--hostname=zk", "--domain="]),
        (["--servers=3", "--hostname=zk-7", "--domain=zk-hs"], ["--hostname=zk-7"]),
    ],
)
def test_bad_input_exits_2_names_each_problem_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: list[str], named: list[str]
) -> None:
    assert main([*dirs(tmp_path), *bad]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert [line.split(": ")[1] for line in lines] == named
    assert all(line.startswith("start-zookeeper: ") for line in lines)
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_dry_run_prints_everything_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"==> {tmp_path / 'conf' / 'zoo.cfg'} <==" in out
    assert "server.3=zk-2.zk-hs.default.svc.cluster.local:2888:3888" in out
    assert "==> myid <==\n2\n" in out
    assert "org.apache.zookeeper.server.quorum.QuorumPeerMain" in out
    assert list(tmp_path.iterdir()) == []


def test_zk_home_with_logback_writes_logback_xml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    home = logback_home(tmp_path / "zk-home")
    assert main([*dirs(tmp_path), f"--zk_home={home}", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "logback.xml <==" in out
    assert "-Dlogback.configurationFile=" in out


def test_missing_java_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    assert main(dirs(tmp_path)) == 1
    assert capsys.readouterr().err == (
        f"start-zookeeper: JAVA_HOME={tmp_path / 'no-jdk'}: no executable bin/java there\n"
    )


def test_zk_home_without_zookeeper_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty" / "lib").mkdir(parents=True)
    require_zookeeper()
    assert main([*dirs(tmp_path), f"--zk_home={tmp_path / 'empty'}"]) == 1
    assert "no zookeeper jar in lib/" in capsys.readouterr().err


def test_zk_home_without_a_logging_binding_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    lib = tmp_path / "home" / "lib"
    lib.mkdir(parents=True)
    (lib / "zookeeper-3.9.5.jar").symlink_to("/usr/share/java/zookeeper.jar")
    assert main([*dirs(tmp_path), f"--zk_home={tmp_path / 'home'}"]) == 1
    assert "ZooKeeper would log nothing" in capsys.readouterr().err


@pytest.mark.parametrize("existing", ["1\n", "3", "2 \n", "two\n", ""])
def test_a_different_myid_is_refused_and_nothing_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: str
) -> None:
    require_zookeeper()
    myid = tmp_path / "data" / "myid"
    myid.parent.mkdir()
    myid.write_text(existing)
    assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"start-zookeeper: {myid} holds ")
    assert "but this pod is server 2; refusing to start" in err
    assert myid.read_text() == existing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_directory_that_cannot_be_created_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    (tmp_path / "file").write_text("not a directory")
    args = [*dirs(tmp_path), f"--data_dir={tmp_path / 'file' / 'data'}"]
    assert main(args) == 1
    assert capsys.readouterr().err == (
        f"start-zookeeper: cannot create {tmp_path / 'file' / 'data'}: Not a directory\n"
    )


@pytest.mark.parametrize(
    ("words", "warned"),
    [
        ("ruok,mntr,srvr", []),
        ("*", []),
        ("ruok,srvr", ["mntr is not whitelisted"]),
        ("mntr", ["ruok is not whitelisted"]),
        ("srvr", ["ruok is not whitelisted", "mntr is not whitelisted"]),
    ],
)
def test_a_whitelist_that_breaks_a_probe_is_honoured_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], words: str, warned: list[str]
) -> None:
    require_zookeeper()
    assert main([*dirs(tmp_path), f"--four_letter_words={words}", "--dry-run"]) == 0
    captured = capsys.readouterr()
    warnings = captured.err.splitlines()
    assert len(warnings) == len(warned)
    for warning, expected in zip(warnings, warned, strict=True):
        assert warning.startswith(f"start-zookeeper: warning: {expected}")
    assert f"4lw.commands.whitelist={words}\n" in captured.out
