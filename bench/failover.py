"""Failover as a client sees it: how long writes stop when the leader fails.

    python bench/failover.py IMAGE [--rounds 3]
    python bench/failover.py IMAGE --smoke   # one measurement: the code runs, in a minute

For each fault of the leader of a 3-member ensemble (manifests/zookeeper_mini.yaml,
run as its StatefulSet would be) -- `docker stop` (SIGTERM, then the grace
period), SIGKILL, and the leader cut off the network -- a kazoo client writes
continuously and the longest stretch without an acknowledged write is
measured. Twice: with the client connected to the survivors, which shows the
ensemble's own failover, and with the client connected to the failed leader
first, which adds the client's own detection (its session timeout and
connection retry). Also measured: the time until a survivor leads and both
survivors serve.

Each fault runs under ZooKeeper's stock behaviour (--fast_failover=false) and
under start-zookeeper's defaults, in the same run; the network cut also with a
shorter --sync_limit, the one setting that decides it. Medians and worst over the
rounds; timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kazoo.client import KazooClient  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402

from tests.harness.clients import ContinuousWriter  # noqa: E402
from tests.harness.manifests import manifest_statefulset  # noqa: E402
from tests.harness.members import leader_of, server_state, serving  # noqa: E402
from tests.harness.statefulset import StatefulSet, wait_for  # noqa: E402

# Session timeout and connection retry of the measuring client: what decides
# how fast a client of a failed member moves on (kazoo's read timeout is two
# thirds of the session timeout, and a connection attempt may take the session
# timeout divided by the number of hosts). It retries every 50 ms, so what the
# survivors' row shows is the ensemble's failover, not the client's backoff.
SESSION_TIMEOUT = 10.0
RETRY_EVERY = 0.05
FAULTS: dict[str, Callable[[StatefulSet, int], object]] = {
    "docker stop": lambda sts, i: sts.stop(i),
    "SIGKILL": lambda sts, i: sts.kill(i),
    "network cut": lambda sts, i: sts.disconnect(i),
}
CLIENTS = ("on the survivors", "on the failed leader first")
# start-zookeeper flags added to the manifest's command, and the faults each runs.
PROFILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "stock": (("--fast_failover=false",), tuple(FAULTS)),
    "zkcontainer": ((), tuple(FAULTS)),
    "zkcontainer, --sync_limit=2": (("--sync_limit=2",), ("network cut",)),
}


@dataclass
class Outcome:
    gap: float  # seconds without an acknowledged write
    ready: float  # seconds until a survivor leads and both serve


def new_leader_serves(sts: StatefulSet, survivors: list[int]) -> bool:
    """One survivor leads, and both serve (the follower synced): a quorum again."""
    states = sorted(server_state(sts, i) or "" for i in survivors)
    return states == ["follower", "leader"] and all(serving(sts, i) for i in survivors)


def ensemble(flags: tuple[str, ...]) -> dict[str, Any]:
    """The manifest's StatefulSet, with `flags` added to start-zookeeper's command."""
    statefulset = manifest_statefulset("zookeeper_mini.yaml")
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    container["command"] = [*container["command"], *flags]
    return statefulset


def measure(image: str, flags: tuple[str, ...], fault: str, client: str) -> Outcome:
    sts = StatefulSet(ensemble(flags), image)
    writer: ContinuousWriter | None = None
    try:
        sts.start()
        sts.wait_ready()
        leader = leader_of(sts, [0, 1, 2])
        survivors = [i for i in range(3) if i != leader]
        order = survivors if client == CLIENTS[0] else [leader, *survivors]
        zk = KazooClient(
            hosts=",".join(f"{sts.address(i)}:2181" for i in order),
            timeout=SESSION_TIMEOUT,
            connection_retry=KazooRetry(
                max_tries=-1, delay=RETRY_EVERY, backoff=1, max_delay=RETRY_EVERY
            ),
            randomize_hosts=False,  # connected to the first host: the leader, or not
        )
        writer = ContinuousWriter(zk, "/failover", pause=0.005)
        writer.start()
        wait_for(lambda: len(writer.acknowledged) >= 20, 60, lambda: "writer did not start")
        moment = time.monotonic()
        FAULTS[fault](sts, leader)
        wait_for(lambda: new_leader_serves(sts, survivors), 120, lambda: "no new leader")
        ready_after = time.monotonic() - moment
        # Writes resumed for good: acknowledged again lately, well after the fault.
        wait_for(
            lambda: time.monotonic() - moment > 3 and writer.writing(within=0.5),
            120,
            lambda: "writes never resumed",
        )
        return Outcome(writer.longest_gap(moment), ready_after)
    finally:
        if writer is not None:
            writer.finish()
        sts.teardown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one round of one fault, profile and client: that it runs, not what it measures",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds = 1
    results: dict[tuple[str, str, str], list[Outcome]] = {}
    for round_ in range(args.rounds):
        for fault in FAULTS:
            for profile, (flags, faults) in PROFILES.items():
                if fault not in faults:
                    continue
                for client in CLIENTS:
                    if args.smoke and results:
                        break
                    print(
                        f"bench-failover: round {round_ + 1}, {fault}, {profile}, client {client}",
                        file=sys.stderr,
                    )
                    outcome = measure(args.image, flags, fault, client)
                    results.setdefault((fault, profile, client), []).append(outcome)
    print(f"\n{args.rounds} round(s), image {args.image}; seconds.\n")
    # The worst round next to the median: a rare long outage is the news.
    print(
        "| leader fault | settings | client | longest without an acknowledged write, "
        "median | worst | a survivor leads, both serving, after (median) |"
    )
    print("|---|---|---|---:|---:|---:|")
    for (fault, profile, client), outcomes in results.items():
        gap = statistics.median(o.gap for o in outcomes)
        worst = max(o.gap for o in outcomes)
        ready = statistics.median(o.ready for o in outcomes)
        print(f"| {fault} | {profile} | {client} | {gap:.2f} | {worst:.2f} | {ready:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
