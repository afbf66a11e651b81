"""Everything start-zookeeper does to the machine: find java and ZooKeeper, write, exec."""

from __future__ import annotations

import errno
import fcntl
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
from zkcontainer.settings import shown

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
        # An explicit JAVA_HOME is a choice: running another java would hide the mistake.
        raise EnvironmentProblem(
            f"JAVA_HOME={shown(java_home)}: no executable bin/java there "
            "(fix JAVA_HOME, or unset it to use java on PATH)"
        )
    java_on_path = shutil.which("java", path=environ.get("PATH", os.defpath))
    if java_on_path is None:
        raise EnvironmentProblem("java not found: set JAVA_HOME or put java on PATH")
    return java_on_path


def find_zookeeper(
    zk_home: str | None, source: str = "--zk_home", debian_dir: str = DEBIAN_JAVA_DIR
) -> Installation:
    """The Apache tarball layout under `zk_home`, else Debian's libzookeeper-java.

    `source` names where zk_home came from (--zk_home or ZOOKEEPER_HOME) in errors.
    """
    if zk_home is not None:
        return _tarball_installation(zk_home, source)
    return _debian_installation(debian_dir)


def _tarball_installation(zk_home: str, source: str) -> Installation:
    jars = sorted(glob.glob(os.path.join(zk_home, "lib", "*.jar")))
    jars += sorted(glob.glob(os.path.join(zk_home, "zookeeper-*.jar")))
    names = [os.path.basename(jar) for jar in jars]
    if not any(name.startswith("zookeeper") for name in names):
        raise EnvironmentProblem(f"{source}={zk_home}: no zookeeper jar in lib/")
    if any(name.startswith("logback-classic") for name in names):
        backend = LoggingBackend.LOGBACK
    elif any(name.startswith(("slf4j-log4j12", "slf4j-reload4j")) for name in names):
        backend = LoggingBackend.LOG4J
    else:
        raise EnvironmentProblem(
            f"{source}={zk_home}: no logging binding in lib/ (logback-classic, "
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
        f"{path} holds {first_line[:40]!r} but this pod is server {expected}; refusing to "
        "start (is this volume attached to the wrong pod?)"
    )


# Held by the JVM for its whole life, in the data directory it guards.
LOCK_NAME = "start-zookeeper.lock"


def lock_data_dir(data_dir: str) -> int:
    """Lock `data_dir` for this process and the JVM it becomes; return the lock's fd.

    Two processes must never claim one data directory: a volume mounted twice
    by mistake would otherwise get two servers writing one transaction log, or
    two identities racing for its myid, both passing the check and one
    overwriting the other's claim. An exclusive flock settles it: it is taken
    before myid is read, the fd is inherited across exec, so the JVM holds the
    lock until it dies (flock locks belong to the open file, which the kernel
    closes when the process exits, however it exits). A second start-zookeeper
    on the same directory fails at once instead of waiting: in Kubernetes a
    restarted container's JVM is already gone, so contention means a mistake.
    """
    path = os.path.join(data_dir, LOCK_NAME)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
    except PermissionError:
        # Left by another uid with a stricter umask: flock on a read-only
        # open works on local file systems (NFS would want write access).
        fd = _open_or_fail(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise EnvironmentProblem(f"cannot create {path}: {error.strerror}") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise EnvironmentProblem(_in_use(data_dir, path)) from error
        raise EnvironmentProblem(f"cannot lock {path}: {error.strerror}") from error
    # Our pid is the JVM's after the exec: say who holds the directory.
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # opened read-only: the lock still holds, only the note is missing
    os.set_inheritable(fd, True)
    return fd


def check_data_dir_unlocked(data_dir: str) -> None:
    """Refuse, as lock_data_dir would, when a running server holds `data_dir`; take nothing."""
    path = os.path.join(data_dir, LOCK_NAME)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return  # no lock file: nobody holds it (or lock_data_dir will say why not)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise EnvironmentProblem(_in_use(data_dir, path)) from error
    finally:
        os.close(fd)


def _in_use(data_dir: str, lock_path: str) -> str:
    try:
        with open(lock_path, encoding="ascii", errors="replace") as file:
            holder = f"pid {file.read(20).strip()} per {lock_path}"
    except OSError:
        holder = lock_path
    return (
        f"{data_dir} is in use by another ZooKeeper ({holder}); refusing to start "
        "(is this volume mounted by two pods?)"
    )


def _open_or_fail(path: str, flags: int) -> int:
    try:
        return os.open(path, flags)
    except OSError as error:
        raise EnvironmentProblem(f"cannot open {path}: {error.strerror}") from error


def group_writable_umask() -> int:
    """Set, and return, the umask this process and the JVM it becomes run under.

    ZooKeeper creates version-2/, its snapshots and its logs with the JVM's
    umask. Docker's default (022) leaves them writable by their owner only,
    so a pod restarted under another uid of the same group (OpenShift gives
    each pod a random uid in group 0) could not write its own data. The
    group gets what the owner gets, others keep what the environment allows
    them except write: 022 -> 002, 077 -> 007, 000 -> 002.
    """
    current = os.umask(0o002)
    wanted = (current | 0o002) & ~0o070
    os.umask(wanted)
    return wanted


def ensure_directories(writable: Sequence[str], present: Sequence[str] = ()) -> None:
    """Create missing directories; those in `writable` must also be writable.

    New directories, parents included, take their mode from the umask
    (see group_writable_umask): group-writable, never world-writable.
    """
    for path in [*writable, *present]:
        if not os.path.isdir(path):
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as error:
                raise EnvironmentProblem(f"cannot create {path}: {error.strerror}") from error
    for path in writable:
        if not os.access(path, os.W_OK | os.X_OK):
            raise EnvironmentProblem(f"{path} is not writable by uid {os.getuid()}")


def check_directories(writable: Sequence[str], present: Sequence[str] = ()) -> None:
    """What ensure_directories would refuse, found without creating anything."""
    for path in [*writable, *present]:
        existing = path
        while not os.path.lexists(existing):
            existing = os.path.dirname(existing)
        if existing != path:
            if not os.path.isdir(existing):
                raise EnvironmentProblem(f"cannot create {path}: {existing} is not a directory")
            if not os.access(existing, os.W_OK | os.X_OK):
                raise EnvironmentProblem(
                    f"cannot create {path}: {existing} is not writable by uid {os.getuid()}"
                )
        elif not os.path.isdir(path):
            raise EnvironmentProblem(f"cannot create {path}: Not a directory")
        elif path in writable and not os.access(path, os.W_OK | os.X_OK):
            raise EnvironmentProblem(f"{path} is not writable by uid {os.getuid()}")


def write_atomically(path: str, text: str, mode: int = 0o666) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file.

    The file gets `mode` less the umask, as open() would give it; mkstemp's 0600
    would hide it from the group.
    """
    umask = os.umask(0)
    os.umask(umask)
    mode &= ~umask
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
    """Make a rename durable. A directory we may write but not read (mode 0333)
    cannot be opened to fsync: the rename is still atomic, only not forced to disk."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def jvm_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The JVM's environment: the pod's, with a UTF-8 character type.

    The JVM turns file names into bytes with the locale's charset (its
    sun.jnu.encoding); under the C locale of most images a non-ASCII dataDir
    would become '?' and ZooKeeper would look for myid somewhere else.
    """
    env = dict(environ)
    ctype = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    if "utf-8" not in ctype.lower() and "utf8" not in ctype.lower():
        env["LC_ALL" if env.get("LC_ALL") else "LC_CTYPE"] = "C.UTF-8"
    return env


def exec_java(argv: Sequence[str], environ: Mapping[str, str]) -> NoReturn:
    """Replace this process with the JVM: it becomes PID 1 and receives SIGTERM itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(argv[0], list(argv), dict(environ))
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {argv[0]}: {error.strerror}") from error
