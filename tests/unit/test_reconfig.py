"""start-zookeeper --reconfig and zookeeper-scale, without a server: flags, files, decisions."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from kazoo.hosts import collect_hosts

from zkcontainer import ConfigError, ProbeError, render, waiting
from zkcontainer.announce import Announcement, PeerAddress
from zkcontainer.fourlw import local_address
from zkcontainer.reconfig import client, joiner, scale, startup
from zkcontainer.reconfig.client import super_digest
from zkcontainer.reconfig.decision import decide
from zkcontainer.reconfig.model import (
    Membership,
    parse_config,
    parse_dynamic_file,
    render_dynamic_file,
)
from zkcontainer.settings import Settings, load_settings
from zkcontainer.start import main as start_main
from zkcontainer.startgate import PeerView, Verdict
from zkcontainer.volume import Volume

GOLDEN = Path(__file__).parents[1] / "golden"
PASSWORD = "correct horse battery staple"
DOMAIN = "zk-hs.default.svc.cluster.local"
JAVA = "/usr/bin/java"
CLASSPATH = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar"]


def settings_of(*argv: str, host: str = "zk-1", **env: str) -> Settings:
    flags = ["--reconfig", "--reconfig_password_file=/etc/zookeeper/reconfig/password", *argv]
    return load_settings(flags, env, lambda: f"{host}.{DOMAIN}")


def problems(argv: list[str], host: str = "zk-1") -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(argv, {}, lambda: f"{host}.{DOMAIN}")
    return raised.value.problems


# Settings


def test_reconfig_needs_the_password_file_and_names_the_flag() -> None:
    assert problems(["--reconfig", "--servers=3"]) == [
        "--reconfig=true: needs --reconfig_password_file=FILE, the superuser password that "
        "changes the membership (a Secret's file)"
    ]


def test_the_password_file_alone_is_refused_rather_than_ignored() -> None:
    assert problems(["--reconfig_password_file=/p", "--servers=3"]) == [
        "--reconfig_password_file=/p: needs --reconfig"
    ]


def test_both_come_from_the_environment_too() -> None:
    settings = load_settings(
        ["--servers=3"],
        {"ZK_RECONFIG": "true", "ZK_RECONFIG_PASSWORD_FILE": "/run/pw"},
        lambda: f"zk-0.{DOMAIN}",
    )
    assert settings.reconfig
    assert settings.reconfig_password_file == "/run/pw"


@pytest.mark.parametrize(
    "flags",
    [
        ["--tls_dir=/tls"],  # the plaintext port then defaults to 127.0.0.1
        ["--tls_dir=/tls", "--client_port=0"],
        ["--client_address=127.0.0.1"],
        ["--client_address=::1"],
    ],
)
def test_reconfig_needs_peers_to_reach_the_plaintext_port(flags: list[str]) -> None:
    found = problems(["--reconfig", "--reconfig_password_file=/p", "--servers=3", *flags])
    assert len(found) == 1
    assert found[0].startswith("--reconfig=true: needs the plaintext client port open to the peers")


def test_with_tls_port_unification_the_plaintext_port_listens_everywhere() -> None:
    unified = settings_of("--servers=3", "--tls_dir=/tls", "--tls_port_unification=true")
    assert unified.client_address is None


@pytest.mark.parametrize(
    ("servers", "host", "myid"), [(3, "zk-3", 4), (3, "zk-9", 10), (1, "zk-2", 3)]
)
def test_a_pod_beyond_the_initial_members_is_a_member_to_be(
    servers: int, host: str, myid: int
) -> None:
    settings = settings_of(f"--servers={servers}", host=host)
    assert settings.myid == myid
    assert not settings.observing


def test_ids_after_the_observers_join_as_voters() -> None:
    assert settings_of("--servers=3", "--observers=2", host="zk-4").observing
    assert not settings_of("--servers=3", "--observers=2", host="zk-5").observing


def test_without_reconfig_a_pod_beyond_servers_is_still_refused() -> None:
    found = problems(["--servers=3"], host="zk-3")
    assert "to grow the ensemble, turn on --reconfig" in found[0]


# Rendering: golden files

CASES = {
    # pod 1 of the first bootstrap, with an observer among the initial members
    "reconfig-bootstrap": (["--servers=3", "--observers=1"], "zk-1"),
    # pod 5 started beside a serving ensemble of 3 voters
    "reconfig-join": (["--servers=3", "--client_address=0.0.0.0"], "zk-4"),
    # TLS, both ports unified so that peers read the membership in plaintext
    "reconfig-tls": (
        ["--servers=3", "--tls_dir=/etc/zookeeper/tls", "--tls_port_unification=true"],
        "zk-0",
    ),
}


def decided(settings: Settings, case: str) -> Membership:
    live = None
    if case == "reconfig-join":
        live = Membership(tuple(startup.member(settings, i) for i in (1, 2, 3)), 0x200000004)
    gate = Verdict(True, "new", True, "every voter answered with an empty volume")
    decision = decide(replace(startup.evidence(settings, live, gate=gate), local=None))
    assert decision.membership is not None
    return decision.membership


@pytest.mark.parametrize("case", sorted(CASES))
def test_reconfig_files_match_golden_copies(case: str) -> None:
    argv, host = CASES[case]
    settings = settings_of(*argv, host=host)
    membership = decided(settings, case)
    dynamic = f"{render.reconfig_dir(settings)}/zoo.cfg.dynamic.{membership.version:x}"
    command = render.java_command(
        settings, JAVA, CLASSPATH, render.LOG4J, properties=["-Dsuper=digest"]
    )
    files = {
        "zoo.cfg": render.zoo_cfg(settings, dynamic),
        f"zoo.cfg.dynamic.{membership.version:x}": render_dynamic_file(membership),
        "zookeeper-scale.properties": render.scale_properties(settings),
        "java-command.log4j": shlex.join(command) + "\n",
    }
    for name, text in files.items():
        golden = GOLDEN / case / name
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert text == golden.read_text(), f"{golden} differs"


def test_the_static_file_has_no_members_and_the_dynamic_file_every_one() -> None:
    settings = settings_of("--servers=3")
    text = render.zoo_cfg(settings, "/d/zoo.cfg.dynamic.0")
    assert "server." not in text
    assert "clientPort" not in text  # in each member's server line instead
    assert "reconfigEnabled=true" in text
    assert "standaloneEnabled=false" in text
    assert render.zoo_cfg_path(settings) == "/var/lib/zookeeper/data/reconfig/zoo.cfg"
    membership = Membership(startup.initial(settings))
    lines = render_dynamic_file(membership)
    assert parse_dynamic_file(lines, "zoo.cfg.dynamic.0") == membership
    assert f"server.2=zk-1.{DOMAIN}:2888:3888:participant;2181\n" in lines


def test_the_client_address_is_written_into_the_server_line() -> None:
    # 3.8 exits when a member's line and its clientPortAddress disagree.
    settings = settings_of("--servers=3", "--client_address=10.1.2.3")
    assert startup.own_member(settings).spec().endswith(";10.1.2.3:2181")


def test_static_mode_is_unchanged_by_the_reconfig_flags() -> None:
    static = load_settings(["--servers=3"], {}, lambda: f"zk-1.{DOMAIN}")
    assert "reconfigEnabled" not in render.zoo_cfg(static)
    assert "server.1=" in render.zoo_cfg(static)
    assert render.zoo_cfg_path(static) == "/opt/zookeeper/conf/zoo.cfg"


# Evidence and the start-up decision


def test_candidates_are_every_other_pod_up_to_the_highest_id_known() -> None:
    settings = settings_of("--servers=3", host="zk-4")
    local = Membership((*startup.initial(settings), startup.member(settings, 7)))
    assert startup.candidate_hosts(settings, local) == [
        f"zk-{ordinal}.{DOMAIN}:2181" for ordinal in (0, 1, 2, 3, 5, 6)
    ]


def test_a_static_members_volume_migrates_with_the_initial_membership(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "snapshot.100000000").write_bytes(b"\0")
    settings = settings_of("--servers=3", f"--data_dir={data}", f"--data_log_dir={data}")
    decision = decide(startup.evidence(settings, live=None))
    assert decision.action == "use"
    assert decision.membership == Membership(startup.initial(settings))


def test_a_data_dir_holding_only_reconfig_files_holds_no_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = settings_of("--servers=3", f"--data_dir={data}", f"--data_log_dir={data}/log")
    (data / "reconfig").mkdir(parents=True)
    (data / "reconfig" / "zoo.cfg.dynamic.0").write_text(
        render_dynamic_file(Membership(startup.initial(settings)))
    )
    evidence = startup.evidence(settings, live=None)
    assert not evidence.has_data
    assert evidence.local == Membership(startup.initial(settings))


def test_waiting_says_each_reason_once(tmp_path: Path) -> None:
    settings = settings_of("--servers=3", f"--data_dir={tmp_path}", host="zk-3")
    lines: list[str] = []
    pauses: list[float] = []
    live = Membership(tuple(startup.member(settings, i) for i in (1, 2, 3)), 5)
    answers = iter([None, None, None, live])

    def read(_settings: Settings, _local: Membership | None) -> tuple[Membership | None, str]:
        return next(answers), "no member serves"

    decision = startup.settle(settings, lines.append, read=read, room=quiet_room(pauses))
    assert decision.action == "join"
    assert len(lines) == 1
    assert "not one of the initial members" in lines[0]
    assert pauses == [1.0, 2.0, 4.0]


def quiet_room(pauses: list[float]) -> Callable[..., AbstractContextManager[waiting.Room]]:
    """waiting.room without listening on any port: every peer absent, pauses recorded."""

    def absent(addresses: list[PeerAddress], _timeout: float, _tls: str | None) -> dict:
        return {address.id: PeerView(address.id, "absent") for address in addresses}

    @contextmanager
    def room(
        settings: Settings, volume: Volume, log: Callable[[str], None], version: int | None
    ) -> Iterator[waiting.Room]:
        announcer = SimpleNamespace(current=Announcement(settings.myid or 0, volume, version))
        yield waiting.Room(settings, announcer, log, sleep=pauses.append, read=absent)  # type: ignore[arg-type]

    return room


def test_a_join_clears_the_files_of_a_membership_it_was_removed_from(tmp_path: Path) -> None:
    settings = settings_of("--servers=3", f"--data_dir={tmp_path}", f"--conf_dir={tmp_path}/conf")
    (tmp_path / "conf").mkdir()
    stale_dir = tmp_path / "reconfig"
    stale_dir.mkdir()
    (stale_dir / "zoo.cfg.dynamic.300000000").write_text("server.9=x:1:2\n")
    live = Membership(tuple(startup.member(settings, i) for i in (1, 3)), 0x400000000)
    decision = decide(startup.evidence(settings, live))
    assert decision.action == "join"
    # A file newer than the serving configuration makes the decision wait, so a
    # join never meets one; were one there, it is evidence and stays.
    (stale_dir / "zoo.cfg.dynamic.500000000").write_text("server.9=x:1:2\n")
    startup.write(settings, decision, startup.membership_files(settings, decision))
    assert sorted(os.listdir(stale_dir)) == [
        "zoo.cfg",
        "zoo.cfg.dynamic.0",
        "zoo.cfg.dynamic.500000000",
    ]
    conf_zoo_cfg = tmp_path / "conf" / "zoo.cfg"
    assert os.readlink(conf_zoo_cfg) == str(stale_dir / "zoo.cfg")
    assert "dynamicConfigFile=" in conf_zoo_cfg.read_text()


def test_a_live_configuration_without_client_parts_gets_the_statefulsets_client_port(
    tmp_path: Path,
) -> None:
    # A static ensemble, asked during a rolling migration to --reconfig, lists no
    # client parts; zoo.cfg in reconfig mode has no clientPort, so without one in
    # our own line the member would serve no client at all.
    settings = settings_of(
        "--servers=3",
        "--client_port=2281",
        f"--data_dir={tmp_path}",
        f"--conf_dir={tmp_path}/conf",
    )
    (tmp_path / "conf").mkdir()
    (tmp_path / "reconfig").mkdir()
    live = parse_config(
        "".join(f"server.{i}=zk-{i - 1}.{DOMAIN}:2888:3888:participant\n" for i in (1, 2, 3))
        + "version=0\n"
    )
    decision = decide(startup.evidence(settings, live))
    assert decision.action == "use"
    files = startup.membership_files(settings, decision)
    startup.write(settings, decision, files)
    (path, text) = next((path, text) for path, text in files.items() if "dynamic" in path)
    assert path.endswith("zoo.cfg.dynamic.0")
    assert text == "".join(
        f"server.{i}=zk-{i - 1}.{DOMAIN}:2888:3888:participant;2281\n" for i in (1, 2, 3)
    )
    assert Path(path).read_text() == text


def test_filled_in_client_parts_follow_the_client_address_and_keep_those_listed() -> None:
    settings = settings_of("--servers=3", "--client_address=10.1.2.3")
    listed = startup.member(settings, 1)
    bare = startup.member(settings, 2)
    live = Membership((listed, replace(bare, client_port=None, client_address=None)), 7)
    filled = startup.with_client_ports(settings, live)
    assert filled.version == 7
    assert filled.get(1) == listed
    assert filled.get(2) == bare
    assert filled.get(2).spec().endswith(";10.1.2.3:2181")  # type: ignore[union-attr]


# The password


def pod_flags(root: Path, *flags: str) -> list[str]:
    """Pod zk-0 of a --reconfig ensemble, every directory under `root`."""
    return [
        "--reconfig",
        "--hostname=zk-0",
        f"--domain={DOMAIN}",
        f"--data_dir={root}/data",
        f"--data_log_dir={root}/log",
        f"--conf_dir={root}/conf",
        f"--log_dir={root}",
        *flags,
    ]


def test_dry_run_shows_the_digest_and_never_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    argv = [*pod_flags(tmp_path, "--servers=3"), f"--reconfig_password_file={password_file}"]
    assert start_main([*argv, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert f"superDigest={super_digest(PASSWORD)}" in out
    assert "bootstrap" in err


def test_the_jvm_argv_and_environment_never_hold_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD)
    execed: list[tuple[list[str], dict[str, str]]] = []

    def exec_java(argv: list[str], environ: dict[str, str]) -> None:
        execed.append((list(argv), dict(environ)))

    monkeypatch.setattr("zkcontainer.runtime.exec_java", exec_java)
    monkeypatch.setattr(startup, "read_live", lambda _s, _l: (None, "nobody"))
    env = {"ZK_RECONFIG_PASSWORD_FILE": str(password_file)}
    monkeypatch.setattr(os, "environ", {**os.environ, **env})
    start_main(pod_flags(tmp_path, "--servers=1", "--heap=64M"))
    [(command, environ)] = execed
    assert not any(PASSWORD in part for part in [*command, *environ.values()])
    assert f"-Dzookeeper.DigestAuthenticationProvider.superDigest={super_digest(PASSWORD)}" in (
        command
    )
    written = "".join(p.read_text() for p in (tmp_path / "conf").iterdir() if p.is_file())
    assert PASSWORD not in written
    assert command[-1] == f"{tmp_path}/data/reconfig/zoo.cfg"


def test_an_unreadable_password_file_stops_the_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "--reconfig",
        f"--reconfig_password_file={tmp_path}/missing",
        "--servers=3",
        "--hostname=zk-0",
        f"--domain={DOMAIN}",
        f"--data_dir={tmp_path}/data",
        f"--conf_dir={tmp_path}/conf",
        "--dry-run",
    ]
    assert start_main(argv) == 1
    assert capsys.readouterr().err.startswith("start-zookeeper: --reconfig_password_file: ")


def test_a_static_start_never_imports_kazoo(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from zkcontainer.start import main\n"
        f"main(['--servers=3', '--hostname=zk-0', '--domain=d', '--data_dir={tmp_path}/d',"
        f" '--conf_dir={tmp_path}/c', '--log_dir={tmp_path}', '--dry-run'])\n"
        "assert not [m for m in sys.modules if m.startswith('kazoo')], 'kazoo imported'\n"
        "assert 'zkcontainer.reconfig.client' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# zookeeper-scale without a server


@pytest.mark.parametrize("argv", [[], ["three"], ["3", "--timeout=soon"], ["3", "4"]])
def test_scale_with_bad_arguments_exits_2(argv: list[str]) -> None:
    assert scale.main(argv) == 2


def test_scale_refuses_to_keep_no_member(capsys: pytest.CaptureFixture[str]) -> None:
    assert scale.main(["0", "--reconfig_password_file=/nonexistent"]) == 2
    assert capsys.readouterr().err == "zookeeper-scale: N 0: must be at least 1\n"


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--timeout=nan"], "--timeout=nan: must be a number of seconds above 0"),
        (["--timeout=inf"], "--timeout=inf: must be a number of seconds above 0"),
        (["--timeout=-3"], "--timeout=-3: must be a number of seconds above 0"),
        (["--client_port=0"], "--client_port=0: not a port: 1 to 65535"),
        (["--client_port=70000"], "--client_port=70000: not a port: 1 to 65535"),
        (["--timout=5"], "--timout=5: unknown flag; did you mean --timeout?"),
        (["--tim=5"], "--tim=5: unknown flag"),  # no abbreviations: --tim is no --timeout
        (["--", "-1"], "N -1: must be at least 1"),
    ],
)
def test_scale_names_each_bad_value_and_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    args = ["3", *argv] if argv[0] != "--" else argv
    assert scale.main([*args, "--reconfig_password_file=/nonexistent"]) == 2
    assert capsys.readouterr().err == f"zookeeper-scale: {line}\n"


def test_an_unknown_flag_is_named_though_n_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert scale.main(["--bogus"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "zookeeper-scale: --bogus: unknown flag",
        "zookeeper-scale: the following arguments are required: N",
    ]


def test_scale_refuses_to_leave_one_voter_without_asking_a_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Its configuration would list only itself: start-zookeeper --reconfig
    # never restarts from that, and the volume is lost.
    assert scale.main(["1", "--reconfig_password_file=/nonexistent"]) == 1
    assert capsys.readouterr() == (
        "",
        "zookeeper-scale: 1: would leave one voter, whose configuration would list only"
        " itself: it could not restart; keep at least 3 voters (2 are allowed, and tolerate no"
        " failure)\n",
    )


class FakeEnsemble:
    """The reconfig client's session, read_live and remove, over a membership in memory."""

    def __init__(self, live: Membership) -> None:
        self.live = live
        self.removed: list[list[int]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        @contextmanager
        def session(*_args: object, sasl: bool = False) -> Iterator[object]:
            yield object()

        def remove(_client: object, ids: list[int], _timeout: float) -> Membership:
            self.removed.append(list(ids))
            self.live = replace(self.live.without(ids), version=self.live.version + 1)
            return self.live

        monkeypatch.setattr(client, "session", session)
        monkeypatch.setattr(client, "read_live", lambda *_: self.live)
        monkeypatch.setattr(client, "remove", remove)
        monkeypatch.setattr(scale, "_serving", lambda members, _deadline: [m.id for m in members])


def run_scale(
    tmp_path: Path, members: int, warnings: list[str], host: str = "my-zk-1.zk-hs.default"
) -> list[str]:
    password = tmp_path / "password"
    password.write_text(PASSWORD)
    args = scale.parser().parse_args([str(members), f"--reconfig_password_file={password}"])
    return scale.scale(args, {}, warnings.append, lambda: host)


def test_scale_refuses_to_leave_one_voter_beside_observers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_of("--servers=3")
    ensemble = FakeEnsemble(
        Membership(
            (
                startup.member(settings, 1),
                *(startup.member(settings, i, "observer") for i in (2, 3)),
            ),
            9,
        )
    )
    ensemble.install(monkeypatch)
    with pytest.raises(scale.Refused, match=r"^2: would leave one voter \(1\), whose"):
        run_scale(tmp_path, 2, [])
    assert ensemble.removed == []


def three_voters(monkeypatch: pytest.MonkeyPatch) -> FakeEnsemble:
    settings = settings_of("--servers=3")
    ensemble = FakeEnsemble(Membership(tuple(startup.member(settings, i) for i in (1, 2, 3)), 9))
    ensemble.install(monkeypatch)
    return ensemble


def test_scale_to_two_voters_warns_and_says_what_comes_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensemble = three_voters(monkeypatch)
    warnings: list[str] = []
    assert run_scale(tmp_path, 2, warnings) == [
        "removed 3: members 1, 2, voters 1, 2 (version a)",
        "next: kubectl scale statefulset my-zk --replicas=2",
        "then: zookeeper-scale 2 again: it removes any member that added itself meanwhile"
        " (a joiner still in flight, or a removed member whose container restarted before its"
        " pod was deleted)",
    ]
    assert ensemble.removed == [[3]]
    assert warnings == [
        "warning: 2 leaves 2 voters (1, 2), which tolerate no failure: either one down stops"
        " the ensemble; 3 tolerate one"
    ]


def test_scale_with_nothing_to_do_still_says_what_comes_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensemble = three_voters(monkeypatch)
    warnings: list[str] = []
    lines = run_scale(tmp_path, 3, warnings, host="localhost")
    assert lines[0] == "nothing to do: the members are 1, 2, 3"
    assert lines[1] == "next: kubectl scale statefulset <name> --replicas=3"  # not a pod
    assert lines[2].startswith("then: zookeeper-scale 3 again: ")
    assert (ensemble.removed, warnings) == ([], [])


def test_scale_takes_what_start_zookeeper_left_in_the_conf_dir(tmp_path: Path) -> None:
    settings = settings_of("--servers=3", "--client_port=2191", f"--conf_dir={tmp_path}")
    (tmp_path / render.SCALE_PROPERTIES).write_text(render.scale_properties(settings))
    assert scale._started_with(str(tmp_path)) == {
        "reconfig_password_file": "/etc/zookeeper/reconfig/password",
        "client_port": "2191",
        "superuser_by_sasl": "false",
    }


def test_a_one_server_ensemble_that_may_grow_claims_its_volume_as_an_ensemble_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    (data / "version-2").mkdir(parents=True)
    (data / "version-2" / "log.1").write_bytes(b"\0")
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD)
    argv = [*pod_flags(tmp_path, "--servers=1"), f"--reconfig_password_file={password_file}"]
    argv[1] = "--hostname=zk-2"  # a pod beyond the one server: a member to be, not a standalone
    assert start_main([*argv, "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "holds ZooKeeper data but no myid" in err
    assert "warning" not in err


# The joiner, without a server


def test_the_joiner_waits_for_the_server_then_adds_retrying_with_one_line_per_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_of("--servers=3", host="zk-3")
    me = startup.own_member(settings)
    states = iter([False, False, True])
    outcomes: list[object] = [
        client.ReconfigError("timed out", "add 4: last attempt: ReconfigInProcessError"),
        client.ReconfigError("timed out", "add 4: last attempt: ReconfigInProcessError"),
        Membership((*startup.initial(settings), me), 0x300000002),
    ]

    @contextmanager
    def session(hosts: list[str], timeout: float, password: str, sasl: bool):  # type: ignore[no-untyped-def]
        assert (hosts, password) == (["127.0.0.1:2181"], PASSWORD)
        yield object()

    def add(_client: object, member: object, _timeout: float) -> Membership:
        assert member == me
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, Membership)
        return outcome

    monkeypatch.setattr(joiner, "serving", lambda _h, _p: next(states))
    monkeypatch.setattr(client, "session", session)
    monkeypatch.setattr(client, "add", add)
    monkeypatch.setattr(joiner.time, "sleep", lambda _s: None)
    lines: list[str] = []
    assert joiner.join(
        me, "127.0.0.1", 2181, PASSWORD, sasl=False, keep_going=lambda: True, log=lines.append
    )
    assert lines == [
        f"adding {me.spec()} failed, retrying: timed out: add 4: last attempt:"
        " ReconfigInProcessError",
        f"added {me.spec()}: configuration version 300000002, voters 1, 2, 3, 4",
    ]


def test_the_joiner_reaches_a_server_on_every_ipv6_address_in_brackets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --client_address=:: : the joiner asks ::1, as "[::1]:2181", which kazoo splits back.
    settings = settings_of("--servers=3", "--client_address=::", host="zk-3")
    me = startup.own_member(settings)
    asked: list[list[str]] = []

    @contextmanager
    def session(hosts: list[str], timeout: float, password: str, sasl: bool):  # type: ignore[no-untyped-def]
        asked.append(hosts)
        yield object()

    monkeypatch.setattr(joiner, "serving", lambda _h, _p: True)
    monkeypatch.setattr(client, "session", session)
    monkeypatch.setattr(client, "add", lambda *_: Membership((*startup.initial(settings), me), 1))
    host = local_address(settings.client_address)
    assert joiner.join(
        me, host, 2181, PASSWORD, sasl=False, keep_going=lambda: True, log=lambda _: None
    )
    assert asked == [["[::1]:2181"]]
    assert collect_hosts(asked[0][0])[0] == [("::1", 2181)]


def test_the_joiner_leaves_when_the_server_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(joiner, "serving", lambda _h, _p: False)
    me = startup.own_member(settings_of("--servers=3", host="zk-3"))
    assert not joiner.join(
        me, "127.0.0.1", 2181, PASSWORD, sasl=False, keep_going=lambda: False, log=print
    )


def test_without_a_file_a_wiped_member_asks_every_pod_that_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Grown by kubectl scale from 3 to 7: pods zk-0..zk-6 resolve, zk-7 does not.
    settings = settings_of("--servers=3", host="zk-0")

    def resolve(host: str, port: int, deadline: float, where: str) -> list[object]:
        if int(host.split(".", maxsplit=1)[0].removeprefix("zk-")) > 6:
            raise ProbeError("unreachable", f"{where}: does not resolve")
        return []

    monkeypatch.setattr(startup, "resolve", resolve)
    assert startup.pods_beyond_initial(settings) == [4, 5, 6, 7]
    assert startup.voters_to_start_with(settings, None) == {1, 2, 3, 4, 5, 6, 7}
    assert len(startup.candidate_hosts(settings, None)) == 6
    local = Membership(startup.initial(settings))
    assert startup.voters_to_start_with(settings, local) == {1, 2, 3}
