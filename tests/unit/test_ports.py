"""The test harness's ports: no two workers share one, and none is one the kernel hands out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

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


SESSION = """
import sys
from tests.harness import ports
print(" ".join(str(ports.free_port()) for _ in range(20)), flush=True)
sys.stdin.read()  # holds its ports, as a running session does, until told to end
"""


def read_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline()


def test_two_sessions_at_once_never_hand_out_the_same_port() -> None:
    # Two pytest runs on one machine (two checkouts, or CI jobs on one host) have
    # workers of the same names: the same block, walked from the same start.
    root = Path(__file__).resolve().parents[2]
    environ = {**os.environ, "PYTHONPATH": str(root), "PYTEST_XDIST_WORKER": "gw0"}
    sessions = [
        subprocess.Popen(
            [sys.executable, "-c", SESSION],
            cwd=root,
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        handed_out = [set(map(int, read_line(session).split())) for session in sessions]
    finally:
        for session in sessions:
            session.communicate("")
    assert all(len(ports_of_one) == 20 for ports_of_one in handed_out)
    assert not handed_out[0] & handed_out[1]


def test_a_worker_lets_go_of_its_oldest_claims_and_keeps_its_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ports, "HELD_CLAIMS", 5)
    handed_out = [ports.free_port() for _ in range(12)]
    assert list(ports._claimed) == handed_out[-5:]
