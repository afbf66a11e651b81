"""SASL flags and files: every bad input is one line naming its flag, and the
passwords reach the JAAS file exactly, and no other file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.harness.javareaders import JavaReaders
from zkcontainer import ConfigError, credentials, render, sasl
from zkcontainer.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
POD_FQDN = "zk-0.zk-hs.default.svc.cluster.local"
ENSEMBLE = ["--servers=3"]


def load(argv: list[str], env: dict[str, str] | None = None) -> Settings:
    return load_settings(argv, env or {}, lambda: POD_FQDN)


def problems(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(argv, env)
    return caught.value.problems


def users(directory: Path, **passwords: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for user, password in passwords.items():
        (directory / user).write_text(password, encoding="utf-8")
    return directory


def credential_problems(argv: list[str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        sasl.read_credentials(load(argv))
    return caught.value.problems


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (
            ["--quorum_sasl=yes", *ENSEMBLE],
            "--quorum_sasl=yes: must be one of off, enabled, learners_required, required",
        ),
        (
            ["--quorum_sasl=required", "--quorum_sasl_password_file=/s/pw"],
            "--quorum_sasl=required: needs an ensemble: a standalone server has no quorum",
        ),
        (
            ["--quorum_sasl=enabled", *ENSEMBLE],
            "--quorum_sasl=enabled: needs --quorum_sasl_password_file=FILE, the password "
            "members authenticate with (a Secret's file)",
        ),
        (["--quorum_sasl_password_file=/s/pw", *ENSEMBLE], "needs --quorum_sasl"),
        (
            ["--quorum_sasl_user=learner", *ENSEMBLE],
            "--quorum_sasl_user=learner: needs --quorum_sasl",
        ),
        (
            [
                *ENSEMBLE,
                "--quorum_sasl=required",
                "--quorum_sasl_password_file=/s/pw",
                "--quorum_sasl_user=a b",
            ],
            "--quorum_sasl_user=a b: must be a user name: ASCII letters, digits, '.', '_' "
            "and '-', as a Secret's keys",
        ),
        (
            ["--client_auth_required=true"],
            "--client_auth_required=true: needs a way to authenticate: --client_sasl_users, "
            "or --tls_dir with client certificates (--tls_client_auth need or want)",
        ),
        (
            ["--client_auth_required=true", "--tls_dir=/tls", "--tls_client_auth=none"],
            "--client_auth_required=true: needs a way to authenticate",
        ),
        (
            ["--client_sasl_users=relative/dir"],
            "--client_sasl_users=relative/dir: must be an absolute path",
        ),
    ],
)
def test_a_bad_sasl_flag_is_one_line_naming_it(argv: list[str], problem: str) -> None:
    found = problems(argv)
    assert any(line.startswith(problem) or problem in line for line in found), found
    assert len(found) == 1, found


def test_sasl_flags_are_read_from_their_variables_too(tmp_path: Path) -> None:
    env = {
        "ZK_CLIENT_SASL_USERS": str(tmp_path),
        "ZK_CLIENT_AUTH_REQUIRED": "true",
        "ZK_QUORUM_SASL": "Learners_Required",
        "ZK_QUORUM_SASL_PASSWORD_FILE": "/s/pw",
    }
    read = load(ENSEMBLE, env)
    assert (read.client_sasl_users, read.client_auth_required) == (str(tmp_path), True)
    assert (read.quorum_sasl, read.quorum_sasl_user) == ("learners_required", "zookeeper")


def entries(argv: list[str]) -> dict[str, object]:
    return dict(sasl.zoo_cfg_entries(load(argv)))


def test_sasl_off_writes_nothing_and_keeps_fips_mode() -> None:
    settings = load(ENSEMBLE)
    assert sasl.zoo_cfg_entries(settings) == []
    assert sasl.jvm_properties(settings) == []


@pytest.mark.parametrize(
    ("stage", "learner", "server"),
    [
        ("enabled", "false", "false"),
        ("learners_required", "true", "false"),
        ("required", "true", "true"),
    ],
)
def test_each_quorum_stage_is_zookeepers_own(stage: str, learner: str, server: str) -> None:
    found = entries([*ENSEMBLE, f"--quorum_sasl={stage}", "--quorum_sasl_password_file=/s/pw"])
    assert found["quorum.auth.enableSasl"] == "true"
    assert (found["quorum.auth.learnerRequireSasl"], found["quorum.auth.serverRequireSasl"]) == (
        learner,
        server,
    )


@pytest.mark.parametrize(
    ("argv", "schemes"),
    [
        (["--client_sasl_users=/u", "--client_auth_required=true"], "sasl"),
        (["--client_sasl_users=/u", "--client_auth_required=true", "--tls_dir=/t"], "sasl,x509"),
        (["--client_auth_required=true", "--tls_dir=/t", "--tls_client_auth=want"], "x509"),
    ],
)
def test_required_authentication_counts_sasl_and_certificates_never_digest(
    argv: list[str], schemes: str
) -> None:
    found = entries(argv)
    assert (found["enforce.auth.enabled"], found["enforce.auth.schemes"]) == ("true", schemes)


def test_users_without_required_authentication_let_anonymous_clients_in() -> None:
    found = entries(["--client_sasl_users=/u"])
    assert found == {"authProvider.sasl": sasl.SASL_PROVIDER}
    assert sasl.FIPS_MODE_OFF in sasl.jvm_properties(load(["--client_sasl_users=/u"]))


def test_each_unusable_user_and_password_is_one_line(tmp_path: Path) -> None:
    directory = users(
        tmp_path / "users",
        alice="good\n",
        empty="",
        blank="   \n",
        two="line\nline",
        prop="a${user.home}b",
    )
    (directory / "a@b").write_text("pw")
    (directory / "latin1").write_bytes(b"caf\xe9")
    found = credential_problems([f"--client_sasl_users={directory}"])
    where = f"--client_sasl_users: {directory}"
    assert sorted(found) == sorted(
        [
            f"{where}: user a@b: not a name JAAS can carry (ASCII letters, digits, '.', '_' "
            "and '-', as a Secret's keys)",
            f"--client_sasl_users: {directory / 'empty'}: the password is empty",
            f"--client_sasl_users: {directory / 'blank'}: the password is only blanks",
            f"--client_sasl_users: {directory / 'latin1'}: not UTF-8 text",
            f"{where}: user prop: the password holds '${{', which the JVM would read as a property",
            f"{where}: user two: the password spans more than one line",
        ]
    )


def test_a_file_name_with_a_line_break_stays_on_its_problems_line(tmp_path: Path) -> None:
    directory = tmp_path / "users"
    subdirectory, latin1 = directory / "a\nb", directory / "c\nd"
    subdirectory.mkdir(parents=True)
    latin1.write_bytes(b"caf\xe9")
    found = credential_problems([f"--client_sasl_users={directory}"])
    assert sorted(found) == [
        f"--client_sasl_users: {str(subdirectory)!a}: cannot read: Is a directory",
        f"--client_sasl_users: {str(latin1)!a}: not UTF-8 text",
    ]


@pytest.mark.parametrize("state", ["missing", "a file", "empty", "only Kubernetes' own"])
def test_a_users_directory_without_users_is_refused(tmp_path: Path, state: str) -> None:
    path = tmp_path / "users"
    if state == "a file":
        path.write_text("alice")
    elif state != "missing":
        path.mkdir()
    if state == "only Kubernetes' own":
        (path / "..data").mkdir()
    found = credential_problems([f"--client_sasl_users={path}"])
    expected = {
        "missing": f"--client_sasl_users: {path}: cannot read: No such file or directory",
        "a file": f"--client_sasl_users: {path}: not a directory",
    }.get(
        state, f"--client_sasl_users: {path}: holds no user (each key of the Secret is a user name)"
    )
    assert found == [expected]


def test_a_mounted_secret_gives_its_keys_as_users(tmp_path: Path) -> None:
    """As the kubelet mounts one: each key a symlink into ..data, which is skipped."""
    data = users(tmp_path / "users" / "..2026_12_07", alice="pw-a\n", bob="pw-b")
    (tmp_path / "users" / "..data").symlink_to(data.name)
    for user in ("alice", "bob"):
        (tmp_path / "users" / user).symlink_to(f"..data/{user}")
    credentials = sasl.read_credentials(load([f"--client_sasl_users={tmp_path / 'users'}"]))
    assert credentials.clients == {"alice": "pw-a", "bob": "pw-b"}


@pytest.fixture(scope="module")
def java() -> Iterator[JavaReaders]:
    reader = JavaReaders()
    yield reader
    reader.close()


PASSWORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(
    lambda text: not sasl.password_problems(text)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(client=PASSWORDS, quorum=PASSWORDS)
@example(client='p"w\\', quorum='\\\\"')
@example(client="// not a comment /* either */", quorum="'single'")
@example(client="$ alone and {braces}", quorum="é☃ ")
def test_the_jvm_reads_back_every_password_the_jaas_file_holds(
    java: JavaReaders, tmp_path_factory: pytest.TempPathFactory, client: str, quorum: str
) -> None:
    tmp = tmp_path_factory.mktemp("jaas")
    argv = [*ENSEMBLE, "--quorum_sasl=required", "--quorum_sasl_password_file=/s/pw"]
    jaas = sasl.jaas_config(load(argv), sasl.Credentials({"alice": client, "b.o-b_1": "x"}, quorum))
    path = tmp / "jaas.conf"
    path.write_text(jaas, encoding="utf-8")
    assert java.jaas(path) == {
        "Server.user_alice": client,
        "Server.user_b.o-b_1": "x",
        "QuorumServer.user_zookeeper": quorum,
        "QuorumLearner.username": "zookeeper",
        "QuorumLearner.password": quorum,
    }


def start(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """start-zookeeper up to the exec, of a java that prints its argv and environment."""
    fake_java = tmp_path / "java" / "bin" / "java"
    fake_java.parent.mkdir(parents=True, exist_ok=True)
    fake_java.write_text('#!/bin/sh\necho "$@"\nenv\n')
    fake_java.chmod(0o755)
    directories = [f"--{name}={tmp_path / name}" for name in ("data_dir", "conf_dir", "log_dir")]
    return subprocess.run(
        [sys.executable, "-m", "zkcontainer.start", *directories, *flags],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "JAVA_HOME": str(tmp_path / "java"), "PYTHONPATH": str(ROOT)},
        check=False,
    )


def files_holding(directory: Path, secret: str) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file() and secret in p.read_text())


def test_passwords_reach_the_jaas_file_only(tmp_path: Path) -> None:
    """A real start: the JVM's argv and environment, java.env, zoo.cfg and the
    log lines hold no password; the JAAS file, 0600, holds it."""
    secret_users = users(tmp_path / "users", alice="alice-secret-1\n")
    result = start(tmp_path, f"--client_sasl_users={secret_users}", "--client_auth_required=true")
    assert result.returncode == 0, result.stderr
    assert "alice-secret-1" not in result.stdout + result.stderr
    conf = tmp_path / "conf_dir"
    assert files_holding(conf, "alice-secret-1") == ["jaas.conf"]
    assert oct(os.stat(conf / "jaas.conf").st_mode & 0o777) == "0o600"
    assert f"-Djava.security.auth.login.config={conf / 'jaas.conf'}" in result.stdout
    assert sasl.FIPS_MODE_OFF in result.stdout
    assert sasl.FIPS_MODE_LINE in result.stderr


def test_a_dry_run_shows_no_password(tmp_path: Path) -> None:
    secret_users = users(tmp_path / "users", alice="alice-secret-1")
    quorum = tmp_path / "quorum"
    quorum.write_text("quorum-secret-2")
    result = start(
        tmp_path,
        "--dry-run",
        "--hostname=zk-0",
        "--domain=zk-hs.default.svc.cluster.local",
        "--servers=3",
        f"--client_sasl_users={secret_users}",
        "--quorum_sasl=required",
        f"--quorum_sasl_password_file={quorum}",
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"==> {tmp_path / 'conf_dir' / 'jaas.conf'} <==\n(holds a key or passwords; not shown)"
        in (result.stdout)
    )
    for secret in ("alice-secret-1", "quorum-secret-2"):
        assert secret not in result.stdout + result.stderr
    assert not (tmp_path / "conf_dir").exists()


def test_a_start_without_sasl_removes_an_earlier_starts_jaas_file(tmp_path: Path) -> None:
    secret_users = users(tmp_path / "users", alice="alice-secret-1")
    assert start(tmp_path, f"--client_sasl_users={secret_users}").returncode == 0
    assert (tmp_path / "conf_dir" / "jaas.conf").exists()
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_holding(tmp_path / "conf_dir", "alice-secret-1") == []
    assert "java.security.auth.login.config" not in result.stdout


def test_bad_credentials_stop_the_start_before_anything_is_written(tmp_path: Path) -> None:
    secret_users = users(tmp_path / "users", alice="two\nlines")
    result = start(tmp_path, f"--client_sasl_users={secret_users}")
    assert result.returncode == 2
    assert result.stderr == (
        f"start-zookeeper: --client_sasl_users: {secret_users}: user alice: "
        "the password spans more than one line\n"
    )
    assert not (tmp_path / "conf_dir").exists()


RECONFIG = ["--reconfig", "--reconfig_password_file=/s/super"]


def test_with_reconfig_the_superuser_authenticates_by_sasl(tmp_path: Path) -> None:
    """Where clients authenticate with SASL, so does the superuser the joiner and
    zookeeper-scale act as: the digest scheme cannot count as authentication."""
    directory = users(tmp_path / "users", alice="pw-a")
    settings = load([*RECONFIG, f"--client_sasl_users={directory}", "--client_auth_required=true"])
    assert sasl.superuser_by_sasl(settings)
    credentials = sasl.read_credentials(settings, "the-superusers-password")
    jaas = sasl.jaas_config(settings, credentials)
    assert 'user_super="the-superusers-password"' in jaas
    assert "-Dzookeeper.superUser=super" in sasl.jvm_properties(settings)
    assert "superuser_by_sasl=true" in render.scale_properties(settings)


def test_without_client_sasl_the_superuser_keeps_the_digest_scheme() -> None:
    settings = load(RECONFIG)
    assert not sasl.superuser_by_sasl(settings)
    assert "superuser_by_sasl=false" in render.scale_properties(settings)


def test_a_user_named_as_the_superuser_is_refused_with_reconfig(tmp_path: Path) -> None:
    directory = users(tmp_path / "users", super="a-password")
    found = credential_problems([*RECONFIG, f"--client_sasl_users={directory}"])
    assert found == [
        f"--client_sasl_users: {directory}: user super: the superuser's, "
        "whose password is --reconfig's"
    ]


def test_reconfig_with_authentication_required_needs_sasl_users() -> None:
    """The members read the membership and the superuser changes it over the
    plaintext port, with no certificate to present."""
    found = problems(
        [*RECONFIG, "--client_auth_required=true", "--tls_dir=/t", "--tls_port_unification=true"]
    )
    assert found == [
        "--client_auth_required=true: with --reconfig needs --client_sasl_users: the members "
        "and zookeeper-scale change the membership as the superuser, by SASL"
    ]


def test_the_superusers_password_is_held_to_the_jaas_files_rules(tmp_path: Path) -> None:
    directory = users(tmp_path / "users", alice="pw-a")
    settings = load([*RECONFIG, f"--client_sasl_users={directory}"])
    with pytest.raises(ConfigError) as caught:
        sasl.read_credentials(settings, "a ${secret}")
    assert caught.value.problems == [
        "--reconfig_password_file: /s/super: the password holds '${', which the JVM would "
        "read as a property"
    ]


@pytest.mark.parametrize(
    ("users_text", "passwords_text", "expected"),
    [
        ("kafka,solr", "pw-k,pw-s", {"kafka": "pw-k", "solr": "pw-s"}),
        ("kafka; solr\nnifi", "a b;c", {"kafka": "a", "solr": "b", "nifi": "c"}),
        ("kafka", "pw\n", {"kafka": "pw"}),
    ],
)
def test_bitnamis_layout_pairs_users_and_passwords_in_order(
    users_text: str, passwords_text: str, expected: dict[str, str]
) -> None:
    """Bitnami's chart lists auth.*.serverUsers in its values and their passwords in
    one Secret key, each separated by commas, semicolons or whitespace."""
    assert credentials.users_from_lists(users_text, passwords_text) == (expected, [])


@pytest.mark.parametrize(
    ("users_text", "passwords_text", "problem"),
    [
        ("kafka,solr", "only-one", "2 users but 1 passwords: they pair in order"),
        ("kafka,kafka", "a,b", "user kafka is listed twice"),
    ],
)
def test_bitnamis_layout_refuses_lists_that_do_not_pair(
    users_text: str, passwords_text: str, problem: str
) -> None:
    assert credentials.users_from_lists(users_text, passwords_text) == ({}, [problem])
