"""start-zookeeper --heap=auto: the heap sized from the memory limit, the flags and
the line that say so, and one line naming --heap when there is no limit to size from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.prerequisites import require_zookeeper
from zkcontainer import ConfigError, memory, render
from zkcontainer.memory import MIB, Limit
from zkcontainer.settings import Settings, load_settings
from zkcontainer.start import main

GIB = 1024 * MIB


def settings(*argv: str, limit: Limit | memory.Unreadable | None = None) -> Settings:
    def memory_limit() -> Limit:
        if isinstance(limit, memory.Unreadable):
            raise limit
        assert limit is not None, "--heap=auto read the memory limit"
        return limit

    return load_settings(["--hostname=zk-0", "--domain=", *argv], {}, lambda: "", memory_limit)


def problems(*argv: str, limit: Limit | memory.Unreadable) -> list[str]:
    with pytest.raises(ConfigError) as error:
        settings(*argv, limit=limit)
    return error.value.problems


def test_auto_sizes_the_heap_and_caps_direct_memory_from_the_limit() -> None:
    sized = settings("--heap=auto", limit=Limit(GIB, "/sys/fs/cgroup/memory.max"))
    assert (sized.heap, sized.max_direct_memory) == ("682M", "128M")
    assert render.heap_flags(sized) == ["-Xmx682M", "-Xms682M", "-XX:MaxDirectMemorySize=128M"]
    assert sized.heap_reason == (
        "--heap=auto: memory limit 1024M (/sys/fs/cgroup/memory.max): "
        "heap 682M (-Xmx682M -Xms682M), direct memory at most 128M"
    )


def test_auto_from_the_environment_and_in_any_case() -> None:
    limit = Limit(2 * GIB, "memory.max")
    assert settings("--heap=AUTO", limit=limit).heap == "1365M"
    from_env = load_settings(["--hostname=zk-0"], {"ZK_HEAP": "auto"}, lambda: "", lambda: limit)
    assert from_env.heap == "1365M"


def test_auto_heap_flags_go_to_java_env_and_the_command_before_jvm_flags() -> None:
    # --jvm_flags come later, so an operator's own -XX:MaxDirectMemorySize still wins.
    sized = settings(
        "--heap=auto", "--jvm_flags=-XX:MaxDirectMemorySize=1G", limit=Limit(GIB, "memory.max")
    )
    assert 'JVMFLAGS="-Xmx682M -Xms682M -XX:MaxDirectMemorySize=128M -XX:Max' in render.java_env(
        sized
    )
    command = render.java_command(sized, "java", ["zk.jar"], render.LOG4J)
    assert command.index("-XX:MaxDirectMemorySize=128M") < command.index(
        "-XX:MaxDirectMemorySize=1G"
    )


@pytest.mark.parametrize(
    "jvm_flag", ["-Xmx4G", "-Xms4G", "-XX:MaxHeapSize=4g", "-XX:MaxRAMPercentage=90"]
)
def test_auto_refuses_jvm_flags_that_would_size_the_heap_instead(jvm_flag: str) -> None:
    # The last -Xmx on the command line wins: a 4G heap in a 1 GiB container. (The
    # flag's whole value is not shown: --jvm_flags may carry a password.)
    assert problems("--heap=auto", f"--jvm_flags=-Dx=1 {jvm_flag}", limit=Limit(GIB, "m")) == [
        f"--jvm_flags: {jvm_flag} sizes the heap, which --heap=auto sizes"
        " from the memory limit: drop it, or give an explicit --heap"
    ]


def test_an_explicit_heap_reads_no_limit_and_caps_nothing() -> None:
    sized = settings("--heap=512M")  # settings() fails if the limit is read
    assert (sized.heap, sized.max_direct_memory, sized.heap_reason) == ("512M", None, None)
    assert render.heap_flags(sized) == ["-Xmx512M", "-Xms512M"]


@pytest.mark.parametrize(
    ("limit", "says"),
    [
        (
            Limit(None, "/sys/fs/cgroup/memory.max"),
            "--heap=auto: the container has no memory limit (/sys/fs/cgroup/memory.max); "
            "set one (docker run --memory, resources.limits.memory in Kubernetes) "
            "or give an explicit heap (--heap=512M)",
        ),
        (
            Limit(300 * MIB, "/sys/fs/cgroup/memory.max"),
            "--heap=auto: the memory limit 300M (/sys/fs/cgroup/memory.max) is below 384M, "
            "too small for a heap of at least 128M and what the JVM needs beside it; "
            "raise the limit or give an explicit heap (--heap=512M)",
        ),
        (
            memory.Unreadable("/sys/fs/cgroup/memory.max holds 'lots', not a number of bytes"),
            "--heap=auto: cannot read the container's memory limit: /sys/fs/cgroup/memory.max "
            "holds 'lots', not a number of bytes; or give an explicit heap (--heap=512M)",
        ),
    ],
    ids=["no limit", "too small", "unreadable"],
)
def test_auto_without_a_usable_limit_is_one_problem_naming_heap(
    limit: Limit | memory.Unreadable, says: str
) -> None:
    assert problems("--heap=auto", limit=limit) == [says]


def test_auto_problems_come_with_every_other_problem() -> None:
    found = problems("--heap=auto", "--tick_time=0", limit=Limit(None, "memory.max"))
    assert [problem.split(":")[0] for problem in found] == ["--tick_time=0", "--heap=auto"]


def test_a_malformed_heap_mentions_auto() -> None:
    assert problems("--heap=lots", limit=Limit(GIB, "memory.max")) == [
        "--heap=lots: must be a size like 512M or 2G, or auto"
    ]


def cgroup_v2(root: Path, monkeypatch: pytest.MonkeyPatch, memory_max: str) -> Path:
    """A v2 cgroup tree at `root` that start-zookeeper reads as its own."""
    (root / "cgroup").mkdir()
    (root / "cgroup" / "memory.max").write_text(memory_max)
    (root / "proc-self-cgroup").write_text("0::/\n")
    monkeypatch.setattr(memory, "CGROUP_ROOT", str(root / "cgroup"))
    monkeypatch.setattr(memory, "PROC_SELF_CGROUP", str(root / "proc-self-cgroup"))
    return root / "cgroup" / "memory.max"


def dirs(root: Path) -> list[str]:
    return [f"--{name}={root / name}" for name in ("data_dir", "data_log_dir", "conf_dir")]


@pytest.mark.parametrize("memory_max", ["max\n", "104857600\n", "garbage\n"])
def test_start_zookeeper_without_a_usable_limit_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_max: str,
) -> None:
    memory_max_path = cgroup_v2(tmp_path, monkeypatch, memory_max)
    work = tmp_path / "work"
    work.mkdir()
    assert main([*dirs(work), "--heap=auto"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("start-zookeeper: --heap=auto: ")
    assert str(memory_max_path) in line
    assert line.endswith("or give an explicit heap (--heap=512M)")
    assert list(work.iterdir()) == []


def test_start_zookeeper_dry_run_says_the_heap_it_sized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_zookeeper()
    memory_max = cgroup_v2(tmp_path, monkeypatch, f"{GIB}\n")
    work = tmp_path / "work"
    assert main([*dirs(work), "--heap=auto", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert (
        f"start-zookeeper: --heap=auto: memory limit 1024M ({memory_max}): heap 682M "
        "(-Xmx682M -Xms682M), direct memory at most 128M"
    ) in captured.err.splitlines()
    assert 'JVMFLAGS="-Xmx682M -Xms682M -XX:MaxDirectMemorySize=128M"' in captured.out
    assert " -Xmx682M -Xms682M -XX:MaxDirectMemorySize=128M " in captured.out
    assert not work.exists()
