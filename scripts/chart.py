"""make manifests / make chart: charts/zookeeper through Helm's own engine.

`manifests`: rewrite manifests/*.yaml as the chart renders them for release zk.
`package DIR [--url URL]`: zookeeper-<version>.tgz and a chart repository's
index.yaml in DIR (--url: the address the repository is served from).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness.chart import ROOT, package_repository, write_manifests


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/chart.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("manifests", help="rewrite manifests/*.yaml from the chart")
    packaging = commands.add_parser("package", help="package the chart with a repository index")
    packaging.add_argument("directory", type=Path)
    packaging.add_argument("--url", help="where the repository is served from")
    args = parser.parse_args(argv)

    if args.command == "manifests":
        for path in write_manifests():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    archive, index = package_repository(args.directory, args.url)
    (entry,) = index["entries"]["zookeeper"]
    print(f"wrote {archive} (chart {entry['version']}, ZooKeeper {entry['appVersion']})")
    print(f"wrote {args.directory / 'index.yaml'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
