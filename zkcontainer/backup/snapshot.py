"""ZooKeeper's snapshot format, read as ZooKeeper reads it, in constant memory.

A snapshot (FileSnap.serialize, ZooKeeper 3.6 and later) is jute records
through one Adler-32 checksum that runs from the first byte:

- a header: magic "ZKSN", version 2, database id;
- the sessions: a count, then (id long, timeout int) each;
- the ACL cache: a count, then (key long, a vector of (perms int, scheme
  string, id string)) each;
- the znodes in preorder from the root, whose path is "": (path string,
  data buffer, ACL key long, stat: czxid, mzxid, ctime, mtime longs,
  version, cversion, aversion ints, ephemeralOwner, pzxid longs), ended by
  the path "/";
- a seal: the checksum so far (long), then the string "/";
- optionally the digest (zxid long, digest version int, digest long) and a
  seal, then the last processed zxid (long) and a seal.

Strings and buffers are a length (int, -1 for none) and bytes. ZooKeeper
refuses a snapshot whose magic, checksum or seal is wrong, and a snapshot
that ends early; so does this, naming where. Nothing is kept per znode, so a
snapshot of any size is read in the same memory.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple, Protocol

MAGIC = b"ZKSN"
VERSION = 2
# The most a string or buffer may hold: jute.maxbuffer's default (0xfffff) and
# then some, as ZooKeeper's own reader allows.
MAX_FIELD_BYTES = 0xFFFFF + 1024
_INT = struct.Struct(">i")
_LONG = struct.Struct(">q")
_HEADER = struct.Struct(">4siq")  # magic, version, dbid
_SESSION = struct.Struct(">qi")
_ACL_PERMS = _INT
# ACL key; stat: czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid.
_NODE_TAIL = struct.Struct(">qqqqqiiiqq")
_DIGEST = struct.Struct(">qiq")
_CHUNK = 1 << 16


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class BadSnapshot(Exception):
    """Not a snapshot ZooKeeper would load; the message says where and why."""


class Summary(NamedTuple):
    znodes: int
    sessions: int
    # The zxid serialized after the tree (3.9), the newest transaction the tree
    # holds; None from a ZooKeeper that did not write it.
    last_zxid: int | None
    dbid: int


class _Checked:
    """Reads exactly, counting bytes and carrying ZooKeeper's running Adler-32.

    The checksum is brought up to date over whole stretches of what was read
    (when the buffer is refilled, and when a seal asks for it), not per field.
    """

    def __init__(self, stream: Readable, limit: int | None) -> None:
        self.stream = stream
        self.left = limit  # None: up to the end of the stream
        self.buffer = b""
        self.position = 0  # in buffer: what is read before it
        self.summed = 0  # in buffer: what the checksum covers before it
        self.adler = 1
        self.consumed = 0  # bytes of the stream before buffer

    @property
    def offset(self) -> int:
        return self.consumed + self.position

    def _fill(self, size: int) -> None:
        if self.position + size <= len(self.buffer):
            return
        self.adler = zlib.adler32(self.buffer[self.summed : self.position], self.adler)
        rest = self.buffer[self.position :]
        self.consumed += self.position
        self.position = self.summed = 0
        chunks = [rest]
        have = len(rest)
        while have < size:
            want = _CHUNK if self.left is None else min(_CHUNK, self.left)
            chunk = self.stream.read(want) if want else b""
            if not chunk:
                self.buffer = b"".join(chunks)
                raise BadSnapshot(f"it ends early, at byte {self.consumed + have}")
            if self.left is not None:
                self.left -= len(chunk)
            chunks.append(chunk)
            have += len(chunk)
        self.buffer = b"".join(chunks)

    def read(self, size: int) -> bytes:
        self._fill(size)
        start = self.position
        self.position += size
        return self.buffer[start : self.position]

    def checksum(self) -> int:
        """The Adler-32 of everything read so far."""
        self.adler = zlib.adler32(self.buffer[self.summed : self.position], self.adler)
        self.summed = self.position
        return self.adler

    def at_end(self) -> bool:
        try:
            self._fill(1)
        except BadSnapshot:
            return True
        return False

    def read_int(self) -> int:
        value: int = _INT.unpack(self.read(4))[0]
        return value

    def read_long(self) -> int:
        value: int = _LONG.unpack(self.read(8))[0]
        return value

    def field(self, what: str) -> bytes | None:
        """A jute string or buffer: None for length -1."""
        length = self.read_int()
        if length == -1:
            return None
        if not 0 <= length <= MAX_FIELD_BYTES:
            raise BadSnapshot(f"{what} at byte {self.offset - 4} has impossible length {length}")
        return self.read(length)


def summarize(stream: Readable, limit: int | None = None) -> Summary:
    """Read a whole snapshot from `stream` (at most `limit` bytes, when given) as
    ZooKeeper would load it; BadSnapshot names the first thing it would refuse."""
    reader = _Checked(stream, limit)
    magic, version, dbid = _HEADER.unpack(reader.read(_HEADER.size))
    if magic != MAGIC:
        raise BadSnapshot(f"it does not start with ZooKeeper's snapshot magic (found {magic!r})")
    if version != VERSION:
        raise BadSnapshot(f"snapshot format version {version}, not {VERSION}")
    sessions = reader.read_int()
    if sessions < 0:
        raise BadSnapshot(f"a session count of {sessions}")
    for _ in range(sessions):
        reader.read(_SESSION.size)
    _skip_acls(reader)
    znodes = _count_znodes(reader)
    _seal(reader, "the tree")
    last_zxid = None
    if not reader.at_end():
        reader.read(_DIGEST.size)
        _seal(reader, "the digest")
    if not reader.at_end():
        last_zxid = reader.read_long()
        _seal(reader, "the last zxid")
    if not reader.at_end():
        raise BadSnapshot(f"data follows the snapshot's end, at byte {reader.offset}")
    return Summary(znodes, sessions, last_zxid, dbid)


def _skip_acls(reader: _Checked) -> None:
    entries = reader.read_int()
    if entries < 0:
        raise BadSnapshot(f"an ACL cache of {entries} entries")
    for _ in range(entries):
        reader.read_long()
        acls = reader.read_int()
        if acls < -1:
            raise BadSnapshot(f"an ACL list of {acls} entries")
        for _ in range(max(acls, 0)):
            reader.read(_ACL_PERMS.size)
            reader.field("an ACL's scheme")
            reader.field("an ACL's id")


def _count_znodes(reader: _Checked) -> int:
    znodes = 0
    while True:
        path = reader.field("a znode's path")
        if path == b"/":
            return znodes
        if path is None or (znodes == 0) != (path == b""):
            raise BadSnapshot(f"a znode without a valid path, at byte {reader.offset}")
        reader.field(f"the data of znode {znodes}")
        reader.read(_NODE_TAIL.size)
        znodes += 1


def _seal(reader: _Checked, after: str) -> None:
    expected = reader.checksum()
    found = reader.read_long() & 0xFFFFFFFFFFFFFFFF
    if found != expected:
        raise BadSnapshot(
            f"the checksum after {after} is {found:#x}, not {expected:#x}: the snapshot is corrupt"
        )
    if reader.field("a seal") != b"/":
        raise BadSnapshot(f"the seal after {after} is missing, at byte {reader.offset}")
