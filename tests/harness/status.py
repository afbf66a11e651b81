"""zookeeper-status run in a member pod, as `kubectl exec` runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.harness.statefulset import StatefulSet, wait_for

ASKING = 0  # the pod status runs in; it is never stopped


class Status:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def members(self) -> list[dict[str, Any]]:
        return list(json.loads(self.stdout)["members"])


def status(sts: StatefulSet, *args: str) -> Status:
    result = sts.container(ASKING).exec_run(["zookeeper-status", *args], demux=True)
    stdout, stderr = result.output
    return Status(result.exit_code, (stdout or b"").decode(), (stderr or b"").decode())


def status_once(
    sts: StatefulSet, code: int, also: Callable[[Status], bool] = lambda _: True
) -> Status:
    """The JSON status once it exits `code` (and satisfies `also`): members notice a
    stopped peer, and a survivor its lost quorum, a moment after it stops."""
    seen: list[Status] = []

    def reached() -> bool:
        seen[:] = [status(sts, "--format=json")]
        return seen[0].code == code and also(seen[0])

    wait_for(reached, 60, lambda: f"exit {seen[0].code}: {seen[0].stdout}{seen[0].stderr}")
    return seen[0]
