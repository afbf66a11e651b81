"""ZooKeeper snapshots written and parsed for tests, byte for byte as FileSnap does.

`write` lays a snapshot out as ZooKeeper's FileSnap.serialize does (header,
sessions, ACL cache, znodes in preorder from the root "" ended by the path
"/", an Adler-32 seal, then the optional digest and last processed zxid,
each sealed); `parse` reads one back into the same records. The two are
written from ZooKeeper's serializers, not from zkcontainer.backup.snapshot,
so a real server's snapshot parsed and written again coming out identical
shows this layout is ZooKeeper's (tests/process/test_backup_snapshot_process.py).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

MAGIC = b"ZKSN"
WORLD_ANYONE_ALL = (31, "world", "anyone")


@dataclass(frozen=True)
class Znode:
    path: str  # "" for the root, as ZooKeeper serializes it
    data: bytes | None = b""
    acl: int = -1  # the ACL cache key; -1: open (ZooDefs.Ids.OPEN_ACL_UNSAFE is -1)
    czxid: int = 0
    mzxid: int = 0
    ctime: int = 0
    mtime: int = 0
    version: int = 0
    cversion: int = 0
    aversion: int = 0
    ephemeral_owner: int = 0
    pzxid: int = 0


@dataclass(frozen=True)
class Snapshot:
    znodes: list[Znode]
    sessions: list[tuple[int, int]] = field(default_factory=list)  # (id, timeout)
    acls: dict[int, list[tuple[int, str, str]] | None] = field(default_factory=dict)
    dbid: int = 0
    version: int = 2
    magic: bytes = MAGIC
    digest: tuple[int, int, int] | None = None  # (zxid, digest version, digest)
    last_zxid: int | None = None  # ZooKeeper 3.9's lastProcessedZxid


def tree(*paths: str, data: bytes = b"") -> list[Znode]:
    """The root, then a znode per path (each given after its parent), in preorder."""
    return [Znode(""), *(Znode(path, data) for path in paths)]


def write(snapshot: Snapshot) -> bytes:
    out = _Sealed()
    out.raw(struct.pack(">4siq", snapshot.magic, snapshot.version, snapshot.dbid))
    out.int(len(snapshot.sessions))
    for session_id, timeout in snapshot.sessions:
        out.raw(struct.pack(">qi", session_id, timeout))
    out.int(len(snapshot.acls))
    for key, acls in snapshot.acls.items():
        out.long(key)
        if acls is None:
            out.int(-1)
            continue
        out.int(len(acls))
        for perms, scheme, identity in acls:
            out.int(perms)
            out.string(scheme)
            out.string(identity)
    for node in snapshot.znodes:
        out.string(node.path)
        out.buffer(node.data)
        out.raw(
            struct.pack(
                ">qqqqqiiiqq",
                node.acl,
                node.czxid,
                node.mzxid,
                node.ctime,
                node.mtime,
                node.version,
                node.cversion,
                node.aversion,
                node.ephemeral_owner,
                node.pzxid,
            )
        )
    out.string("/")
    out.seal()
    if snapshot.digest is not None:
        out.raw(struct.pack(">qiq", *snapshot.digest))
        out.seal()
    if snapshot.last_zxid is not None:
        out.long(snapshot.last_zxid)
        out.seal()
    return bytes(out.data)


def parse(data: bytes) -> Snapshot:
    """A snapshot's records; AssertionError where it is not what ZooKeeper writes."""
    reader = _Reader(data)
    magic, version, dbid = reader.unpack(">4siq")
    sessions = [reader.unpack(">qi") for _ in range(reader.int())]
    acls: dict[int, list[tuple[int, str, str]] | None] = {}
    for _ in range(reader.int()):
        key = reader.long()
        count = reader.int()
        acls[key] = (
            None
            if count == -1
            else [(reader.int(), reader.string(), reader.string()) for _ in range(count)]
        )
    znodes = []
    while (path := reader.string()) != "/":
        data_buffer = reader.buffer()
        znodes.append(Znode(path, data_buffer, *reader.unpack(">qqqqqiiiqq")))
    reader.seal()
    digest = None
    if reader.left() and reader.left() != 8 + 8 + 5:
        digest = reader.unpack(">qiq")
        reader.seal()
    last_zxid = None
    if reader.left():
        last_zxid = reader.long()
        reader.seal()
    assert not reader.left(), f"{reader.left()} bytes follow the snapshot"
    return Snapshot(znodes, sessions, acls, dbid, version, magic, digest, last_zxid)  # type: ignore[arg-type]


class _Sealed:
    """jute's BinaryOutputArchive through FileSnap's CheckedOutputStream(Adler32)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def raw(self, data: bytes) -> None:
        self.data += data

    def int(self, value: int) -> None:
        self.raw(struct.pack(">i", value))

    def long(self, value: int) -> None:
        self.raw(struct.pack(">q", value))

    def buffer(self, value: bytes | None) -> None:
        if value is None:
            self.int(-1)
        else:
            self.int(len(value))
            self.raw(value)

    def string(self, value: str) -> None:
        self.buffer(value.encode())

    def seal(self) -> None:
        # The checksum of every byte so far, then the string "/".
        self.long(zlib.adler32(self.data))
        self.string("/")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def left(self) -> int:
        return len(self.data) - self.at

    def unpack(self, layout: str) -> tuple:  # type: ignore[type-arg]
        size = struct.calcsize(layout)
        assert self.left() >= size, f"the snapshot ends early at byte {self.at}"
        values = struct.unpack_from(layout, self.data, self.at)
        self.at += size
        return values

    def int(self) -> int:
        return int(self.unpack(">i")[0])

    def long(self) -> int:
        return int(self.unpack(">q")[0])

    def buffer(self) -> bytes | None:
        length = self.int()
        if length == -1:
            return None
        assert 0 <= length <= self.left(), f"a length of {length} at byte {self.at - 4}"
        self.at += length
        return self.data[self.at - length : self.at]

    def string(self) -> str:
        value = self.buffer()
        assert value is not None
        return value.decode()

    def seal(self) -> None:
        expected = zlib.adler32(self.data[: self.at])
        assert self.long() == expected, "the seal's checksum is not the Adler-32 before it"
        assert self.string() == "/", "the seal's path is not /"
