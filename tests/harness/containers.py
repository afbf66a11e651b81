"""Single containers of the image, for tests that need no StatefulSet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.harness.statefulset import labels, wait_for


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
