"""Write the command launchers the image puts on PATH.

pip's console-script wrappers run the interpreter with site-packages and
import `re` before our code; a probe started every few seconds in every pod
should cost no more than the interpreter itself. These launchers start
`python3 -IS` (isolated, no site; one word, because a shebang passes its
options as a single argument) and put only the package's own directory
on sys.path, so nothing from the environment or site-packages is read.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "start-zookeeper": "zkcontainer.start",
    "zookeeper-ready": "zkcontainer.ready",
    "zookeeper-metrics": "zkcontainer.metrics",
    "zookeeper-status": "zkcontainer.status",
    "zookeeper-scale": "zkcontainer.reconfig.scale",
    "zookeeper-declare-lost": "zkcontainer.declare_lost",
    "zookeeper-backup": "zkcontainer.backup.command",
}

TEMPLATE = """\
#!{python} -IS
# {command}: launcher written by zkcontainer.launchers (python3 -I -S, no site-packages).
import sys
sys.path.insert(0, {lib_dir!r})
from {module} import main
sys.exit(main())
"""


def launcher(command: str, python: str, lib_dir: str) -> str:
    return TEMPLATE.format(
        python=python, command=command, lib_dir=lib_dir, module=COMMANDS[command]
    )


def write_launchers(bin_dir: str, python: str, lib_dir: str) -> list[str]:
    paths = []
    for command in COMMANDS:
        path = os.path.join(bin_dir, command)
        with open(path, "w", encoding="utf-8") as file:
            file.write(launcher(command, python, lib_dir))
        os.chmod(path, 0o755)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True, help="where the launchers go")
    parser.add_argument("--python", default="/usr/bin/python3", help="interpreter to run")
    default_lib = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--lib-dir", default=default_lib, help="directory holding zkcontainer/")
    args = parser.parse_args(argv)
    for path in write_launchers(args.bin_dir, args.python, args.lib_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
