"""Everything start-zookeeper does to the machine: find java and ZooKeeper, write, exec."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from zkcontainer.errors import EnvironmentProblem
from zkcontainer.render import LoggingBackend

DEBIAN_JAVA_DIR = "/usr/share/java"

# Debian's ZooKeeper 3.8.0 build logs through slf4j 1.7; without a binding on the
# classpath it logs nothing at all. Its manifest Class-Path brings the rest.
DEBIAN_LOG4J_BINDING = ("slf4j-log4j12.jar", "log4j-1.2.jar")


@dataclass(frozen=True)
class Installation:
    """A ZooKeeper installation: its classpath and the logging backend on it."""

    classpath: tuple[str, ...]
    backend: LoggingBackend


def system_fqdn() -> str:
    """The pod's fully qualified name, as `hostname -f` resolves it."""
    hostname = socket.gethostname()
    try:
        canonical = socket.getaddrinfo(hostname, None, flags=socket.AI_CANONNAME)[0][3]
    except OSError:
        return hostname
    return canonical if canonical.startswith(hostname.split(".")[0] + ".") else hostname


def find_java(environ: Mapping[str, str]) -> str:
    java_home = environ.get("JAVA_HOME")
    if java_home:
        java = os.path.join(java_home, "bin", "java")
        if os.access(java, os.X_OK):
            return java
        raise EnvironmentProblem(f"JAVA_HOME={java_home}: no executable bin/java there")
    java_on_path = shutil.which("java", path=environ.get("PATH", os.defpath))
    if java_on_path is None:
        raise EnvironmentProblem("java not found: set JAVA_HOME or put java on PATH")
    return java_on_path


def find_zookeeper(zk_home: str | None, debian_dir: str = DEBIAN_JAVA_DIR) -> Installation:
    """The Apache tarball layout under `zk_home`, else Debian's libzookeeper-java."""
    if zk_home is not None:
        return _tarball_installation(zk_home)
    return _debian_installation(debian_dir)


def _tarball_installation(zk_home: str) -> Installation:
    jars = sorted(glob.glob(os.path.join(zk_home, "lib", "*.jar")))
    jars += sorted(glob.glob(os.path.join(zk_home, "zookeeper-*.jar")))
    names = [os.path.basename(jar) for jar in jars]
    if not any(name.startswith("zookeeper") for name in names):
        raise EnvironmentProblem(f"--zk_home={zk_home}: no zookeeper jar in lib/")
    if any(name.startswith("logback-classic") for name in names):
        backend = LoggingBackend.LOGBACK
    elif any(name.startswith(("slf4j-log4j12", "slf4j-reload4j")) for name in names):
        backend = LoggingBackend.LOG4J
    else:
        raise EnvironmentProblem(
            f"--zk_home={zk_home}: no logging binding in lib/ (logback-classic, "
            "slf4j-log4j12 or slf4j-reload4j); ZooKeeper would log nothing"
        )
    return Installation(classpath=tuple(jars), backend=backend)


def _debian_installation(debian_dir: str) -> Installation:
    zookeeper_jar = os.path.join(debian_dir, "zookeeper.jar")
    if not os.path.isfile(zookeeper_jar):
        raise EnvironmentProblem(
            f"ZooKeeper not found: no {zookeeper_jar} (install libzookeeper-java) "
            "and no --zk_home / ZOOKEEPER_HOME"
        )
    binding = [os.path.join(debian_dir, name) for name in DEBIAN_LOG4J_BINDING]
    missing = [path for path in binding if not os.path.isfile(path)]
    if missing:
        raise EnvironmentProblem(
            "ZooKeeper's log4j binding is missing: "
            + ", ".join(missing)
            + " (install libslf4j-java and liblog4j1.2-java)"
        )
    return Installation(classpath=(zookeeper_jar, *binding), backend=LoggingBackend.LOG4J)


def read_myid(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {path}: {error.strerror}") from error


def check_myid(path: str, expected: int) -> bool:
    """True when `path` already holds `expected`, False when absent; else refuse.

    An existing myid is evidence of which server this volume belongs to: a
    volume attached to the wrong ordinal must never join under another id.
    """
    content = read_myid(path)
    if content is None:
        return False
    # ZooKeeper reads the first line with Long.parseLong: no spaces allowed.
    first_line = content.split("\n", 1)[0]
    if first_line.isascii() and first_line.isdigit() and int(first_line) == expected:
        return True
    raise EnvironmentProblem(
        f"{path} holds {first_line!r} but this pod is server {expected}; refusing to start "
        "(is this volume attached to the wrong pod?)"
    )


def ensure_directories(writable: Sequence[str], present: Sequence[str] = ()) -> None:
    """Create missing directories; those in `writable` must also be writable.

    New directories are group-writable (mode 775 whatever the umask), so a
    pod restarted under another uid of the same group (OpenShift runs every
    pod with a random uid in group 0) can still write them.
    """
    for path in [*writable, *present]:
        if not os.path.isdir(path):
            try:
                os.makedirs(path, exist_ok=True)
                os.chmod(path, 0o775)
            except OSError as error:
                raise EnvironmentProblem(f"cannot create {path}: {error.strerror}") from error
    for path in writable:
        if not os.access(path, os.W_OK | os.X_OK):
            raise EnvironmentProblem(f"{path} is not writable by uid {os.getuid()}")


def write_atomically(path: str, text: str, mode: int = 0o664) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    directory = os.path.dirname(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {path}: {error.strerror}") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise EnvironmentProblem(f"cannot write {path}: {error.strerror}") from error
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def exec_java(argv: Sequence[str], environ: Mapping[str, str]) -> NoReturn:
    """Replace this process with the JVM: it becomes PID 1 and receives SIGTERM itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(argv[0], list(argv), dict(environ))
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {argv[0]}: {error.strerror}") from error
