"""start-zookeeper's settings: flags and `ZK_*` variables, validated all at once.

Every flag of the original script is accepted as `--name=value`, `--name value`
and with dashes (`--data-dir`), and also as the variable `ZK_<NAME>`; the
command line wins. Validation collects every problem before failing, so an
operator fixes all of them in one round.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from zkcontainer import ConfigError, memory
from zkcontainer.ensemble import is_loopback
from zkcontainer.identity import (
    PodIdentity,
    headless_service_namespace,
    parse_pod_hostname,
    split_fqdn,
)
from zkcontainer.probeargs import shown

LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
TLS_CLIENT_AUTH = ("need", "want", "none")
# Where start-zookeeper writes what ZooKeeper reads, never the Secret's mount.
TLS_STORE_SUBDIR = "tls"
TLS_ONLY_FLAGS = (
    "secure_client_port",
    "tls_client_auth",
    "tls_quorum",
    "tls_quorum_hostname_verification",
    "tls_port_unification",
    "tls_reload_interval",
    "tls_client_ca",
)

# What the probes send: zookeeper-ready sends ruok, zookeeper-ready --serving and
# zookeeper-metrics send mntr (and fall back to srvr, which ZooKeeper >= 3.5
# always allows).
PROBE_FOUR_LETTER_WORDS = ("ruok", "mntr", "srvr")

# Every four-letter word ZooKeeper 3.5-3.9 knows (FourLetterCommands).
KNOWN_FOUR_LETTER_WORDS = frozenset(
    {"conf", "cons", "crst", "dump", "envi", "ruok", "srst", "srvr", "stat"}
    | {"wchs", "wchc", "wchp", "mntr", "isro", "hash", "gtmk", "stmk", "dirs"}
)

# ZooKeeper puts the server id in the top byte of session ids: 1..255.
MAX_SERVERS = 255

# ZooKeeper parses every number in zoo.cfg with Integer.parseInt, and multiplies
# some of them in int arithmetic (tickTime * initLimit is a socket timeout).
JAVA_INT_MAX = 2**31 - 1

# The JVM accepts -Xmx with a k/m/g/t suffix; beyond this nothing is real.
MAX_HEAP_BYTES = memory.MAX_HEAP
MIN_HEAP_BYTES = 32 * 2**20
_HEAP_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}

# RFC 1123: what Kubernetes names and Docker's DNS accept in a host name.
MAX_DNS_LABEL = 63
MAX_DNS_NAME = 253

_T = TypeVar("_T")
_INTEGER = re.compile(r"-?[0-9]+")
_HEAP = re.compile(r"[1-9][0-9]{0,15}[kKmMgGtT]")
_DNS_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


@dataclass(frozen=True)
class Flag:
    name: str
    default: str | None
    help: str
    kind: str = "str"  # str | int | path | bool
    minimum: int = 0  # for kind "int"
    maximum: int = JAVA_INT_MAX  # for kind "int": what ZooKeeper's Integer.parseInt takes
    env_override: str | None = None
    secret: bool = False  # never echo the value: it may hold a password

    @property
    def env_name(self) -> str:
        return self.env_override or "ZK_" + self.name.upper()


FLAGS: tuple[Flag, ...] = (
    Flag("servers", "1", "number of servers in the ensemble", "int", 1, MAX_SERVERS),
    Flag(
        "observers",
        "0",
        "non-voting members after the servers: ids servers+1 .. servers+observers",
        "int",
        0,
        MAX_SERVERS - 1,
    ),
    Flag("data_dir", "/var/lib/zookeeper/data", "snapshots and myid", "path"),
    Flag("data_log_dir", "/var/lib/zookeeper/data/log", "transaction log", "path"),
    Flag("log_dir", "/var/log/zookeeper", "zookeeper.log.dir (logs go to stdout)", "path"),
    Flag("conf_dir", "/opt/zookeeper/conf", "where zoo.cfg and the logging config go", "path"),
    Flag(
        "client_port",
        "2181",
        "port clients connect to; with --tls_dir 0 turns the plaintext port off",
        "int",
        0,
        65535,
    ),
    Flag("client_address", None, "address the client port listens on (default: all)"),
    Flag("server_port", "2888", "port followers connect to the leader on", "int", 1, 65535),
    Flag("election_port", "3888", "leader election port", "int", 1, 65535),
    Flag("admin_port", "0", "AdminServer HTTP port; 0 keeps it off", "int", 0, 65535),
    Flag("tick_time", "2000", "ZooKeeper's time unit in ms", "int", 1),
    Flag("init_limit", "10", "ticks a follower may take to connect and sync", "int", 1),
    Flag("sync_limit", "5", "ticks a follower may lag behind the leader", "int", 1),
    Flag(
        "heap", "2G", "JVM heap, used for -Xmx and -Xms (512M, 2G), or auto: from the memory limit"
    ),
    Flag("max_client_cnxns", "60", "connections per client address; 0 = unlimited", "int", 0),
    Flag("snap_retain_count", "3", "snapshots autopurge keeps", "int", 3),
    Flag("purge_interval", "0", "hours between autopurge runs; 0 = off", "int", 0),
    Flag("min_session_timeout", None, "ms; default 2 x tick_time", "int", 1),
    Flag("max_session_timeout", None, "ms; default 20 x tick_time", "int", 1),
    Flag("log_level", "INFO", "one of " + "/".join(LOG_LEVELS)),
    Flag(
        "four_letter_words",
        ",".join(PROBE_FOUR_LETTER_WORDS),
        "4lw.commands.whitelist; the probes need ruok, mntr (or srvr)",
    ),
    Flag(
        "fast_failover",
        "true",
        "leave the quorum on SIGTERM before the JVM exits, and resend election votes sooner",
        "bool",
    ),
    # TLS for clients and the quorum, from a kubernetes.io/tls Secret (README, "TLS").
    Flag("tls_dir", None, "a kubernetes.io/tls Secret's mount (tls.crt, tls.key, ca.crt)", "path"),
    Flag("secure_client_port", "2281", "TLS client port, with --tls_dir", "int", 1, 65535),
    Flag("tls_client_auth", "need", "client certificates: need, want or none"),
    Flag("tls_quorum", "true", "the quorum over TLS too (sslQuorum), with --tls_dir", "bool"),
    Flag(
        "tls_quorum_hostname_verification",
        "true",
        "members check each other's certificate names (ZooKeeper 3.8; 3.9's fips-mode skips it)",
        "bool",
    ),
    Flag(
        "tls_port_unification",
        "false",
        "plaintext and TLS on the client port and the quorum, for a rolling migration",
        "bool",
    ),
    Flag(
        "tls_reload_interval",
        "5",
        "seconds between looks at --tls_dir for a renewed certificate",
        "int",
        1,
        3600,
    ),
    Flag(
        "tls_client_ca",
        None,
        "a PEM file of CAs whose certificates clients may present (with ca.crt's); "
        "the quorum keeps trusting ca.crt alone",
        "path",
    ),
    # Dynamic membership (README, "Scaling"): ZooKeeper's reconfig, as its superuser.
    Flag(
        "reconfig",
        "false",
        "dynamic membership: pods beyond --servers join by themselves, zookeeper-scale removes",
        "bool",
    ),
    Flag(
        "reconfig_password_file",
        None,
        "with --reconfig: a file (a Secret's) holding ZooKeeper's superuser password",
        "path",
    ),
    Flag("jvm_flags", "", "extra JVM options, shell-quoted", secret=True),
    Flag("hostname", None, "override the pod's short hostname (zk-0)"),
    Flag("domain", None, "override the pod's domain (zk-hs.default.svc.cluster.local)"),
    Flag(
        "zk_home",
        None,
        "ZooKeeper installation with lib/*.jar (default: Debian's libzookeeper-java)",
        "path",
        env_override="ZOOKEEPER_HOME",
    ),
    Flag("dry_run", "false", "print the files and java command; write and run nothing", "bool"),
)
FLAGS_BY_NAME = {flag.name: flag for flag in FLAGS}


@dataclass(frozen=True)
class Settings:
    servers: int  # voting members, ids 1..servers
    observers: int  # non-voting members, ids servers+1 .. servers+observers
    data_dir: str
    data_log_dir: str
    log_dir: str
    conf_dir: str
    client_port: int
    client_address: str | None
    server_port: int
    election_port: int
    admin_port: int
    tick_time: int
    init_limit: int
    sync_limit: int
    heap: str
    max_direct_memory: str | None  # with --heap=auto: -XX:MaxDirectMemorySize
    heap_reason: str | None  # with --heap=auto: the line that says how the heap was sized
    max_client_cnxns: int
    snap_retain_count: int
    purge_interval: int
    min_session_timeout: int
    max_session_timeout: int
    log_level: str
    four_letter_words: tuple[str, ...]
    fast_failover: bool
    tls_dir: str | None
    secure_client_port: int
    tls_client_auth: str
    tls_quorum: bool
    tls_quorum_hostname_verification: bool
    tls_port_unification: bool
    tls_reload_interval: int
    tls_client_ca: str | None
    reconfig: bool
    reconfig_password_file: str | None
    jvm_flags: tuple[str, ...]
    hostname: str
    domain: str
    identity: PodIdentity | None
    zk_home: str | None
    zk_home_source: str  # "--zk_home" or "ZOOKEEPER_HOME": what error messages name
    dry_run: bool

    @property
    def myid(self) -> int | None:
        """The server id this pod must run as; None for a standalone without an ordinal."""
        return None if self.identity is None else self.identity.myid

    @property
    def members(self) -> int:
        """Every server line's id: the voting members, then the observers."""
        return self.servers + self.observers

    @property
    def observing(self) -> bool:
        """Whether this pod is one of the observers (peerType=observer)."""
        # In reconfig mode ids beyond servers + observers join as voters.
        return self.myid is not None and self.servers < self.myid <= self.members

    @property
    def tls_store_dir(self) -> str:
        return posixpath.join(self.conf_dir, TLS_STORE_SUBDIR)

    @property
    def plaintext_reaches_peers(self) -> bool:
        """Whether the other pods reach the plaintext client port: it is open, and not
        bound to this pod's loopback (as TLS binds it by default)."""
        return bool(self.client_port) and not is_loopback(self.client_address)

    @property
    def quorum_tls(self) -> bool:
        """Whether members talk TLS to each other: a standalone has no quorum."""
        ensemble = self.servers > 1 or self.reconfig  # one server in reconfig mode may grow
        return self.tls_dir is not None and self.tls_quorum and ensemble


@dataclass(frozen=True)
class _Given:
    """A flag's text and where it came from, for error messages."""

    text: str
    origin: str  # "--client_port=x" or "ZK_CLIENT_PORT=x"

    @classmethod
    def of(cls, label: str, text: str, secret: bool = False) -> _Given:
        if secret:
            # JVM options carry truststore passwords and the like: name, never echo.
            return cls(text, label)
        return cls(text, f"{label}={shown(text)}")


def usage() -> str:
    lines = [
        "usage: start-zookeeper [--name=value ...]",
        "",
        "Writes zoo.cfg, java.env, the logging config and myid, then execs ZooKeeper.",
        "Each flag may also be set as ZK_<NAME> in the environment; the command line wins.",
        "",
    ]
    for flag in FLAGS:
        default = "" if flag.default in (None, "") else f" (default {flag.default})"
        lines.append(f"  --{flag.name:<20} {flag.help}{default}  [{flag.env_name}]")
    return "\n".join(lines)


def wants_help(argv: Sequence[str]) -> bool:
    return any(arg in ("-h", "--help") for arg in argv)


def load_settings(
    argv: Sequence[str],
    environ: Mapping[str, str],
    system_fqdn: Callable[[], str],
    memory_limit: Callable[[], memory.Limit] = memory.container_limit,
) -> Settings:
    """Build validated Settings, or raise ConfigError listing every problem.

    `system_fqdn` is only called when neither --hostname nor --domain says it all,
    `memory_limit` only for --heap=auto.
    """
    problems: list[str] = []
    given = _from_environment(environ)
    given.update(_from_argv(argv, problems))
    return _build(given, problems, system_fqdn, memory_limit)


def _from_environment(environ: Mapping[str, str]) -> dict[str, _Given]:
    # Only our own names: Kubernetes also injects ZK_CS_PORT and the like for Services.
    return {
        flag.name: _Given.of(flag.env_name, environ[flag.env_name], flag.secret)
        for flag in FLAGS
        if flag.env_name in environ
    }


def _from_argv(argv: Sequence[str], problems: list[str]) -> dict[str, _Given]:
    given: dict[str, _Given] = {}
    args = list(argv)
    i = 0
    bare_switch = None  # a true/false flag just given without a value
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("--"):
            if bare_switch is not None:
                # `--fast_failover false` would read as true plus a stray word.
                problems.append(
                    f"--{bare_switch} {shown(arg)}: a true/false flag takes its value "
                    f"after '=': --{bare_switch}={shown(arg)}"
                )
            else:
                problems.append(f"{shown(arg)}: unexpected argument; flags look like --name=value")
            bare_switch = None
            continue
        name, has_value, text = arg[2:].partition("=")
        flag = FLAGS_BY_NAME.get(name.replace("-", "_"))
        bare_switch = None
        if flag is None:
            problems.append(f"{shown(arg)}: unknown flag")
            continue
        if not has_value:
            if flag.kind == "bool":
                text = "true"
                bare_switch = flag.name
            elif i < len(args) and not args[i].startswith("--"):
                text = args[i]
                i += 1
            else:
                problems.append(f"--{flag.name}: needs a value")
                continue
        given[flag.name] = _Given.of(f"--{flag.name}", text, flag.secret)
    return given


class _Reader:
    """Turns given texts into typed values, recording a problem for each bad one."""

    def __init__(self, given: Mapping[str, _Given], problems: list[str]) -> None:
        self.given = given
        self.problems = problems

    def origin(self, name: str) -> str:
        given = self.given.get(name)
        return given.origin if given else f"--{name}={FLAGS_BY_NAME[name].default}"

    def text(self, name: str) -> str | None:
        given = self.given.get(name)
        return given.text.strip() if given else FLAGS_BY_NAME[name].default

    def problem(self, name: str, why: str) -> None:
        self.problems.append(f"{self.origin(name)}: {why}")

    def integer(self, name: str) -> int | None:
        flag = FLAGS_BY_NAME[name]
        text = self.text(name)
        if text is None:
            return None
        # Stricter than int(), which also takes "1_000", "+5" and non-ASCII digits.
        if not _INTEGER.fullmatch(text):
            self.problem(name, "not an integer")
            return None
        # Python refuses to parse more than 4300 digits; anything near that is out of range.
        # Leading zeros are fine: Java's Integer.parseInt reads "007" as 7.
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("-").lstrip("0") or "0"
        value = sign * (int(digits) if len(digits) <= 20 else 10**20)
        low, high = flag.minimum, flag.maximum
        if high < JAVA_INT_MAX and not low <= value <= high:
            self.problem(name, f"must be between {low} and {high}")
        elif value < low:
            self.problem(name, f"must be at least {low}")
        elif value > high:
            self.problem(name, f"must be at most {high}: ZooKeeper reads it as a Java int")
        else:
            return value
        return None

    def path(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        if not text.startswith("/"):
            self.problem(name, "must be an absolute path")
        elif any(
            len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in text.split("/")
        ):
            self.problem(name, f"has a name longer than {NAME_MAX} bytes, more than Linux allows")
        elif name == "zk_home" and ":" in text:
            self.problem(name, "contains ':', which separates entries of the JVM's classpath")
        return text

    def boolean(self, name: str) -> bool:
        text = (self.text(name) or "").lower()
        if text not in _TRUE | _FALSE:
            self.problem(name, "must be true or false")
        return text in _TRUE


def _build(
    given: Mapping[str, _Given],
    problems: list[str],
    system_fqdn: Callable[[], str],
    memory_limit: Callable[[], memory.Limit],
) -> Settings:
    read = _Reader(given, problems)
    for name, value in given.items():
        _check_characters(read, name, value.text)
    ints = {flag.name: read.integer(flag.name) for flag in FLAGS if flag.kind == "int"}
    paths = {flag.name: read.path(flag.name) for flag in FLAGS if flag.kind == "path"}
    # Every true/false flag read here, before the problems are counted: a typo in
    # one (--tls_quorum=ture) is a problem, never a silent false.
    bools = {flag.name: read.boolean(flag.name) for flag in FLAGS if flag.kind == "bool"}

    _check_ports_distinct(read, ints)
    tick = ints["tick_time"]
    min_session = ints["min_session_timeout"]
    max_session = ints["max_session_timeout"]
    if tick is not None:
        min_session = min_session if min_session is not None else 2 * tick
        max_session = max_session if max_session is not None else 20 * tick
        overflows = _check_tick_products(read, tick, ints)
        if max_session > JAVA_INT_MAX and not overflows:
            read.problem("tick_time", f"times 20, the default max_session_timeout, {_TOO_BIG}")
            max_session = None
    if min_session is not None and max_session is not None and min_session > max_session:
        # Blame the value the operator gave; the other may be derived from tick_time.
        if "min_session_timeout" in given:
            read.problem("min_session_timeout", f"above the maximum session timeout {max_session}")
        else:
            read.problem("max_session_timeout", f"below the minimum session timeout {min_session}")

    jvm_flags = _jvm_flags(read)
    heap, max_direct_memory, heap_reason = _heap(read, memory_limit, jvm_flags)

    log_level = (read.text("log_level") or "").upper()
    if log_level not in LOG_LEVELS:
        read.problem("log_level", "must be one of " + ", ".join(LOG_LEVELS))

    client_address = _ip_address(read, "client_address")
    tls_dir = paths["tls_dir"]
    tls_client_auth = _tls(read, tls_dir, ints["client_port"], bools["tls_port_unification"])
    plaintext_port = ints["client_port"] != 0
    if (
        tls_dir
        and plaintext_port
        and not bools["tls_port_unification"]
        and "client_address" not in given
    ):
        # The plaintext port is for the probes in the pod only.
        client_address = "127.0.0.1"
    words = _four_letter_words(read)
    hostname, domain, namespace = _hostname_and_domain(read, system_fqdn)
    pod = parse_pod_hostname(hostname)
    observers = _observers(read, ints["servers"], ints["observers"])
    members = None if ints["servers"] is None else ints["servers"] + (observers or 0)
    reconfig = bools["reconfig"]
    _check_reconfig(read, reconfig, paths["reconfig_password_file"], tls_dir, client_address)
    if reconfig and pod is not None:
        # A pod beyond the initial members names itself in its server line.
        members = max(members or 1, pod.myid, 2)
    _check_dns_names(read, hostname, pod, domain, members)
    identity = _identity(
        read,
        hostname,
        pod,
        domain,
        ints["servers"],
        observers=observers,
        reconfig=reconfig,
        namespace=namespace,
    )

    if problems:
        raise ConfigError(problems)
    return Settings(
        servers=_known(ints["servers"]),
        observers=_known(observers),
        data_dir=_known(paths["data_dir"]),
        data_log_dir=_known(paths["data_log_dir"]),
        log_dir=_known(paths["log_dir"]),
        conf_dir=_known(paths["conf_dir"]),
        client_port=_known(ints["client_port"]),
        client_address=client_address,
        server_port=_known(ints["server_port"]),
        election_port=_known(ints["election_port"]),
        admin_port=_known(ints["admin_port"]),
        tick_time=_known(tick),
        init_limit=_known(ints["init_limit"]),
        sync_limit=_known(ints["sync_limit"]),
        heap=heap,
        max_direct_memory=max_direct_memory,
        heap_reason=heap_reason,
        max_client_cnxns=_known(ints["max_client_cnxns"]),
        snap_retain_count=_known(ints["snap_retain_count"]),
        purge_interval=_known(ints["purge_interval"]),
        min_session_timeout=_known(min_session),
        max_session_timeout=_known(max_session),
        log_level=log_level,
        four_letter_words=words,
        fast_failover=bools["fast_failover"],
        tls_dir=tls_dir,
        secure_client_port=_known(ints["secure_client_port"]),
        tls_client_auth=tls_client_auth,
        tls_quorum=bools["tls_quorum"],
        tls_quorum_hostname_verification=bools["tls_quorum_hostname_verification"],
        tls_port_unification=bools["tls_port_unification"],
        tls_reload_interval=_known(ints["tls_reload_interval"]),
        tls_client_ca=paths["tls_client_ca"],
        reconfig=bools["reconfig"],
        reconfig_password_file=paths["reconfig_password_file"],
        jvm_flags=jvm_flags,
        hostname=hostname,
        domain=domain,
        identity=identity,
        zk_home=paths["zk_home"],
        zk_home_source=read.origin("zk_home").partition("=")[0],
        dry_run=bools["dry_run"],
    )


def _known(value: _T | None) -> _T:
    # Only called once no problem was recorded, so every value parsed.
    assert value is not None
    return value


_TOO_BIG = f"exceeds {JAVA_INT_MAX}: ZooKeeper computes it as a Java int"

# C0 and C1 controls, DEL, and Unicode's line and paragraph separators.
_CONTROL = frozenset(
    [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)] + ["\u2028", "\u2029"]
)
# Linux: no file name (one path component) longer than this many bytes.
NAME_MAX = 255


def _check_characters(read: _Reader, name: str, text: str) -> None:
    # A line break would let a value write extra keys into zoo.cfg; no path,
    # name or number has a use for any other control character either. JVM
    # options may be spread over lines (a YAML block scalar): shlex splits them.
    allowed = "\t\n\r" if name == "jvm_flags" else ""
    if any(c in _CONTROL and c not in allowed for c in text):
        read.problem(name, "contains a line break or other control character")
    elif any("\ud800" <= c <= "\udfff" for c in text):
        # Python's stand-in for bytes that were not UTF-8; no JVM reads them back.
        read.problem(name, "is not valid UTF-8")


def _check_tick_products(read: _Reader, tick: int, ints: Mapping[str, int | None]) -> bool:
    """ZooKeeper multiplies these by tickTime in int arithmetic; an overflow turns
    a timeout negative and the quorum's sockets fail at the first sync."""
    overflows = False
    for name in ("init_limit", "sync_limit"):
        ticks = ints[name]
        if ticks is None or tick * ticks <= JAVA_INT_MAX:
            continue
        overflows = True
        # Blame the value the operator gave; the other may be a default.
        if name in read.given or "tick_time" not in read.given:
            read.problem(name, f"times {read.origin('tick_time')} {_TOO_BIG}")
        else:
            read.problem("tick_time", f"times {read.origin(name)} {_TOO_BIG}")
            break  # once is enough for the one value given
    return overflows


def _check_ports_distinct(read: _Reader, ints: Mapping[str, int | None]) -> None:
    names = ["client_port"] if ints["client_port"] else []
    names += ["server_port", "election_port"]
    if "tls_dir" in read.given:
        names.append("secure_client_port")
    if ints["admin_port"]:
        names.append("admin_port")
    seen: dict[int, str] = {}
    for name in names:
        port = ints[name]
        if port is None:
            continue
        if port in seen:
            read.problem(name, f"same port as {read.origin(seen[port])}")
        else:
            seen[port] = name


def _heap(
    read: _Reader, memory_limit: Callable[[], memory.Limit], jvm_flags: tuple[str, ...]
) -> tuple[str, str | None, str | None]:
    """(heap, direct memory cap, the line saying how it was sized) from --heap."""
    heap = read.text("heap") or ""
    if heap.lower() == "auto":
        _check_no_heap_sizing(read, jvm_flags)
        return _auto_heap(read, memory_limit)
    if not _HEAP.fullmatch(heap):
        read.problem("heap", "must be a size like 512M or 2G, or auto")
    elif int(heap[:-1]) * _HEAP_UNITS[heap[-1].lower()] > MAX_HEAP_BYTES:
        read.problem("heap", "must be at most 4T")
    elif int(heap[:-1]) * _HEAP_UNITS[heap[-1].lower()] < MIN_HEAP_BYTES:
        read.problem("heap", "must be at least 32M: the JVM cannot start ZooKeeper in less")
    return heap, None, None


def _auto_heap(
    read: _Reader, memory_limit: Callable[[], memory.Limit]
) -> tuple[str, str | None, str | None]:
    """(heap, direct memory cap, the line saying why) sized from the memory limit.

    Every failure says the same way out: set a limit, or give the heap.
    """
    explicit = "or give an explicit heap (--heap=512M)"
    try:
        found = memory_limit()
    except memory.Unreadable as error:
        read.problem("heap", f"cannot read the container's memory limit: {error}; {explicit}")
        return "", None, None
    if found.limit is None:
        read.problem(
            "heap",
            f"the container has no memory limit ({found.source}); set one "
            f"(docker run --memory, resources.limits.memory in Kubernetes) {explicit}",
        )
        return "", None, None
    sized = memory.auto_heap(found.limit)
    if sized is None:
        read.problem(
            "heap",
            f"the memory limit {_mib(found.limit)} ({found.source}) is below "
            f"{_mib(memory.MIN_LIMIT)}, too small for a heap of at least "
            f"{_mib(memory.MIN_AUTO_HEAP)} and what the JVM needs beside it; "
            f"raise the limit {explicit}",
        )
        return "", None, None
    heap, direct = _mib(sized.heap), _mib(sized.max_direct_memory)
    why = (
        f"--heap=auto: memory limit {_mib(found.limit)} ({found.source}): "
        f"heap {heap} (-Xmx{heap} -Xms{heap}), direct memory at most {direct}"
    )
    return heap, direct, why


def _mib(size: int) -> str:
    """Bytes as the JVM's size syntax in whole MiB, rounded down: 1073741824 -> 1024M."""
    return f"{size // memory.MIB}M"


def _ip_address(read: _Reader, name: str) -> str | None:
    """An IPv4 or IPv6 address, as ZooKeeper binds it: never a name to resolve at start."""
    text = read.text(name)
    if text is None:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        read.problem(name, "must be an IPv4 or IPv6 address, like 127.0.0.1 or ::1")
        return None


def _tls(read: _Reader, tls_dir: str | None, client_port: int | None, unification: bool) -> str:
    """--tls_client_auth, and --tls_port_unification checked against the client port."""
    client_auth = (read.text("tls_client_auth") or "").lower()
    if client_auth not in TLS_CLIENT_AUTH:
        read.problem("tls_client_auth", "must be one of " + ", ".join(TLS_CLIENT_AUTH))
    if tls_dir is None:
        # Given without TLS, it would be ignored, and the operator think TLS configured.
        for name in TLS_ONLY_FLAGS:
            named = any(p.startswith(f"{read.origin(name)}:") for p in read.problems)
            if name in read.given and not named:  # a bad value is one problem, not two
                read.problem(name, "needs --tls_dir")
    if client_port == 0 and tls_dir is None:
        read.problem("client_port", "0 turns the plaintext port off, which needs --tls_dir")
    elif client_port == 0 and unification:
        read.problem("client_port", "0 leaves nothing for --tls_port_unification to unify")
    return client_auth


def _four_letter_words(read: _Reader) -> tuple[str, ...]:
    text = read.text("four_letter_words") or ""
    words = tuple(word.strip() for word in text.split(",") if word.strip())
    unknown = [w for w in words if w != "*" and w not in KNOWN_FOUR_LETTER_WORDS]
    if not words:
        read.problem("four_letter_words", "must name at least one four-letter word")
    elif unknown:
        read.problem("four_letter_words", "unknown four-letter word " + shown(", ".join(unknown)))
    return words


# JVM options that size the heap. --jvm_flags come after start-zookeeper's own
# on the JVM's command line and the last one wins, so with --heap=auto one of
# these would silently replace the heap that fits the limit. The direct memory
# cap may be raised there (it is the operator's to trade against the limit).
_HEAP_SIZING = ("-Xmx", "-Xms", "-XX:MaxHeapSize=", "-XX:InitialHeapSize=")
_HEAP_SIZING_RAM = ("RAMPercentage=", "RAMFraction=")


def _check_no_heap_sizing(read: _Reader, jvm_flags: tuple[str, ...]) -> None:
    for flag in jvm_flags:
        ram_sizing = flag.startswith("-XX:") and any(name in flag for name in _HEAP_SIZING_RAM)
        if flag.startswith(_HEAP_SIZING) or ram_sizing:
            read.problem(
                "jvm_flags",
                f"{shown(flag)} sizes the heap, which --heap=auto sizes from the memory "
                "limit: drop it, or give an explicit --heap",
            )


def _jvm_flags(read: _Reader) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(read.text("jvm_flags") or ""))
    except ValueError as error:
        read.problem("jvm_flags", f"cannot be split like a shell would: {error}")
        return ()


def _hostname_and_domain(
    read: _Reader, system_fqdn: Callable[[], str]
) -> tuple[str, str, str | None]:
    """(hostname, domain, and the namespace of the StatefulSet whose pod the hostname
    names, or None when nothing says it is one).

    The system's FQDN is the kubelet's record of the pod, and so is the word on
    that whenever the hostname in use is its short name; --hostname with --domain
    is the operator's; a --hostname under the system's domain names no one host.
    """
    hostname, domain = read.text("hostname"), read.text("domain")
    if hostname is not None and domain is not None:
        return hostname, domain.strip("."), headless_service_namespace(domain)
    short, system_domain = split_fqdn(system_fqdn())
    own = hostname is None or hostname == short
    hostname = hostname if hostname is not None else short
    domain = domain if domain is not None else system_domain
    namespace = headless_service_namespace(system_domain) if own else None
    return hostname, domain.strip("."), namespace


def _check_dns_names(
    read: _Reader, hostname: str, pod: PodIdentity | None, domain: str, members: int | None
) -> None:
    """The names an ensemble writes into its server lines must resolve: RFC 1123.

    A standalone writes none, so a laptop's odd hostname does not stop it; a
    --domain given explicitly is still checked, as it says what was meant.
    `members` counts the observers too: their names are in every server list.
    """
    members = members or 1
    ensemble = members > 1
    # The longest name the server lines will hold: the last peer's.
    longest = f"{pod.set_name}-{members - 1}" if ensemble and pod is not None else hostname
    if ensemble and not _DNS_LABEL.fullmatch(hostname):
        read.problems.append(
            f"{_hostname_origin(read, shown(hostname))}: not a DNS label (RFC 1123: letters, "
            "digits and '-', 1 to 63 characters, no '-' at either end)"
        )
    elif ensemble and len(longest) > MAX_DNS_LABEL:
        read.problems.append(
            f"{_hostname_origin(read, hostname)}: its peer {longest} is longer than "
            f"{MAX_DNS_LABEL} characters, the most a DNS label can have"
        )
    if (ensemble or "domain" in read.given) and domain:
        labels = domain.split(".")
        if not all(_DNS_LABEL.fullmatch(label) for label in labels):
            read.problems.append(
                f"{_domain_origin(read, domain)}: not a DNS name (RFC 1123: labels of letters, "
                "digits and '-' separated by dots, like zk-hs.default.svc.cluster.local)"
            )
        elif len(longest) + 1 + len(domain) > MAX_DNS_NAME:
            read.problems.append(
                f"{_domain_origin(read, domain)}: {longest}.{domain} is longer than "
                f"{MAX_DNS_NAME} characters, the most a DNS name can have"
            )


def _hostname_origin(read: _Reader, hostname: str) -> str:
    return read.origin("hostname") if "hostname" in read.given else f"hostname {hostname!r}"


def _domain_origin(read: _Reader, domain: str) -> str:
    return read.origin("domain") if "domain" in read.given else f"domain {domain!r}"


def _observers(read: _Reader, servers: int | None, observers: int | None) -> int | None:
    """--observers, checked against --servers: together at most MAX_SERVERS ids."""
    if servers is None or not observers:
        return observers
    if servers == 1:
        # With one voter ZooKeeper runs standalone (standaloneEnabled defaults to
        # true) and ignores the server lines, and so would every observer given the
        # same lines: each a standalone serving data of its own. Turning
        # standaloneEnabled off instead would make the lone voter's every restart
        # an outage for all the observers, for no read capacity a bigger
        # --servers would not give with a quorum besides.
        read.problem(
            "observers",
            f"observers need an ensemble of voting members, but {read.origin('servers')} "
            "is a standalone server; set --servers to 3 or more, or --observers to 0",
        )
        return None
    if servers + observers > MAX_SERVERS:
        read.problem(
            "observers",
            f"with {read.origin('servers')} makes {servers + observers} members, but server "
            f"ids stop at {MAX_SERVERS} (ZooKeeper puts the id in a session id's top byte)",
        )
        return None
    return observers


def _check_reconfig(
    read: _Reader,
    reconfig: bool,
    password_file: str | None,
    tls_dir: str | None,
    client_address: str | None,
) -> None:
    """--reconfig needs the superuser's password, and peers that can read each
    other's membership over the plaintext client port."""
    if not reconfig:
        if "reconfig_password_file" in read.given:
            read.problem("reconfig_password_file", "needs --reconfig")
        return
    if password_file is None and not any(
        p.startswith(read.origin("reconfig_password_file")) for p in read.problems
    ):
        read.problem(
            "reconfig",
            "needs --reconfig_password_file=FILE, the superuser password that "
            "changes the membership (a Secret's file)",
        )
    loopback = client_address is not None and ipaddress.ip_address(client_address).is_loopback
    if loopback or (tls_dir is not None and read.text("client_port") == "0"):
        # A starting member reads the membership from its peers' plaintext client
        # port: one on loopback only (with --tls_dir, the default) hides every peer.
        read.problem(
            "reconfig",
            "needs the plaintext client port open to the peers, which read the membership "
            "from it: drop --client_address or give a non-loopback one (0.0.0.0, ::)"
            + (", or --tls_port_unification" if tls_dir is not None else ""),
        )


def _identity(
    read: _Reader,
    hostname: str,
    identity: PodIdentity | None,
    domain: str,
    servers: int | None,
    *,
    observers: int | None,
    reconfig: bool = False,
    namespace: str | None = None,
) -> PodIdentity | None:
    """The pod's server id, from the ordinal at the end of its hostname.

    A standalone server (--servers=1) needs no id: only a StatefulSet's pod 0
    claims myid 1 (so its volume can later join an ensemble as server 1). Any
    other hostname, with or without digits at its end (ip-172-31-5-12 under
    hostNetwork, a container id), runs as a plain standalone; but a
    StatefulSet's pod beyond pod 0 (`namespace` says the name is one) is
    refused as a pod beyond an ensemble is: it would serve data of its own
    behind the same Service.
    """
    if servers is None:
        return identity
    where = _hostname_origin(read, hostname)
    if servers == 1 and not reconfig:
        if identity is None or identity.ordinal == 0:
            return identity
        if namespace is not None and observers is not None:
            _refuse_beyond_the_ensemble(
                read, where, identity, servers, observers=observers, namespace=namespace
            )
        return None
    if identity is None:
        read.problems.append(
            f"{where}: does not end in -<ordinal> (like zk-0), so the server id is unknown; "
            "run it as a StatefulSet pod or pass --hostname=<name>-<ordinal>"
        )
    if not domain:
        where_domain = read.origin("domain") if "domain" in read.given else "the pod's domain"
        read.problems.append(
            f"{where_domain}: empty, but --servers={servers} needs it to name the peers "
            "(set the StatefulSet's serviceName or pass --domain)"
        )
    # A bad --observers is its own problem: no guess at the ensemble's size here.
    # With --reconfig a pod beyond them joins the running ensemble.
    if (
        not reconfig
        and identity is not None
        and observers is not None
        and identity.myid > servers + observers
    ):
        _refuse_beyond_the_ensemble(
            read, where, identity, servers, observers=observers, namespace=namespace
        )
    return identity


def _refuse_beyond_the_ensemble(
    read: _Reader,
    where: str,
    identity: PodIdentity,
    servers: int,
    *,
    observers: int,
    namespace: str | None,
) -> None:
    """A static ensemble's pod whose ordinal --servers and --observers leave out:
    what `kubectl scale` makes of a StatefulSet without changing the flags."""
    replicas = servers + observers
    ensemble = read.origin("servers")
    if observers:
        ensemble += f" and {read.origin('observers')}"
    pods = "pod 0" if replicas == 1 else f"pods 0 to {replicas - 1}"
    scope = f" -n {namespace}" if namespace else ""
    read.problems.append(
        f"{where}: this pod's ordinal {identity.ordinal} is beyond {ensemble} ({pods}): "
        "the StatefulSet was scaled without changing the ensemble; scale it back "
        f"(kubectl{scope} scale statefulset {identity.set_name} --replicas={replicas}); "
        "to grow the ensemble, turn on --reconfig with the same members first, then scale "
        '(README, "Scaling without restarts")'
    )
