"""What a backup costs: zookeeper-backup and --restore_from against copying the data directory.

    python bench/backup.py IMAGE [--sizes 10000,100000] [--rounds 3]

For each size, a standalone container of the image (start-zookeeper
--admin_port=8080, a named volume on /var/lib/zookeeper) is loaded with that
many znodes of 1 KiB, then, round by round in the same container:

- **tar**: `docker exec C tar -cf FILE -C /var/lib/zookeeper data`, the copy
  of the data directory a backup replaces; wall seconds;
- **backup**: `docker exec C zookeeper-backup --output=FILE`; wall seconds,
  and the peak memory (max RSS) of the zookeeper-backup process, which reads
  the snapshot as it streams: its peak must not grow with the tree;
- **writes**: a client on this machine calls setData over and over, one call
  at a time, during the backup and, for as long, without one: the median and
  99th percentile of their latencies, and the ratio.

Both files land in a directory of this machine mounted into the container.
Then, per round, each is started from on a fresh named volume:

- **restore**: `docker run IMAGE start-zookeeper --restore_from=FILE`;
- **untar, start**: `docker run IMAGE tar -xf FILE`, then `docker run IMAGE
  start-zookeeper`, both counted;

the clock runs from `docker run` until `srvr` answers with a mode, as
bench/start.py measures serving; the restored tree is then counted. Medians
over the rounds; timing is reported, never asserted.

ZooKeeper's AdminServer refuses a snapshot (429) within 0.3 s of the one
before (zookeeper.admin.rateLimiterIntervalInMS, which 3.9 reads as
microseconds for snapshots); rounds are seconds apart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402

from bench.start import (  # noqa: E402
    container_address,
    docker_with_image,
    rounds,
    seconds_until,
    serves,
)
from tests.harness.statefulset import labels  # noqa: E402

OWNER = "bench-backup"
DATA = "/var/lib/zookeeper"
FILES = "/backup"  # in every container: this machine's directory for the two files
BACKUP = f"{FILES}/zk.backup"
TAR = f"{FILES}/data.tar"
ZNODE_BYTES = 1024
PARENT = "/bench"
LOAD_BATCH = 2000  # creates in flight at once
WRITTEN = "/latency"  # the znode the measuring client writes
MEASURED = ["start-zookeeper", "--admin_port=8080"]
# Runs a command and reports its peak RSS: the largest of the children it waited
# for, in KiB (Linux's ru_maxrss); the image has no /usr/bin/time.
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " file=sys.stderr)\n"
    "sys.exit(code)\n"
)
MIN_IDLE_WINDOW = 1.0  # seconds: enough idle writes for a percentile


@dataclass
class Size:
    """Everything measured for one number of znodes."""

    znodes: int
    tar: list[float] = field(default_factory=list)
    backup: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)  # setData latencies, seconds
    during: list[float] = field(default_factory=list)
    restore: list[float] = field(default_factory=list)
    untar_start: list[float] = field(default_factory=list)


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


class Writer:
    """Sequential setData calls from this machine, each call's latency kept, while running."""

    def __init__(self, zk: KazooClient) -> None:
        self.zk = zk
        self.latencies: list[float] = []
        self.failure: Exception | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        payload = b"w" * ZNODE_BYTES
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                self.zk.set(WRITTEN, payload)
            except Exception as error:  # kazoo's, whichever: the run reports it
                self.failure = error
                return
            self.latencies.append(time.perf_counter() - started)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        if self.failure is not None:
            raise BenchError(f"setData failed: {self.failure!r}")
        if not self.latencies:
            raise BenchError("no setData call completed")


def sizes(text: str) -> list[int]:
    """Numbers of znodes, comma-separated, each at least one."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: must be comma-separated whole numbers, each at least 1"
        )
    return values


class OneLineParser(argparse.ArgumentParser):
    """argparse's error on one line, without the usage before it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


@contextmanager
def volume(client: docker.DockerClient) -> Iterator[str]:
    made = client.volumes.create(labels=labels(OWNER))
    try:
        yield str(made.name)
    finally:
        made.remove(force=True)


@contextmanager
def container(
    client: docker.DockerClient,
    image: str,
    data: str,
    files: str,
    command: list[str],
    *,
    mode: str = "ro",
) -> Iterator[Any]:
    """A detached container of the image on volume `data`, `files` mounted on FILES
    (read-only unless `mode` is rw)."""
    started = client.containers.run(
        image,
        command,
        detach=True,
        labels=labels(OWNER),
        volumes={data: {"bind": DATA, "mode": "rw"}, files: {"bind": FILES, "mode": mode}},
    )
    try:
        yield started
    finally:
        started.remove(force=True)


def connected(address: str) -> KazooClient:
    zk = KazooClient(hosts=f"{address}:2181", timeout=30)
    zk.start(timeout=30)
    return zk


def load(zk: KazooClient, znodes: int) -> None:
    """`znodes` znodes of 1 KiB under PARENT, LOAD_BATCH creates in flight at a time."""
    zk.create(PARENT, b"")
    zk.create(WRITTEN, b"")
    payload = b"z" * ZNODE_BYTES
    for first in range(0, znodes, LOAD_BATCH):
        pending = [
            zk.create_async(f"{PARENT}/n{index:08d}", payload)
            for index in range(first, min(first + LOAD_BATCH, znodes))
        ]
        for result in pending:
            result.get(timeout=60)


def timed_exec(running: Any, command: list[str]) -> tuple[float, str]:
    """Wall seconds of `docker exec` running `command`, and its stderr; a failure stops
    the benchmark with the command's own words."""
    started = time.monotonic()
    code, (_, err) = running.exec_run(command, demux=True)
    elapsed = time.monotonic() - started
    stderr = (err or b"").decode(errors="replace")
    if code != 0:
        raise BenchError(f"{command[0]} failed ({code}): {stderr.strip()[-500:]}")
    return elapsed, stderr


def peak_kib(stderr: str) -> int:
    for line in reversed(stderr.splitlines()):
        if line.startswith("peak_rss_kib "):
            return int(line.split()[1])
    raise BenchError(f"no peak RSS reported: {stderr[-300:]}")


def take_files(client: docker.DockerClient, image: str, size: Size, files: str, count: int) -> None:
    """The tar and backup rounds, and the write latencies, in one loaded container."""
    with (
        volume(client) as data,
        container(client, image, data, files, MEASURED, mode="rw") as running,
    ):
        address = container_address(running)
        seconds_until(lambda: serves(address), time.monotonic())
        zk = connected(address)
        try:
            load(zk, size.znodes)
            for _ in range(count):
                elapsed, _ = timed_exec(running, ["tar", "-cf", TAR, "-C", DATA, "data"])
                size.tar.append(elapsed)
                with Writer(zk) as writer:
                    elapsed, stderr = timed_exec(
                        running,
                        ["python3", "-c", PEAK_RSS, "zookeeper-backup", f"--output={BACKUP}"],
                    )
                size.backup.append(elapsed)
                size.peak_kib.append(peak_kib(stderr))
                size.during += writer.latencies
                # As long without a backup, the same client: the latencies it is compared with.
                with Writer(zk) as writer:
                    time.sleep(max(elapsed, MIN_IDLE_WINDOW))
                size.idle += writer.latencies
        finally:
            zk.stop()
            zk.close()


def serving_from(
    client: docker.DockerClient, image: str, files: str, command: list[str], untar: bool
) -> tuple[float, int]:
    """Seconds from `docker run` (the untar's, when `untar`) to serving on a fresh volume,
    and the znodes then under PARENT."""
    with volume(client) as data:
        started = time.monotonic()
        if untar:
            client.containers.run(
                image,
                ["tar", "-xf", TAR, "-C", DATA],
                remove=True,
                labels=labels(OWNER),
                volumes={data: {"bind": DATA, "mode": "rw"}, files: {"bind": FILES, "mode": "ro"}},
            )
        with container(client, image, data, files, command) as running:
            address = container_address(running)
            elapsed = seconds_until(lambda: serves(address), started)
            zk = connected(address)
            try:
                stat = zk.exists(PARENT)
            finally:
                zk.stop()
                zk.close()
            return elapsed, 0 if stat is None else stat.numChildren


def start_rounds(
    client: docker.DockerClient, image: str, size: Size, files: str, count: int
) -> None:
    """Restore and untar-then-start, alternating round by round; each must hold the tree."""
    for _ in range(count):
        for what, command, untar, into in (
            ("restore", ["start-zookeeper", f"--restore_from={BACKUP}"], False, size.restore),
            ("untar, start", ["start-zookeeper"], True, size.untar_start),
        ):
            elapsed, held = serving_from(client, image, files, command, untar)
            if held != size.znodes:
                raise BenchError(f"{what}: {held} znodes under {PARENT}, not {size.znodes}")
            into.append(elapsed)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: a value that was measured."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def row(size: Size) -> str:
    backup, tar = statistics.median(size.backup), statistics.median(size.tar)
    restore, untar = statistics.median(size.restore), statistics.median(size.untar_start)
    peak = max(size.peak_kib) / 1024
    p50_during, p50_idle = statistics.median(size.during), statistics.median(size.idle)
    p99_during, p99_idle = percentile(size.during, 0.99), percentile(size.idle, 0.99)
    return (
        f"| {size.znodes} | {backup:.2f} | {tar:.2f} | {ratio(backup, tar)}"
        f" | {restore:.2f} | {untar:.2f} | {ratio(restore, untar)} | {peak:.1f}"
        f" | {ms(p50_during)} / {ms(p50_idle)} = {ratio(p50_during, p50_idle)}"
        f" | {ms(p99_during)} / {ms(p99_idle)} = {ratio(p99_during, p99_idle)} |"
    )


def report(image: str, count: int, measured: list[Size]) -> None:
    print(
        f"\n{count} round(s), image {image}, znodes of {ZNODE_BYTES} bytes; seconds are"
        " medians of wall time, peak is zookeeper-backup's max RSS;"
        " setData latencies are during a backup / without one.\n"
    )
    print(
        "| znodes | backup s | tar s | backup/tar | restore s | untar, start s"
        " | restore/untar | backup peak MiB | setData p50 ms | setData p99 ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in measured:
        print(row(size))
    if len(measured) > 1:
        small, large = min(measured, key=lambda s: s.znodes), max(measured, key=lambda s: s.znodes)
        print(
            f"\nzookeeper-backup's peak RSS, {large.znodes} znodes against {small.znodes}:"
            f" {ratio(max(large.peak_kib), max(small.peak_kib))}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--sizes", type=sizes, default="10000,100000")
    parser.add_argument("--rounds", type=rounds, default=3)
    args = parser.parse_args(argv)
    client = docker_with_image(parser, args.image)
    measured = []
    files = tempfile.mkdtemp(prefix="bench-backup-")
    # The image runs as its own user: it writes the files here, and reads them back.
    os.chmod(files, 0o777)
    try:
        for znodes in args.sizes:
            size = Size(znodes)
            print(f"bench-backup: {znodes} znodes: tar and backup", file=sys.stderr)
            take_files(client, args.image, size, files, args.rounds)
            print(f"bench-backup: {znodes} znodes: restore and untar", file=sys.stderr)
            start_rounds(client, args.image, size, files, args.rounds)
            measured.append(size)
    except BenchError as error:
        print(f"bench-backup: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(files)
    report(args.image, args.rounds, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
