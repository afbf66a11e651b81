"""--heap: an explicit size checked against what the JVM takes, or auto: sized
from the container's memory limit, with --jvm_flags kept from sizing it again."""

from __future__ import annotations

from collections.abc import Callable

from zkcontainer import memory
from zkcontainer.probeargs import shown
from zkcontainer.settings.declarations import MAX_HEAP_BYTES, MIN_HEAP_BYTES
from zkcontainer.settings.reader import Reader

_HEAP_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def read_heap(
    read: Reader, memory_limit: Callable[[], memory.Limit], jvm_flags: tuple[str, ...]
) -> tuple[str, str | None, str | None]:
    """(heap, direct memory cap, the line saying how it was sized) from --heap."""
    heap = read.text("heap") or ""
    if heap.lower() == "auto":
        _check_no_heap_sizing(read, jvm_flags)
        return _auto_heap(read, memory_limit)
    if not is_size(heap):
        read.problem("heap", "must be a size like 512M or 2G, or auto")
    elif int(heap[:-1]) * _HEAP_UNITS[heap[-1].lower()] > MAX_HEAP_BYTES:
        read.problem("heap", "must be at most 4T")
    elif int(heap[:-1]) * _HEAP_UNITS[heap[-1].lower()] < MIN_HEAP_BYTES:
        read.problem("heap", "must be at least 32M: the JVM cannot start ZooKeeper in less")
    return heap, None, None


def is_size(text: str) -> bool:
    """A size as the JVM's -Xmx takes it: 1 to 16 digits, no leading zero, and a unit."""
    number, unit = text[:-1], text[-1:]
    return (
        # ASCII first: str.lower() makes a "k" of the KELVIN SIGN, which -Xmx refuses.
        unit.isascii()
        and unit.lower() in _HEAP_UNITS
        and number.isascii()
        and number.isdigit()
        and not number.startswith("0")
        and len(number) <= 16
    )


def _auto_heap(
    read: Reader, memory_limit: Callable[[], memory.Limit]
) -> tuple[str, str | None, str | None]:
    """(heap, direct memory cap, the line saying why) sized from the memory limit.

    Every failure says the same way out: set a limit, or give the heap.
    """
    explicit = "or give an explicit heap (--heap=512M)"
    try:
        found = memory_limit()
    except memory.Unreadable as error:
        read.problem("heap", f"cannot read the container's memory limit: {error}; {explicit}")
        return "", None, None
    if found.limit is None:
        read.problem(
            "heap",
            f"the container has no memory limit ({found.source}); set one "
            f"(docker run --memory, resources.limits.memory in Kubernetes) {explicit}",
        )
        return "", None, None
    sized = memory.auto_heap(found.limit)
    if sized is None:
        read.problem(
            "heap",
            f"the memory limit {_mib(found.limit)} ({found.source}) is below "
            f"{_mib(memory.MIN_LIMIT)}, too small for a heap of at least "
            f"{_mib(memory.MIN_AUTO_HEAP)} and what the JVM needs beside it; "
            f"raise the limit {explicit}",
        )
        return "", None, None
    heap, direct = _mib(sized.heap), _mib(sized.max_direct_memory)
    why = (
        f"--heap=auto: memory limit {_mib(found.limit)} ({found.source}): "
        f"heap {heap} (-Xmx{heap} -Xms{heap}), direct memory at most {direct}"
    )
    return heap, direct, why


def _mib(size: int) -> str:
    """Bytes as the JVM's size syntax in whole MiB, rounded down: 1073741824 -> 1024M."""
    return f"{size // memory.MIB}M"


# JVM options that size the heap. --jvm_flags come after start-zookeeper's own
# on the JVM's command line and the last one wins, so with --heap=auto one of
# these would silently replace the heap that fits the limit. The direct memory
# cap may be raised there (it is the operator's to trade against the limit).
_HEAP_SIZING = ("-Xmx", "-Xms", "-XX:MaxHeapSize=", "-XX:InitialHeapSize=")
_HEAP_SIZING_RAM = ("RAMPercentage=", "RAMFraction=")


def _check_no_heap_sizing(read: Reader, jvm_flags: tuple[str, ...]) -> None:
    for flag in jvm_flags:
        ram_sizing = flag.startswith("-XX:") and any(name in flag for name in _HEAP_SIZING_RAM)
        if flag.startswith(_HEAP_SIZING) or ram_sizing:
            read.problem(
                "jvm_flags",
                f"{shown(flag)} sizes the heap, which --heap=auto sizes from the memory "
                "limit: drop it, or give an explicit --heap",
            )
