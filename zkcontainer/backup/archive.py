"""The backup file: one ZooKeeper snapshot, described by a header and sealed by a trailer.

    zkcontainer-backup 1\\n
    {"zookeeper": "3.9.6", "zxid": "0x100000036", "taken": "...", "source": "...",
     "snapshot_bytes": N}\\n
    <N bytes: the snapshot, exactly as ZooKeeper wrote it>
    {"znodes": 58, "sessions": 1, "sha256": "..."}\\n

The header is written before the snapshot, so the file streams (to a pipe,
to `aws s3 cp -`); everything the writer can only know at the end is in the
trailer, whose SHA-256 covers every byte before it. The snapshot is kept
byte for byte: ZooKeeper loads it as it is (zkcontainer.restore), and its
own Adler-32 seals stay checkable. A file cut short has no complete trailer
and is refused; so is one with a byte changed, by either checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, BinaryIO, NamedTuple

from zkcontainer.backup.snapshot import BadSnapshot, Summary, summarize

MAGIC_LINE = b"zkcontainer-backup 1\n"
# Far beyond any header or trailer written here; a longer line is not one.
_MAX_LINE = 1 << 16


class BadBackup(Exception):
    """Not a backup this version can restore; the message says why."""


class Header(NamedTuple):
    zookeeper: str  # the version of the server the snapshot came from
    zxid: int  # the snapshot's zxid: ZooKeeper restores to it
    taken: str  # UTC, ISO 8601
    source: str  # the member it was taken from
    snapshot_bytes: int

    def line(self) -> bytes:
        fields = {**self._asdict(), "zxid": f"{self.zxid:#x}"}
        return json.dumps(fields, separators=(", ", ": ")).encode() + b"\n"


class Contents(NamedTuple):
    header: Header
    summary: Summary  # what the snapshot holds, read as ZooKeeper reads it
    sha256: str
    size: int  # bytes, the whole file


class _Through:
    """A stream that hashes what is read from it and copies it to `copy`."""

    def __init__(self, stream: BinaryIO, digest: hashlib._Hash, copy: BinaryIO | None) -> None:
        self.stream, self.digest, self.copy = stream, digest, copy
        self.size = 0

    def read(self, size: int) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        if self.copy is not None:
            self.copy.write(data)
        return data


def open_file(path: str) -> BinaryIO:
    """`path` opened for read() without waiting in open(): a FIFO nobody writes to
    reads as empty instead of holding the command forever (a pipe that is being
    written still reads as it comes)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def write(out: BinaryIO, header: Header, snapshot: BinaryIO) -> Contents:
    """Stream `snapshot` (header.snapshot_bytes of it) into `out` as a backup file,
    reading it as ZooKeeper would as it goes: BadSnapshot before the trailer is
    written, so a file without one is never a backup."""
    digest = hashlib.sha256()
    start = MAGIC_LINE + header.line()
    digest.update(start)
    out.write(start)
    through = _Through(snapshot, digest, out)
    summary = summarize(through, header.snapshot_bytes)
    if through.size != header.snapshot_bytes:
        raise BadSnapshot(f"{through.size} bytes arrived of the {header.snapshot_bytes} announced")
    if _zxid_past_snapshot(header, summary):
        raise BadSnapshot(_zxid_mismatch(header, summary))
    sha256 = digest.hexdigest()
    trailer = _trailer(summary, sha256)
    out.write(trailer)
    return Contents(header, summary, sha256, len(start) + through.size + len(trailer))


def read(stream: BinaryIO, copy: BinaryIO | None = None) -> Contents:
    """Check a backup file from its first byte to its last, copying its snapshot
    to `copy` when given; BadBackup names the first thing wrong with it."""
    digest = hashlib.sha256()
    magic = stream.read(len(MAGIC_LINE))
    digest.update(magic)
    if magic != MAGIC_LINE:
        raise BadBackup(_not_a_backup(magic))
    header_line = stream.readline(_MAX_LINE)
    digest.update(header_line)
    header = _header(header_line)
    through = _Through(stream, digest, copy)
    try:
        summary = summarize(through, header.snapshot_bytes)
    except BadSnapshot as error:
        raise BadBackup(f"its snapshot is not one ZooKeeper would load: {error}") from None
    if _zxid_past_snapshot(header, summary):
        raise BadBackup(f"{_zxid_mismatch(header, summary)}: the header was changed")
    sha256 = digest.hexdigest()
    trailer_line = stream.readline(_MAX_LINE)
    if not trailer_line.endswith(b"\n"):
        raise BadBackup("it ends early: the trailer that seals it is missing or cut short")
    trailer = _json(trailer_line, "trailer")
    if trailer.get("sha256") != sha256:
        raise BadBackup(
            f"its SHA-256 is {sha256}, not the {trailer.get('sha256')} it was written with:"
            " the file was changed"
        )
    if trailer.get("znodes") != summary.znodes:
        said = trailer.get("znodes")
        raise BadBackup(f"it holds {summary.znodes} znodes, its trailer says {said}")
    if trailer_line != _trailer(summary, sha256):
        # The hash does not cover the trailer: the rest of it is checked as written.
        raise BadBackup(
            f"its trailer is not the one written with it: {_printable(trailer_line)}"
            f" for {_printable(_trailer(summary, sha256))}"
        )
    if stream.read(1):
        raise BadBackup("data follows its trailer")
    size = len(magic) + len(header_line) + through.size + len(trailer_line)
    return Contents(header, summary, sha256, size)


def _zxid_past_snapshot(header: Header, summary: Summary) -> bool:
    """Whether the header claims a zxid past the one the snapshot serialized (3.9).
    ZooKeeper names a snapshot by the zxid it starts from and serializes the one it
    ends at, later under writes, never earlier. The restore names the snapshot by
    the header's zxid, which ZooKeeper (3.9.6 too) takes for the newest transaction
    it holds: a later one would claim transactions it lacks."""
    return summary.last_zxid is not None and header.zxid > summary.last_zxid


def _zxid_mismatch(header: Header, summary: Summary) -> str:
    return (
        f"its header's zxid {header.zxid:#x} is past its snapshot's last zxid"
        f" {summary.last_zxid:#x}"
    )


def _trailer(summary: Summary, sha256: str) -> bytes:
    fields = {"znodes": summary.znodes, "sessions": summary.sessions, "sha256": sha256}
    return json.dumps(fields, separators=(", ", ": ")).encode() + b"\n"


def _printable(line: bytes) -> str:
    return line.rstrip(b"\n").decode(errors="replace")


def _not_a_backup(start: bytes) -> str:
    if not start:
        return "it is empty"
    if start.startswith(b"ZKSN"):
        return "it is a bare ZooKeeper snapshot, not a backup file (no header, no checksum)"
    if MAGIC_LINE.startswith(start):
        return "it ends early, within its first line"
    if start.startswith(b"zkcontainer-backup "):
        first_line = start.split(b"\n")[0].decode(errors="replace")
        return f"it is a backup of another format ({first_line})"
    return f"it is not a backup file: it starts with {start[:16]!r}"


def _header(line: bytes) -> Header:
    fields = _json(line, "header")
    try:
        zxid = int(fields["zxid"], 16)
        header = Header(
            zookeeper=str(fields["zookeeper"]),
            zxid=zxid,
            taken=str(fields["taken"]),
            source=str(fields["source"]),
            snapshot_bytes=int(fields["snapshot_bytes"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BadBackup(f"its header lacks a field or holds a wrong one ({error})") from None
    if not 0 <= header.zxid < 2**63 or header.snapshot_bytes < 0:
        raise BadBackup("its header holds an impossible zxid or size")
    return header


def _json(line: bytes, what: str) -> dict[str, Any]:
    if not line.endswith(b"\n"):
        raise BadBackup(f"it ends early, within its {what}")
    try:
        fields = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
        raise BadBackup(f"its {what} is not the JSON line it is written as") from None
    if not isinstance(fields, dict):
        raise BadBackup(f"its {what} is not the JSON line it is written as")
    return fields
