"""The rules across flags, and the flags whose values need more than their kind's
reading: every problem is recorded before any is told, so an operator fixes all
of them in one round."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zkcontainer import ConfigError, memory
from zkcontainer.identity import parse_pod_hostname
from zkcontainer.probeargs import shown
from zkcontainer.settings.auth import read_auth
from zkcontainer.settings.command_line import Given
from zkcontainer.settings.declarations import (
    JAVA_INT_MAX,
    KNOWN_FOUR_LETTER_WORDS,
    LOG_LEVELS,
    MAX_SERVERS,
    TLS_CLIENT_AUTH,
    TLS_ONLY_FLAGS,
    Settings,
    settings_of,
)
from zkcontainer.settings.heap import read_heap
from zkcontainer.settings.names import check_dns_names, hostname_and_domain, server_identity
from zkcontainer.settings.reader import Reader, read_every_flag


def build(
    given: Mapping[str, Given],
    problems: list[str],
    system_fqdn: Callable[[], str],
    memory_limit: Callable[[], memory.Limit],
) -> Settings:
    """Settings from the flags given, or ConfigError naming every problem."""
    read = Reader(given, problems)
    values = read_every_flag(read)
    values.update(_across_flags(read, values, system_fqdn, memory_limit))
    if problems:
        raise ConfigError(problems)
    return settings_of(values)


def _across_flags(
    read: Reader,
    values: Mapping[str, Any],
    system_fqdn: Callable[[], str],
    memory_limit: Callable[[], memory.Limit],
) -> dict[str, Any]:
    """The values a flag's kind cannot read alone, and the fields no flag gives."""
    _check_ports_distinct(read, values)
    min_session, max_session = _session_timeouts(read, values)
    jvm_flags = _jvm_flags(read)
    heap, max_direct_memory, heap_reason = read_heap(read, memory_limit, jvm_flags)

    log_level = (read.text("log_level") or "").upper()
    if log_level not in LOG_LEVELS:
        read.problem("log_level", "must be one of " + ", ".join(LOG_LEVELS))

    client_address = _ip_address(read, "client_address")
    tls_dir: str | None = values["tls_dir"]
    client_port: int | None = values["client_port"]
    unification: bool = values["tls_port_unification"]
    tls_client_auth = _tls(read, tls_dir, client_port, unification)
    quorum_sasl = read_auth(read, values, tls_client_auth)
    if tls_dir and client_port != 0 and not unification and "client_address" not in read.given:
        # The plaintext port is for the probes in the pod only.
        client_address = "127.0.0.1"
    words = _four_letter_words(read)
    hostname, domain, namespace = hostname_and_domain(read, system_fqdn)
    pod = parse_pod_hostname(hostname)
    servers: int | None = values["servers"]
    observers = _observers(read, servers, values["observers"])
    members = None if servers is None else servers + (observers or 0)
    reconfig: bool = values["reconfig"]
    _check_reconfig(read, reconfig, values["reconfig_password_file"], tls_dir, client_address)
    if reconfig and pod is not None:
        # A pod beyond the initial members names itself in its server line.
        members = max(members or 1, pod.myid, 2)
    check_dns_names(read, hostname, pod, domain, members)
    identity = server_identity(
        read,
        hostname,
        pod,
        domain,
        servers,
        observers=observers,
        reconfig=reconfig,
        namespace=namespace,
    )
    return {
        "observers": observers,
        "min_session_timeout": min_session,
        "max_session_timeout": max_session,
        "jvm_flags": jvm_flags,
        "heap": heap,
        "max_direct_memory": max_direct_memory,
        "heap_reason": heap_reason,
        "log_level": log_level,
        "client_address": client_address,
        "tls_client_auth": tls_client_auth,
        "quorum_sasl": quorum_sasl,
        "four_letter_words": words,
        "hostname": hostname,
        "domain": domain,
        "identity": identity,
        "zk_home_source": read.origin("zk_home").partition("=")[0],
    }


def _session_timeouts(read: Reader, values: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(minimum, maximum) session timeout: as given, or derived from tick_time."""
    tick: int | None = values["tick_time"]
    min_session: int | None = values["min_session_timeout"]
    max_session: int | None = values["max_session_timeout"]
    if tick is not None:
        min_session = min_session if min_session is not None else 2 * tick
        max_session = max_session if max_session is not None else 20 * tick
        overflows = _check_tick_products(read, tick, values)
        if max_session > JAVA_INT_MAX and not overflows:
            read.problem("tick_time", f"times 20, the default max_session_timeout, {_TOO_BIG}")
            max_session = None
    if min_session is not None and max_session is not None and min_session > max_session:
        # Blame the value the operator gave; the other may be derived from tick_time.
        if "min_session_timeout" in read.given:
            read.problem("min_session_timeout", f"above the maximum session timeout {max_session}")
        else:
            read.problem("max_session_timeout", f"below the minimum session timeout {min_session}")
    return min_session, max_session


_TOO_BIG = f"exceeds {JAVA_INT_MAX}: ZooKeeper computes it as a Java int"


def _check_tick_products(read: Reader, tick: int, ints: Mapping[str, int | None]) -> bool:
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


def _check_ports_distinct(read: Reader, ints: Mapping[str, int | None]) -> None:
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


def _ip_address(read: Reader, name: str) -> str | None:
    """An IPv4 or IPv6 address, as ZooKeeper binds it: never a name to resolve at start."""
    text = read.text(name)
    if text is None:
        return None
    # Only a given address is parsed: a start without one never imports ipaddress.
    import ipaddress  # noqa: PLC0415

    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        read.problem(name, "must be an IPv4 or IPv6 address, like 127.0.0.1 or ::1")
        return None


def _tls(read: Reader, tls_dir: str | None, client_port: int | None, unification: bool) -> str:
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


def _four_letter_words(read: Reader) -> tuple[str, ...]:
    text = read.text("four_letter_words") or ""
    words = tuple(word.strip() for word in text.split(",") if word.strip())
    unknown = [w for w in words if w != "*" and w not in KNOWN_FOUR_LETTER_WORDS]
    if not words:
        read.problem("four_letter_words", "must name at least one four-letter word")
    elif unknown:
        read.problem("four_letter_words", "unknown four-letter word " + shown(", ".join(unknown)))
    return words


def _jvm_flags(read: Reader) -> tuple[str, ...]:
    text = read.text("jvm_flags")
    if not text:
        return ()
    # Only when given: shlex (and its re) is a measurable part of a start's Python.
    import shlex  # noqa: PLC0415

    try:
        return tuple(shlex.split(text))
    except ValueError as error:
        read.problem("jvm_flags", f"cannot be split like a shell would: {error}")
        return ()


def _observers(read: Reader, servers: int | None, observers: int | None) -> int | None:
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
    read: Reader,
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
    # --reconfig only: a start without it never imports ipaddress.
    import ipaddress  # noqa: PLC0415

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
