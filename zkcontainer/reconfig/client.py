"""Read and change a running ensemble's membership, through kazoo.

Runs beside start-up (read the live configuration before choosing one; add
this member once it serves) and in zookeeper-scale (remove members); never on
the probe path, which must not import kazoo (tests check it).

Why kazoo and not ZooKeeper's own ZooKeeperMain: that is a second JVM in a pod
whose memory limit is sized for the server's heap. Measured in the image beside
a running server, reading the configuration: ZooKeeperMain 2.8 s and 75 MB
resident at its peak; this module with kazoo 0.3 s and 22 MB. In the image
kazoo is Debian's python3-kazoo, without its Depends (eventlet, gevent and
jinja2 serve only optional handlers), in a directory of its own that only this
module puts on sys.path.

Authorization is ZooKeeper's superuser: every server runs with
-Dzookeeper.DigestAuthenticationProvider.superDigest=super:<digest> made from
a password file (a mounted Secret), and this client authenticates as
`digest super:<password>`. The narrowest choice that needs no state: skipACL
would turn off every ACL of every client, and an ACL set on /zookeeper/config
needs a superuser once anyway.

Every failure is a ReconfigError with a named reason, as fourlw's ProbeError:
no member serves, not authorized, refused, timed out.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from zkcontainer import ZkContainerError
from zkcontainer.credentials import SUPERUSER, CredentialProblem, secret_text
from zkcontainer.reconfig.model import (
    CONFIG_NODE,
    DynamicConfigError,
    Member,
    Membership,
    parse_config,
)

SUPER_DIGEST_PROPERTY = "zookeeper.DigestAuthenticationProvider.superDigest"
# Where the image puts kazoo and six (docker/Dockerfile): beside the zkcontainer package.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENDOR_DIR = os.path.join(os.path.dirname(_PACKAGE_DIR), "vendor")
# A reconfig, its retries and the reads between them take 0.05-0.25 s on a
# healthy ensemble (measured on 3.8 and 3.9); the pause between retries grows to this.
MAX_PAUSE = 2.0


class ReconfigError(ZkContainerError):
    """The membership could not be read or changed. `reason` is one of: no member
    serves, not authorized, refused, timed out, unexpected reply."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def super_digest(password: str, user: str = SUPERUSER) -> str:
    """`user:base64(sha1(user:password))`, as DigestAuthenticationProvider.generateDigest."""
    sha1 = hashlib.sha1(f"{user}:{password}".encode(), usedforsecurity=False).digest()
    return f"{user}:{base64.b64encode(sha1).decode('ascii')}"


def super_digest_flag(password: str) -> str:
    """The JVM flag that makes `super:<password>` ZooKeeper's superuser."""
    return f"-D{SUPER_DIGEST_PROPERTY}={super_digest(password)}"


def read_password(path: str) -> str:
    """The superuser's password, from its Secret's file."""
    try:
        return secret_text(path)
    except CredentialProblem as error:
        raise ReconfigError("not authorized", str(error)) from None


def load_kazoo() -> Any:
    """kazoo's client module: the installed one, else the image's copy in VENDOR_DIR."""
    try:
        import kazoo.client  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        if VENDOR_DIR not in sys.path:
            sys.path.append(VENDOR_DIR)
        import kazoo.client  # noqa: PLC0415
    # kazoo logs every refused connection as a WARNING; with no handler configured,
    # Python would print each one bare on stderr. Failures reach callers as ReconfigError.
    logger = logging.getLogger("kazoo")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return kazoo.client


@contextmanager
def session(
    hosts: Sequence[str], timeout: float, password: str | None = None, *, sasl: bool = False
) -> Iterator[Any]:
    """A kazoo client connected to whichever of `hosts` (host:port) serves first; with
    `password`, as the superuser: by SASL DIGEST-MD5 with `sasl` (where clients
    authenticate with SASL, and may have to), else by the digest scheme.

    A host that does not resolve yet (a pod not created, a headless Service
    without its record) is left out rather than handed to kazoo, whose
    connection loop gives up on a name error in some versions.
    """
    client_module = load_kazoo()
    deadline = time.monotonic() + timeout
    reachable = _resolvable(hosts, deadline)
    if not reachable:
        raise ReconfigError("no member serves", f"none of {', '.join(hosts)} resolves")
    login: dict[str, Any] = {}
    if password is not None and sasl:
        login["sasl_options"] = {
            "mechanism": "DIGEST-MD5",
            "username": SUPERUSER,
            "password": password,
        }
    elif password is not None:
        login["auth_data"] = [("digest", f"{SUPERUSER}:{password}")]
    client = client_module.KazooClient(
        hosts=",".join(reachable),
        timeout=max(timeout, 2.0),
        connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 1.0},
        **login,
    )
    try:
        client.start(timeout=max(deadline - time.monotonic(), 0.1))
    except Exception as error:  # kazoo's timeout type depends on its handler
        with suppress(Exception):
            client.stop()
            client.close()
        raise ReconfigError(
            "no member serves", f"none of {', '.join(hosts)} served within {timeout:g}s"
        ) from error
    try:
        yield client
    finally:
        client.stop()
        client.close()


def read_live(client: Any, deadline: float) -> Membership:
    """The ensemble's last committed configuration, as the connected member knows it
    once it has caught up with the leader (sync)."""
    _wait(client.sync_async(CONFIG_NODE), deadline)
    data, _stat = _wait(client.get_async(CONFIG_NODE), deadline)
    try:
        return parse_config(data.decode("utf-8"))
    except DynamicConfigError as error:
        raise ReconfigError("unexpected reply", str(error)) from None
    except UnicodeDecodeError as error:
        raise ReconfigError("unexpected reply", f"{CONFIG_NODE}: {error}") from None


def _wait(result: Any, deadline: float) -> Any:
    """An asynchronous call's result by the deadline: kazoo queues calls made while
    it reconnects, and its blocking calls would wait for the connection forever."""
    return result.get(timeout=max(deadline - time.monotonic(), 0.001))


def read_membership(
    hosts: Sequence[str], timeout: float, sasl_password: str | None = None
) -> Membership:
    """The configuration a serving member of `hosts` reports: world-readable, so
    anonymously, unless every client must authenticate: then as the superuser, by
    SASL with `sasl_password`."""
    sasl = sasl_password is not None
    with session(hosts, timeout, sasl_password, sasl=sasl) as client:
        deadline = time.monotonic() + timeout
        return _retrying(lambda: read_live(client, deadline), lambda _: True, deadline, "read")


def add(client: Any, member: Member, timeout: float) -> Membership:
    """Add `member` (or change its role), and return the configuration that lists it.

    Idempotent: it reads first, and does nothing once the member is listed with
    its role. Versioned (from_config), so a conflicting change is a BadVersion
    that is retried after a fresh read. Several members starting together race:
    all but one get ReconfigInProcessError, and retry.
    """

    def listed(membership: Membership) -> bool:
        known = membership.get(member.id)
        return known is not None and known.role == member.role

    return _change(client, listed, lambda: (member.spec(), None), timeout, f"add {member.id}")


def remove(client: Any, server_ids: Iterable[int], timeout: float) -> Membership:
    """Remove `server_ids` and return the configuration without them. Idempotent.

    Removing the member the client is connected to, or the leader, commits but
    answers ConnectionLoss: the next read tells the outcome.
    """
    gone = sorted(set(server_ids))

    def removed(membership: Membership) -> bool:
        return not membership.ids & set(gone)

    leaving = ",".join(str(server_id) for server_id in gone)
    return _change(client, removed, lambda: (None, leaving), timeout, f"remove {leaving}")


def _change(
    client: Any,
    done: Any,
    change: Any,
    timeout: float,
    what: str,
) -> Membership:
    exceptions = _kazoo_exceptions()
    deadline = time.monotonic() + timeout

    def attempt() -> Membership:
        current = read_live(client, deadline)
        if done(current):
            return current
        joining, leaving = change()
        _wait(client.reconfig_async(joining, leaving, None, current.version), deadline)
        # Read again rather than parse the reply: the outcome is whatever committed.
        raise _Retry("committed; reading the outcome")

    def retryable(error: Exception) -> bool:
        if isinstance(error, exceptions.NoAuthError):
            raise ReconfigError(
                "not authorized", f"{what}: ZooKeeper requires its superuser"
            ) from None
        if isinstance(error, (exceptions.UnimplementedError, exceptions.BadArgumentsError)):
            raise ReconfigError("refused", f"{what}: {type(error).__name__}") from None
        return True

    return _retrying(attempt, retryable, deadline, what)


class _Retry(Exception):
    """An attempt that must be followed by another (a change committed: read it back)."""


def _retrying(attempt: Any, retryable: Any, deadline: float, what: str) -> Membership:
    """`attempt()` until it returns or the deadline passes; errors that
    `retryable` accepts (conflicts, a lost connection) are retried."""
    exceptions = _kazoo_exceptions()
    timeout_type = _kazoo_timeout()
    pause = 0.1
    last = "no attempt"
    while True:
        try:
            result: Membership = attempt()
            return result
        except _Retry:
            last = "committed"
            pause = 0.0
        except (exceptions.KazooException, timeout_type) as error:
            if not retryable(error):
                raise
            last = type(error).__name__
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReconfigError("timed out", f"{what}: last attempt: {last}")
        time.sleep(min(pause, remaining))
        pause = min(max(pause * 2, 0.1), MAX_PAUSE)


def _kazoo_exceptions() -> Any:
    load_kazoo()
    import kazoo.exceptions  # type: ignore[import-untyped]  # noqa: PLC0415

    return kazoo.exceptions


def _kazoo_timeout() -> type[Exception]:
    """What an asynchronous result's get() raises at its timeout (the threading handler)."""
    load_kazoo()
    import kazoo.handlers.threading  # type: ignore[import-untyped]  # noqa: PLC0415

    timeout: type[Exception] = kazoo.handlers.threading.KazooTimeoutError
    return timeout


def _resolvable(hosts: Sequence[str], deadline: float) -> list[str]:
    """The hosts whose names resolve by the deadline, looked up at once: a resolver
    that never answers must not hold up the others, nor the caller's deadline."""
    resolved: set[str] = set()

    def look_up(host: str) -> None:
        if _resolves(host):
            resolved.add(host)

    threads = [threading.Thread(target=look_up, args=(host,), daemon=True) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    return [host for host in hosts if host in resolved]


def _resolves(host_port: str) -> bool:
    host = host_port.rpartition(":")[0].removeprefix("[").removesuffix("]") or host_port
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True
