"""Shared fixtures: real ZooKeeper servers that are always stopped, and logged on failure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.prerequisites import require_zookeeper
from tests.harness.zookeeper import ZooKeeperServer, free_port

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Remember whether any phase of a test failed, for fixtures that dump logs."""
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


ServerFactory = Callable[..., ZooKeeperServer]


@pytest.fixture
def zookeeper_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerFactory]:
    """Make ZooKeeperServer objects; stop them all afterwards, print their output on failure."""
    require_zookeeper()
    servers: list[ZooKeeperServer] = []

    def make(
        *extra_flags: str,
        name: str = "zk",
        env: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> ZooKeeperServer:
        server = ZooKeeperServer(
            root=root or tmp_path / name,
            client_port=free_port(),
            extra_flags=list(extra_flags),
            env=env or {},
        )
        server.root.mkdir(parents=True, exist_ok=True)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    if request.node.stash.get(_FAILED, False):
        for server in servers:
            for name, text in server.outputs():
                print(f"\n===== {name} =====\n{text[-20000:]}")
