"""docker/source-url and docker/source-date: where and when the image's source is from,
as its OCI labels say, read from a git repository made for the test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

DOCKER = Path(__file__).resolve().parents[2] / "docker"
# 2026-01-02T03:04:05Z, and an hour later.
COMMITTED = 1767323045
LATER = COMMITTED + 3600


def run(script: str, repository: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SOURCE_URL", "SOURCE_DATE_EPOCH"}}
    return subprocess.run(
        [str(DOCKER / script)],
        cwd=repository,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def git(repository: Path, *argv: str) -> None:
    subprocess.run(["git", *argv], cwd=repository, check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository of one commit, made at COMMITTED."""
    git(tmp_path, "init", "-q")
    (tmp_path / "README.md").write_text("zkcontainer\n")
    git(tmp_path, "add", "README.md")
    who = {
        f"GIT_{role}_{key}": value
        for role in ("AUTHOR", "COMMITTER")
        for key, value in (("NAME", "zk"), ("EMAIL", "zk@example.org"), ("DATE", f"@{COMMITTED}"))
    }
    env = {**os.environ, **who}
    subprocess.run(["git", "commit", "-q", "-m", "first"], cwd=tmp_path, env=env, check=True)
    return tmp_path


def test_the_source_url_is_the_origin_remote_without_its_credentials(repository: Path) -> None:
    git(repository, "remote", "add", "origin", "https://user:token@example.org/zkcontainer.git")
    assert run("source-url", repository).stdout == "https://example.org/zkcontainer.git\n"


def test_a_clone_of_a_local_path_has_no_source_url(repository: Path) -> None:
    git(repository, "remote", "add", "origin", "/srv/git/zkcontainer")
    result = run("source-url", repository)
    assert (result.returncode, result.stdout) == (0, "")


def test_source_url_given_is_the_source_url(repository: Path) -> None:
    given = run("source-url", repository, SOURCE_URL="https://example.org/zk")
    assert given.stdout == "https://example.org/zk\n"
    wrong = run("source-url", repository, SOURCE_URL="example.org/zk")
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr == (
        "source-url: SOURCE_URL=example.org/zk is not a URL (https://HOST/PATH)\n"
    )


def test_the_source_date_is_the_commit_s_in_a_clean_tree(repository: Path) -> None:
    assert run("source-date", repository).stdout == "2026-01-02T03:04:05Z\n"


def test_the_source_date_is_the_newest_change_s_in_a_changed_tree(repository: Path) -> None:
    for name in ("README.md", "new.py"):  # a changed file, then a new one
        (repository / name).write_text("changed\n")
        os.utime(repository / name, (LATER, LATER))
        assert run("source-date", repository).stdout == "2026-01-02T04:04:05Z\n"
        os.utime(repository / name, (LATER - 7200, LATER - 7200))  # older than the commit


def test_source_date_epoch_is_the_source_date(repository: Path) -> None:
    result = run("source-date", repository, SOURCE_DATE_EPOCH=str(LATER))
    assert result.stdout == "2026-01-02T04:04:05Z\n"
