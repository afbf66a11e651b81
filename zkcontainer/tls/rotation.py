"""The stores rewritten while ZooKeeper runs, as the Secret is renewed or its CA changes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from zkcontainer.fourlw import CLIENT_TRUST_STORE, KEY_STORE, TRUST_STORE
from zkcontainer.tls import TlsProblem
from zkcontainer.tls.pem import pem, pem_blocks
from zkcontainer.tls.secret import read_secret, stores
from zkcontainer.tls.x509 import certificates

# Between rewriting the trust store and the key store, for ZooKeeper's reload of one.
STORE_SETTLE_SECONDS = 2.0
# While a renewed Secret is refused, the log says so again this often.
REMIND_SECONDS = 3600.0


def watch(
    secret_dir: str,
    store_dir: str,
    *,
    client_auth_for: str | None,
    interval: float,
    write: Callable[[str, str, int], None],
    keep_going: Callable[[], bool],
    log: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    client_ca: str | None = None,
) -> None:
    """Rewrite the stores whenever the Secret's content changes, until `keep_going` says no.

    A rotated Secret that fails the checks, or a pass that fails for any other
    reason (a full disk), leaves the stores as they were, so a running server
    keeps its working certificate. It says why, again every REMIND_SECONDS
    while that lasts (with the date the served certificate expires), and says
    when the problem is gone.
    """
    last: _Written | None = _current(store_dir)
    checked: dict[str, str] | None = None  # the Secret's files the stores were built from
    said, said_at = "", 0.0
    while keep_going():
        sleep(interval)
        try:
            texts = read_secret(secret_dir, client_ca)
            if texts != checked:  # checked again only when the Secret's bytes change
                last = _rewrite(
                    secret_dir,
                    store_dir,
                    texts,
                    last,
                    client_auth_for=client_auth_for,
                    write=write,
                    log=log,
                    sleep=sleep,
                )
                checked = texts
            problem = ""
        except Exception as error:  # the watcher outlives any one bad pass
            problem = (
                str(error) if isinstance(error, TlsProblem) else f"{type(error).__name__}: {error}"
            )
        if problem and (problem != said or clock() - said_at >= REMIND_SECONDS):
            for line in problem.splitlines():
                log(f"TLS material in {secret_dir} not used: {line}")
            log(f"TLS: still serving the previous certificate, {_served_until(last)}")
            said, said_at = problem, clock()
        elif not problem and said:
            log(f"TLS material in {secret_dir} is usable again")
            said = ""


def _served_until(last: _Written | None) -> str:
    try:
        leaf = certificates(last[0])[0] if last else None
    except (TlsProblem, IndexError):
        leaf = None
    if leaf is None:
        return "whose end of validity is unknown"
    return f"valid until {leaf.not_after:%Y-%m-%d %H:%M:%S} UTC"


def _rewrite(
    secret_dir: str,
    store_dir: str,
    texts: dict[str, str],
    last: _Written | None,
    *,
    client_auth_for: str | None,
    write: Callable[[str, str, int], None],
    log: Callable[[str], None],
    sleep: Callable[[float], None],
) -> _Written:
    """The stores rewritten from the Secret's files where they changed; what they hold now."""
    built = stores(texts, client_auth_for=client_auth_for)
    trust_store = built.trust_store + _previous_authorities(built.trust_store, last)
    client_trust_store = ""
    if built.client_authorities is not None:
        client_trust_store = trust_store + built.client_authorities
    if (built.key_store, trust_store, client_trust_store) == last:
        return last
    # Only what changed: ZooKeeper reloads at each file's change, and reads the key
    # store twice (chain, then key). A renewal under the same CA is then one
    # change, one reload; a new CA gets its trust store first, and its reload time
    # to finish before the key store changes under it.
    if client_trust_store and (last is None or client_trust_store != last[2]):
        write(os.path.join(store_dir, CLIENT_TRUST_STORE), client_trust_store, 0o644)
    if last is None or trust_store != last[1]:
        write(os.path.join(store_dir, TRUST_STORE), trust_store, 0o644)
        if last is not None and built.key_store != last[0]:
            sleep(STORE_SETTLE_SECONDS)
    if last is None or built.key_store != last[0]:
        write(os.path.join(store_dir, KEY_STORE), built.key_store, 0o600)
    log(
        f"TLS material in {secret_dir} changed: key store rewritten, certificate valid "
        f"until {built.leaf.not_after:%Y-%m-%d %H:%M:%S} UTC"
    )
    return (built.key_store, trust_store, client_trust_store)


def _previous_authorities(trust_store: str, last: _Written | None) -> str:
    """The CAs trusted so far that the new ca.crt leaves out, kept for the pod's life:
    the kubelet updates each pod's Secret at its own time, so a member that has the
    new CA still meets members presenting certificates of the old one."""
    if last is None:
        return ""
    new = {block.der for block in pem_blocks(trust_store)}
    try:
        old = [block.der for block in pem_blocks(last[1]) if block.label == "CERTIFICATE"]
    except TlsProblem:
        return ""
    return "".join(pem("CERTIFICATE", der) for der in dict.fromkeys(old) if der not in new)


# What the key store, the trust store and the client trust store ("" if none) hold.
_Written = tuple[str, str, str]


def _current(store_dir: str) -> _Written | None:
    texts = []
    for name in (KEY_STORE, TRUST_STORE, CLIENT_TRUST_STORE):
        try:
            with open(os.path.join(store_dir, name)) as file:
                texts.append(file.read())
        except OSError:
            if name != CLIENT_TRUST_STORE:
                return None
            texts.append("")
    return texts[0], texts[1], texts[2]
