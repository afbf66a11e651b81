"""Reading ZooKeeper's snapshot format: what it holds, and every snapshot ZooKeeper would refuse."""

from __future__ import annotations

import io

import pytest

from tests.harness.snapshots import Snapshot, Znode, tree, write
from zkcontainer.backup.snapshot import BadSnapshot, Summary, summarize

SMALL = Snapshot(
    tree("/zookeeper", "/zookeeper/quota", "/app", data=b"hello"),
    sessions=[(0x100, 30000), (0x101, 6000)],
    acls={1: [(31, "digest", "super:x"), (1, "world", "anyone")], 2: None},
    dbid=0,
    digest=(0x100000005, 2, 0x1234),
    last_zxid=0x100000005,
)


def read(data: bytes, limit: int | None = None) -> Summary:
    return summarize(io.BytesIO(data), limit)


def test_a_snapshot_is_counted_znodes_and_sessions_with_its_last_zxid() -> None:
    assert read(write(SMALL)) == Summary(znodes=4, sessions=2, last_zxid=0x100000005, dbid=0)


def test_a_snapshot_without_last_zxid_reads_none_with_or_without_a_digest() -> None:
    with_digest = Snapshot(tree("/a", "/a/b"), digest=(7, 2, 99))
    bare = Snapshot(tree("/a"))
    assert read(write(with_digest)) == Summary(3, 0, None, 0)
    assert read(write(bare)) == Summary(2, 0, None, 0)


def test_null_data_and_empty_acl_lists_are_read() -> None:
    snapshot = Snapshot([Znode(""), Znode("/n", None, acl=3)], acls={3: []})
    assert read(write(snapshot)).znodes == 2


def test_a_snapshot_larger_than_the_read_chunk_is_read_whole() -> None:
    paths = [f"/node{n:05}" for n in range(3000)]
    big = write(Snapshot(tree(*paths, data=b"x" * 100), digest=(42, 2, 7), last_zxid=42))
    assert len(big) > 4 * (1 << 16)
    assert read(big) == Summary(3001, 0, 42, 0)


def test_a_limit_stops_the_read_where_the_snapshot_should_end() -> None:
    data = write(SMALL)
    # What follows the limit (an archive's trailer) is not read as the snapshot's.
    assert read(data + b'{"trailer"}\n', limit=len(data)).znodes == 4
    with pytest.raises(BadSnapshot, match="ends early"):
        read(data, limit=len(data) - 1)


@pytest.mark.parametrize(
    ("snapshot", "reason"),
    [
        (Snapshot(tree(), magic=b"ZKLG"), "magic"),
        (Snapshot(tree(), version=1), "format version 1"),
        (Snapshot(tree(), version=3), "format version 3"),
        (Snapshot([Znode("/no-root-first")]), "valid path"),
        (Snapshot([Znode(""), Znode("")]), "valid path"),
    ],
)
def test_a_snapshot_zookeeper_would_not_load_is_refused_saying_why(
    snapshot: Snapshot, reason: str
) -> None:
    with pytest.raises(BadSnapshot, match=reason):
        read(write(snapshot))


def test_data_after_the_last_seal_is_refused() -> None:
    with pytest.raises(BadSnapshot, match="data follows the snapshot's end"):
        read(write(SMALL) + b"\0")


def test_a_snapshot_cut_at_any_byte_but_a_seals_end_is_refused() -> None:
    data = write(SMALL)
    tree_only = write(Snapshot(SMALL.znodes, SMALL.sessions, SMALL.acls))
    with_digest = write(Snapshot(SMALL.znodes, SMALL.sessions, SMALL.acls, digest=SMALL.digest))
    assert data.startswith(with_digest)
    assert with_digest.startswith(tree_only)
    accepted = []
    for cut in range(len(data)):
        try:
            read(data[:cut])
        except BadSnapshot:
            continue
        accepted.append(cut)
    # Only where an older server's snapshot would end: the reader cannot tell those apart.
    assert accepted == [len(tree_only), len(with_digest)]


def test_a_snapshot_cut_after_a_seal_is_a_shorter_snapshot() -> None:
    # ZooKeeper's own reader takes the digest and the last zxid as optional:
    # a cut exactly after a seal is an older server's snapshot, not a corrupt one.
    without_last_zxid = write(Snapshot(SMALL.znodes, SMALL.sessions, SMALL.acls, digest=(1, 2, 3)))
    assert read(without_last_zxid).last_zxid is None


@pytest.mark.parametrize("bit", [0x01, 0x80, 0xFF])
def test_any_byte_changed_is_refused(bit: int) -> None:
    data = write(SMALL)
    accepted = []
    for offset in range(len(data)):
        changed = bytearray(data)
        changed[offset] ^= bit
        try:
            read(bytes(changed))
        except BadSnapshot:
            continue
        accepted.append(offset)
    assert accepted == []


def test_a_wild_length_is_refused_naming_the_field_not_read_into_memory() -> None:
    data = bytearray(write(Snapshot(tree("/a"), acls={1: [(31, "world", "anyone")]})))
    scheme_length_at = 4 + 4 + 8 + 4 + 4 + 8 + 4 + 4
    assert data[scheme_length_at : scheme_length_at + 4] == b"\0\0\0\x05"
    data[scheme_length_at : scheme_length_at + 4] = b"\x7f\xff\xff\xff"
    with pytest.raises(BadSnapshot, match="scheme at byte 40 has impossible length 2147483647"):
        read(bytes(data))


def test_negative_counts_are_refused() -> None:
    header = b"ZKSN" + (2).to_bytes(4, "big") + bytes(8)
    with pytest.raises(BadSnapshot, match="session count of -1"):
        read(header + b"\xff\xff\xff\xff")
    with pytest.raises(BadSnapshot, match="ACL cache of -2 entries"):
        read(header + bytes(4) + b"\xff\xff\xff\xfe")


def test_a_last_zxid_without_a_digest_is_refused_as_zookeeper_refuses_it() -> None:
    # ZooKeeper (digests on, its default) reads what follows the tree's seal as
    # the digest first: the last zxid alone is taken for one, and its seal fails.
    digestless = write(Snapshot(tree("/a"), last_zxid=0x100000001))
    with pytest.raises(BadSnapshot, match="ends early"):
        read(digestless)
