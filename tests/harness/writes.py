"""Writes a test counts: the creates a client had acknowledged through failover, and
waiting for more."""

from __future__ import annotations

from collections.abc import Callable

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException

from tests.harness.clients import ContinuousWriter
from tests.harness.statefulset import wait_for


def write_numbers(zk: KazooClient, count: int, before_write: Callable[[int], None]) -> list[int]:
    """Create /writes/<n> for n < count; returns the n whose create was acknowledged."""
    zk.ensure_path("/writes")
    acknowledged = []
    for n in range(count):
        before_write(n)
        try:
            zk.create(f"/writes/{n:04d}", str(n).encode())
            acknowledged.append(n)
        except KazooException:
            # Not acknowledged: it may or may not have been applied. Wait for a
            # server before the next write, so the stream goes on through failover.
            wait_for(lambda: zk.connected, 60, lambda: "client never reconnected")
    return acknowledged


def written(writer: ContinuousWriter, more: int) -> None:
    """Wait until `more` writes beyond those acknowledged so far are acknowledged."""
    goal = len(writer.acknowledged) + more
    wait_for(lambda: len(writer.acknowledged) >= goal, 60, lambda: "writes stalled")
