"""zookeeper-scale N: shrink a --reconfig ensemble to the members with ids 1..N.

Run in any member (`kubectl exec zk-0 -- zookeeper-scale 3`), then
`kubectl scale statefulset zk --replicas=3`, then `zookeeper-scale 3` again:
a member can add itself meanwhile (a joiner still in flight, or a removed
member whose container restarted before its pod was deleted). The
StatefulSet deletes the pods with ordinals N and above, which are ids N+1 and above, so every member
above N goes, voters and observers alike. It speaks to the local server as
ZooKeeper's superuser, reads the live configuration, and removes those ids
in one reconfig, after checking that the voters that remain have a serving
majority (otherwise ZooKeeper could not commit the change, or the ensemble
would stop once the pods are gone). It refuses to leave a single voter: a
configuration that lists only itself is one start-zookeeper --reconfig never
restarts from. It warns when two voters would remain, which tolerate no failure.
Idempotent: at N already, nothing to do.

Exit: 0 done or nothing to do, 1 refused or failed (one line), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from zkcontainer import ZkContainerError, ready, render
from zkcontainer.arguments import OneLineParser, positive_integer, seconds, tcp_port
from zkcontainer.fourlw import address_label, find_value, local_address, send_word
from zkcontainer.identity import parse_pod_hostname
from zkcontainer.properties import parse_properties
from zkcontainer.reconfig.model import Member, Membership

PROG = "zookeeper-scale"
DEFAULT_CONF_DIR = "/opt/zookeeper/conf"


class Refused(ZkContainerError):
    """The change would leave the ensemble without a serving quorum, or cannot be made."""


def parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description="Remove every member with an id above N from a --reconfig ensemble; "
        "then run kubectl scale statefulset <name> --replicas=N, then this command again.",
    )
    parser.add_argument(
        "members", metavar="N", type=positive_integer, help="members to keep: ids 1..N"
    )
    parser.add_argument(
        "--reconfig_password_file",
        help="the superuser password's file (default: $ZK_RECONFIG_PASSWORD_FILE, else the "
        "one start-zookeeper was given, from <conf_dir>/zookeeper-scale.properties)",
    )
    parser.add_argument("--conf_dir", help=f"start-zookeeper's --conf_dir ({DEFAULT_CONF_DIR})")
    parser.add_argument("--client_port", type=tcp_port, help="the local server's client port")
    parser.add_argument("--host", help="the local server's address (127.0.0.1)")
    parser.add_argument("--timeout", type=seconds, default=30.0, help="seconds for it all (30)")
    return parser


def scale(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    warn: Callable[[str], None] = lambda line: None,
    hostname: Callable[[], str] = socket.gethostname,
) -> list[str]:
    """Remove the members above N; the lines that say what was done and what comes next."""
    from zkcontainer.reconfig.client import read_live, read_password, remove, session  # noqa: PLC0415

    if args.members == 1:
        # Ids 1..1 hold one voter at most: a configuration that lists only
        # itself, from which start-zookeeper --reconfig never restarts it
        # (it could be an ensemble of its own), and whose volume is then lost.
        raise Refused(_one_voter(args.members))
    known = _started_with(args.conf_dir or environ.get("ZK_CONF_DIR", DEFAULT_CONF_DIR))
    password_file = (
        args.reconfig_password_file
        or environ.get("ZK_RECONFIG_PASSWORD_FILE")
        or known.get("reconfig_password_file")
    )
    if not password_file:
        raise Refused(
            "no --reconfig_password_file, ZK_RECONFIG_PASSWORD_FILE, or start-zookeeper "
            "--reconfig in this pod to take it from"
        )
    port = args.client_port or int(
        environ.get("ZK_CLIENT_PORT") or known.get("client_port") or 2181
    )
    host = args.host or local_address(known.get("client_address"))
    password = read_password(password_file)
    deadline = time.monotonic() + args.timeout
    sasl = known.get("superuser_by_sasl") == "true"
    with session([address_label(host, port)], args.timeout, password, sasl=sasl) as client:
        live = read_live(client, deadline)
        leaving = sorted(i for i in live.ids if i > args.members)
        remaining = sorted(m.id for m in live.members if m.voting and m.id <= args.members)
        if leaving and len(remaining) == 1:
            raise Refused(_one_voter(args.members, remaining))
        if not leaving:
            done = f"nothing to do: the members are {_ids(live.ids)}"
        else:
            _check_quorum(live, args.members, deadline)
            result = remove(client, leaving, max(deadline - time.monotonic(), 1.0))
            done = (
                f"removed {_ids(leaving)}: members {_ids(result.ids)},"
                f" voters {_ids(result.voter_ids)} (version {result.version:x})"
            )
    if len(remaining) == 2:
        warn(
            f"warning: {args.members} leaves 2 voters ({_ids(remaining)}), which tolerate"
            " no failure: either one down stops the ensemble; 3 tolerate one"
        )
    return [done, *next_steps(args.members, hostname())]


def next_steps(members: int, hostname: str) -> list[str]:
    """What the operator does next, one line per step."""
    pod = parse_pod_hostname(hostname.partition(".")[0])
    name = pod.set_name if pod is not None else "<name>"
    return [
        f"next: kubectl scale statefulset {name} --replicas={members}",
        f"then: zookeeper-scale {members} again: it removes any member that added itself"
        " meanwhile (a joiner still in flight, or a removed member whose container restarted"
        " before its pod was deleted)",
    ]


def _one_voter(members: int, remaining: Sequence[int] = ()) -> str:
    which = f" ({_ids(remaining)})" if remaining else ""
    return (
        f"{members}: would leave one voter{which}, whose configuration would list only"
        " itself: it could not restart; keep at least 3 voters (2 are allowed, and tolerate no"
        " failure)"
    )


def _check_quorum(live: Membership, keep: int, deadline: float) -> None:
    """The voters that remain must have a serving majority among themselves."""
    remaining = [m for m in live.members if m.voting and m.id <= keep]
    if not remaining:
        raise Refused(f"no voter among ids 1..{keep}: voters are {_ids(live.voter_ids)}")
    serving = _serving(remaining, deadline)
    majority = len(remaining) // 2 + 1
    if len(serving) < majority:
        raise Refused(
            f"the voters that would remain ({_ids(m.id for m in remaining)}) need {majority}"
            f" serving, but only {len(serving)} serve ({_ids(serving) or 'none'}):"
            " the ensemble would lose its quorum"
        )


def _serving(members: Sequence[Member], deadline: float) -> list[int]:
    """The ids among `members` whose servers serve in the quorum (srvr: leader or follower),
    asked at once."""
    found: list[int] = []

    def ask(member: Member) -> None:
        try:
            srvr = send_word(
                "srvr",
                member.host,
                member.client_port or 2181,
                deadline=min(deadline, time.monotonic() + 3),
            )
        except ZkContainerError:
            return
        mode = find_value(srvr, "Mode", ": ")
        if ready.serving(mode) and mode in ready.QUORUM_STATES:
            found.append(member.id)

    threads = [threading.Thread(target=ask, args=(m,), daemon=True) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    return sorted(found)


def _started_with(conf_dir: str) -> dict[str, str]:
    """What start-zookeeper --reconfig left for this command in its conf dir, if anything."""
    path = os.path.join(conf_dir, render.SCALE_PROPERTIES)
    try:
        with open(path, encoding="latin-1") as file:
            return {k: v for k, v in parse_properties(file.read()).items() if v}
    except OSError:
        return {}


def _ids(ids: object) -> str:
    return ", ".join(str(i) for i in sorted(ids))  # type: ignore[call-overload]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit:  # --help (0), or bad arguments (2) with argparse's line
        return int(exit.code or 0)
    try:
        lines = scale(args, os.environ, lambda line: print(f"{PROG}: {line}", file=sys.stderr))
        for line in lines:
            print(f"{PROG}: {line}")
    except ZkContainerError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the last line of defence: never a traceback
        print(f"{PROG}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
