"""The joiner: once this member serves as a non-voting follower, add it to the ensemble.

start-zookeeper execs the JVM, so what must happen after ZooKeeper serves
runs in a child forked just before (as the TLS watcher): ZooKeeper's safer
join order starts the member with the serving members plus itself, lets it
sync without a vote, and only then adds it, so the ensemble's fault tolerance
never drops while it syncs (docs/design.md has the argument). Not the readiness
probe (a probe must be free of side effects), not a sidecar (a second
container to wire into every pod spec, for one call per start). The child
waits for the local server to serve, adds the member with retries, logs the
outcome in one line, and exits; it leaves too when the JVM is gone
(start-zookeeper's fork_child).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from zkcontainer import ZkContainerError, ready
from zkcontainer.fourlw import address_label, find_value, send_word
from zkcontainer.reconfig.model import Member

ADD_TIMEOUT = 30.0
POLL = 0.5
MAX_PAUSE = 10.0


def serving(host: str, port: int) -> bool:
    """Whether the local server serves as a follower or observer synced with a leader
    (zookeeper-ready --serving's rule, on mntr): a joiner starts as one of those."""
    try:
        mntr = send_word("mntr", host, port, timeout=2.0)
    except ZkContainerError:
        return False
    state = find_value(mntr, "zk_server_state")
    return state in ready.LEARNER_STATES and ready.serving(state, find_value(mntr, "zk_peer_state"))


def join(
    member: Member,
    host: str,
    port: int,
    password: str,
    *,
    sasl: bool,
    keep_going: Callable[[], bool],
    log: Callable[[str], None],
) -> bool:
    """Wait until the server on host:port serves, then add `member` as the superuser
    (by SASL with `sasl`); False if it went away."""
    from zkcontainer.reconfig.client import ReconfigError, add, session  # noqa: PLC0415

    while not serving(host, port):
        if not keep_going():
            return False
        time.sleep(POLL)
    said = ""
    pause = 1.0
    while keep_going():
        try:
            with session([address_label(host, port)], ADD_TIMEOUT, password, sasl=sasl) as client:
                membership = add(client, member, ADD_TIMEOUT)
        except ReconfigError as error:
            if str(error) != said:
                log(f"adding {member.spec()} failed, retrying: {error}")
                said = str(error)
            time.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)
            continue
        voters = ", ".join(str(i) for i in sorted(membership.voter_ids))
        log(f"added {member.spec()}: configuration version {membership.version:x}, voters {voters}")
        return True
    return False
