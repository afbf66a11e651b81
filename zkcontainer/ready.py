"""zookeeper-ready: the liveness and readiness probe.

Exit 0 when healthy, 1 with one line saying why not, 2 when called wrongly.
Kept lean: Kubernetes runs it every few seconds in every pod.
"""

from zkcontainer import ProbeError
from zkcontainer.fourlw import address_label, find_value, send_word
from zkcontainer.probeargs import ProbeArgs, parse, run_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "zookeeper-ready"
# Whether a member serves, and whether it has synced with its leader, is
# decided here, for the probe and for every command that asks a member.
# The states in which a server serves clients (mntr's zk_server_state, srvr's Mode).
SERVING_STATES = ("leader", "follower", "observer", "standalone")
# The learners: they serve once synced with their leader.
LEARNER_STATES = ("follower", "observer")
# The states of the voters that make a quorum: an observer never counts, and a
# standalone server is no member of an ensemble.
QUORUM_STATES = ("leader", "follower")
# How mntr's zk_peer_state ends once a member has synced with its leader and
# takes its broadcasts: "following - broadcast", "observing - broadcast".
SYNCED_SUFFIX = "- broadcast"

USAGE = """\
usage: zookeeper-ready [--serving] [--host HOST] [--tls_dir DIR] [--timeout SECONDS] [PORT]

Without --serving (liveness): sends ruok and exits 0 on exactly imok. ZooKeeper
answers imok as soon as its client port is open, with or without a quorum, so
this says the process is alive, not that it serves: use it as livenessProbe.

With --serving (readiness): exits 0 only when the server serves requests: mntr
reports leader, follower, observer or standalone, and a follower or observer
has finished syncing with its leader (zk_peer_state ends in "- broadcast").
Falls back to srvr when mntr is not whitelisted. Use it as readinessProbe.
While start-zookeeper waits before starting ZooKeeper (its volume holds no
data: see docs/lost-volumes.md), ruok passes and --serving fails with the
reason it waits.

Four-letter words the server must whitelist (4lw.commands.whitelist):
ruok for liveness, mntr for readiness (srvr, which ZooKeeper >= 3.5 always
allows, is the fallback). start-zookeeper whitelists ruok,mntr,srvr.

  PORT               client port (default 2181)
  --host HOST        an IPv4 or IPv6 address (default 127.0.0.1) or a DNS name
  --tls_dir DIR      speak TLS to PORT (the secure client port), for
                     --client_port=0: DIR is start-zookeeper's store directory
                     (<conf_dir>/tls: keystore.pem, truststore.pem), or a
                     Secret's mount (tls.crt, tls.key, ca.crt, through ..data)
  --timeout SECONDS  limit for all of it: resolving HOST, connect, send, reply
                     (default 1)

Exit: 0 healthy, 1 not (one line: refused, timed out, reset, unreachable,
not whitelisted, not serving, unexpected reply, tls failed), 2 bad arguments."""


def synced(state: str, peer_state: str | None) -> bool:
    """Whether a server in `state` has synced with its leader, by mntr's zk_peer_state.

    A standalone server has no leader. Without a peer state (srvr carries
    none) it counts as synced: a follower only answers srvr once synced.
    """
    return peer_state is None or state == "standalone" or peer_state.endswith(SYNCED_SUFFIX)


def serving(state: str | None, peer_state: str | None = None) -> bool:
    """The rule of --serving: a serving state, and synced with its leader."""
    return state in SERVING_STATES and synced(state, peer_state)


def check_alive(args: ProbeArgs) -> None:
    reply = send_word("ruok", args.host, args.port, deadline=args.deadline, tls_dir=args.tls_dir)
    if reply != "imok":
        where = address_label(args.host, args.port)
        raise ProbeError("unexpected reply", f"{where}: ruok answered {reply[:80]!r}, not 'imok'")


def check_serving(args: ProbeArgs) -> str:
    """The server's state when it serves requests; ProbeError otherwise."""
    try:
        mntr = send_word("mntr", args.host, args.port, deadline=args.deadline, tls_dir=args.tls_dir)
        state, peer_state = find_value(mntr, "zk_server_state"), find_value(mntr, "zk_peer_state")
        wait_reason = find_value(mntr, "zk_wait_reason")
    except ProbeError as error:
        if error.reason != "not whitelisted":
            raise
        # srvr carries no peer state, but a follower only answers it once synced.
        srvr = send_word("srvr", args.host, args.port, deadline=args.deadline, tls_dir=args.tls_dir)
        state, peer_state, wait_reason = find_value(srvr, "Mode", ": "), None, None
    where = address_label(args.host, args.port)
    if state == "waiting":  # start-zookeeper, before the exec: its reason (zkcontainer.announce)
        raise ProbeError("not serving", f"{where}: waiting: {wait_reason}")
    if state is None:
        raise ProbeError("unexpected reply", f"{where}: no server state in mntr or srvr")
    if state not in SERVING_STATES:
        raise ProbeError("not serving", f"{where}: state {state}")
    if not synced(state, peer_state):
        raise ProbeError("not serving", f"{where}: {state} still syncing ({peer_state})")
    return state


def probe(argv: "Sequence[str]") -> None:
    args = parse(argv, switches=("serving",), options={"tls_dir": ""})
    if "serving" in args.switches:
        check_serving(args)
    else:
        check_alive(args)


def main(argv: "Sequence[str] | None" = None) -> int:
    return run_command(PROG, USAGE, argv, probe)


if __name__ == "__main__":
    raise SystemExit(main())
