"""start-zookeeper exec'ing a real ZooKeeper JVM (Debian's 3.8.0 jars) on loopback."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import psutil
import pytest
from kazoo.client import KazooClient

from tests.conftest import ServerFactory
from tests.harness.clients import kazoo_client
from tests.harness.prerequisites import missing, require_logback
from tests.harness.zookeeper import START_ZOOKEEPER, ZooKeeperServer, logback_home
from zkcontainer.fourlw import send_word

pytestmark = pytest.mark.process

LOG_LINE = re.compile(r"^\S+ \S+ \[myid:\d*\] - (TRACE|DEBUG|INFO |WARN |ERROR)", re.MULTILINE)


def client(server: ZooKeeperServer) -> AbstractContextManager[KazooClient]:
    return kazoo_client(f"127.0.0.1:{server.client_port}")


def test_the_jvm_replaces_start_zookeeper_and_data_survives_a_restart(
    zookeeper_server: ServerFactory,
) -> None:
    server = zookeeper_server()
    server.start()
    server.wait_until_imok()

    jvm = psutil.Process(server.pid)
    assert os.path.basename(jvm.exe()).startswith("java")
    assert "org.apache.zookeeper.server.quorum.QuorumPeerMain" in jvm.cmdline()
    assert jvm.cmdline()[-1] == str(server.root / "conf" / "zoo.cfg")

    with client(server) as zk:
        zk.create("/survivor", b"acknowledged")

    assert server.stop(signal.SIGTERM) is not None
    assert not psutil.pid_exists(server.pid) or psutil.Process(server.pid).status() == "zombie"

    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        data, _ = zk.get("/survivor")
    assert data == b"acknowledged"
    assert (server.data_dir / "myid").read_text() == "1\n"


def backend_flags(backend: str, root: Path) -> list[str]:
    if backend == "logback":
        require_logback()
        return [f"--zk_home={logback_home(root / 'zk-home')}"]
    return []


@pytest.mark.parametrize("backend", ["log4j", "logback"])
@pytest.mark.parametrize(
    ("level", "present", "absent"),
    [
        ("WARN", set(), {"TRACE", "DEBUG", "INFO "}),
        ("INFO", {"INFO "}, {"TRACE", "DEBUG"}),
        ("DEBUG", {"INFO ", "DEBUG"}, {"TRACE"}),
    ],
)
def test_log_level_is_what_the_jvm_prints_to_stdout(
    zookeeper_server: ServerFactory,
    tmp_path: Path,
    backend: str,
    level: str,
    present: set[str],
    absent: set[str],
) -> None:
    server = zookeeper_server(f"--log_level={level}", *backend_flags(backend, tmp_path))
    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        zk.create("/logged", b"x")
    server.stop()

    config = "logback.xml" if backend == "logback" else "log4j.properties"
    assert (server.root / "conf" / config).exists()
    levels = set(LOG_LINE.findall(server.stdout()))
    assert present <= levels, f"expected {present} in {levels}"
    assert not levels & absent, f"unexpected {levels & absent}"


def tree_digest(root: Path) -> dict[str, str]:
    """Every path under root with its mode and content hash."""
    digest = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        digest[str(path.relative_to(root))] = f"{stat.st_mode:o} {stat.st_mtime_ns} {content}"
    return digest


def test_a_volume_from_another_ordinal_is_refused_and_left_untouched(
    zookeeper_server: ServerFactory,
) -> None:
    server = zookeeper_server()
    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        zk.create("/evidence", b"server 1 wrote this")
    server.stop()
    before = tree_digest(server.data_dir)
    assert (server.data_dir / "myid").read_text() == "1\n"
    assert any(name.startswith("version-2/") for name in before)

    # The same volume mounted into the pod with ordinal 1 of a 3-server ensemble.
    flags = [f for f in server.flags() if not f.startswith(("--hostname", "--domain"))]
    result = subprocess.run(
        [START_ZOOKEEPER, *flags, "--servers=3", "--hostname=zk-1", "--domain=zk-hs.test"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "holds '1' but this pod is server 2; refusing to start" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(server.data_dir) == before


# A directory name holding what Properties files (\ # ! = :), URLs (# % ?) and
# the JVM's default charset (non-ASCII) each read as something else.
HOSTILE_DIR = "zk dätä #1 !x=y:z %41?q \\"


@pytest.mark.parametrize("backend", ["log4j", "logback"])
def test_zookeeper_uses_exactly_the_directories_it_was_given(
    zookeeper_server: ServerFactory, tmp_path: Path, backend: str
) -> None:
    root = tmp_path / HOSTILE_DIR
    server = zookeeper_server(*backend_flags(backend, tmp_path), root=root)
    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        zk.create("/in-the-right-place", b"x")
    server.stop()

    # ZooKeeper wrote its snapshot and transaction log where start-zookeeper
    # put myid, and nowhere else under the test's directory.
    assert (server.data_dir / "myid").read_text() == "1\n"
    assert (server.data_dir / "version-2").is_dir()
    assert any((root / "datalog" / "version-2").glob("log.*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [HOSTILE_DIR, *(["zk-home"] if backend == "logback" else [])]
    )
    # The logging config was found through its URL (log4j) or path (logback).
    assert "INFO " in set(LOG_LINE.findall(server.stdout()))


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize(
    ("umask", "directories", "files"), [(0o000, 0o775, 0o664), (0o077, 0o770, 0o660)]
)
def test_what_zookeeper_creates_stays_writable_by_the_group(
    zookeeper_server: ServerFactory, umask: int, directories: int, files: int
) -> None:
    server = zookeeper_server()
    log_dir = server.root / "deep" / "er" / "log"
    server.extra_flags = [f"--data_log_dir={log_dir}"]
    server.umask = umask
    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        zk.create("/logged", b"x")
    server.stop()

    created_dirs = [server.root / "deep", server.root / "deep" / "er", log_dir, server.data_dir]
    created_dirs += [log_dir / "version-2", server.data_dir / "version-2"]
    assert {str(d): mode(d) for d in created_dirs} == {str(d): directories for d in created_dirs}
    created_files = [*(log_dir / "version-2").iterdir(), *(server.data_dir / "version-2").iterdir()]
    created_files += [server.data_dir / "myid", server.root / "conf" / "zoo.cfg"]
    assert created_files
    assert {str(f): mode(f) for f in created_files} == {str(f): files for f in created_files}


# An hour of the manifests' probes: liveness every 10 s, readiness every 5 s.
PROBES_PER_HOUR = {"ruok": 3600 // 10, "mntr": 3600 // 5}


@pytest.mark.parametrize("backend", ["log4j", "logback"])
@pytest.mark.parametrize(("level", "logged"), [("INFO", False), ("DEBUG", True)])
def test_an_hour_of_probes_adds_no_info_lines(
    zookeeper_server: ServerFactory, tmp_path: Path, backend: str, level: str, logged: bool
) -> None:
    server = zookeeper_server(f"--log_level={level}", *backend_flags(backend, tmp_path))
    server.start()
    server.wait_until_imok()
    time.sleep(0.5)  # let start-up logging finish
    before = server.stdout().count("\n")
    for word, count in PROBES_PER_HOUR.items():
        for _ in range(count):
            send_word(word, port=server.client_port)
    server.stop()

    added = server.stdout().splitlines()[before:]
    info = [line for line in added if " - INFO  [" in line]
    processing = [line for line in added if "Processing ruok command" in line]
    if logged:
        assert len(processing) == PROBES_PER_HOUR["ruok"]
    else:
        assert processing == []
        assert info == [], "\n".join(info[:10])


SET_HOSTNAME_AND_EXEC = (
    "import os, socket, sys; socket.sethostname(os.fsencode(sys.argv[1])); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


@pytest.mark.parametrize("hostname", ["a..b", "ü..x", "x" * 64, "\udcff\udcfe-0"])
def test_a_standalone_starts_under_any_kernel_hostname(tmp_path: Path, hostname: str) -> None:
    """The kernel's name need not resolve, nor even be a name the idna codec takes."""
    if shutil.which("unshare") is None:
        missing("no unshare on this machine")
    argv = [sys.executable, "-c", SET_HOSTNAME_AND_EXEC, hostname, START_ZOOKEEPER]
    flags = [f"--{name}={tmp_path / name}" for name in ("data_dir", "data_log_dir", "conf_dir")]
    result = subprocess.run(
        ["unshare", "--uts", "--", *argv, *flags, f"--log_dir={tmp_path}", "--dry-run"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:surrogateescape"},
        timeout=60,
        check=False,
    )
    if b"sethostname" in result.stderr or b"unshare:" in result.stderr:
        missing(f"cannot set a hostname in a UTS namespace: {result.stderr!r}")
    assert result.returncode == 0, result.stderr
    assert b"==> command <==" in result.stdout


def test_a_closed_stdout_does_not_stop_the_start(zookeeper_server: ServerFactory) -> None:
    """A container may run with stdout closed; the JVM starts all the same."""
    server = zookeeper_server()
    server.start()  # once, to have the flags and directories
    server.wait_until_imok()
    server.stop()
    closed = subprocess.Popen(
        ["sh", "-c", 'exec "$@" >&-', "sh", START_ZOOKEEPER, *server.flags()],
        stderr=subprocess.PIPE,
    )
    server.process = closed
    server.wait_until_imok()
    assert os.path.basename(psutil.Process(closed.pid).exe()).startswith("java")


def test_an_uninstalled_utf8_locale_still_names_the_right_files(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    """LANG=en_US.UTF-8 in a slim image without that locale: the JVM would fall back
    to ASCII file names; start-zookeeper gives it C.UTF-8, which glibc always has."""
    server = zookeeper_server(root=tmp_path / "dätä", env={"LANG": "en_US.UTF-8"})
    server.start()
    server.wait_until_imok()
    with client(server) as zk:
        zk.create("/here", b"x")
    server.stop()
    assert (server.data_dir / "version-2").is_dir()
    assert "INFO " in set(LOG_LINE.findall(server.stdout()))
