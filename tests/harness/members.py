"""What an operator asks a member pod, through `kubectl exec`-style calls."""

from __future__ import annotations

from tests.harness.statefulset import StatefulSet, wait_for
from zkcontainer.fourlw import parse_lines


def server_state(sts: StatefulSet, ordinal: int) -> str | None:
    """zk_server_state from `zookeeper-metrics` run in the pod; None when unreadable."""
    code, output = sts.exec(ordinal, ["zookeeper-metrics"])
    return parse_lines(output).get("zk_server_state") if code == 0 else None


def serving(sts: StatefulSet, ordinal: int) -> bool:
    return sts.exec(ordinal, ["zookeeper-ready", "--serving"])[0] == 0


def alive(sts: StatefulSet, ordinal: int) -> bool:
    return sts.exec(ordinal, ["zookeeper-ready"])[0] == 0


def leader_of(sts: StatefulSet, ordinals: list[int], timeout: float = 0) -> int:
    """The one member among `ordinals` that says it leads: at once, or once exactly one
    does within `timeout` (just after an election, or on a loaded machine where mntr
    misses its one-second deadline, a moment can pass with none)."""
    leaders: list[int] = []

    def one_leader() -> bool:
        leaders[:] = [i for i in ordinals if server_state(sts, i) == "leader"]
        return len(leaders) == 1

    wait_for(one_leader, timeout, lambda: f"leaders among {ordinals}: {leaders}", step=1)
    return leaders[0]
