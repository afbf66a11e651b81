"""Our probe commands run against a ZooKeeper server of this host, as a kubelet runs them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.harness.zookeeper import ZooKeeperServer

BIN = Path(sys.executable).parent


def probe(
    command: str, *args: str | int, inside: ZooKeeperServer | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a probe command; `inside` an isolated server's network when given."""
    argv = [str(BIN / command), *map(str, args)]
    return subprocess.run(
        inside.in_network(argv) if inside else argv,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def started(server: ZooKeeperServer) -> ZooKeeperServer:
    server.start()
    server.wait_until_imok()
    return server


def until(
    expected: int, command: str, *args: str | int, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """The probe's result once it exits `expected`: ZooKeeper answers ruok
    before it has loaded its database and serves, so readiness comes a moment
    after liveness."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe(command, *args)
        if result.returncode == expected or time.monotonic() > deadline:
            return result
        time.sleep(0.1)
