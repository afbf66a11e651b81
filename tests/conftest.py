"""Shared fixtures: real ZooKeeper servers that are always stopped, and logged on failure."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.containers import build_image
from tests.harness.ports import free_port
from tests.harness.prerequisites import require_docker, require_zookeeper
from tests.harness.statefulset import StatefulSet, remove_leftovers
from tests.harness.zookeeper import ZooKeeperServer

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Remember whether any phase of a test failed, for fixtures that dump logs."""
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


# Unit tests first, then those starting a JVM, then the image: the fast tiers fail fast.
TIER_ORDER = ("process", "container")
# A test's tier is the directory it lives in: tests/unit, tests/process or tests/container.
TESTS = Path(__file__).resolve().parent
UNIT = "unit"


def directory_tier(item: pytest.Item) -> str | None:
    """The tier directory `item` lives in; None for a module at tests/ top level."""
    path = item.path.resolve()
    relative = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
    if len(relative) > 1 and relative[0] in (UNIT, *TIER_ORDER):
        return relative[0]
    return None


def mark_by_directory(items: list[pytest.Item]) -> None:
    """Give each test its directory's tier marker (`-m container` selects by it); refuse
    a test marked for a tier other than the directory it lives in."""
    misplaced = []
    for item in items:
        tier = directory_tier(item)
        if tier is None:
            continue
        marked = {mark.name for mark in item.iter_markers()} & set(TIER_ORDER)
        if marked - {tier}:
            misplaced.append(f"{item.nodeid}: marked {', '.join(sorted(marked))}, in tests/{tier}/")
        elif tier != UNIT and tier not in marked:
            item.add_marker(tier)
    if misplaced:
        raise pytest.UsageError("\n".join(["tests in another tier's directory:", *misplaced]))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_by_directory(items)

    def tier(item: pytest.Item) -> int:
        marks = {mark.name for mark in item.iter_markers()}
        return next((i + 1 for i, name in enumerate(TIER_ORDER) if name in marks), 0)

    items.sort(key=tier)  # stable: within a tier, the files' own order


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):  # type: ignore[no-untyped-def]
    """`PASSED (12.3s)` in verbose runs: the container tier's tests take minutes."""
    if report.when != "call" or config.get_verbosity() < 1 or report.outcome == "skipped":
        return None
    letter = "F" if report.failed else "."
    return report.outcome, letter, f"{report.outcome.upper()} ({report.duration:.1f}s)"


ServerFactory = Callable[..., ZooKeeperServer]
StartStatefulSet = Callable[..., StatefulSet]  # the `statefulset` fixture


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
        isolated: bool = False,
    ) -> ZooKeeperServer:
        server = ZooKeeperServer(
            root=root or tmp_path / name,
            client_port=free_port(),
            extra_flags=list(extra_flags),
            env=env or {},
            isolated=isolated,
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


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def docker_client():  # type: ignore[no-untyped-def]
    client = require_docker()
    remove_leftovers(client)  # of an interrupted earlier session
    return client


def built(tag: str, **environment: str) -> str:
    """`tag` built by docker/build-image (cached layers make a rebuild take seconds)."""
    result = build_image(tag, **environment)
    if result.returncode != 0:
        pytest.fail(f"docker/build-image {tag} failed:\n{result.stderr}", pytrace=False)
    print(result.stderr.strip())
    return tag


@pytest.fixture(scope="session")
def image(docker_client) -> str:  # type: ignore[no-untyped-def]
    """The image built from docker/."""
    return built(os.environ.get("IMAGE", "zkcontainer:dev"))


@pytest.fixture(scope="session")
def previous_image(docker_client) -> str:  # type: ignore[no-untyped-def]
    """The previous image, ZooKeeper 3.9.3 (Debian 13's), that upgrades roll from and
    back to: $IMAGE's tag with `-previous` appended."""
    tag = os.environ.get("IMAGE", "zkcontainer:dev") + "-previous"
    return built(tag, ZOOKEEPER_RELEASE="trixie")


@pytest.fixture
def statefulset(request: pytest.FixtureRequest, docker_client, image: str):  # type: ignore[no-untyped-def]
    """Start StatefulSets from manifests; remove all they made, print pod logs on failure."""
    made: list[StatefulSet] = []

    def start(
        manifest: dict[str, Any], replicas: int | None = None, wait: bool = True, **options: Any
    ) -> StatefulSet:
        """`options`: the rest of StatefulSet's keywords (namespace, services)."""
        sts = StatefulSet(manifest, image, replicas=replicas, client=docker_client, **options)
        made.append(sts)
        sts.start()
        if wait:
            sts.wait_ready()
        return sts

    yield start
    failed = request.node.stash.get(_FAILED, False)
    for sts in made:
        if failed:
            for pod in sts.pods:
                print(f"\n===== {pod.name} logs =====\n{sts.logs(pod.ordinal)[-30000:]}")
                print(f"===== {pod.name} probes =====")
                for result in pod.results[-10:]:
                    print(f"  {result.kind} ok={result.ok} {result.output.strip()[:200]}")
        sts.teardown()
