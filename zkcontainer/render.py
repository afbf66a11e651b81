"""Settings -> the text of every file start-zookeeper writes, and the java command.

Pure functions: no I/O, so each output is checked against a golden file.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from typing import NamedTuple

from zkcontainer import sasl
from zkcontainer.fourlw import CLIENT_TRUST_STORE, KEY_STORE, TRUST_STORE
from zkcontainer.settings import Settings

MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
# ZooKeeper's main, plus a shutdown hook that leaves the quorum before the JVM's
# slow exit (java/zkcontainer/QuorumPeerMain.java says why).
LEAVING_MAIN_CLASS = "zkcontainer.QuorumPeerMain"

# Election pacing with --fast_failover, as JVM system properties ZooKeeper reads.
FAST_FAILOVER_PROPERTIES = (
    # When a leader fails, the survivors rarely notice in the same millisecond.
    # The one that starts its election second has missed the other's vote, and
    # waits this long for votes before it sends its own again (ZooKeeper: 200 ms,
    # doubling each time up to 60 s). It only paces resending a vote of a few
    # dozen bytes: it makes no member give up on anything sooner.
    # Not shortened: zookeeper.leaderConnectDelayDuringRetryMs (100 ms). A new
    # follower tries its new leader only 5 times, that far apart, before it
    # gives up and elects again; the leader then waits initLimit x tickTime for
    # it. At 10 ms a leader binding its port 50 ms late cost 20 s of writes.
    "-Dzookeeper.fastleader.minNotificationInterval=50",
)

# The original's layout, so logs read the same as before.
LOG_PATTERN = "%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n"

HEADER = "# Written by start-zookeeper at every start; edits here are overwritten.\n"


class LoggingBackend(NamedTuple):
    """What the ZooKeeper classpath logs through, which decides the config file it reads."""

    name: str
    config_name: str


# log4j 1.2 or reload4j: ZooKeeper <= 3.7, Debian's 3.8 and 3.9 builds.
LOG4J = LoggingBackend("log4j", "log4j.properties")
# Upstream ZooKeeper >= 3.8.
LOGBACK = LoggingBackend("logback", "logback.xml")


# With --reconfig, where zoo.cfg and ZooKeeper's dynamic files live: on the data
# volume, since ZooKeeper writes the membership it learns next to the static
# file, and a member beyond --servers can only restart from that file when no
# peer serves (a full restart). <conf_dir>/zoo.cfg links there.
RECONFIG_SUBDIR = "reconfig"


def reconfig_dir(settings: Settings) -> str:
    return posixpath.join(settings.data_dir, RECONFIG_SUBDIR)


def conf_zoo_cfg_path(settings: Settings) -> str:
    """Where humans and zookeeper-status look for zoo.cfg."""
    return posixpath.join(settings.conf_dir, "zoo.cfg")


def zoo_cfg_path(settings: Settings) -> str:
    """The zoo.cfg the JVM reads (and, with --reconfig, rewrites)."""
    if settings.reconfig:
        return posixpath.join(reconfig_dir(settings), "zoo.cfg")
    return conf_zoo_cfg_path(settings)


def logging_config_path(settings: Settings, backend: LoggingBackend) -> str:
    return posixpath.join(settings.conf_dir, backend.config_name)


def server_lines(settings: Settings) -> list[str]:
    """`server.<i>=<set>-<i-1>.<domain>:<server_port>:<election_port>` for every member,
    with `:observer` after the observers' ports (ids above --servers)."""
    if settings.servers == 1 or settings.identity is None:
        return []
    return [
        f"server.{i}={settings.identity.peer_hostname(i - 1)}.{settings.domain}"
        f":{settings.server_port}:{settings.election_port}"
        + (":observer" if i > settings.servers else "")
        for i in range(1, settings.members + 1)
    ]


def zoo_cfg(settings: Settings, dynamic_file: str | None = None) -> str:
    """zoo.cfg's text; with --reconfig, the static part, pointing at `dynamic_file`."""
    client: list[tuple[str, object]] = []
    # With --reconfig the client address is in each member's server line (the
    # dynamic file): a clientPort here would have to agree with it, and
    # ZooKeeper drops it when it rewrites this file anyway.
    if settings.client_port and not settings.reconfig:  # 0: no plaintext port (TLS only)
        client.append(("clientPort", settings.client_port))
        if settings.client_address:
            client.append(("clientPortAddress", settings.client_address))
    entries = [
        *client,
        ("dataDir", settings.data_dir),
        ("dataLogDir", settings.data_log_dir),
        ("tickTime", settings.tick_time),
        ("initLimit", settings.init_limit),
        ("syncLimit", settings.sync_limit),
        ("maxClientCnxns", settings.max_client_cnxns),
        ("minSessionTimeout", settings.min_session_timeout),
        ("maxSessionTimeout", settings.max_session_timeout),
        ("autopurge.snapRetainCount", settings.snap_retain_count),
        ("autopurge.purgeInterval", settings.purge_interval),
        # ZooKeeper >= 3.5.3 answers only srvr unless the probes' words are listed.
        ("4lw.commands.whitelist", ",".join(settings.four_letter_words)),
        # ZooKeeper >= 3.5 otherwise serves an HTTP admin API on 0.0.0.0:8080.
        ("admin.enableServer", "true" if settings.admin_port else "false"),
    ]
    if settings.admin_port:
        entries += [
            ("admin.serverPort", settings.admin_port),
            # The AdminServer's restore replaces a running member's tree behind
            # its quorum's back; a backup is restored into a new ensemble, at
            # start (--restore_from). Its snapshot command serves the backups.
            ("admin.restore.enabled", "false"),
        ]
    if settings.is_ensemble:
        # Bind quorum ports on every address instead of resolving our own name,
        # which a headless Service may not publish before the pod is Ready.
        entries.append(("quorumListenOnAllIPs", "true"))
    if settings.reconfig:
        entries += [
            ("reconfigEnabled", "true"),
            # Even one server runs as an ensemble of one, so that it can grow.
            ("standaloneEnabled", "false"),
            ("dynamicConfigFile", dynamic_file or ""),
        ]
    if settings.observing:
        # ZooKeeper >= 3.5 takes the role from this member's own `:observer`
        # line and only warns when peerType disagrees ("Defaulting to servers
        # list"); written too, so the two agree and the file says it plainly.
        entries.append(("peerType", "observer"))
    entries += tls_entries(settings)
    entries += sasl.zoo_cfg_entries(settings)
    lines = [f"{key}={java_properties_value(str(value))}" for key, value in entries]
    servers = [] if settings.reconfig else server_lines(settings)
    return HEADER + "\n".join([*lines, *servers]) + "\n"


SCALE_PROPERTIES = "zookeeper-scale.properties"


def scale_properties_path(settings: Settings) -> str:
    return posixpath.join(settings.conf_dir, SCALE_PROPERTIES)


def scale_properties(settings: Settings) -> str:
    """What zookeeper-scale, run by `kubectl exec` in this pod, needs to reach the
    local server as the superuser: whichever way the flags were given (argv or
    ZK_* variables, which an exec'd command does not always inherit)."""
    entries = [
        ("reconfig_password_file", settings.reconfig_password_file or ""),
        ("client_port", settings.client_port),
        ("client_address", settings.client_address or ""),
        ("superuser_by_sasl", "true" if sasl.superuser_by_sasl(settings) else "false"),
    ]
    return HEADER + "".join(f"{k}={java_properties_value(str(v))}\n" for k, v in entries)


NETTY_FACTORY = "org.apache.zookeeper.server.NettyServerCnxnFactory"


def tls_entries(settings: Settings) -> list[tuple[str, object]]:
    """zoo.cfg's TLS keys: stores start-zookeeper wrote from --tls_dir, never the Secret itself.

    ZooKeeper reads keys it does not know as `zookeeper.<key>` system properties,
    which is how every `ssl.*` key reaches its X509Util.
    """
    if settings.tls_dir is None:
        return []
    key_store = posixpath.join(settings.tls_store_dir, KEY_STORE)
    trust_store = posixpath.join(settings.tls_store_dir, TRUST_STORE)
    # Clients from --tls_client_ca's CAs too; the quorum trusts the members' CA alone
    # (on 3.9 any certificate its trust store takes may join as a member).
    client_trust_store = trust_store
    if settings.tls_client_ca is not None:
        client_trust_store = posixpath.join(settings.tls_store_dir, CLIENT_TRUST_STORE)
    entries: list[tuple[str, object]] = [
        # Only Netty serves a secure client port.
        ("serverCnxnFactory", NETTY_FACTORY),
        ("secureClientPort", settings.secure_client_port),
        ("ssl.keyStore.location", key_store),
        ("ssl.keyStore.type", "PEM"),
        ("ssl.trustStore.location", client_trust_store),
        ("ssl.trustStore.type", "PEM"),
        ("ssl.clientAuth", settings.tls_client_auth),
        # 3.9: re-read the stores when they change (3.8 has no such key: ignored there).
        ("client.certReload", "true"),
    ]
    if settings.tls_port_unification and settings.client_port:
        entries.append(("client.portUnification", "true"))
    if settings.is_ensemble and settings.tls_dir is not None:
        entries += [
            ("sslQuorum", "true" if settings.tls_quorum else "false"),
            ("ssl.quorum.keyStore.location", key_store),
            ("ssl.quorum.keyStore.type", "PEM"),
            ("ssl.quorum.trustStore.location", trust_store),
            ("ssl.quorum.trustStore.type", "PEM"),
            (
                "ssl.quorum.hostnameVerification",
                "true" if settings.tls_quorum_hostname_verification else "false",
            ),
            # From 3.9.4 the check runs under fips-mode too, and the member that
            # accepts a connection would check the other's certificate against
            # the name a reverse lookup of its address gives: in Kubernetes a
            # name per Service the pod is in, in Docker the container's. The
            # member that connects still checks the name it dialled.
            ("ssl.quorum.clientHostnameVerification", "false"),
            ("sslQuorumReloadCertFiles", "true"),
        ]
        if settings.tls_port_unification:
            entries.append(("portUnification", "true"))
    return entries


# What java.util.Properties.load reads as something other than itself.
_PROPERTIES_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


def java_properties_value(value: str) -> str:
    """`value` escaped so java.util.Properties.load reads back exactly `value`.

    ZooKeeper reads zoo.cfg with Properties.load(InputStream): ISO-8859-1,
    backslash escapes, a trailing backslash continuing the line, leading
    whitespace dropped. In a value (after the key's separator) `=`, `:`, `#`
    and `!` are plain characters, so only these are escaped: backslashes, a
    leading space, control characters, and everything beyond ASCII as
    \\uXXXX (UTF-16 code units), which keeps the file ASCII and readable.
    """
    out = []
    for index, char in enumerate(value):
        if char in _PROPERTIES_ESCAPES:
            out.append(_PROPERTIES_ESCAPES[char])
        elif char == " " and index == 0:
            out.append("\\ ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            encoded = char.encode("utf-16-be", "surrogatepass")
            out.extend(f"\\u{encoded[i : i + 2].hex()}" for i in range(0, len(encoded), 2))
    return "".join(out)


def heap_flags(settings: Settings) -> list[str]:
    flags = [f"-Xmx{settings.heap}", f"-Xms{settings.heap}"]
    if settings.max_direct_memory is not None:
        # The JVM's default cap on direct buffers is -Xmx: with the heap sized to
        # fill the limit, Netty's pools (TLS) could take as much again and have
        # the container OOM-killed. Capped, an allocation fails in one connection.
        flags.append(f"-XX:MaxDirectMemorySize={settings.max_direct_memory}")
    return flags


def java_env(settings: Settings) -> str:
    jvmflags = shell_join([*heap_flags(settings), *settings.jvm_flags])
    return (
        HEADER
        + f"ZOO_LOG_DIR={_double_quoted(settings.log_dir)}\n"
        + f"JVMFLAGS={_double_quoted(jvmflags)}\n"
    )


# What shlex.quote leaves unquoted. Not shlex itself: it costs every start its
# import and re's.
_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def shell_word(text: str) -> str:
    """`text` as one word a POSIX shell reads back, quoted exactly as shlex.quote quotes it."""
    if text and _SHELL_SAFE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def shell_join(words: Sequence[str]) -> str:
    """`words` as one line a POSIX shell splits back into them, as shlex.join writes it."""
    return " ".join(shell_word(word) for word in words)


def _double_quoted(text: str) -> str:
    """`text` as a POSIX shell reads it back: inside double quotes only \\ " $ ` are special."""
    escaped = "".join("\\" + c if c in '"\\$`' else c for c in text)
    return f'"{escaped}"'


# Kubernetes' exec probes connect every few seconds, and ZooKeeper logs each
# four-letter word at INFO ("Processing ruok command from /127.0.0.1:…", and
# the whole word lists at the first): a thousand lines an hour per pod that
# bury the ones that matter. At INFO these loggers say only WARN and above;
# at DEBUG and TRACE they say everything.
PROBE_CHATTER_LOGGERS = (
    "org.apache.zookeeper.server.NIOServerCnxn",
    "org.apache.zookeeper.server.NettyServerCnxn",
    "org.apache.zookeeper.server.command.FourLetterCommands",
)


def quiet_loggers(settings: Settings) -> tuple[str, ...]:
    return PROBE_CHATTER_LOGGERS if settings.log_level == "INFO" else ()


def log4j_properties(settings: Settings) -> str:
    level = settings.log_level
    return HEADER + "\n".join(
        [
            f"log4j.rootLogger={level}, CONSOLE",
            *(f"log4j.logger.{name}=WARN" for name in quiet_loggers(settings)),
            "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
            "log4j.appender.CONSOLE.Target=System.out",
            f"log4j.appender.CONSOLE.Threshold={level}",
            "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
            f"log4j.appender.CONSOLE.layout.ConversionPattern={LOG_PATTERN}",
            "",
        ]
    )


def logback_xml(settings: Settings) -> str:
    # The level is written here rather than passed as a -D property: logback's
    # <property> elements beat system properties, so only the file is certain.
    quiet = "".join(f'  <logger name="{name}" level="WARN"/>\n' for name in quiet_loggers(settings))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- {HEADER[2:].strip()} -->
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.out</target>
    <encoder>
      <pattern>{LOG_PATTERN}</pattern>
    </encoder>
  </appender>
{quiet}  <root level="{settings.log_level}">
    <appender-ref ref="CONSOLE"/>
  </root>
</configuration>
"""


def logging_config(settings: Settings, backend: LoggingBackend) -> str:
    if backend is LOG4J:
        return log4j_properties(settings)
    return logback_xml(settings)


# ZooKeeper registers an MBean for log4j 1.2 itself and for every logger and
# appender, through java.beans introspection: a sixth of a standalone start's
# time to serving, for beans only a JMX client attached inside the pod could
# use (start-zookeeper opens no remote JMX port). --jvm_flags come later and
# can set it back to false.
LOG4J_JMX_OFF = "-Dzookeeper.jmx.log4j.disable=true"


# Core reflection through native code instead of method handles (JEP 416's
# property, JDK 18 and later). log4j's configuration and the JVM's own MBeans
# call setters and getters reflectively while a server starts, and with method
# handles each first call generates classes. Client requests make no reflective
# calls; JMX reads and the AdminServer's JSON do, at the rate something monitors
# the server, where a native call's slightly higher cost is lost. An older JVM
# ignores the property, and --jvm_flags come later and can set it back to false.
NATIVE_REFLECTION = "-Djdk.reflect.useNativeAccessorOnly=true"


def logging_properties(settings: Settings, backend: LoggingBackend) -> list[str]:
    """Where the logging backend finds its configuration, and, for log4j, no MBeans."""
    if backend is LOG4J:
        return [logging_property(settings, backend), LOG4J_JMX_OFF]
    return [logging_property(settings, backend)]


# What a URI path keeps as it is (RFC 3986's unreserved characters, and '/').
_URI_PATH_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def file_uri(path: str) -> str:
    """An absolute path as a file:/// URI, every other byte of its UTF-8 percent-
    encoded: what pathlib's as_uri() writes, without the imports (pathlib and
    urllib.parse) that cost a start more than the rest of rendering."""
    return "file://" + "".join(
        chr(byte) if byte in _URI_PATH_SAFE else f"%{byte:02X}" for byte in os.fsencode(path)
    )


def logging_property(settings: Settings, backend: LoggingBackend) -> str:
    path = logging_config_path(settings, backend)
    if backend is LOG4J:
        # log4j 1.2 opens this as a URL: a '#' would start a fragment and a
        # '%' an escape, and the JVM would log nothing. Percent-encoded UTF-8
        # (file:///...) names any path exactly.
        return f"-Dlog4j.configuration={file_uri(path)}"
    # logback takes a file path: a string without a URL scheme is tried as a
    # classpath resource, then as a file. Ours always start with "/".
    return f"-Dlogback.configurationFile={path}"


def java_command(
    settings: Settings,
    java: str,
    classpath: list[str],
    backend: LoggingBackend,
    *,
    properties: Sequence[str] = (),
    main_class: str = MAIN_CLASS,
    class_archive: str | None = None,
) -> list[str]:
    """The JVM's argv, built here instead of through zkServer.sh so every flag is ours.

    `properties` are -D options start-zookeeper decided on (from the data it
    found, and --fast_failover's); --jvm_flags come after them, so they win,
    as they do over `class_archive` (-Xshare:off turns it off).
    """
    return [
        java,
        f"-Dzookeeper.log.dir={settings.log_dir}",
        *logging_properties(settings, backend),
        # A JVM that ran out of heap is unreliable; exit and let the kubelet restart it.
        "-XX:+ExitOnOutOfMemoryError",
        *heap_flags(settings),
        NATIVE_REFLECTION,
        *([f"-XX:SharedArchiveFile={class_archive}"] if class_archive else []),
        *properties,
        *settings.jvm_flags,
        "-cp",
        ":".join(classpath),
        main_class,
        zoo_cfg_path(settings),
    ]
