"""When start-zookeeper execs tini rather than the JVM (zkcontainer.containerinit)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkcontainer.containerinit import command, first_process, under_init

JAVA = ["/opt/java/bin/java", "-cp", "/usr/share/java/*", "zkcontainer.QuorumPeerMain"]


@pytest.mark.parametrize(
    ("pid", "ppid", "first"),
    [
        (1, 0, True),  # a container's PID 1
        (7, 0, True),  # a pod sharing its process namespace: the parent is the runtime's
        (4242, 4100, False),  # a shell, a test, a supervisor
        (2, 1, False),  # under `docker run --init`: that init is the first process
    ],
)
def test_the_first_process_is_pid_1_or_one_started_from_outside(
    pid: int, ppid: int, first: bool
) -> None:
    assert first_process(pid, ppid) is first


def test_the_first_process_runs_the_jvm_under_tini_as_a_subreaper() -> None:
    assert command(JAVA, first=True, init="/usr/bin/tini") == ["/usr/bin/tini", "-s", "--", *JAVA]


@pytest.mark.parametrize(("first", "init"), [(False, "/usr/bin/tini"), (True, None)])
def test_otherwise_it_becomes_the_jvm(first: bool, init: str | None) -> None:
    assert command(JAVA, first=first, init=init) == JAVA


@pytest.fixture
def tini_dir(tmp_path: Path) -> Path:
    """A directory for PATH that holds an executable named tini."""
    tini = tmp_path / "tini"
    tini.write_text("#!/bin/sh\n")
    tini.chmod(0o755)
    return tmp_path


def test_a_first_process_finds_tini_on_path(
    monkeypatch: pytest.MonkeyPatch, tini_dir: Path
) -> None:
    monkeypatch.setattr(os, "getpid", lambda: 1)
    said: list[str] = []
    tini = str(tini_dir / "tini")
    assert under_init(JAVA, {"PATH": str(tini_dir)}, said.append) == [tini, "-s", "--", *JAVA]
    assert said == []


def test_a_first_process_without_tini_says_what_it_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getpid", lambda: 1)
    said: list[str] = []
    assert under_init(JAVA, {"PATH": "/nonexistent"}, said.append) == JAVA
    [line] = said
    assert line.startswith("warning: no tini on PATH: ")
    assert "zombie" in line


def test_a_process_of_a_shell_is_not_the_first_and_says_nothing(tini_dir: Path) -> None:
    said: list[str] = []
    assert under_init(JAVA, {"PATH": str(tini_dir)}, said.append) == JAVA
    assert said == []
