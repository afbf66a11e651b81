"""What ZooKeeper, the shell and the JVM read from our files is what Settings says.

Each rendered file is read back by its real reader: zoo.cfg by
java.util.Properties (then trimmed, as ZooKeeper's QuorumPeerConfig does),
java.env by sh, the log4j config's location by the JVM's URL handler. For any
flag values, start-zookeeper either writes files that read back exactly, or
refuses with a problem naming the flag.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.harness.javareaders import JavaReaders
from tests.harness.readerinput import numbers, special_text, tricky_text
from tests.harness.rendercases import CASES, case_settings
from zkcontainer import ConfigError, render
from zkcontainer.render import LOG4J
from zkcontainer.settings import FLAGS_BY_NAME, Settings, load_settings

FQDN = "zk-1.zk-hs.default.svc.cluster.local"

# Every zoo.cfg key start-zookeeper writes from a setting, and that setting.
ZOO_CFG_KEYS: dict[str, Callable[[Settings], int | str]] = {
    "clientPort": lambda s: s.client_port,
    "dataDir": lambda s: s.data_dir,
    "dataLogDir": lambda s: s.data_log_dir,
    "tickTime": lambda s: s.tick_time,
    "initLimit": lambda s: s.init_limit,
    "syncLimit": lambda s: s.sync_limit,
    "maxClientCnxns": lambda s: s.max_client_cnxns,
    "minSessionTimeout": lambda s: s.min_session_timeout,
    "maxSessionTimeout": lambda s: s.max_session_timeout,
    "autopurge.snapRetainCount": lambda s: s.snap_retain_count,
    "autopurge.purgeInterval": lambda s: s.purge_interval,
    "4lw.commands.whitelist": lambda s: ",".join(s.four_letter_words),
}


@pytest.fixture(scope="module")
def java() -> Iterator[JavaReaders]:
    readers = JavaReaders()
    yield readers
    readers.close()


def assert_zoo_cfg_reads_back(settings: Settings, java: JavaReaders, workdir: Path) -> None:
    text = render.zoo_cfg(settings)
    # Properties.load(InputStream) decodes ISO-8859-1: only ASCII means the same in every reader.
    assert text.isascii()
    path = workdir / "zoo.cfg"
    path.write_text(text, encoding="ascii")
    read = java.properties(path)
    for key, setting in ZOO_CFG_KEYS.items():
        expected = setting(settings)
        if key == "clientPort" and expected == 0:  # TLS only: no plaintext port at all
            assert key not in read
            continue
        if isinstance(expected, int):
            assert java.parse_int(read[key]) == expected, key
        else:
            assert read[key] == expected, key
    assert read.get("clientPortAddress") == settings.client_address
    servers = {key: value for key, value in read.items() if key.startswith("server.")}
    if settings.servers > 1:
        assert settings.identity is not None
        assert servers == {
            f"server.{i}": f"{settings.identity.set_name}-{i - 1}.{settings.domain}"
            f":{settings.server_port}:{settings.election_port}"
            + (":observer" if i > settings.servers else "")
            for i in range(1, settings.members + 1)
        }
    else:
        assert servers == {}
    assert read.get("peerType") == ("observer" if settings.observing else None)


def assert_java_env_reads_back(settings: Settings, workdir: Path) -> None:
    path = workdir / "java.env"
    path.write_text(render.java_env(settings), encoding="utf-8")
    script = '. "$1" && printf "%s\\0%s" "$ZOO_LOG_DIR" "$JVMFLAGS"'
    result = subprocess.run(["sh", "-c", script, "sh", str(path)], capture_output=True, check=True)
    log_dir, jvmflags = result.stdout.decode("utf-8").split("\0")
    assert log_dir == settings.log_dir
    assert shlex.split(jvmflags) == [*render.heap_flags(settings), *settings.jvm_flags]


def assert_log4j_location_opens(settings: Settings, java: JavaReaders, workdir: Path) -> None:
    # The same directory name, made real under workdir.
    conf_dir = workdir / "root" / settings.conf_dir.lstrip("/")
    conf_dir.mkdir(parents=True, exist_ok=True)
    local = settings._replace(conf_dir=str(conf_dir))
    config = Path(render.logging_config_path(local, LOG4J))
    config.write_text("log4j.rootLogger=INFO\n")
    prop = render.logging_property(local, LOG4J)
    url = prop.removeprefix("-Dlog4j.configuration=")
    assert java.read_url(url) == config.read_bytes(), url


def assert_read_back_or_refused(argv: list[str], java: JavaReaders) -> None:
    try:
        settings = load_settings(argv, {}, lambda: FQDN)
    except ConfigError as error:
        names = [arg.partition("=")[0] for arg in argv]
        for problem in error.problems:
            assert "\n" not in problem
            assert problem.startswith((*names, "hostname", "domain", "the pod's domain")), problem
        event("refused")
        return
    event("read back")
    with tempfile.TemporaryDirectory() as workdir:
        assert_zoo_cfg_reads_back(settings, java, Path(workdir))
        assert_java_env_reads_back(settings, Path(workdir))
        assert_log4j_location_opens(settings, java, Path(workdir))


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_cases_read_back_exactly(case: str, java: JavaReaders, tmp_path: Path) -> None:
    settings = case_settings(case)
    assert_zoo_cfg_reads_back(settings, java, tmp_path)
    assert_java_env_reads_back(settings, tmp_path)
    assert_log4j_location_opens(settings, java, tmp_path)


readable_paths = st.one_of(
    special_text.map(lambda text: "/" + text), special_text.map(lambda text: "/a/" + text)
)
paths = st.one_of(readable_paths, tricky_text.map(lambda text: "/" + text), tricky_text)
FLAG_VALUES = {
    "servers": st.one_of(st.sampled_from(["1", "3", "5"]), numbers),
    "hostname": st.one_of(st.sampled_from(["zk-0", "zk-2", "web", "ip-172-31-5-12"]), tricky_text),
    "domain": st.one_of(st.sampled_from(["zk-hs.default.svc", "", "zk hs"]), tricky_text),
    "data_dir": paths,
    "data_log_dir": paths,
    "conf_dir": paths,
    "log_dir": paths,
    "client_port": numbers,
    "client_address": st.one_of(st.sampled_from(["127.0.0.1", "::1", "fe80::1%eth0"]), tricky_text),
    "tick_time": numbers,
    "init_limit": numbers,
    "sync_limit": numbers,
    "max_client_cnxns": numbers,
    "min_session_timeout": numbers,
    "max_session_timeout": numbers,
    "snap_retain_count": numbers,
    "purge_interval": numbers,
    "jvm_flags": tricky_text,
}
assert set(FLAG_VALUES) <= set(FLAGS_BY_NAME)
flag_values = st.fixed_dictionaries({}, optional=FLAG_VALUES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=flag_values)
def test_any_flag_values_read_back_exactly_or_are_refused(
    values: dict[str, str], java: JavaReaders
) -> None:
    assert_read_back_or_refused([f"--{name}={value}" for name, value in values.items()], java)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_dir=readable_paths, data_log_dir=readable_paths, conf_dir=readable_paths, log_dir=paths)
def test_any_paths_read_back_exactly_or_are_refused(
    data_dir: str, data_log_dir: str, conf_dir: str, log_dir: str, java: JavaReaders
) -> None:
    argv = [
        f"--data_dir={data_dir}",
        f"--data_log_dir={data_log_dir}",
        f"--conf_dir={conf_dir}",
        f"--log_dir={log_dir}",
    ]
    assert_read_back_or_refused(argv, java)
