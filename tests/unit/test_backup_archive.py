"""The backup file: written as it streams, read back whole, refused saying why when not one."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from tests.harness.snapshots import Snapshot, tree, write
from zkcontainer.backup import archive
from zkcontainer.backup.archive import BadBackup, Header
from zkcontainer.backup.snapshot import BadSnapshot, summarize

SNAPSHOT = write(
    Snapshot(
        tree("/zookeeper", "/app", "/app/config", data=b"v"),
        sessions=[(0x200, 10000)],
        digest=(0x30000000A, 2, 5),
        last_zxid=0x30000000A,
    )
)
HEADER = Header("3.9.6", 0x30000000A, "2026-12-08T00:00:00Z", "zk-1.zk-hs:8080", len(SNAPSHOT))


def backup_file(snapshot: bytes = SNAPSHOT, header: Header = HEADER) -> bytes:
    out = io.BytesIO()
    archive.write(out, header, io.BytesIO(snapshot))
    return out.getvalue()


def refusal(data: bytes) -> str:
    with pytest.raises(BadBackup) as refused:
        archive.read(io.BytesIO(data))
    return str(refused.value)


def test_a_written_backup_reads_back_with_its_header_summary_and_hash() -> None:
    out = io.BytesIO()
    written = archive.write(out, HEADER, io.BytesIO(SNAPSHOT))
    data = out.getvalue()
    copy = io.BytesIO()
    read = archive.read(io.BytesIO(data), copy)
    assert read == written
    assert read.header == HEADER
    assert (read.summary.znodes, read.summary.sessions) == (4, 1)
    assert read.summary.last_zxid == 0x30000000A
    assert read.size == len(data)
    # The snapshot is kept byte for byte, and the hash covers all before the trailer.
    assert copy.getvalue() == SNAPSHOT
    trailer_start = len(archive.MAGIC_LINE) + len(HEADER.line()) + len(SNAPSHOT)
    assert read.sha256 == hashlib.sha256(data[:trailer_start]).hexdigest()


def test_the_file_is_a_magic_line_a_json_header_the_snapshot_and_a_json_trailer() -> None:
    data = backup_file()
    magic, rest = data[: len(archive.MAGIC_LINE)], data[len(archive.MAGIC_LINE) :]
    assert magic == b"zkcontainer-backup 1\n"
    header_line, rest = rest.split(b"\n", 1)
    assert json.loads(header_line)["zxid"] == "0x30000000a"
    assert json.loads(header_line)["snapshot_bytes"] == len(SNAPSHOT)
    assert rest[: len(SNAPSHOT)] == SNAPSHOT
    trailer = json.loads(rest[len(SNAPSHOT) :])
    assert (trailer["znodes"], trailer["sessions"]) == (4, 1)


def test_a_snapshot_shorter_than_announced_writes_no_trailer() -> None:
    out = io.BytesIO()
    long_header = HEADER._replace(snapshot_bytes=len(SNAPSHOT) + 10)
    with pytest.raises(BadSnapshot):
        archive.write(out, long_header, io.BytesIO(SNAPSHOT))
    with pytest.raises(BadBackup, match="ends early"):
        archive.read(io.BytesIO(out.getvalue()))


def test_a_corrupt_snapshot_writes_no_trailer() -> None:
    corrupt = bytearray(SNAPSHOT)
    corrupt[30] ^= 1
    out = io.BytesIO()
    with pytest.raises(BadSnapshot, match="checksum"):
        archive.write(out, HEADER, io.BytesIO(bytes(corrupt)))
    assert b"sha256" not in out.getvalue()


def test_a_file_cut_at_any_byte_is_refused_as_ending_early() -> None:
    data = backup_file()
    for cut in range(len(data)):
        reason = refusal(data[:cut])
        assert "ends early" in reason or "empty" in reason, (cut, reason)


def test_an_empty_file_is_refused_as_empty() -> None:
    assert refusal(b"") == "it is empty"


def test_any_byte_changed_is_refused() -> None:
    data = backup_file()
    for offset in range(len(data)):
        changed = bytearray(data)
        changed[offset] ^= 0x04
        refusal(bytes(changed))


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("header", "SHA-256"),
        ("snapshot", "snapshot is not one ZooKeeper would load"),
        ("trailer", "SHA-256"),
    ],
)
def test_a_changed_byte_is_refused_naming_what_is_wrong(where: str, reason: str) -> None:
    data = bytearray(backup_file())
    header_end = data.index(b"\n", len(archive.MAGIC_LINE)) + 1
    offset = {
        # A digit of the "taken" time: still JSON, the same length.
        "header": data.index(b"2026-12-08"),
        "snapshot": header_end + 40,
        # A hex digit of the recorded hash.
        "trailer": data.rindex(b'"sha256": "') + 12,
    }[where]
    data[offset] = ord("7") if data[offset] != ord("7") else ord("8")
    assert reason in refusal(bytes(data))


def test_a_changed_header_field_is_refused_by_the_hash() -> None:
    data = backup_file().replace(b'"3.9.6"', b'"3.9.7"')
    assert "the file was changed" in refusal(data)


def test_a_trailer_that_miscounts_the_znodes_is_refused() -> None:
    data = backup_file()
    forged = data.replace(b'"znodes": 4', b'"znodes": 5')
    assert refusal(forged) == "it holds 4 znodes, its trailer says 5"


@pytest.mark.parametrize(
    ("written", "changed"),
    [
        (b'"sessions": 1', b'"sessions": 7'),
        (b'"sessions"', b'"wessions"'),
        (b"}\n", b', "x": 1}\n'),
    ],
)
def test_a_trailer_changed_outside_its_hash_is_refused(written: bytes, changed: bytes) -> None:
    data = backup_file()
    trailer_start = len(data) - len(data.split(b"/")[-1])
    forged = data[:trailer_start] + data[trailer_start:].replace(written, changed)
    assert forged != data
    assert "its trailer is not the one written with it" in refusal(forged)


def test_data_after_the_trailer_is_refused() -> None:
    assert refusal(backup_file() + b"x") == "data follows its trailer"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(16),
            "not a backup file: it starts with b'\\x89PNG",
        ),
        (SNAPSHOT, "bare ZooKeeper snapshot"),
        (
            b"just some notes\nabout a cluster\n" * 3,
            "not a backup file: it starts with b'just some",
        ),
        (b"zkcontainer-backup 2\n{}\n", "another format (zkcontainer-backup 2)"),
        (b"zkcontainer-back", "ends early, within its first line"),
    ],
)
def test_a_file_of_another_format_is_refused_saying_what_it_is(data: bytes, reason: str) -> None:
    assert reason in refusal(data)


@pytest.mark.parametrize(
    ("header_line", "reason"),
    [
        (b"not json\n", "header is not the JSON line"),
        (b"[1, 2]\n", "header is not the JSON line"),
        (b'{"zookeeper": "3.9.6"}\n', "header lacks a field"),
        (
            b'{"zookeeper": "3.9.6", "zxid": "zz", "taken": "", "source": "",'
            b' "snapshot_bytes": 1}\n',
            "header lacks a field or holds a wrong one",
        ),
        (
            b'{"zookeeper": "3.9.6", "zxid": "0x1", "taken": "", "source": "",'
            b' "snapshot_bytes": -1}\n',
            "impossible zxid or size",
        ),
        (b'{"zookeeper": "3.9.6"', "ends early, within its header"),
    ],
)
def test_a_bad_header_is_refused_saying_what_is_wrong(header_line: bytes, reason: str) -> None:
    assert reason in refusal(archive.MAGIC_LINE + header_line)


def resealed(header: Header, snapshot: bytes = SNAPSHOT) -> bytes:
    """A backup file laid out by hand with a new header and its hash recomputed:
    one edited by someone who knows the format."""
    start = archive.MAGIC_LINE + header.line()
    sha256 = hashlib.sha256(start + snapshot).hexdigest()
    znodes = summarize(io.BytesIO(snapshot)).znodes
    trailer = json.dumps(
        {"znodes": znodes, "sessions": 1, "sha256": sha256}, separators=(", ", ": ")
    )
    return start + snapshot + trailer.encode() + b"\n"


def test_a_header_zxid_past_the_snapshots_own_is_refused_though_the_hash_agrees() -> None:
    """The restore names the snapshot by the header's zxid, which ZooKeeper takes as
    the newest transaction it holds: a later one would claim transactions it lacks."""
    assert archive.read(io.BytesIO(resealed(HEADER))).header.zxid == 0x30000000A
    forged = resealed(HEADER._replace(zxid=0x900000001))
    assert refusal(forged) == (
        "its header's zxid 0x900000001 is past its snapshot's last zxid 0x30000000a:"
        " the header was changed"
    )


def test_a_header_zxid_before_the_snapshots_own_is_a_snapshot_taken_under_writes() -> None:
    """ZooKeeper names a snapshot by the zxid it starts at and serializes the one it
    ends at: writes applied while it is taken put the second after the first."""
    read = archive.read(io.BytesIO(resealed(HEADER._replace(zxid=0x300000005))))
    assert (read.header.zxid, read.summary.last_zxid) == (0x300000005, 0x30000000A)


def test_a_member_announcing_a_zxid_past_its_snapshots_own_writes_no_trailer() -> None:
    out = io.BytesIO()
    with pytest.raises(BadSnapshot, match="past its snapshot's last zxid"):
        archive.write(out, HEADER._replace(zxid=0x30000000B), io.BytesIO(SNAPSHOT))
    assert not out.getvalue().endswith(b"}\n")


@pytest.mark.parametrize("what", ["header", "trailer"])
def test_a_deeply_nested_json_line_is_refused_not_a_crash(what: str) -> None:
    """Within the line length allowed, JSON nested past Python's recursion limit."""
    nested = b"[" * 60000 + b"\n"
    if what == "header":
        assert (
            refusal(archive.MAGIC_LINE + nested)
            == "its header is not the JSON line it is written as"
        )
    else:
        data = backup_file()
        trailer_start = len(data) - len(data.split(b"/")[-1])
        refused = refusal(data[:trailer_start] + nested)
        assert refused == "its trailer is not the JSON line it is written as"
