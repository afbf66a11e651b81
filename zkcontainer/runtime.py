"""Everything start-zookeeper does to the machine: find java and ZooKeeper, write, exec.

Every start pays for what this imports before the JVM runs: _socket rather than
socket (whose enums cost more than the lookup), no tempfile (and its shutil,
random, bz2, lzma) for the one temporary file a write needs.
"""

from __future__ import annotations

import _socket
import errno
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from typing import NamedTuple, NoReturn

from zkcontainer import EnvironmentProblem
from zkcontainer.probeargs import shown
from zkcontainer.render import LOG4J, LOGBACK, LoggingBackend

DEBIAN_JAVA_DIR = "/usr/share/java"

# Debian's ZooKeeper 3.8.0 build logs through slf4j 1.7; without a binding on the
# classpath it logs nothing at all. Its manifest Class-Path brings the rest.
DEBIAN_LOG4J_BINDING = ("slf4j-log4j12.jar", "log4j-1.2.jar")

DEBIAN_NETTY_CODEC = "netty-codec.jar"

# The servlet API, which ZooKeeper's AdminServer (Jetty) needs and no manifest names:
# without it, --admin_port gets "Unable to load jetty" in the log and no AdminServer.
DEBIAN_SERVLET_API = "servlet-api.jar"

# Where the image keeps the AdminServer's jars (Jetty, Jackson, the servlet API),
# beside Debian's directory: out of zookeeper.jar's manifest's reach, since at
# every start slf4j opens every jar the classpath reaches, looking for bindings.
ADMIN_SERVER_JARS = "admin-server"

# The jars of zookeeper.jar's manifest Class-Path that every start loads classes
# from, named on the command line as well, after the rest. The class loader
# reads the manifest's absolute paths fine, but the JVM's class archive dump
# (-Xshare:dump) resolves them under zookeeper.jar's own directory, finds no
# such file, and leaves every class from them out of the archive: "Unsupported
# location". Named here, their classes are archived. No lookup changes: the
# manifest already puts them right after zookeeper.jar, and the class loader
# skips a jar it has already opened. docker/make-class-archive refuses an
# archive that leaves out a class for this reason, so a jar Debian's manifest
# gains is caught at build time.
DEBIAN_MANIFEST_JARS = (
    "slf4j-api.jar",
    "zookeeper-jute.jar",
    "metrics-core.jar",
    "snappy-java.jar",
    "netty-common.jar",
    "netty-buffer.jar",
    "netty-transport.jar",
    "netty-handler.jar",
)

# zkcontainer's own main class (java/zkcontainer/QuorumPeerMain.java), which the
# image installs beside ZooKeeper's jars: in Debian's directory, or in lib/.
LEAVING_MAIN_JAR = "zkcontainer.jar"

# The class data archive of ZooKeeper's start that the image makes at build time
# (docker/make-class-archive), in the lib/ of the JVM that dumped it: only that
# JVM can map it, and it does so only where its classpath begins with the one
# the archive was made with.
CLASS_ARCHIVE = "zookeeper.jsa"


class Installation(NamedTuple):
    """A ZooKeeper installation: its classpath, the logging backend on it, and
    zkcontainer's main class jar when it is installed alongside."""

    classpath: tuple[str, ...]
    backend: LoggingBackend
    leaving_main_jar: str | None = None
    # What the Netty connection factory (TLS) needs beyond `classpath`: Debian's
    # zookeeper.jar manifest misses netty-codec.jar, and without it every
    # connection fails with NoClassDefFoundError ByteToMessageDecoder.
    netty_classpath: tuple[str, ...] = ()
    netty_missing: str | None = None  # why Netty cannot run, when it cannot
    # What the AdminServer (--admin_port) needs beyond `classpath`.
    admin_classpath: tuple[str, ...] = ()


def system_fqdn() -> str:
    """The pod's fully qualified name, as `hostname -f` resolves it."""
    hostname = _socket.gethostname()
    try:
        host = idna_encoded(hostname)
        canonical = _socket.getaddrinfo(host, None, 0, 0, 0, _socket.AI_CANONNAME)[0][3]
    except (OSError, UnicodeError, ValueError):
        # Unresolvable, or not even a name the idna codec takes (a..b): the
        # kernel's name is all there is, which is all a standalone needs.
        return hostname
    return canonical if canonical.startswith(hostname.split(".")[0] + ".") else hostname


def idna_encoded(name: str) -> bytes | str:
    """`name` as getaddrinfo's idna codec encodes it, for an ASCII name without the codec:
    it imports unicodedata, which costs a start more than the lookup. A name beyond
    ASCII is left to the codec. The codec's rule for ASCII: every label but the last
    1 to 63 characters, the last (empty after a trailing dot) at most 63."""
    if not name.isascii():
        return name
    *labels, last = name.split(".")
    if not all(0 < len(label) < 64 for label in labels) or len(last) >= 64:
        raise UnicodeError("label empty or too long")
    return name.encode("ascii")


def class_archive(java: str) -> str | None:
    """The class data archive made for this JVM, when it has one.

    A stale or damaged archive is no danger: with -Xshare:auto (the default) a JVM
    that cannot validate an archive starts without it, only slower.
    """
    home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    archive = os.path.join(home, "lib", CLASS_ARCHIVE)
    return archive if os.path.isfile(archive) else None


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
    # Without JAVA_HOME only (the image sets it).
    import shutil  # noqa: PLC0415

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
    # Only for an installation of one's own (the image has Debian's).
    import glob  # noqa: PLC0415

    home = glob.escape(zk_home)  # a directory named zk[1] is that directory, not a pattern
    jars = sorted(glob.glob(os.path.join(home, "lib", "*.jar")))
    jars += sorted(glob.glob(os.path.join(home, "zookeeper-*.jar")))
    names = [os.path.basename(jar) for jar in jars]
    if not any(name.startswith("zookeeper") for name in names):
        raise EnvironmentProblem(f"{source}={zk_home}: no zookeeper jar in lib/")
    if any(name.startswith("logback-classic") for name in names):
        backend = LOGBACK
    elif any(name.startswith(("slf4j-log4j12", "slf4j-reload4j")) for name in names):
        backend = LOG4J
    else:
        raise EnvironmentProblem(
            f"{source}={zk_home}: no logging binding in lib/ (logback-classic, "
            "slf4j-log4j12 or slf4j-reload4j); ZooKeeper would log nothing"
        )
    leaving = next((jar for jar in jars if os.path.basename(jar) == LEAVING_MAIN_JAR), None)
    return Installation(classpath=tuple(jars), backend=backend, leaving_main_jar=leaving)


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
    leaving = os.path.join(debian_dir, LEAVING_MAIN_JAR)
    manifest_jars = [os.path.join(debian_dir, name) for name in DEBIAN_MANIFEST_JARS]
    netty_codec = os.path.join(debian_dir, DEBIAN_NETTY_CODEC)
    servlet_api = os.path.join(debian_dir, DEBIAN_SERVLET_API)
    admin_dir = os.path.join(debian_dir, ADMIN_SERVER_JARS)
    admin_jars = sorted(
        os.path.join(admin_dir, name)
        for name in (os.listdir(admin_dir) if os.path.isdir(admin_dir) else ())
        if name.endswith(".jar")
    )
    return Installation(
        classpath=(zookeeper_jar, *binding, *filter(os.path.isfile, manifest_jars)),
        backend=LOG4J,
        leaving_main_jar=leaving if os.path.isfile(leaving) else None,
        netty_classpath=(netty_codec,) if os.path.isfile(netty_codec) else (),
        netty_missing=None
        if os.path.isfile(netty_codec)
        else f"no {netty_codec}, which TLS (Netty) needs (install libnetty-java)",
        admin_classpath=(*admin_jars, *filter(os.path.isfile, [servlet_api])),
    )


def check_replaceable(paths: Sequence[str]) -> None:
    """Every file to write can be replaced by a rename: nothing that is a
    directory (or a device, a FIFO...) stands in the way."""
    for path in paths:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError as error:
            raise EnvironmentProblem(f"cannot write {path}: {error.strerror}") from error
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise EnvironmentProblem(f"cannot write {path}: it is not a regular file")


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


def write_atomically(path: str, text: str, mode: int = 0o666, *, durable: bool = True) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file.

    `durable` forces the file and its rename to disk before returning, so a
    crash never leaves half a file either; without it a crash may leave the
    file empty or old, which only a file written again at every start may be.
    The file gets `mode` less the umask, as open() would give it; mkstemp's 0600
    would hide it from the group.
    """
    umask = os.umask(0)
    os.umask(umask)
    mode &= ~umask
    directory = os.path.dirname(path)
    try:
        fd, temporary = _create_temporary(directory)
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {path}: {error.strerror}") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fchmod(file.fileno(), mode)
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise EnvironmentProblem(f"cannot write {path}: {error.strerror}") from error
    if durable:
        fsync_directory(directory)


def _create_temporary(directory: str) -> tuple[int, str]:
    """A new file beside the one to replace, as tempfile.mkstemp makes it: a random
    name (.<hex>.tmp), created exclusively, never through a symlink, mode 0600."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        path = os.path.join(directory, f".{os.urandom(8).hex()}.tmp")
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue  # 64 random bits taken already: only a directory full of them
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", directory)


def fsync_directory(directory: str) -> None:
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
    """The JVM's environment: the pod's, with LC_ALL=C.UTF-8.

    The JVM turns file names into bytes with the locale's charset (its
    sun.jnu.encoding); under the C locale of most images a non-ASCII dataDir
    becomes '?' and ZooKeeper looks for myid somewhere else. C.UTF-8 is built
    into glibc; a locale the pod names may not be installed (en_US.UTF-8 in a
    slim image), and then the JVM falls back to ASCII all the same.
    """
    return {**environ, "LC_ALL": "C.UTF-8"}


def exec_java(argv: Sequence[str], environ: Mapping[str, str]) -> NoReturn:
    """Replace this process with `argv`: the JVM, or tini running it (zkcontainer.containerinit)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None when the container runs with it closed
            stream.flush()
    try:
        os.execve(argv[0], list(argv), dict(environ))
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {argv[0]}: {error.strerror}") from error
