"""Ports for servers under test that nothing else on the machine will take.

Asking the kernel for a free port (bind to port 0, close, hand the number on)
races: between the close and the server's own bind, the same number can be
given to an outgoing connection, a client's or a ZooKeeper member's to its
peers, since both come from the kernel's ephemeral range. With two workers and
dozens of servers that happened often enough to fail a run ("Address already
in use"). So ports here come from below the ephemeral range, where the kernel
never picks one by itself, and each pytest-xdist worker takes from a block of
its own, so two workers never hand out the same number. A port something
already holds is passed over.

Two test sessions at once on one machine (two checkouts, CI jobs sharing a
host) have workers of the same names, walking the same block from the same
start: each port handed out is also claimed with a lock on a file named after
it, so another session passes it over. A worker holds the locks of the ports it
handed out last, enough to cover a server's stop and restart on the same ports;
an older one is let go, so the locks never take all the descriptors a process
may open.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

FIRST_PORT = 10000
PORTS_PER_WORKER = 1500
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def worker_index() -> int:
    """0 for gw0 (or no xdist), 1 for gw1, and so on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def ephemeral_low() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def worker_block(index: int, below: int) -> range:
    """This worker's ports: its own block, every block below `below`."""
    blocks = max(1, (below - FIRST_PORT) // PORTS_PER_WORKER)
    start = FIRST_PORT + (index % blocks) * PORTS_PER_WORKER
    return range(start, start + PORTS_PER_WORKER)


def is_free(port: int) -> bool:
    # The wildcard bind fails if anything holds the port on any address,
    # loopback included, or has it in TIME_WAIT.
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


# Shared by every session on the machine, whoever runs it.
CLAIMS = Path(tempfile.gettempdir()) / "zkcontainer-test-ports"
HELD_CLAIMS = 256
_claimed: dict[int, int] = {}  # port -> the descriptor holding its lock, oldest first


def claim(port: int) -> bool:
    """Whether this process holds `port`'s lock, taking it if no other process does."""
    if port in _claimed:
        return True
    CLAIMS.mkdir(exist_ok=True)
    if CLAIMS.stat().st_uid == os.getuid():
        CLAIMS.chmod(0o1777)  # another user's session claims ports here too
    fd = os.open(CLAIMS / str(port), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o444)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _claimed[port] = fd
    while len(_claimed) > HELD_CLAIMS:
        os.close(_claimed.pop(next(iter(_claimed))))
    return True


_block = worker_block(worker_index(), ephemeral_low())
_candidates: Iterator[int] = itertools.cycle(_block)


def free_port() -> int:
    for _ in _block:
        port = next(_candidates)
        if is_free(port) and claim(port):
            return port
    raise RuntimeError(f"no free port in this worker's ports {_block}")
