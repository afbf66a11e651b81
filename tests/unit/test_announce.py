"""What a deciding member tells its peers and its probes, over real sockets on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.harness.ports import free_port
from zkcontainer.announce import (
    Announcement,
    PeerAddress,
    announcing,
    parse_greeting,
    read_peer,
)
from zkcontainer.startgate import PeerView
from zkcontainer.volume import Volume

ZOOKEEPER_READY = str(Path(sys.executable).parent / "zookeeper-ready")
HOLDING = Volume("data", last_zxid=0x1000000C1, epoch=1)


@pytest.fixture
def member() -> Iterator[PeerAddress]:
    """A member deciding on loopback: greeting on its election port, probes on its client port."""
    address = PeerAddress(2, "127.0.0.1", free_port(), free_port())
    announcement = Announcement(
        2,
        HOLDING,
        config_version=0x100000000,
        declared_lost=frozenset({1, 3}),
        reason="this volume holds data; waiting for 3",
    )
    with announcing(announcement, address.election_port, address.client_port, "127.0.0.1", print):
        yield address


def test_a_greeting_says_what_the_volume_holds() -> None:
    line = Announcement(2, HOLDING, 0x100000000, "ready", frozenset({1, 3})).line()
    assert line == (
        "zkcontainer-volume 1 id=2 volume=data zxid=0x1000000c1 epoch=1 config=0x100000000"
        " phase=ready lost=1,3\n"
    )
    assert parse_greeting(2, line) == PeerView(
        2,
        "announcing",
        volume="data",
        phase="ready",
        zxid=0x1000000C1,
        config_version=0x100000000,
        declared_lost=frozenset({1, 3}),
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "zkcontainer-volume 2 id=2 volume=data",  # a format this reader does not know
        "zkcontainer-volume 1 id=2 volume=lost",
        "zkcontainer-volume 1 id=2 volume=empty zxid=zz",
        "imok",
    ],
)
def test_anything_else_is_not_a_greeting(text: str) -> None:
    assert parse_greeting(2, text) is None


def test_a_peer_reads_the_greeting(member: PeerAddress) -> None:
    view = read_peer(member, time.monotonic() + 3)
    assert (view.kind, view.volume, view.zxid) == ("announcing", "data", 0x1000000C1)
    assert view.declared_lost == {1, 3}


def test_a_silent_election_port_is_a_running_server_and_a_closed_one_absent() -> None:
    # ZooKeeper's election listener waits for the connecting server's header.
    with closing(socket.create_server(("127.0.0.1", 0))) as silent:
        port = silent.getsockname()[1]
        running = read_peer(PeerAddress(3, "127.0.0.1", free_port(), port), time.monotonic() + 3)
    assert running.kind == "running"
    absent = read_peer(PeerAddress(3, "127.0.0.1", free_port(), free_port()), time.monotonic() + 3)
    assert (absent.kind, absent.detail) == ("absent", "refused")


def test_the_liveness_probe_passes_and_readiness_says_why_it_waits(member: PeerAddress) -> None:
    alive = subprocess.run(
        [ZOOKEEPER_READY, str(member.client_port)], capture_output=True, text=True, check=False
    )
    assert alive.returncode == 0, alive.stderr
    ready = subprocess.run(
        [ZOOKEEPER_READY, "--serving", str(member.client_port)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ready.returncode == 1
    assert "waiting: this volume holds data; waiting for 3" in ready.stderr


def test_closing_releases_both_ports() -> None:
    address = PeerAddress(2, "127.0.0.1", free_port(), free_port())
    with announcing(
        Announcement(2, HOLDING), address.election_port, address.client_port, None, print
    ):
        pass
    for port in (address.election_port, address.client_port):
        with closing(socket.create_server(("", port))):
            pass
