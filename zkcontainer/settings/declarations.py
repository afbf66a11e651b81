"""Every start-zookeeper flag, declared once: as a field of `Settings`.

A flag's field holds its name, its type once read, and (as the field's
default, a `Flag`) its default text, help line, ZK_* variable and how its text
is read. Adding a flag is adding a field here: the command line, the
environment, the help and `Settings` follow from it. A rule across flags, or a
value that needs more than its kind's reading, is in `validation`.

The records of the start's path are NamedTuples, not dataclasses: importing
dataclasses (and the inspect, ast and dis modules behind it) would cost every
start about 15 ms before the JVM runs, a twentieth of its time to serving.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from zkcontainer import memory
from zkcontainer.identity import PodIdentity

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

# ZooKeeper's rolling enablement of quorum SASL, one rolling restart per stage:
# stage -> (quorum.auth.enableSasl, learnerRequireSasl, serverRequireSasl).
QUORUM_SASL_STAGES = {
    "off": (False, False, False),
    "enabled": (True, False, False),
    "learners_required": (True, True, False),
    "required": (True, True, True),
}

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

# RFC 1123: what Kubernetes names and Docker's DNS accept in a host name.
MAX_DNS_LABEL = 63
MAX_DNS_NAME = 253

# How a flag's text is read before any rule across flags: as it is (str), an
# integer within the flag's bounds, an absolute path, or true/false.
Kind = Literal["str", "int", "path", "bool"]


class Flag(NamedTuple):
    name: str
    default: str | None
    help: str
    kind: Kind = "str"
    minimum: int = 0  # for kind "int"
    maximum: int = JAVA_INT_MAX  # for kind "int": what ZooKeeper's Integer.parseInt takes
    env_override: str | None = None
    secret: bool = False  # never echo the value: it may hold a password

    @property
    def env_name(self) -> str:
        return self.env_override or "ZK_" + self.name.upper()


def flag(
    default: str | None,
    help: str,
    kind: Kind = "str",
    *,
    minimum: int = 0,
    maximum: int = JAVA_INT_MAX,
    env_override: str | None = None,
    secret: bool = False,
) -> Any:
    """A `Settings` field that is a flag of the same name: the field's default is
    its Flag, which `settings_of` never lets through as a value. Typed Any, so
    the field keeps its own annotation."""
    return Flag("", default, help, kind, minimum, maximum, env_override, secret)


class Settings(NamedTuple):
    # The fields no flag gives, worked out from the flags (validation). First:
    # a NamedTuple's fields without a default come before those with one.
    max_direct_memory: str | None  # with --heap=auto: -XX:MaxDirectMemorySize
    heap_reason: str | None  # with --heap=auto: the line that says how the heap was sized
    identity: PodIdentity | None
    zk_home_source: str  # "--zk_home" or "ZOOKEEPER_HOME": what error messages name
    # The flags, in --help's order.
    # The voting members, ids 1..servers.
    servers: int = flag(
        "1", "number of servers in the ensemble", "int", minimum=1, maximum=MAX_SERVERS
    )
    # The non-voting members, ids servers+1 .. servers+observers.
    observers: int = flag(
        "0",
        "non-voting members after the servers: ids servers+1 .. servers+observers",
        "int",
        maximum=MAX_SERVERS - 1,
    )
    data_dir: str = flag("/var/lib/zookeeper/data", "snapshots and myid", "path")
    data_log_dir: str = flag("/var/lib/zookeeper/data/log", "transaction log", "path")
    log_dir: str = flag("/var/log/zookeeper", "zookeeper.log.dir (logs go to stdout)", "path")
    conf_dir: str = flag("/opt/zookeeper/conf", "where zoo.cfg and the logging config go", "path")
    client_port: int = flag(
        "2181",
        "port clients connect to; with --tls_dir 0 turns the plaintext port off",
        "int",
        maximum=65535,
    )
    client_address: str | None = flag(None, "address the client port listens on (default: all)")
    server_port: int = flag(
        "2888", "port followers connect to the leader on", "int", minimum=1, maximum=65535
    )
    election_port: int = flag("3888", "leader election port", "int", minimum=1, maximum=65535)
    admin_port: int = flag("0", "AdminServer HTTP port; 0 keeps it off", "int", maximum=65535)
    tick_time: int = flag("2000", "ZooKeeper's time unit in ms", "int", minimum=1)
    init_limit: int = flag("10", "ticks a follower may take to connect and sync", "int", minimum=1)
    sync_limit: int = flag("5", "ticks a follower may lag behind the leader", "int", minimum=1)
    heap: str = flag(
        "2G", "JVM heap, used for -Xmx and -Xms (512M, 2G), or auto: from the memory limit"
    )
    max_client_cnxns: int = flag("60", "connections per client address; 0 = unlimited", "int")
    snap_retain_count: int = flag("3", "snapshots autopurge keeps", "int", minimum=3)
    purge_interval: int = flag("0", "hours between autopurge runs; 0 = off", "int")
    min_session_timeout: int = flag(None, "ms; default 2 x tick_time", "int", minimum=1)
    max_session_timeout: int = flag(None, "ms; default 20 x tick_time", "int", minimum=1)
    log_level: str = flag("INFO", "one of " + "/".join(LOG_LEVELS))
    four_letter_words: tuple[str, ...] = flag(
        ",".join(PROBE_FOUR_LETTER_WORDS),
        "4lw.commands.whitelist; the probes need ruok, mntr (or srvr)",
    )
    fast_failover: bool = flag(
        "true",
        "leave the quorum on SIGTERM before the JVM exits, and resend election votes sooner",
        "bool",
    )
    # TLS for clients and the quorum, from a kubernetes.io/tls Secret (docs/tls.md).
    tls_dir: str | None = flag(
        None, "a kubernetes.io/tls Secret's mount (tls.crt, tls.key, ca.crt)", "path"
    )
    secure_client_port: int = flag(
        "2281", "TLS client port, with --tls_dir", "int", minimum=1, maximum=65535
    )
    tls_client_auth: str = flag("need", "client certificates: need, want or none")
    tls_quorum: bool = flag("true", "the quorum over TLS too (sslQuorum), with --tls_dir", "bool")
    tls_quorum_hostname_verification: bool = flag(
        "true",
        "a member checks the certificate name of the member it connects to (3.8, 3.9.4+)",
        "bool",
    )
    tls_port_unification: bool = flag(
        "false",
        "plaintext and TLS on the client port and the quorum, for a rolling migration",
        "bool",
    )
    tls_reload_interval: int = flag(
        "5",
        "seconds between looks at --tls_dir for a renewed certificate",
        "int",
        minimum=1,
        maximum=3600,
    )
    tls_client_ca: str | None = flag(
        None,
        "a PEM file of CAs whose certificates clients may present (with ca.crt's); "
        "the quorum keeps trusting ca.crt alone",
        "path",
    )
    # SASL DIGEST-MD5 for clients and the quorum (docs/security.md).
    client_sasl_users: str | None = flag(
        None,
        "a Secret's mount: each key a user name, its value the password; clients "
        "authenticate as these users (SASL DIGEST-MD5)",
        "path",
    )
    client_auth_required: bool = flag(
        "false",
        "every client must authenticate: with SASL, or with a TLS client certificate",
        "bool",
    )
    quorum_sasl: str = flag(
        "off",
        "members authenticate each other (SASL DIGEST-MD5): "
        + ", ".join(QUORUM_SASL_STAGES)
        + "; one rolling restart per step",
    )
    quorum_sasl_user: str = flag(
        "zookeeper", "the user members authenticate as, with --quorum_sasl"
    )
    quorum_sasl_password_file: str | None = flag(
        None, "with --quorum_sasl: a file (a Secret's) holding that user's password", "path"
    )
    # Dynamic membership (docs/scaling.md): ZooKeeper's reconfig, as its superuser.
    reconfig: bool = flag(
        "false",
        "dynamic membership: pods beyond --servers join by themselves, zookeeper-scale removes",
        "bool",
    )
    reconfig_password_file: str | None = flag(
        None,
        "with --reconfig: a file (a Secret's) holding ZooKeeper's superuser password",
        "path",
    )
    # docs/operations.md: a new ensemble from a backup (zkcontainer.restore).
    restore_from: str | None = flag(
        None,
        "a zookeeper-backup file to seed an empty data volume from, before the first start",
        "path",
    )
    jvm_flags: tuple[str, ...] = flag("", "extra JVM options, shell-quoted", secret=True)
    hostname: str = flag(None, "override the pod's short hostname (zk-0)")
    domain: str = flag(None, "override the pod's domain (zk-hs.default.svc.cluster.local)")
    zk_home: str | None = flag(
        None,
        "ZooKeeper installation with lib/*.jar (default: Debian's libzookeeper-java)",
        "path",
        env_override="ZOOKEEPER_HOME",
    )
    dry_run: bool = flag("false", "print the files and java command; write and run nothing", "bool")

    @property
    def myid(self) -> int | None:
        """The server id this pod must run as; None for a standalone without an ordinal."""
        return None if self.identity is None else self.identity.myid

    @property
    def members(self) -> int:
        """Every server line's id: the voting members, then the observers."""
        return self.servers + self.observers

    @property
    def is_ensemble(self) -> bool:
        """Whether this server has a quorum to be part of: more than one server,
        or one in reconfig mode, which may grow."""
        return self.servers > 1 or self.reconfig

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
        # Asked only of an ensemble's voter: a standalone's start never imports the ensemble.
        from zkcontainer.reconfig.ensemble import is_loopback  # noqa: PLC0415

        return bool(self.client_port) and not is_loopback(self.client_address)

    @property
    def quorum_tls(self) -> bool:
        """Whether members talk TLS to each other: a standalone has no quorum."""
        return self.tls_dir is not None and self.tls_quorum and self.is_ensemble


# In declaration order, which is --help's and the order their problems are told.
FLAGS: tuple[Flag, ...] = tuple(
    declared._replace(name=name) for name, declared in Settings._field_defaults.items()
)
FLAGS_BY_NAME = {declared.name: declared for declared in FLAGS}


def settings_of(values: Mapping[str, Any]) -> Settings:
    """Settings from a value for every field: a field left out would hold its Flag."""
    left_out = [name for name in Settings._fields if name not in values]
    if left_out:
        raise TypeError(f"Settings needs a value for {', '.join(left_out)}")
    return Settings(**values)
