"""Single containers of the image, for tests that need no StatefulSet: testcontainers'
DockerContainer, labelled like everything the harness makes."""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import ExecWaitStrategy

from tests.harness.statefulset import labels

# testcontainers' reaper, Ryuk, runs from an image pulled from Docker Hub, and no registry
# answers on our machines. Set here, on the one module that starts testcontainers, so it
# holds for pytest and bench/ alike, whatever the environment says; remove_leftovers
# (tests/harness/statefulset.py) finds what an interrupted run left by our labels instead.
testcontainers_config.ryuk_disabled = True

BUILD_IMAGE = Path(__file__).resolve().parent.parent.parent / "docker" / "build-image"
SERVING_TIMEOUT = 60  # seconds; a standalone server serves within a few
LAST_LOG_LINES = 40


def build_image(tag: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """docker/build-image for `tag`, with extra variables (BASE_IMAGE); its progress
    and size lines are in the result's stderr."""
    return subprocess.run(
        [str(BUILD_IMAGE)],
        env={**os.environ, "IMAGE": tag, **environment},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


@contextmanager
def build_lock() -> Iterator[dict[str, str]]:
    """docker/build-image's lock, held: no other build on this machine (another test
    worker's) changes the engine's images meanwhile. Yields the variables that tell a
    build_image inside it that its caller holds the lock."""
    path = os.path.join(tempfile.gettempdir(), "zkcontainer-build-image.lock")
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield {"ZKCONTAINER_BUILD_LOCK_HELD": "1"}


@contextmanager
def serving_container(image: str, owner: str, **run: Any) -> Iterator[DockerContainer]:
    """`docker run IMAGE` (plus docker-py's `run` options: hostname, user, volumes...),
    yielded once `zookeeper-ready --serving` passes in it; removed afterwards, whatever
    happened. Not serving in time fails with the probe's last answer and the last logs."""
    container = (
        DockerContainer(image)
        .with_kwargs(labels=labels(owner), **run)
        .waiting_for(
            ExecWaitStrategy(["zookeeper-ready", "--serving"])
            .with_startup_timeout(SERVING_TIMEOUT)
            .with_poll_interval(0.25)
        )
    )
    try:
        try:
            container.start()
        except TimeoutError as timeout:
            raise TimeoutError(f"{timeout}\nlast logs:\n{last_logs(container)}") from None
        yield container
    finally:
        container.stop()  # removes it


def last_logs(container: DockerContainer) -> str:
    """The last lines of each of the container's streams: ZooKeeper logs to stdout,
    start-zookeeper's refusals go to stderr."""
    streams = zip(("stdout", "stderr"), container.get_logs(), strict=True)
    return "\n".join(
        f"--- {name}:\n" + "\n".join(text.decode(errors="replace").splitlines()[-LAST_LOG_LINES:])
        for name, text in streams
    )


def client_address(container: DockerContainer, port: int = 2181) -> str:
    """host:port of a container's port on its own network, reachable from this machine."""
    client = container.get_docker_client()
    return f"{client.bridge_ip(container.get_container_id())}:{port}"
