"""Rolling updates as the StatefulSet controller makes them, and what a test
watches through one: how few members were Ready at any moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tests.harness.statefulset import StatefulSet


@contextmanager
def fewest_ready(sts: StatefulSet) -> Iterator[list[int]]:
    """The fewest pods Ready at any moment of the block, in a list of one, sampled
    every 0.1 s: with one pod replaced at a time, 2 of 3 means the quorum held."""
    fewest = [sts.replicas]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            ready = sum(pod.ready for pod in sts.pods)
            if ready < fewest[0]:
                print(f"{time.strftime('%H:%M:%S')} Ready: {[p.name for p in sts.pods if p.ready]}")
            fewest[0] = min(fewest[0], ready)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield fewest
    finally:
        done.set()
        sampler.join(5)


def roll(sts: StatefulSet, command: Sequence[str]) -> None:
    """A rolling update of the pods' command, as the StatefulSet controller does it:
    highest ordinal first, each pod deleted once the one before is Ready again."""
    sts.container_spec = {**sts.container_spec, "command": list(command)}
    for i in reversed(range(sts.replicas)):
        print(f"{time.strftime('%H:%M:%S')} rolling {sts.pods[i].name}: {' '.join(command[3:])}")
        sts.delete(i)
        sts.wait_ready([i], timeout=120)
