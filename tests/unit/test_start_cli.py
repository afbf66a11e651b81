"""start-zookeeper's command line: exit codes, messages, and what it leaves on disk."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.harness.ports import free_port
from tests.harness.prerequisites import require_zookeeper
from tests.harness.txnlogs import entry, log_file
from tests.harness.zookeeper import START_ZOOKEEPER, logback_home
from zkcontainer import runtime
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
    assert f"==> {tmp_path / 'data' / 'myid'} <==\n2\n" in out
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


def dry_run_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str, leaving_jar: bool = True
) -> list[str]:
    """The java command an ensemble member's dry run shows, from a ZooKeeper home
    with zkcontainer.jar installed in lib/ (or not)."""
    require_zookeeper()
    home = logback_home(tmp_path / "zk-home")
    if leaving_jar:
        (home / "lib" / "zkcontainer.jar").touch()  # a dry run starts no JVM
    args = [*dirs(tmp_path), *ENSEMBLE_MEMBER, f"--zk_home={home}", *flags, "--dry-run"]
    assert main(args) == 0
    return capsys.readouterr().out.split("==> command <==\n")[1].split()


FAST_FAILOVER_PACING = "-Dzookeeper.fastleader"


def test_with_its_jar_installed_a_member_runs_the_main_that_leaves_the_quorum_on_sigterm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = dry_run_command(tmp_path, capsys)
    assert command[-2] == "zkcontainer.QuorumPeerMain"
    assert (
        str(tmp_path / "zk-home" / "lib" / "zkcontainer.jar") in command[command.index("-cp") + 1]
    )
    assert [arg for arg in command if arg.startswith(FAST_FAILOVER_PACING)]


def test_without_its_jar_a_member_runs_zookeepers_main_with_the_tighter_pacing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = dry_run_command(tmp_path, capsys, leaving_jar=False)
    assert command[-2] == "org.apache.zookeeper.server.quorum.QuorumPeerMain"
    assert [arg for arg in command if arg.startswith(FAST_FAILOVER_PACING)]


def test_fast_failover_off_runs_zookeeper_as_its_own_defaults_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = dry_run_command(tmp_path, capsys, "--fast_failover=false")
    assert command[-2] == "org.apache.zookeeper.server.quorum.QuorumPeerMain"
    assert not [arg for arg in command if arg.startswith(FAST_FAILOVER_PACING)]


def test_jvm_flags_override_the_fast_failover_pacing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = "-Dzookeeper.fastleader.minNotificationInterval=50"
    theirs = "-Dzookeeper.fastleader.minNotificationInterval=200"
    command = dry_run_command(tmp_path, capsys, f"--jvm_flags={theirs}")
    # The JVM takes the last of two -D for one property.
    assert command.index(ours) < command.index(theirs)


def test_missing_java_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    assert main(dirs(tmp_path)) == 1
    assert capsys.readouterr().err == (
        f"start-zookeeper: JAVA_HOME={tmp_path / 'no-jdk'}: no executable bin/java there "
        "(fix JAVA_HOME, or unset it to use java on PATH)\n"
    )


def test_zk_home_without_zookeeper_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty" / "lib").mkdir(parents=True)
    require_zookeeper()
    assert main([*dirs(tmp_path), f"--zk_home={tmp_path / 'empty'}"]) == 1
    assert "no zookeeper jar in lib/" in capsys.readouterr().err


def test_an_error_names_zookeeper_home_when_that_is_what_was_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty" / "lib").mkdir(parents=True)
    require_zookeeper()
    monkeypatch.setenv("ZOOKEEPER_HOME", str(tmp_path / "empty"))
    assert main(dirs(tmp_path)) == 1
    assert capsys.readouterr().err == (
        f"start-zookeeper: ZOOKEEPER_HOME={tmp_path / 'empty'}: no zookeeper jar in lib/\n"
    )


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


@pytest.mark.parametrize(
    ("address", "warned"),
    [("0.0.0.0", False), ("::", False), ("127.0.0.1", False), ("::1", True), ("127.0.0.2", True)],
)
def test_a_client_address_the_probes_do_not_ask_is_honoured_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str, warned: bool
) -> None:
    require_zookeeper()
    assert main([*dirs(tmp_path), f"--client_address={address}", "--dry-run"]) == 0
    expected = (
        f"start-zookeeper: warning: --client_address={address}: the client port does not listen"
        " on 127.0.0.1, which zookeeper-ready and zookeeper-metrics ask unless given"
        f" --host={address}: a liveness probe `zookeeper-ready 2181` fails, and the kubelet"
        " restarts the pod\n"
    )
    assert capsys.readouterr().err == (expected if warned else "")


def test_dry_run_refuses_a_different_myid_as_the_real_run_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "myid").write_text("3\n")
    assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER, "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "holds '3' but this pod is server 2; refusing to start" in captured.err
    assert captured.out == ""


def test_dry_run_refuses_a_directory_that_cannot_be_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    (tmp_path / "file").write_text("not a directory")
    args = [*dirs(tmp_path), f"--data_log_dir={tmp_path / 'file' / 'log'}", "--dry-run"]
    assert main(args) == 1
    assert capsys.readouterr().err == (
        f"start-zookeeper: cannot create {tmp_path / 'file' / 'log'}: "
        f"{tmp_path / 'file'} is not a directory\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("directory", ["data", "datalog"])
def test_a_directory_held_by_a_running_server_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], directory: str
) -> None:
    """Data and transaction-log directories alike: one server each."""
    require_zookeeper()
    held = tmp_path / directory
    held.mkdir()
    lock = held / "start-zookeeper.lock"
    lock.write_text("4242\n")
    holder = subprocess.Popen(["flock", "--exclusive", str(lock), "sleep", "30"])
    try:
        wait_until_locked(lock)
        for extra in (["--dry-run"], []):
            assert main([*dirs(tmp_path), *extra]) == 1
            assert capsys.readouterr().err == (
                f"start-zookeeper: {held} is in use by another ZooKeeper (pid 4242 per "
                f"{lock}); refusing to start (is this volume mounted by two pods, or a "
                "server already running here?)\n"
            )
    finally:
        holder.kill()
        holder.wait()
    assert sorted(p.name for p in held.iterdir()) == ["start-zookeeper.lock"]


def wait_until_locked(path: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["flock", "--nonblock", str(path), "true"], check=False).returncode:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never locked")


@pytest.mark.parametrize("hostname", ["ip-172-31-5-12", "zk-3"])
def test_a_standalone_with_a_foreign_ordinal_runs_without_a_server_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hostname: str
) -> None:
    require_zookeeper()
    assert main([*dirs(tmp_path), f"--hostname={hostname}", "--dry-run"]) == 0
    captured = capsys.readouterr()
    ordinal = hostname.rsplit("-", maxsplit=1)[-1]
    assert captured.err.startswith(
        f"start-zookeeper: warning: hostname {hostname} ends in -{ordinal} "
        "but --servers=1: running as a standalone without a server id, since its name is "
        "not a StatefulSet pod's"
    )
    assert "/myid <==" not in captured.out


@pytest.mark.parametrize(
    ("servers", "fqdn"),
    [
        ("--servers=1", "zk-1.zk-hs.default.svc.cluster.local"),
        ("--servers=3", "zk-3.zk-hs.default.svc.cluster.local"),
    ],
)
@pytest.mark.parametrize("mode", [[], ["--dry-run"]])
def test_a_statefulset_scaled_beyond_a_static_ensemble_refuses_its_new_pods_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    servers: str,
    fqdn: str,
    mode: list[str],
) -> None:
    monkeypatch.setattr(runtime, "system_fqdn", lambda: fqdn)
    assert main([*dirs(tmp_path), servers, *mode]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    count = servers.partition("=")[2]
    assert line.startswith(f"start-zookeeper: hostname '{fqdn.partition('.')[0]}': this pod's ")
    assert "the StatefulSet was scaled without changing the ensemble" in line
    assert f"(kubectl -n default scale statefulset zk --replicas={count})" in line
    assert list(tmp_path.iterdir()) == []


STAND_IN_JAVA = """#!/bin/sh
# Stands in for the JVM: records that start-zookeeper exec'd it, then lives a little.
echo "$$ $(cat "$ZK_TEST_MYID_PATH")" >> "$ZK_TEST_EXECS"
sleep "$ZK_TEST_JVM_SECONDS"
"""


@pytest.mark.parametrize("jvm_seconds", ["0", "0.5"])
def test_of_two_identities_racing_for_one_data_dir_at_most_one_execs(
    tmp_path: Path, jvm_seconds: str
) -> None:
    """A volume mounted twice by mistake: 20 races, two pods' start-zookeeper each.

    With a JVM that lives on, the loser finds the directory locked; with one
    that exits at once, it finds the winner's myid. Never do both exec.
    """
    require_zookeeper()
    java_home = tmp_path / "jdk"
    (java_home / "bin").mkdir(parents=True)
    (java_home / "bin" / "java").write_text(STAND_IN_JAVA)
    (java_home / "bin" / "java").chmod(0o755)
    for race in range(20):
        root = tmp_path / f"race-{race}"
        execs = root / "execs"
        # No peer exists here, and the volume is empty: without the operator's
        # declaration the winner would wait at the start gate for its peers.
        for ordinal in (0, 1):
            (root / f"conf-{ordinal}").mkdir(parents=True)
            (root / f"conf-{ordinal}" / "declared-lost").write_text(f"{ordinal + 1}\n")
        env = {
            **os.environ,
            "JAVA_HOME": str(java_home),
            "ZK_TEST_EXECS": str(execs),
            "ZK_TEST_MYID_PATH": str(root / "data" / "myid"),
            "ZK_TEST_JVM_SECONDS": jvm_seconds,
        }
        pods = [
            subprocess.Popen(
                [
                    START_ZOOKEEPER,
                    f"--data_dir={root / 'data'}",
                    f"--data_log_dir={root / 'data' / 'log'}",
                    f"--conf_dir={root / f'conf-{ordinal}'}",
                    f"--log_dir={root / 'log'}",
                    "--servers=3",
                    f"--hostname=zk-{ordinal}",
                    "--domain=zk-hs.default.svc.cluster.local",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for ordinal in (0, 1)
        ]
        results = [(pod.wait(30), pod.stderr.read() if pod.stderr else "") for pod in pods]
        started = execs.read_text().splitlines() if execs.exists() else []
        assert len(started) == 1, f"race {race}: {started} {results}"
        winner_myid = started[0].split()[1]
        assert (root / "data" / "myid").read_text() == f"{winner_myid}\n"
        losers = [(code, err) for code, err in results if code != 0]
        assert len(losers) == 1, f"race {race}: {results}"
        assert "refusing to start" in losers[0][1]


@pytest.mark.parametrize("plant", ["symlink", "hard link", "fifo", "directory"])
def test_a_lock_file_that_is_not_a_regular_file_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plant: str
) -> None:
    require_zookeeper()
    data = tmp_path / "data"
    data.mkdir()
    lock = data / "start-zookeeper.lock"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    if plant == "symlink":
        lock.symlink_to(victim)
    elif plant == "hard link":
        os.link(victim, lock)
    elif plant == "fifo":
        os.mkfifo(lock)
    else:
        lock.mkdir()
    for mode in (["--dry-run"], []):
        assert main([*dirs(tmp_path), *mode]) == 1
        err = capsys.readouterr().err
        assert err.startswith((f"start-zookeeper: {lock} is ", f"start-zookeeper: {lock} has ")), (
            err
        )
        assert "refusing to start (remove it)" in err
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in data.iterdir()) == ["start-zookeeper.lock"]
    assert not (tmp_path / "conf" / "zoo.cfg").exists()


def test_a_config_file_that_cannot_be_replaced_stops_the_start_before_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    (tmp_path / "conf" / "log4j.properties").mkdir(parents=True)
    for mode in (["--dry-run"], []):
        assert main([*dirs(tmp_path), *mode]) == 1
        assert capsys.readouterr().err == (
            f"start-zookeeper: cannot write {tmp_path / 'conf' / 'log4j.properties'}: "
            "it is not a regular file\n"
        )
    assert sorted(p.name for p in (tmp_path / "conf").iterdir()) == ["log4j.properties"]


@pytest.mark.parametrize("content", ["+2\n", "2\r\n", "2", "\u0662\n"])
def test_a_myid_zookeeper_reads_as_this_server_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """ZooKeeper reads myid with readLine() and Long.parseLong: signs, CRLF and
    any decimal digits (U+0662 is ARABIC-INDIC DIGIT TWO)."""
    require_zookeeper()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "myid").write_text(content, encoding="utf-8")
    assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER, "--dry-run"]) == 0, capsys.readouterr().err


def zookeeper_data_without_myid(tmp_path: Path, logs: str = "datalog") -> None:
    """A snapshot (with the trailer ZooKeeper checks) and a log beside it, in `logs`."""
    for directory, name, content in (
        ("data", "snapshot.0", b"\0" * 64 + b"\0\0\0\x01/"),
        (logs, "log.1", b"\0" * 64),
    ):
        version_2 = tmp_path / directory / "version-2"
        version_2.mkdir(parents=True)
        (version_2 / name).write_bytes(content)


def test_zookeeper_data_without_myid_is_not_adopted_by_an_ensemble_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    zookeeper_data_without_myid(tmp_path)
    for mode in (["--dry-run"], []):
        assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER, *mode]) == 1
        assert capsys.readouterr().err == (
            f"start-zookeeper: {tmp_path / 'data'} holds ZooKeeper data but no myid, so no "
            "server of this ensemble wrote it; refusing to adopt it as server 2 (move it "
            "away, or write 2 into myid if it is this server's)\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "datalog"]


def test_a_standalone_serves_zookeeper_data_without_claiming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    zookeeper_data_without_myid(tmp_path)
    assert main([*dirs(tmp_path), "--hostname=zk-0", "--dry-run"]) == 0
    assert "/myid <==" not in capsys.readouterr().out


def test_a_zookeeper_home_is_a_directory_not_a_pattern(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    home = logback_home(tmp_path / "zk[1]")
    logback_home(tmp_path / "zk1")  # what zk[1] would match as a glob pattern
    assert main([*dirs(tmp_path), f"--zk_home={home}", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{home}/lib/zookeeper.jar" in out
    assert f"{tmp_path / 'zk1'}/" not in out


def test_a_directory_held_whole_is_refused_even_without_its_lock_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A running server's lock file removed by hand: the directory's own lock still holds."""
    require_zookeeper()
    data = tmp_path / "data"
    data.mkdir()
    holder = subprocess.Popen(["flock", "--exclusive", str(data), "sleep", "30"])
    try:
        wait_until_locked(data)
        for mode in (["--dry-run"], []):
            assert main([*dirs(tmp_path), *mode]) == 1
            assert capsys.readouterr().err.startswith(
                f"start-zookeeper: {data} is in use by another ZooKeeper"
            )
    finally:
        holder.kill()
        holder.wait()


def test_a_client_port_hidden_from_the_peers_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = [*ENSEMBLE_MEMBER, "--client_address=127.0.0.1", "--dry-run"]
    assert main([*dirs(tmp_path), *hidden]) == 0, capsys.readouterr().err
    assert "a member on an empty volume cannot see them serve" in capsys.readouterr().err
    assert main([*dirs(tmp_path), *ENSEMBLE_MEMBER, "--dry-run"]) == 0
    assert "cannot see them serve" not in capsys.readouterr().err


# -- transaction logs without a snapshot that span epochs ------------------------------------

RECORDING_JAVA = """#!/bin/sh
# Stands in for the JVM: records the arguments start-zookeeper exec'd it with.
printf '%s\\n' "$@" > "$ZK_TEST_ARGV"
"""
TRUST_EMPTY = "-Dzookeeper.snapshot.trust.empty=true"


def spanning_epochs(root: Path, *, gap: bool = False) -> None:
    """Logs without a snapshot whose epoch 1 ends where nothing proves it ended
    (or, with `gap`, where a transaction is missing)."""
    directory = root / "datalog" / "version-2"
    log_file(directory, "log.100000001", entry(0x100000001), entry(0x100000002))
    log_file(directory, "log.200000001", entry(0x200000003 if gap else 0x200000001))


def start(root: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """start-zookeeper as a standalone zk-0 on `root`, with a java that only records
    its arguments; (the run, the java arguments when it exec'd)."""
    require_zookeeper()
    java_home = root / "jdk"
    if not java_home.exists():
        (java_home / "bin").mkdir(parents=True)
        (java_home / "bin" / "java").write_text(RECORDING_JAVA)
        (java_home / "bin" / "java").chmod(0o755)
    argv_file = root / "java-argv"
    argv_file.unlink(missing_ok=True)
    env = {**os.environ, "JAVA_HOME": str(java_home), "ZK_TEST_ARGV": str(argv_file)}
    result = subprocess.run(
        [START_ZOOKEEPER, *dirs(root), "--hostname=zk-0", "--domain=", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    java_argv = argv_file.read_text().splitlines() if argv_file.exists() else []
    return result, java_argv


def files_under(root: Path) -> list[str]:
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if "jdk" not in path.parts
    )


def test_logs_spanning_epochs_are_refused_naming_the_one_off_marker(tmp_path: Path) -> None:
    spanning_epochs(tmp_path)
    marker = tmp_path / "data" / "zkcontainer-trust-logs"
    for mode in (["--dry-run"], []):
        before = files_under(tmp_path)
        result, java_argv = start(tmp_path, *mode)
        assert result.returncode == 1, result.stderr
        (line,) = result.stderr.splitlines()
        assert "nothing proves epoch 1 ended there; if the other members serve this data, " in line
        assert line.endswith(
            "wipe this member's version-2 directories (keep myid) and it resyncs from the quorum; "
            f"if none holds it, create the empty file {marker} and the next start replays what "
            'is here, once (docs/migrating.md, "Upgrading in place from the original image")'
        )
        assert "--jvm_flags" not in line  # the chart refuses that flag
        assert java_argv == []
        assert files_under(tmp_path) == before


def test_the_marker_replays_logs_spanning_epochs_for_one_start(tmp_path: Path) -> None:
    spanning_epochs(tmp_path)
    marker = tmp_path / "data" / "zkcontainer-trust-logs"
    marker.parent.mkdir()
    marker.touch()

    result, _ = start(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert TRUST_EMPTY in result.stdout.split("==> command <==")[1].split()
    assert marker.exists()  # a dry run takes nothing

    result, java_argv = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert TRUST_EMPTY in java_argv
    assert f"{marker} says they hold all there is, so ZooKeeper replays them" in result.stderr
    assert not marker.exists()

    # The stand-in wrote no snapshot: without the marker, the next start refuses again.
    result, java_argv = start(tmp_path)
    assert result.returncode == 1
    assert f"create the empty file {marker}" in result.stderr
    assert java_argv == []


def test_the_marker_does_not_replay_logs_missing_a_transaction(tmp_path: Path) -> None:
    spanning_epochs(tmp_path, gap=True)
    marker = tmp_path / "data" / "zkcontainer-trust-logs"
    marker.parent.mkdir()
    marker.touch()
    result, java_argv = start(tmp_path)
    assert result.returncode == 1
    assert "transactions are missing" in result.stderr
    assert result.stderr.endswith("and it resyncs from the quorum\n")
    assert java_argv == []
    assert marker.exists()


# -- transaction logs where ZooKeeper would not look -----------------------------------------

STANDALONE = ["--hostname=zk-0", "--domain="]
README_LINK = (
    "(the Helm chart: storage.dataLog.enabled as it was, or a pod mounting both claims moves "
    'them; docs/helm-chart.md, "Moving the transaction log")'
)


def refusal_touching_nothing(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A standalone's refusal on `root`: exit 1, one message, the same with --dry-run
    and without, and nothing written."""
    before = files_under(root)
    messages = []
    for mode in (["--dry-run"], []):
        assert main([*dirs(root), *STANDALONE, *mode]) == 1
        messages.append(capsys.readouterr().err)
        assert files_under(root) == before
    assert messages[0] == messages[1]
    return messages[0]


def test_logs_left_in_the_default_log_directory_are_refused_and_nothing_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """storage.dataLog.enabled turned on: the member's new log volume is empty,
    and ZooKeeper would serve the snapshot alone (an empty tree's)."""
    require_zookeeper()
    zookeeper_data_without_myid(tmp_path, logs="data/log")
    old = tmp_path / "data" / "log"
    assert refusal_touching_nothing(tmp_path, capsys) == (
        f"start-zookeeper: {old / 'version-2'} holds this data directory's transaction "
        f"logs and --data_log_dir={tmp_path / 'datalog'} holds none: ZooKeeper would start "
        "from its last snapshot without them and lose the writes they hold; move the log.* "
        f"files from {old / 'version-2'} into {tmp_path / 'datalog' / 'version-2'}, or start "
        f"with --data_log_dir={old} again {README_LINK}\n"
    )


def test_a_log_directory_other_than_the_recorded_one_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """storage.dataLog.enabled turned off: the log volume is no longer mounted, and
    only the record in the data directory says where the logs are."""
    require_zookeeper()
    zookeeper_data_without_myid(tmp_path, logs="gone")
    shutil.rmtree(tmp_path / "gone")
    record = tmp_path / "data" / "zkcontainer-data-log-dir"
    record.write_text("/var/lib/zookeeper-datalog/log\n")
    assert refusal_touching_nothing(tmp_path, capsys) == (
        f"start-zookeeper: {record} says this data directory's transaction logs are in "
        f"/var/lib/zookeeper-datalog/log, not --data_log_dir={tmp_path / 'datalog'}: "
        "ZooKeeper would start from its last snapshot without them and lose the writes they "
        "hold; move the log.* files from /var/lib/zookeeper-datalog/log/version-2 into "
        f"{tmp_path / 'datalog' / 'version-2'} and write {tmp_path / 'datalog'} into "
        f"{record}, or start with --data_log_dir=/var/lib/zookeeper-datalog/log again "
        f"{README_LINK}\n"
    )


def test_the_first_start_records_its_log_directory_and_a_start_on_another_is_refused(
    tmp_path: Path,
) -> None:
    record = tmp_path / "data" / "zkcontainer-data-log-dir"
    result, _ = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert record.read_text() == f"{tmp_path / 'datalog'}\n"

    (tmp_path / "java-argv").unlink()
    before = files_under(tmp_path)
    result, java_argv = start(tmp_path, f"--data_log_dir={tmp_path / 'moved'}")
    assert result.returncode == 1
    assert f"{record} says this data directory's transaction logs are in " in result.stderr
    assert java_argv == []
    assert files_under(tmp_path) == before

    # The logs moved, and the record says so: the operator's, never the start's.
    record.write_text(f"{tmp_path / 'moved'}\n")
    result, java_argv = start(tmp_path, f"--data_log_dir={tmp_path / 'moved'}")
    assert result.returncode == 0, result.stderr
    assert record.read_text() == f"{tmp_path / 'moved'}\n"


def test_a_volume_without_the_record_gets_it_where_its_logs_are_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data directory an earlier version started on."""
    zookeeper_data_without_myid(tmp_path)
    record = tmp_path / "data" / "zkcontainer-data-log-dir"
    assert main([*dirs(tmp_path), *STANDALONE, "--dry-run"]) == 0
    assert f"==> {record} <==\n{tmp_path / 'datalog'}\n" in capsys.readouterr().out
    assert not record.exists()
    result, _ = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert record.read_text() == f"{tmp_path / 'datalog'}\n"


def test_a_log_directory_within_the_data_directory_stays_recorded_when_the_volume_moves(
    tmp_path: Path,
) -> None:
    first, moved = tmp_path / "first", tmp_path / "moved"
    result, _ = start(first, f"--data_log_dir={first / 'data' / 'log'}")
    assert result.returncode == 0, result.stderr
    assert (first / "data" / "zkcontainer-data-log-dir").read_text() == "log\n"
    first.rename(moved)  # mounted at another path
    result, java_argv = start(moved, f"--data_log_dir={moved / 'data' / 'log'}")
    assert result.returncode == 0, result.stderr
    assert java_argv


# -- --dry-run shows what the start writes and runs --------------------------------------------


def shown(out: str) -> dict[str, str]:
    """What a dry run prints: path (or "command") -> the text under its `==> ... <==`."""
    parts = re.split(r"^==> (.*) <==\n", out, flags=re.MULTILINE)
    return {
        name: text.removesuffix("\n") for name, text in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_a_dry_run_shows_exactly_what_a_reconfig_start_writes_and_runs(tmp_path: Path) -> None:
    """A member whose last dynamic file has no client parts (as one that ran in static mode
    before may have kept it): the start fills them in, and the dry run shows it so."""
    domain = "zk-hs.default.svc.cluster.local"
    data = tmp_path / "data"
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "snapshot.100000002").write_bytes(b"")
    (data / "myid").write_text("1\n")
    (data / "reconfig").mkdir()
    bare = f"server.1=zk-0.{domain}:2888:3888:participant\n"
    (data / "reconfig" / "zoo.cfg.dynamic.100000000").write_text(bare)
    password = tmp_path / "password"
    password.write_text("secret\n")
    client_port, election_port = free_port(), free_port()
    flags = [
        "--reconfig",
        f"--reconfig_password_file={password}",
        f"--domain={domain}",
        f"--client_port={client_port}",
        f"--election_port={election_port}",
    ]

    dry_run, _ = start(tmp_path, *flags, "--dry-run")
    assert dry_run.returncode == 0, dry_run.stderr
    files = shown(dry_run.stdout)
    command = shlex.split(files.pop("command"))
    result, java_argv = start(tmp_path, *flags)
    assert result.returncode == 0, result.stderr

    dynamic_file = data / "reconfig" / "zoo.cfg.dynamic.100000000"
    assert files[str(dynamic_file)] == f"{bare.strip()};{client_port}\n"
    assert {path: Path(path).read_text() for path in files} == files
    assert java_argv == command[1:]
