"""--heap=auto's inputs: the memory limit read from cgroup trees laid out in a
temporary directory as the kernel lays them out, and the rule that sizes the heap."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkcontainer import memory
from zkcontainer.memory import MIB, AutoHeap, Limit, Unreadable, auto_heap, container_limit

GIB = 1024 * MIB
V1_UNLIMITED = "9223372036854771712"  # what a v1 cgroup without a limit says


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "cgroup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "cgroup").mkdir(exist_ok=True)
    return root / "cgroup"


def proc_cgroup(root: Path, text: str) -> str:
    path = root / "proc-self-cgroup"
    path.write_text(text)
    return str(path)


# What /proc/self/cgroup says in a container with its own cgroup namespace (v2),
# and in a Docker container on a v1 host (the host's path, not below the mount).
V2_NAMESPACED = "0::/\n"
V1_DOCKER = "12:memory:/docker/4f1c\n11:cpu,cpuacct:/docker/4f1c\n0::/docker/4f1c\n"


@pytest.mark.parametrize(
    ("files", "cgroup", "limit", "source"),
    [
        ({"memory.max": "1073741824\n"}, V2_NAMESPACED, GIB, "memory.max"),
        ({"memory.max": "max\n"}, V2_NAMESPACED, None, "memory.max"),
        (
            {"memory/memory.limit_in_bytes": "1073741824\n"},
            V1_DOCKER,
            GIB,
            "memory/memory.limit_in_bytes",
        ),
        (
            {"memory/memory.limit_in_bytes": V1_UNLIMITED + "\n"},
            V1_DOCKER,
            None,
            "memory/memory.limit_in_bytes",
        ),
    ],
    ids=["v2 limit", "v2 max", "v1 limit", "v1 unlimited"],
)
def test_the_containers_own_cgroup_gives_the_limit(
    tmp_path: Path, files: dict[str, str], cgroup: str, limit: int | None, source: str
) -> None:
    root = tree(tmp_path, files)
    found = container_limit(str(root), proc_cgroup(tmp_path, cgroup))
    assert found == Limit(limit, str(root / source))


def test_without_a_namespace_the_smallest_limit_up_the_v2_tree_wins(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "kubepods.slice/pod1/memory.max": str(2 * GIB),
            "kubepods.slice/pod1/zk/memory.max": "max",
            "kubepods.slice/memory.max": "max",  # the root cgroup itself has no memory.max
        },
    )
    found = container_limit(str(root), proc_cgroup(tmp_path, "0::/kubepods.slice/pod1/zk\n"))
    assert found == Limit(2 * GIB, str(root / "kubepods.slice/pod1/memory.max"))


def test_a_v1_path_below_the_mount_is_followed_up_to_its_top(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "memory/memory.limit_in_bytes": V1_UNLIMITED,
            "memory/system.slice/memory.limit_in_bytes": str(3 * GIB),
            "memory/system.slice/zk.service/memory.limit_in_bytes": str(5 * GIB),
        },
    )
    cgroup = "4:memory:/system.slice/zk.service\n"
    found = container_limit(str(root), proc_cgroup(tmp_path, cgroup))
    assert found == Limit(3 * GIB, str(root / "memory/system.slice/memory.limit_in_bytes"))


def test_a_controller_listed_with_others_is_found(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "memory/memory.limit_in_bytes": V1_UNLIMITED,
            "memory/zk/memory.limit_in_bytes": str(GIB),
        },
    )
    found = container_limit(str(root), proc_cgroup(tmp_path, "7:blkio,memory:/zk\n"))
    assert found.limit == GIB


@pytest.mark.parametrize(
    "cgroup", ["", "garbage without colons\n", "0::/../../etc\n"], ids=["empty", "garbage", "dots"]
)
def test_an_unhelpful_proc_self_cgroup_falls_back_to_the_mounts_top(
    tmp_path: Path, cgroup: str
) -> None:
    root = tree(tmp_path, {"memory.max": str(GIB)})
    assert container_limit(str(root), proc_cgroup(tmp_path, cgroup)).limit == GIB


def test_a_missing_proc_self_cgroup_falls_back_to_the_mounts_top(tmp_path: Path) -> None:
    root = tree(tmp_path, {"memory.max": str(GIB)})
    assert container_limit(str(root), str(tmp_path / "absent")).limit == GIB


def test_no_limit_file_at_all_is_no_limit(tmp_path: Path) -> None:
    root = tree(tmp_path, {"cgroup.controllers": "cpu io\n"})
    found = container_limit(str(root), proc_cgroup(tmp_path, V2_NAMESPACED))
    assert found == Limit(None, f"no memory.max under {root}")


def test_no_cgroup_file_system_is_no_limit(tmp_path: Path) -> None:
    found = container_limit(str(tmp_path / "absent"), str(tmp_path / "absent-too"))
    assert found.limit is None


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"memory.max": "lots\n"}, "memory.max holds 'lots'"),
        ({"memory.max": "-1\n"}, "memory.max holds '-1'"),
        ({"memory.max": ""}, "memory.max holds ''"),
        ({"memory/memory.limit_in_bytes": "1 GiB"}, "memory.limit_in_bytes holds '1 GiB'"),
        ({"memory.max": "x" * 100}, "holds '" + "x" * 40 + "...'"),
    ],
    ids=["word", "negative", "empty", "v1 with a unit", "long"],
)
def test_a_limit_file_without_a_number_is_unreadable_and_named(
    tmp_path: Path, files: dict[str, str], named: str
) -> None:
    root = tree(tmp_path, files)
    with pytest.raises(Unreadable, match="not a number of bytes") as error:
        container_limit(str(root), proc_cgroup(tmp_path, V2_NAMESPACED))
    assert named in str(error.value)
    assert str(root) in str(error.value)


def test_a_limit_file_that_is_not_text_is_unreadable(tmp_path: Path) -> None:
    root = tree(tmp_path, {})
    (root / "memory.max").write_bytes(b"\xff\xfe")
    with pytest.raises(Unreadable, match="cannot be read"):
        container_limit(str(root), proc_cgroup(tmp_path, V2_NAMESPACED))


def test_the_default_paths_are_read_at_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path, {"memory.max": str(GIB)})
    monkeypatch.setattr(memory, "CGROUP_ROOT", str(root))
    monkeypatch.setattr(memory, "PROC_SELF_CGROUP", proc_cgroup(tmp_path, V2_NAMESPACED))
    assert container_limit() == Limit(GIB, str(root / "memory.max"))


@pytest.mark.parametrize(
    ("limit", "heap", "direct"),
    [
        # A third of the limit stays outside the heap: docs/configuration.md's limit >= 1.5 x heap.
        (GIB, 682 * MIB, 128 * MIB),
        (2 * GIB, 1365 * MIB, 256 * MIB),
        (5 * GIB, 3413 * MIB, 640 * MIB),
        (64 * GIB, 43690 * MIB, 8 * GIB),
        # Small limits keep 256 MiB beside the heap instead.
        (512 * MIB, 256 * MIB, 64 * MIB),
        (384 * MIB, 128 * MIB, 48 * MIB),
        # Not a whole number of MiB: rounded down.
        (GIB + 12345, 682 * MIB, 128 * MIB),
    ],
)
def test_the_heap_is_two_thirds_of_the_limit_leaving_at_least_256_mib(
    limit: int, heap: int, direct: int
) -> None:
    assert auto_heap(limit) == AutoHeap(heap=heap, max_direct_memory=direct)


def test_every_auto_heap_keeps_the_readme_rule_and_fits_with_its_direct_memory() -> None:
    for limit in range(384 * MIB, 16 * GIB, 7 * MIB + 1):
        sized = auto_heap(limit)
        assert sized is not None
        assert sized.heap * 3 <= limit * 2
        assert sized.heap + sized.max_direct_memory < limit


def test_the_largest_limit_sizes_no_heap_beyond_4_tib() -> None:
    sized = auto_heap(2**61)
    assert sized is not None
    assert sized.heap == 4 * 2**40


def meminfo(tmp_path: Path, total_kib: int) -> str:
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:       {total_kib} kB\nMemFree:        1024 kB\n")
    return str(path)


def test_a_limit_above_the_machines_memory_is_the_machines_memory(tmp_path: Path) -> None:
    # Kubernetes lets a pod's limit exceed its node: -Xms of the limit's 2/3 would not commit.
    root = tree(tmp_path, {"memory.max": str(100 * GIB)})
    found = container_limit(
        str(root), proc_cgroup(tmp_path, V2_NAMESPACED), meminfo(tmp_path, 8 * 1024 * 1024)
    )
    assert found.limit == 8 * GIB
    assert found.source.endswith(f"meminfo MemTotal: less than {root / 'memory.max'}")


def test_a_limit_below_the_machines_memory_stays_and_no_meminfo_changes_nothing(
    tmp_path: Path,
) -> None:
    root = tree(tmp_path, {"memory.max": str(GIB)})
    cgroup = proc_cgroup(tmp_path, V2_NAMESPACED)
    expected = Limit(GIB, str(root / "memory.max"))
    assert container_limit(str(root), cgroup, meminfo(tmp_path, 8 * 1024 * 1024)) == expected
    assert container_limit(str(root), cgroup, str(tmp_path / "absent")) == expected


def test_a_limit_below_384_mib_sizes_no_heap() -> None:
    assert auto_heap(384 * MIB - 1) is None
    assert auto_heap(0) is None
