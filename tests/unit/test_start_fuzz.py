"""No argv or environment makes start-zookeeper print a traceback.

Hypothesis drives main() in-process with any flags and ZK_* variables: every
run ends with exit 2 (one line per problem), exit 1 (one line saying why), or
where the JVM would start. os.execve is the one thing stood in for; every
path a run may write lies under the example's own temporary directory.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.harness.prerequisites import require_zookeeper
from tests.harness.readerinput import numbers, special_text, tricky_text
from zkcontainer.settings import FLAGS
from zkcontainer.start import main

PREFIX = "start-zookeeper: "
OPTIONAL_PATHS = (
    "zk_home",
    "tls_dir",
    "tls_client_ca",
    "reconfig_password_file",
    "client_sasl_users",
    "quorum_sasl_password_file",
    "restore_from",
)
# Every directory a run writes gets a default under the example's directory;
# --zk_home, the TLS and SASL paths and the backup to restore are optional, and
# drawn like the rest when given.
PATH_FLAGS = [flag for flag in FLAGS if flag.kind == "path" and flag.name not in OPTIONAL_PATHS]


class Execed(BaseException):
    """Raised where os.execve would replace the process with the JVM."""


def _exec(path: str, argv: list[str], env: dict[str, str]) -> None:
    raise Execed


# A path is written only under the example's directory ({tmp}), or is relative
# and refused; never an absolute path elsewhere, as the tests may run as root.
TMP = "{tmp}"
paths = st.one_of(
    tricky_text.map(lambda text: f"{TMP}/{text}"),
    tricky_text.filter(lambda text: not text.strip().startswith("/")),
)
# Values that may well be right, so runs get past validation to the files, the
# lock, myid and the JVM's start; each is drawn 5 times in 6.
plausible = {
    "servers": st.sampled_from(["1", "3", "3", "256"]),
    "hostname": st.sampled_from(["zk-0", "zk-1", "zk-7", "web", "ip-10-0-0-5"]),
    "domain": st.sampled_from(["zk-hs.default.svc.cluster.local", "", "zk hs"]),
    "heap": st.sampled_from(["128M", "2G", "0M", "5T"]),
    "log_level": st.sampled_from(["info", "DEBUG", "loud"]),
    "four_letter_words": st.sampled_from(["ruok,mntr,srvr", "*", "srvr", "boom"]),
    "jvm_flags": st.sampled_from(["-Da=1 -Db='x y'", "-Dx='open"]),
    "zk_home": st.sampled_from(["/nonexistent", f"{TMP}/zk"]),
    "dry_run": st.sampled_from(["true", "false", "maybe"]),
}
path_names = {flag.name for flag in PATH_FLAGS} | {
    "tls_dir",
    "tls_client_ca",
    "reconfig_password_file",
    "restore_from",
}


def values_of(name: str) -> st.SearchStrategy[str]:
    if name in path_names:
        right = special_text.map(lambda text: f"{TMP}/{text}")
    elif name in plausible:
        right = plausible[name]
    else:
        right = st.integers(0, 9999).map(str)
    wrong = paths if name in path_names else st.one_of(numbers, tricky_text)
    return st.one_of(right, right, right, right, right, wrong)


flag_values = {flag.name: values_of(flag.name) for flag in FLAGS}
flag_names = st.sampled_from([flag.name for flag in FLAGS])


@st.composite
def arguments(draw: st.DrawFn) -> list[str]:
    argv = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(flag_names)
        spelling = draw(st.sampled_from([name, name.replace("_", "-")]))
        shape = draw(st.sampled_from(["="] * 8 + [" "] * 4 + ["switch", "stray", "unknown"]))
        value = draw(flag_values[name])
        if shape == "=":
            argv.append(f"--{spelling}={value}")
        elif shape == " ":
            argv += [f"--{spelling}", value]
        elif shape == "switch":
            argv.append(f"--{spelling}")
        elif shape == "stray":
            argv.append(value)
        else:
            argv.append(f"--{draw(tricky_text)}={value}")
    return argv


def can_be_in_environ(text: str) -> bool:
    """What a real environment can hold: no NUL; surrogates only as undecodable bytes."""
    try:
        return b"\0" not in os.fsencode(text)
    except UnicodeError:
        return False


@st.composite
def environments(draw: st.DrawFn) -> dict[str, str]:
    env = {}
    for flag in draw(st.lists(st.sampled_from(FLAGS), max_size=5)):
        env[flag.env_name] = draw(flag_values[flag.name].filter(can_be_in_environ))
    if draw(st.booleans()):
        java_home = st.one_of(st.just("/usr/lib/jvm/default-java"), paths)
        env["JAVA_HOME"] = draw(java_home.filter(can_be_in_environ))
    return env


@contextlib.contextmanager
def isolated(tmp: str) -> Iterator[None]:
    """Restore what a run changes in this process: its umask and the lock fds it
    leaves open for the JVM."""
    umask = os.umask(0o022)
    os.umask(umask)
    fds = set(os.listdir("/proc/self/fd"))
    try:
        yield
    finally:
        os.umask(umask)
        for fd in set(os.listdir("/proc/self/fd")) - fds:
            with contextlib.suppress(OSError):
                os.close(int(fd))


def run(argv: list[str], env: dict[str, str]) -> tuple[int | None, str]:
    with tempfile.TemporaryDirectory() as tmp, isolated(tmp):
        defaults = {flag.env_name: f"{tmp}/{flag.name}" for flag in PATH_FLAGS}
        placed = {key: value.replace(TMP, tmp) for key, value in env.items()}
        environ = {"PATH": os.environ["PATH"], **defaults, **placed}
        stderr = io.StringIO()
        with (
            mock.patch.dict(os.environ, environ, clear=True),
            mock.patch("os.execve", _exec),
            contextlib.redirect_stderr(stderr),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            try:
                code: int | None = main([arg.replace(TMP, tmp) for arg in argv])
            except Execed:
                code = None
        return code, stderr.getvalue()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=arguments(), env=environments())
def test_any_argv_and_environment_exit_cleanly(argv: list[str], env: dict[str, str]) -> None:
    code, err = run(argv, env)
    event(f"exit {code}" if code is not None else "exec")
    assert "Traceback" not in err
    if code is None:
        return  # the JVM would start now
    assert code in (0, 1, 2), err
    lines = err.splitlines()
    assert all(line.startswith(PREFIX) for line in lines), err
    if code == 1:
        errors = [line for line in lines if not line.startswith(PREFIX + "warning: ")]
        assert len(errors) == 1, err
    if code == 2:
        assert lines, "exit 2 without a problem named"


def test_fuzzing_reaches_every_outcome() -> None:
    """The strategies are worth something only if they reach the JVM's start too."""
    require_zookeeper()
    assert run([], {})[0] is None
    assert run(["--servers=x"], {})[0] == 2
    assert run(["--zk_home=/nonexistent"], {})[0] == 1


def test_an_internal_error_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch("zkcontainer.start.load_settings", side_effect=RuntimeError("boom")):
        assert main([]) == 1
    assert capsys.readouterr().err == "start-zookeeper: internal error: RuntimeError: boom\n"
