"""zookeeper-backup: its bad input, --verify's verdicts, and the files a backup leaves.

Taking a backup needs ZooKeeper 3.9's AdminServer `snapshot` command. The
host's ZooKeeper is 3.8, which has none, so here the member is a fake
(tests/harness/fakeadmin.py) serving a real snapshot's bytes as that command
does; the container tier takes backups from the image's real 3.9 servers.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest

from tests.harness.fakeadmin import FakeAdmin, fake_admin
from tests.harness.fifos import without_a_writer
from tests.harness.ports import free_port
from tests.harness.snapshots import Snapshot, tree, write
from zkcontainer.backup import archive
from zkcontainer.backup.archive import Header
from zkcontainer.backup.command import main

ZXID = 0x500000021
SNAPSHOT = write(
    Snapshot(
        tree("/zookeeper", "/zookeeper/quota", "/app", "/app/a", "/app/b", data=b"payload"),
        sessions=[(0x77, 30000)],
        digest=(ZXID, 2, 0xABC),
        last_zxid=ZXID,
    )
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def backup_bytes() -> bytes:
    out = io.BytesIO()
    header = Header("3.9.6", ZXID, "2026-12-08T00:00:00Z", "zk-0:8080", len(SNAPSHOT))
    archive.write(out, header, io.BytesIO(SNAPSHOT))
    return out.getvalue()


@pytest.fixture
def member() -> Iterator[FakeAdmin]:
    with fake_admin(FakeAdmin(SNAPSHOT, ZXID)) as fake:
        yield fake


def listing(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.mark.parametrize(
    ("argv", "problems"),
    [
        (["--keep=0", "--output_dir=/b"], ["--keep=0: not a number of backups (1 to 10000)"]),
        (["--keep=x", "--output_dir=/b"], ["--keep=x: not a number of backups (1 to 10000)"]),
        (
            ["--keep=10001", "--output_dir=/b"],
            ["--keep=10001: not a number of backups (1 to 10000)"],
        ),
        (["--admin_port=0"], ["--admin_port=0: not a port (1 to 65535)"]),
        (["--admin_port=65536"], ["--admin_port=65536: not a port (1 to 65535)"]),
        (["--admin_port=\uff18\uff10"], ["--admin_port=\uff18\uff10: not a port (1 to 65535)"]),
        (["--timeout=0"], ["--timeout=0: not a number of seconds (0 to 3600)"]),
        (["--timeout=nan"], ["--timeout=nan: not a number of seconds (0 to 3600)"]),
        (["--timeout=soon"], ["--timeout=soon: not a number of seconds (0 to 3600)"]),
        (["--host=zk-0,,zk-1"], ["--host=zk-0,,zk-1: not a comma-separated list of members"]),
        (["--host=zk 0"], ["--host=zk 0: not a comma-separated list of members"]),
        (["--host=zk\n0"], ["--host='zk\\n0': not a comma-separated list of members"]),
        (["--keep=3"], ["--keep=3: needs --output_dir"]),
        (["--output="], ["--output=: not a file name"]),
        (["--output_dir=", "--keep=1"], ["--output_dir=: not a directory name"]),
        (["--verify="], ["--verify=: not a file name"]),
        (["--host=."], ["--host=.: . is not an IPv4 or IPv6 address or a DNS name"]),
        (
            ["--host=zk-0," + "a" * 64],
            [f"--host=zk-0,{'a' * 64}: {'a' * 64} is not an IPv4 or IPv6 address or a DNS name"],
        ),
        (
            ["--host=zk-0:8080"],
            [
                "--host=zk-0:8080: zk-0:8080 is not an IPv4 or IPv6 address or a DNS name"
                " (the port is --admin_port's)"
            ],
        ),
        (
            ["--host=[::1]"],
            ["--host=[::1]: an IPv6 address goes without brackets here (::1)"],
        ),
        (
            ["--host=zk-0,http://zk-1"],
            [
                "--host=zk-0,http://zk-1: http://zk-1 is not an IPv4 or IPv6 address or a DNS"
                " name (the port is --admin_port's)"
            ],
        ),
        (
            ["--output=a", "--output_dir=b"],
            ["--output_dir=b: give it or --output, not both"],
        ),
        (
            ["--verify=f", "--output=o", "--keep=2", "--password_file=p"],
            [
                "--output=o: means nothing with --verify",
                "--keep=2: means nothing with --verify",
                "--password_file=p: means nothing with --verify",
            ],
        ),
    ],
)
def test_bad_input_is_one_line_per_problem_naming_flag_and_value_and_exit_2(
    argv: list[str], problems: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, [])
    assert err == [f"zookeeper-backup: {problem}" for problem in problems]


def test_a_huge_number_is_refused_as_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--keep", "--admin_port"):
        code, _, err = run([f"{flag}={'9' * 5000}", "--output_dir=/b"], capsys)
        assert code == 2
        assert len(err) == 1
        assert err[0].startswith(f"zookeeper-backup: {flag}=999"), err


def test_an_unknown_flag_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--verfiy=x"], capsys)
    assert code == 2
    assert len(err) == 1
    assert "--verfiy=x" in err[0]
    assert "--verify" in err[0]


def test_a_bad_admin_port_in_the_environment_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZK_ADMIN_PORT", "http")
    code, _, err = run(["--output=/nowhere/b"], capsys)
    assert code == 2
    assert err == ["zookeeper-backup: --admin_port=http: not a port (1 to 65535)"]


def test_an_unreadable_password_file_is_bad_input_before_any_request(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-password"
    argv = [f"--admin_port={member.port}", f"--output={tmp_path / 'b'}"]
    code, _, err = run([*argv, f"--password_file={missing}"], capsys)
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith(f"zookeeper-backup: --password_file={missing}")
    assert member.requests == []
    assert listing(tmp_path) == {}


def test_verify_of_a_good_backup_prints_its_zxid_and_znodes_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zk.backup"
    path.write_bytes(backup_bytes())
    code, out, err = run([f"--verify={path}"], capsys)
    assert (code, err) == (0, [])
    assert len(out) == 1
    assert out[0].startswith(f"{path}: zxid 0x500000021, 6 znodes, {path.stat().st_size} bytes;")
    assert "ZooKeeper 3.9.6" in out[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "it is empty"),
        (backup_bytes()[:-30], "it ends early"),
        (SNAPSHOT, "bare ZooKeeper snapshot"),
        (b"\x89PNG\r\n\x1a\n", "not a backup file"),
        (backup_bytes() + b"\n", "data follows its trailer"),
    ],
)
def test_verify_of_a_bad_file_exits_1_with_the_reason_on_one_line(
    content: bytes, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zk.backup"
    path.write_bytes(content)
    code, out, err = run([f"--verify={path}"], capsys)
    assert (code, out) == (1, [])
    assert len(err) == 1
    assert err[0].startswith(f"zookeeper-backup: {path} is refused: ")
    assert reason in err[0]


def test_verify_of_a_fifo_nobody_writes_to_is_refused_not_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "zk.backup"
    os.mkfifo(fifo)
    code, out, err = without_a_writer(fifo, lambda: run([f"--verify={fifo}"], capsys))
    assert (code, out) == (1, [])
    assert err == [f"zookeeper-backup: {fifo} is refused: it is empty"]


def test_verify_of_a_missing_file_exits_1_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([f"--verify={tmp_path / 'none'}"], capsys)
    assert code == 1
    assert err == [f"zookeeper-backup: cannot read {tmp_path / 'none'}: No such file or directory"]


def test_a_backup_to_a_file_holds_the_members_snapshot_and_verifies(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zk.backup"
    code, out, err = run([f"--admin_port={member.port}", f"--output={path}"], capsys)
    assert (code, out) == (0, [])
    assert err[-1].startswith("zookeeper-backup: zxid 0x500000021, 6 znodes,")
    assert f"from 127.0.0.1:{member.port}" in err[-1]
    assert listing(tmp_path).keys() == {"zk.backup"}
    copy = io.BytesIO()
    with open(path, "rb") as file:
        contents = archive.read(file, copy)
    assert copy.getvalue() == SNAPSHOT
    assert contents.header.zookeeper == "3.9.6"
    # No password: an identity all the same, which `/`'s open ACL lets through.
    assert member.requests[-1] == ("/commands/snapshot?streaming=true", "digest zookeeper-backup:")


def test_the_superusers_password_is_sent_when_given(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    password = tmp_path / "password"
    password.write_text("s3cret\n")
    argv = [f"--admin_port={member.port}", f"--output={tmp_path / 'b'}"]
    code, _, _ = run([*argv, f"--password_file={password}"], capsys)
    assert code == 0
    assert member.requests[-1][1] == "digest super:s3cret"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("first line\nSECRET-REST\n", "a line break"),
        ("SECRET\rREST", "a line break"),
        ("SECRET\u20acREST", "a character beyond Latin-1"),
        ("SECRET REST", "a space"),
    ],
)
def test_a_password_an_http_header_cannot_carry_is_bad_input_and_never_shown(
    tmp_path: Path,
    member: FakeAdmin,
    capsys: pytest.CaptureFixture[str],
    password: str,
    reason: str,
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(password)
    argv = [f"--admin_port={member.port}", f"--output={tmp_path / 'b'}"]
    code, out, err = run([*argv, f"--password_file={password_file}"], capsys)
    assert (code, out) == (2, [])
    assert err == [
        f"zookeeper-backup: --password_file={password_file}: the password holds {reason},"
        " which the AdminServer's Authorization header cannot carry"
    ]
    assert member.requests == []
    assert "SECRET" not in "".join(err)


def test_a_follower_is_asked_before_the_leader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Members share the admin port, on addresses of their own: two loopback addresses.
    with ExitStack() as stack:
        leader = stack.enter_context(fake_admin(FakeAdmin(SNAPSHOT, ZXID, state="leader")))
        follower = stack.enter_context(
            fake_admin(FakeAdmin(SNAPSHOT, ZXID, state="follower"), "127.0.0.2", leader.port)
        )
        argv = ["--host=127.0.0.1,127.0.0.2", f"--admin_port={leader.port}"]
        code, _, err = run([*argv, f"--output={tmp_path / 'b'}"], capsys)
    assert code == 0, err
    assert f"from 127.0.0.2:{leader.port}" in err[-1]
    assert [path for path, _ in leader.requests] == ["/commands/srvr"]
    assert [path for path, _ in follower.requests] == [
        "/commands/srvr",
        "/commands/snapshot?streaming=true",
    ]


def test_the_leader_is_asked_only_when_no_follower_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_admin(FakeAdmin(SNAPSHOT, ZXID, state="leader")) as leader:
        unanswered = "127.0.0.2"  # nothing listens on the leader's port there
        argv = [f"--host={unanswered},127.0.0.1", f"--admin_port={leader.port}"]
        code, _, err = run([*argv, f"--output={tmp_path / 'b'}"], capsys)
    assert code == 0, err
    assert [path for path, _ in leader.requests][-1] == "/commands/snapshot?streaming=true"


def test_no_member_answering_exits_1_naming_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    argv = ["--host=127.0.0.1,127.0.0.2", f"--admin_port={port}", f"--output={tmp_path / 'b'}"]
    code, _, err = run([*argv, "--timeout=5"], capsys)
    assert code == 1
    assert len(err) == 1
    assert f"127.0.0.1:{port}" in err[0]
    assert f"127.0.0.2:{port}" in err[0]
    assert listing(tmp_path) == {}


@pytest.mark.parametrize("chunked", [False, True])
def test_a_snapshot_cut_short_leaves_no_file_under_either_name(
    chunked: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = FakeAdmin(SNAPSHOT, ZXID, send_bytes=len(SNAPSHOT) // 2, chunked=chunked)
    (tmp_path / "older.backup").write_bytes(b"kept")
    with fake_admin(cut):
        code, out, err = run(
            [f"--admin_port={cut.port}", f"--output={tmp_path / 'zk.backup'}"], capsys
        )
    assert (code, out) == (1, [])
    assert len(err) == 1, err
    assert err[0].startswith("zookeeper-backup: ")
    assert listing(tmp_path) == {"older.backup": b"kept"}


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 401}, "refused snapshot (401: refused by the fake)"),
        ({"status": 429}, "rate-limited"),
        ({"status": 503}, "zookeeper.admin.snapshot.enabled is false"),
        ({"snapshot_headers": False}, "is it ZooKeeper 3.9 or later?"),
        ({"zxid": -1}, "sent a snapshot with last_zxid '-0x1'"),
        ({"zxid": 2**63}, "sent a snapshot with last_zxid '0x8000000000000000'"),
        ({"announced_size": -1}, "and snapshot_size '-1'"),
    ],
)
def test_a_member_that_sends_no_snapshot_exits_1_saying_why(
    fault: dict[str, object], reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = {"snapshot": SNAPSHOT, "zxid": ZXID, **fault}
    with fake_admin(FakeAdmin(**answer)) as fake:  # type: ignore[arg-type]
        code, _, err = run([f"--admin_port={fake.port}", f"--output={tmp_path / 'b'}"], capsys)
    assert code == 1
    assert len(err) == 1, err
    assert reason in err[0]
    assert listing(tmp_path) == {}


def test_a_corrupt_snapshot_is_refused_and_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = bytearray(SNAPSHOT)
    corrupt[len(corrupt) // 2] ^= 0x10
    with fake_admin(FakeAdmin(bytes(corrupt), ZXID)) as fake:
        code, _, err = run([f"--admin_port={fake.port}", f"--output={tmp_path / 'b'}"], capsys)
    assert code == 1
    assert len(err) == 1
    assert f"the snapshot from 127.0.0.1:{fake.port} is refused" in err[0]
    assert listing(tmp_path) == {}


def test_output_dir_with_keep_keeps_the_newest_and_leaves_other_files_alone(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    older = [f"zookeeper-2026010{day}T000000Z.backup" for day in range(1, 5)]
    others = {
        "notes.txt": b"operator's notes",
        "other-20260101T000000Z.backup": b"another prefix",
        "zookeeper-20260102T000000Z.backup.partial": b"someone else's partial",
        "zookeeper-before-upgrade.backup": b"named by hand",
    }
    for name in older:
        (tmp_path / name).write_bytes(b"an older backup")
    for name, content in others.items():
        (tmp_path / name).write_bytes(content)
    argv = [f"--admin_port={member.port}", f"--output_dir={tmp_path}", "--keep=2"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    after = listing(tmp_path)
    new = [name for name in after if name not in older and name not in others]
    assert len(new) == 1
    assert new[0].startswith("zookeeper-")
    assert new[0].endswith("Z.backup")
    assert set(after) == {*others, older[-1], new[0]}
    assert {name: after[name] for name in others} == others
    assert any(f"removed {older[0]}" in line for line in err), err
    with open(tmp_path / new[0], "rb") as file:
        assert archive.read(file).header.zxid == ZXID


def test_output_dir_without_keep_removes_nothing(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "zookeeper-20200101T000000Z.backup"
    old.write_bytes(b"old")
    code, _, _ = run([f"--admin_port={member.port}", f"--output_dir={tmp_path}"], capsys)
    assert code == 0
    assert len(os.listdir(tmp_path)) == 2
    assert old.read_bytes() == b"old"


def test_a_backup_to_standard_output_is_the_file_itself(
    member: FakeAdmin, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = main([f"--admin_port={member.port}"])
    captured = capsysbinary.readouterr()
    assert code == 0
    assert archive.read(io.BytesIO(captured.out)).summary.znodes == 6
    assert captured.err.decode().splitlines()[-1].startswith("zookeeper-backup: zxid 0x500000021")


def test_a_backup_cut_short_on_standard_output_has_no_trailer_and_fails_verify(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    with fake_admin(FakeAdmin(SNAPSHOT, ZXID, send_bytes=100)) as fake:
        code = main([f"--admin_port={fake.port}"])
    written = capsysbinary.readouterr().out
    assert code == 1
    assert written.startswith(archive.MAGIC_LINE)
    (tmp_path / "cut.backup").write_bytes(written)
    assert main([f"--verify={tmp_path / 'cut.backup'}"]) == 1
    assert "it ends early" in capsysbinary.readouterr().err.decode()


def test_standard_output_on_a_terminal_is_bad_input(
    member: FakeAdmin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, _, err = run([f"--admin_port={member.port}"], capsys)
    assert code == 2
    assert err == [
        "zookeeper-backup: standard output is a terminal: give --output=FILE, or redirect it"
    ]
    assert member.requests == []


def test_a_full_disk_at_the_fsync_exits_1_and_leaves_no_file(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with mock.patch("os.fsync", side_effect=full):
        code, _, err = run([f"--admin_port={member.port}", f"--output={tmp_path / 'b'}"], capsys)
    assert code == 1
    assert err == [f"zookeeper-backup: cannot write {tmp_path / 'b'}: No space left on device"]
    assert listing(tmp_path) == {}


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_an_output_that_is_no_regular_file_is_left_as_it_is_before_any_request(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """As --output=/dev/null would be: renamed over, a device node would become a
    file holding the backup."""
    target = tmp_path / "out"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    code, _, err = run([f"--admin_port={member.port}", f"--output={target}"], capsys)
    assert code == 1
    assert err == [f"zookeeper-backup: cannot write {target}: it is not a regular file"]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]
    assert target.is_fifo() if kind == "fifo" else target.is_dir()
    assert member.requests == []


def test_a_symlink_in_place_of_the_partial_file_is_not_followed(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious"
    precious.write_text("not a backup\n")
    (tmp_path / "b.partial").symlink_to(precious)
    code, _, err = run([f"--admin_port={member.port}", f"--output={tmp_path / 'b'}"], capsys)
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"zookeeper-backup: cannot write {tmp_path / 'b.partial'}: ")
    assert precious.read_text() == "not a backup\n"
    assert member.requests == []


def test_keep_failing_to_remove_an_old_backup_exits_1_naming_it_and_the_new_one(
    tmp_path: Path, member: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "zookeeper-20200101T000000Z.backup"
    old.write_bytes(b"old")
    refused = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(old))
    argv = [f"--admin_port={member.port}", f"--output_dir={tmp_path}", "--keep=1"]
    with mock.patch("os.unlink", side_effect=refused):
        code, _, err = run(argv, capsys)
    assert code == 1
    [new] = [path for path in tmp_path.iterdir() if path != old]
    assert err == [
        f"zookeeper-backup: the backup is written to {new}, but --keep=1 cannot remove {old}:"
        " Permission denied"
    ]
