"""The reconfig client's own logic: digests, password files, retries and their outcomes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kazoo.exceptions import (
    BadVersionError,
    ConnectionLoss,
    NewConfigNoQuorumError,
    NoAuthError,
    ReconfigInProcessError,
)

from zkcontainer.reconfig.client import (
    ReconfigError,
    add,
    read_password,
    remove,
    super_digest,
    super_digest_flag,
)
from zkcontainer.reconfig.model import Member, Membership, parse_config, render_dynamic_file


@pytest.mark.parametrize(
    ("password", "digest"),
    [
        # What ZooKeeper 3.8's DigestAuthenticationProvider.generateDigest prints for
        # `super:<password>` (java -cp zookeeper.jar ...DigestAuthenticationProvider).
        ("password", "super:DyNYQEQvajljsxlhf5uS4PJ9R28="),
        ("pa:ss wörd", "super:He/qzZdnY5MXKF9BL5zQBPciu6E="),
    ],
)
def test_the_superuser_digest_is_zookeepers(password: str, digest: str) -> None:
    assert super_digest(password) == digest
    assert super_digest_flag(password) == (
        f"-Dzookeeper.DigestAuthenticationProvider.superDigest={digest}"
    )


@pytest.mark.parametrize(
    ("content", "password"),
    [("s3cret", "s3cret"), ("s3cret\n", "s3cret"), ("s3cret\r\n", "s3cret"), (" a b ", " a b ")],
)
def test_a_password_file_loses_only_its_line_end(
    tmp_path: Path, content: str, password: str
) -> None:
    (tmp_path / "password").write_bytes(content.encode())
    assert read_password(str(tmp_path / "password")) == password


@pytest.mark.parametrize("content", [None, "", "\n"])
def test_a_missing_or_empty_password_is_named(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "password"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ReconfigError, match=f"{path}: ") as raised:
        read_password(str(path))
    assert raised.value.reason == "not authorized"


def test_the_probe_path_never_imports_kazoo() -> None:
    # A fresh interpreter: this one has kazoo loaded by the tests above.
    code = (
        "import sys\n"
        "import zkcontainer.ready, zkcontainer.metrics, zkcontainer.fourlw, zkcontainer.mntr\n"
        "import zkcontainer.reconfig.client, zkcontainer.reconfig.decision\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kazoo', 'six')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def member(server_id: int) -> Member:
    return Member(server_id, f"zk-{server_id - 1}", 2888, 3888, "participant", 2181)


class Result:
    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value, self.error = value, error

    def get(self, timeout: float | None = None) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class FakeEnsemble:
    """A client's view of an ensemble whose reconfigs answer from a script of outcomes.

    An outcome is an exception raised instead of committing, or "commit, then
    raise" (a commit whose answer is lost: the leader removed, a connection
    dropped), or None: commit and answer.
    """

    def __init__(self, membership: Membership, outcomes: list[Any]) -> None:
        self.membership = membership
        self.outcomes = outcomes
        self.calls: list[tuple[str | None, str | None, int]] = []

    def sync_async(self, path: str) -> Result:
        return Result(path)

    def get_async(self, path: str) -> Result:
        text = render_dynamic_file(self.membership) + f"version={self.membership.version:x}"
        return Result((text.encode(), None))

    def reconfig_async(
        self, joining: str | None, leaving: str | None, new: None, from_config: int
    ) -> Result:
        self.calls.append((joining, leaving, from_config))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, Exception):
            return Result(error=outcome)
        if from_config != self.membership.version:
            return Result(error=BadVersionError())
        self.commit(joining, leaving)
        if isinstance(outcome, tuple):  # ("commit", error)
            return Result(error=outcome[1])
        return Result((b"", None))

    def commit(self, joining: str | None, leaving: str | None) -> None:
        changed = self.membership
        if joining:
            changed = changed.with_member(parse_config(f"{joining}\nversion=0").members[0])
        if leaving:
            changed = changed.without(int(i) for i in leaving.split(","))
        self.membership = Membership(changed.members, self.membership.version + 1)


Change = Callable[[FakeEnsemble], Membership]


def adding(fake: FakeEnsemble) -> Membership:
    return add(fake, member(4), timeout=10)


def removing(fake: FakeEnsemble) -> Membership:
    return remove(fake, [3, 2], timeout=10)


@pytest.mark.parametrize(
    "outcomes",
    [
        [],
        [ReconfigInProcessError(), ReconfigInProcessError()],  # another member's add first
        [ConnectionLoss()],  # nothing committed: tried again
        [("commit", ConnectionLoss())],  # committed, answer lost: read, not repeated
        [NewConfigNoQuorumError()],  # the new member not yet synced
    ],
)
@pytest.mark.parametrize(("change", "expected_ids"), [(adding, {1, 2, 3, 4}), (removing, {1})])
def test_a_change_is_retried_until_the_configuration_shows_it(
    outcomes: list[Any], change: Change, expected_ids: set[int]
) -> None:
    fake = FakeEnsemble(Membership(tuple(member(i) for i in (1, 2, 3)), 0x100000000), outcomes)
    result = change(fake)
    assert result.ids == expected_ids
    assert result == fake.membership
    # Every attempt named the version it read; a committed change is never sent twice.
    assert fake.membership.version == 0x100000001
    committed = [c for c in fake.calls if c[2] == 0x100000000]
    assert len(committed) == len(fake.calls)


def test_a_change_from_a_stale_read_is_retried_after_a_fresh_one() -> None:
    fake = FakeEnsemble(Membership(tuple(member(i) for i in (1, 2, 3)), 7), [])
    original = fake.get_async
    reads = 0

    def stale_once(path: str) -> Result:
        nonlocal reads
        reads += 1
        if reads == 1:  # another change commits between our read and our reconfig
            result = original(path)
            fake.commit(member(5).spec(), None)
            return result
        return original(path)

    fake.get_async = stale_once  # type: ignore[method-assign]
    assert add(fake, member(4), timeout=10).ids == {1, 2, 3, 4, 5}
    assert [call[2] for call in fake.calls] == [7, 8]


def test_an_added_member_is_not_added_again() -> None:
    fake = FakeEnsemble(Membership(tuple(member(i) for i in (1, 2, 3, 4)), 9), [])
    assert add(fake, member(4), timeout=10) == fake.membership
    assert remove(fake, [7], timeout=10) == fake.membership
    assert fake.calls == []


def test_a_role_change_is_a_change() -> None:
    fake = FakeEnsemble(Membership(tuple(member(i) for i in (1, 2, 3, 4)), 9), [])
    observer = Member(4, "zk-3", 2888, 3888, "observer", 2181)
    assert add(fake, observer, timeout=10).get(4) == observer


def test_without_the_superuser_it_stops_at_once() -> None:
    fake = FakeEnsemble(Membership((member(1), member(2)), 1), [NoAuthError()] * 100)
    with pytest.raises(ReconfigError, match="superuser") as raised:
        add(fake, member(3), timeout=10)
    assert raised.value.reason == "not authorized"
    assert len(fake.calls) == 1


def test_a_change_that_never_commits_times_out_naming_the_last_error() -> None:
    fake = FakeEnsemble(Membership((member(1), member(2)), 1), [NewConfigNoQuorumError()] * 1000)
    with pytest.raises(ReconfigError, match="NewConfigNoQuorumError") as raised:
        add(fake, member(3), timeout=0.3)
    assert raised.value.reason == "timed out"
