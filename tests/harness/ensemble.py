"""A module's own ensemble of the image: started once, its logs printed if a test of the
module failed, then removed; and addressed member by member."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.harness.statefulset import StatefulSet
from zkcontainer.fourlw import address_label


@contextmanager
def running(request: pytest.FixtureRequest, sts: StatefulSet) -> Iterator[StatefulSet]:
    """`sts` started and Ready, its logs printed if a test of the module failed, then removed."""
    failed_before = request.session.testsfailed
    try:
        sts.start()
        sts.wait_ready(timeout=180)
        yield sts
    finally:
        if request.session.testsfailed != failed_before:
            for pod in sts.pods:
                print(f"\n===== {pod.name} logs =====\n{sts.logs(pod.ordinal)[-20000:]}")
        sts.teardown()


def hosts(sts: StatefulSet, ordinals: list[int]) -> str:
    """A connect string of these members alone."""
    return ",".join(address_label(sts.address(i), 2181) for i in ordinals)
