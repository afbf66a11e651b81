"""--heap=auto: the container's memory limit, and the heap that fits in it.

The limit is the memory cgroup's: cgroup v2 `memory.max`, or v1
`memory/memory.limit_in_bytes`. Inside a container's own cgroup namespace (v2
under Docker and Kubernetes) or a v1 container (whose memory controller is
mounted at its own cgroup), the file at the mount's top is the container's.
Without a namespace, /proc/self/cgroup names our cgroup below the mount; a
limit set on any cgroup above it binds too, so the smallest on the way up wins.
"""

from __future__ import annotations

import os
from typing import NamedTuple

CGROUP_ROOT = "/sys/fs/cgroup"
PROC_SELF_CGROUP = "/proc/self/cgroup"
PROC_MEMINFO = "/proc/meminfo"
MIB = 2**20
MAX_HEAP = 4 * 2**40  # the largest heap start-zookeeper runs, given or sized

# cgroup v1 says "unlimited" with the largest page count it can hold, times the
# page size (9223372036854771712 with 4 KiB pages): anything this big is no limit.
V1_UNLIMITED = 2**62

# What the JVM needs beyond its heap, measured under `docker run --memory 1g`
# with the heap pre-touched and 100,000 znodes loaded (docs/configuration.md, "Sizing"):
# 64 MiB plaintext, 134 MiB with TLS (Netty's direct buffers and the Python
# certificate watcher), more with G1 at larger heaps. The rest of the limit is
# for the page cache of the transaction log and snapshots, which the memory
# cgroup counts and which must give way, not the heap, as the limit nears.
HEAP_FRACTION = (2, 3)  # heap <= 2/3 of the limit: docs/configuration.md's limit >= 1.5 x heap
MIN_OVERHEAD = 256 * MIB  # small limits: a fixed room, not a third, beyond the heap
# The JVM's own default cap on direct buffers is -Xmx: as much again as a heap
# that fills two thirds of the limit.
DIRECT_FRACTION = 8  # -XX:MaxDirectMemorySize = limit / 8
MIN_AUTO_HEAP = 128 * MIB  # below this ZooKeeper holds too little tree to be worth running
MIN_LIMIT = MIN_AUTO_HEAP + MIN_OVERHEAD


class Unreadable(Exception):
    """A limit file holds something that is no limit, or cannot be read."""


class Limit(NamedTuple):
    """The memory limit found (None: unlimited) and the file that says so."""

    limit: int | None
    source: str


class AutoHeap(NamedTuple):
    heap: int  # bytes, a whole number of MiB
    max_direct_memory: int  # bytes, a whole number of MiB


def auto_heap(limit: int) -> AutoHeap | None:
    """The heap and direct-memory cap for a container limit; None when too small.

    heap = min(2/3 x limit, limit - 256 MiB): a third of a large limit, and at
    least 256 MiB of a small one, stays outside the heap.
    """
    if limit < MIN_LIMIT:
        return None
    numerator, denominator = HEAP_FRACTION
    heap = min(limit * numerator // denominator, limit - MIN_OVERHEAD, MAX_HEAP)
    return AutoHeap(heap=heap // MIB * MIB, max_direct_memory=limit // DIRECT_FRACTION // MIB * MIB)


def container_limit(
    root: str | None = None, proc_cgroup: str | None = None, meminfo: str | None = None
) -> Limit:
    """The memory limit of the cgroup this process runs in; missing files mean none.

    A limit above the machine's memory (Kubernetes lets a pod's limit exceed
    its node's) is the machine's memory: a heap sized from more would fail
    to commit (-Xms = -Xmx) and the pod would crash-loop, where the JVM's own
    container sizing takes the smaller of the two as well.

    `root`, `proc_cgroup` and `meminfo` default to CGROUP_ROOT,
    PROC_SELF_CGROUP and PROC_MEMINFO, read at the call. Raises Unreadable
    when a limit file holds no number, or cannot be read.
    """
    root = root or CGROUP_ROOT
    paths = _own_cgroup_paths(proc_cgroup or PROC_SELF_CGROUP)
    v1_mount = os.path.join(root, "memory")
    if os.path.isdir(v1_mount):
        found = _smallest(v1_mount, paths.get("memory"), "memory.limit_in_bytes")
    else:
        found = _smallest(root, paths.get(""), "memory.max")
    meminfo = meminfo or PROC_MEMINFO
    machine = _machine_memory(meminfo)
    if found.limit is not None and machine is not None and machine < found.limit:
        return Limit(machine, f"the machine's memory, {meminfo} MemTotal: less than {found.source}")
    return found


def _machine_memory(meminfo: str) -> int | None:
    """MemTotal in bytes, or None when /proc/meminfo cannot say."""
    try:
        with open(meminfo, encoding="ascii", errors="replace") as lines:
            for line in lines:
                name, _, value = line.partition(":")
                words = value.split()
                if name == "MemTotal" and len(words) == 2 and words[0].isdigit():
                    return int(words[0]) * {"kB": 1024}.get(words[1], 0) or None
    except OSError:
        pass
    return None


def _own_cgroup_paths(proc_cgroup: str) -> dict[str, str]:
    """controller -> cgroup path, from /proc/self/cgroup ("" is cgroup v2's)."""
    try:
        with open(proc_cgroup, encoding="utf-8", errors="replace") as lines:
            entries = [line.rstrip("\n").split(":", 2) for line in lines]
    except OSError:
        return {}
    paths = {}
    for entry in entries:
        if len(entry) == 3:
            for controller in entry[1].split(","):
                paths[controller] = entry[2]
    return paths


def _smallest(mount: str, own: str | None, name: str) -> Limit:
    """The smallest limit from our cgroup up to the mount's top, or None when none is set."""
    found: Limit | None = None
    for directory in _up_from(mount, own):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue  # the root cgroup has no limit file
        limit = _read_limit(path)
        if found is None or (limit is not None and (found.limit is None or limit < found.limit)):
            found = Limit(limit, path)
    return found or Limit(None, f"no {name} under {mount}")


def _up_from(mount: str, own: str | None) -> list[str]:
    """Our cgroup's directory and each one above it, up to the mount's top.

    In a cgroup namespace (or a v1 container) /proc/self/cgroup names a path
    that is not below this mount: then the top is our own cgroup.
    """
    parts = [part for part in (own or "").split("/") if part]
    if ".." in parts or not os.path.isdir(os.path.join(mount, *parts)):
        parts = []
    return [os.path.join(mount, *parts[:depth]) for depth in range(len(parts), -1, -1)]


def _read_limit(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as file:
            text = file.read().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(f"{path}: cannot be read: {error}") from error
    if text == "max":
        return None
    if not text.isdigit():
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise Unreadable(f"{path} holds {shown!r}, not a number of bytes")
    limit = int(text)
    return None if limit >= V1_UNLIMITED else limit
