"""How fast a server is serving: a fresh standalone container, and an ensemble pod recreated.

    python bench/start.py IMAGE [--rounds 5]

Standalone: from `docker run IMAGE` to the first `zookeeper-ready --serving`
that passes. Ensemble: a member of manifests/zookeeper_mini.yaml's ensemble
deleted as `kubectl delete pod` does (SIGTERM, the grace period, then the
controller's new pod on the same volumes), from the new pod's start to the
first passing `--serving` (rejoining and syncing included). Polling is by
`docker exec` every few tens of milliseconds; medians over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402

from tests.harness.manifests import manifest_statefulset  # noqa: E402
from tests.harness.members import serving  # noqa: E402
from tests.harness.statefulset import StatefulSet, labels  # noqa: E402


def until_serving(check: Callable[[], bool], timeout: float = 120) -> float:
    """Seconds until `check()` is true, polled as fast as docker exec allows."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise RuntimeError("never serving")
        time.sleep(0.02)
    return time.monotonic() - started


def standalone_start(client: docker.DockerClient, image: str) -> float:
    started = time.monotonic()
    container = client.containers.run(image, detach=True, labels=labels("bench-start"))
    try:
        until_serving(lambda: container.exec_run(["zookeeper-ready", "--serving"]).exit_code == 0)
        return time.monotonic() - started
    finally:
        container.remove(force=True)


def ensemble_restarts(image: str, rounds: int) -> list[float]:
    sts = StatefulSet(manifest_statefulset("zookeeper_mini.yaml"), image)
    try:
        sts.start()
        sts.wait_ready()
        seconds = []
        for round_ in range(rounds):
            ordinal = round_ % 3
            sts.stop(ordinal)
            sts.container(ordinal).remove(force=True)
            started = time.monotonic()
            sts.restart_as_new(ordinal)
            until_serving(lambda i=ordinal: serving(sts, i))
            seconds.append(time.monotonic() - started)
            sts.wait_ready()
        return seconds
    finally:
        sts.teardown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    client = docker.from_env()
    print("bench-start: standalone containers", file=sys.stderr)
    standalone = [standalone_start(client, args.image) for _ in range(args.rounds)]
    print("bench-start: ensemble pods recreated", file=sys.stderr)
    ensemble = ensemble_restarts(args.image, args.rounds)
    print(f"\n{args.rounds} round(s), image {args.image}; seconds.\n")
    print("| from | to | median | min | max |")
    print("|---|---|---:|---:|---:|")
    for what, to, seconds in (
        ("`docker run`, standalone", "serving", standalone),
        ("a recreated ensemble pod's start", "serving, synced", ensemble),
    ):
        print(
            f"| {what} | {to} | {statistics.median(seconds):.2f} "
            f"| {min(seconds):.2f} | {max(seconds):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
