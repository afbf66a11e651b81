"""Benchmark the probe commands of an earlier revision against this tree's.

A change must not slow the probes, which Kubernetes runs every few seconds
in every pod. This writes the image's launchers (Debian's /usr/bin/python3
-IS) over two byte-compiled copies of the package, git REV's and the working
tree's, starts one standalone ZooKeeper, runs each command of each copy in
turn, alternating which goes first, and reports the medians and the ratio
new ÷ old. Both copies meet the same machine in the same moments, so the
ratio holds on a shared machine where absolute times do not.

    python bench/revisions.py REV [--runs 100] [--python /usr/bin/python3]
"""

from __future__ import annotations

import argparse
import compileall
import io
import py_compile
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.probes import measure  # noqa: E402
from tests.harness.ports import free_port  # noqa: E402
from tests.harness.zookeeper import ZooKeeperServer  # noqa: E402
from zkcontainer.launchers import write_launchers  # noqa: E402

COMMANDS = {
    "zookeeper-ready": ["zookeeper-ready"],
    "zookeeper-ready --serving": ["zookeeper-ready", "--serving"],
    "zookeeper-metrics": ["zookeeper-metrics"],
}


def package_copy(revision: str | None, lib: Path, python: str) -> Path:
    """The package of `revision` (None: the working tree), compiled as the image
    compiles it, with launchers; the launchers' directory."""
    lib.mkdir(parents=True)
    if revision is None:
        shutil.copytree(ROOT / "zkcontainer", lib / "zkcontainer")
    else:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "zkcontainer"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(lib, filter="data")
    compileall.compile_dir(
        lib, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    (lib / "bin").mkdir()
    write_launchers(str(lib / "bin"), python, str(lib))
    return lib / "bin"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the earlier revision, as git names it")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--python", default="/usr/bin/python3", help="the image's interpreter")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="zkcontainer-bench-revisions-"))
    server = ZooKeeperServer(root=work / "zk", client_port=free_port())
    try:
        bins = {
            "old": package_copy(args.revision, work / "old", args.python),
            "new": package_copy(None, work / "new", args.python),
        }
        server.root.mkdir(parents=True)
        server.start()
        server.wait_until_serving()
        port = str(server.client_port)
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        for run in range(args.runs):
            for command, argv in COMMANDS.items():
                for tree in ("old", "new") if run % 2 else ("new", "old"):
                    ms, cpu_ms, code = measure([str(bins[tree] / argv[0]), *argv[1:], port])
                    if code != 0:
                        sys.exit(f"bench: {tree} {command} exited {code}")
                    wall.setdefault((tree, command), []).append(ms)
                    cpu.setdefault((tree, command), []).append(cpu_ms)
        print(f"{args.runs} alternating runs, {args.revision} (old) against the working tree (new)")
        print("| command | CPU ms old | CPU ms new | CPU new ÷ old | wall new ÷ old |")
        print("|---|---:|---:|---:|---:|")
        for command in COMMANDS:
            old_cpu = statistics.median(cpu["old", command])
            new_cpu = statistics.median(cpu["new", command])
            wall_ratio = statistics.median(wall["new", command]) / statistics.median(
                wall["old", command]
            )
            print(
                f"| `{command}` | {old_cpu:.2f} | {new_cpu:.2f} |"
                f" {new_cpu / old_cpu:.3f} | {wall_ratio:.3f} |"
            )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
