"""The test harness's ports: no two workers share one, and none is one the kernel hands out."""

from __future__ import annotations

import socket
from contextlib import closing

import pytest

from tests.harness import ports


def test_each_worker_has_a_block_of_its_own_below_the_ephemeral_range() -> None:
    blocks = [ports.worker_block(index, below=32768) for index in range(8)]
    numbers = [port for block in blocks for port in block]
    assert len(numbers) == len(set(numbers))
    assert max(numbers) < 32768
    assert min(numbers) >= ports.FIRST_PORT


def test_workers_beyond_the_room_below_the_range_wrap_rather_than_enter_it() -> None:
    assert max(ports.worker_block(100, below=20000)) < 20000


def test_the_worker_index_comes_from_xdist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert ports.worker_index() == 3
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert ports.worker_index() == 0


def test_a_port_something_listens_on_is_passed_over() -> None:
    held = ports.free_port()
    with closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", held))
        listener.listen()
        assert not ports.is_free(held)
        assert ports.free_port() != held
