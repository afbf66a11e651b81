"""Single containers of the image, for tests that need no StatefulSet."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.harness.statefulset import labels, wait_for

BUILD_IMAGE = Path(__file__).resolve().parent.parent.parent / "docker" / "build-image"


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
def serving_container(client: Any, image: str, owner: str, **run: Any) -> Iterator[Any]:
    """`docker run IMAGE` (plus `run`'s keyword arguments), yielded once ZooKeeper
    serves; removed afterwards, whatever happened."""
    container = client.containers.run(image, detach=True, labels=labels(owner), **run)
    try:
        wait_for(
            lambda: container.exec_run(["zookeeper-ready", "--serving"]).exit_code == 0,
            60,
            lambda: container.logs().decode()[-3000:],
        )
        yield container
    finally:
        container.remove(force=True)
