"""zookeeper-declare-lost ID...: the operator declares that what these members held is gone.

Run in a member that waits because its volume holds no data
(`kubectl exec zk-0 -- zookeeper-declare-lost 1 2`). The start gate keeps
such a member from helping to form a quorum (zkcontainer.startgate), which is
right until more volumes are lost than the ensemble tolerates: then no quorum
of data holders can form, and only the operator can say that the data of the
empty members will never come back. Declared members start their servers and
vote; among the data holders that answer, ZooKeeper's election still prefers
the newest history, so what survives is what the ensemble then serves.

The declaration is a file in the conf directory (an emptyDir: it lasts as
long as the pod), read by the waiting start-zookeeper at its next look and
announced to the peers, whose waiting members take it up too: one command in
one waiting pod is enough. It is removed once used. Ids that are not voters
of the ensemble, and ids of members that are present (at the last look they
said they hold data, or ran a server), are refused: their data is not lost.
Nothing is written unless every id is accepted.

Exit: 0 declared, 1 no member waits in this pod, 2 bad ids (a line each).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence

from zkcontainer import ConfigError, EnvironmentProblem, runtime, waiting
from zkcontainer.arguments import OneLineParser
from zkcontainer.errors import exit_code
from zkcontainer.probeargs import shown

PROG = "zookeeper-declare-lost"
DEFAULT_CONF_DIR = "/opt/zookeeper/conf"


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        raising=True,
        description="Declare the data of these members lost, so that a member waiting "
        "with an empty volume may help form a quorum.",
    )
    parser.add_argument("ids", metavar="ID", nargs="+", help="server ids (myid) declared lost")
    parser.add_argument(
        "--conf_dir",
        default=environ.get("ZK_CONF_DIR", DEFAULT_CONF_DIR),
        help=f"start-zookeeper's --conf_dir (default: $ZK_CONF_DIR, else {DEFAULT_CONF_DIR})",
    )
    return parser.parse_args(argv)


def read_wait(conf_dir: str) -> dict[str, object]:
    path = waiting.state_path(conf_dir)
    try:
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
    except FileNotFoundError:
        raise EnvironmentProblem(
            f"no member waits in this pod ({path} is missing): nothing to declare; run it"
            " in a pod whose zookeeper-ready --serving says it is waiting"
        ) from None
    except (OSError, ValueError) as error:
        raise EnvironmentProblem(f"cannot read {path}: {error}") from None
    if not isinstance(state, dict):
        raise EnvironmentProblem(f"{path} does not describe a wait")
    return state


def server_ids(texts: Sequence[str]) -> None:
    """Refuse what is no server id at all, with no wait to check the rest against."""
    problems = [_not_an_id(text) for text in texts if not _is_server_id(text)]
    if problems:
        raise ConfigError(problems)


def _is_server_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < len(text) <= 3 and 0 < int(text) <= 255


def _not_an_id(text: str) -> str:
    return f"ID {shown(text)}: not a server id (a number from 1 to 255)"


def accepted_ids(texts: Sequence[str], state: Mapping[str, object]) -> set[int]:
    """The ids, each checked against the wait; every problem at once."""
    voters = set(_ints(state.get("voters")))
    present = set(_ints(state.get("present")))
    problems = []
    ids = set()
    for text in texts:
        if not _is_server_id(text):
            problems.append(_not_an_id(text))
        elif int(text) not in voters:
            known = ", ".join(str(i) for i in sorted(voters))
            problems.append(f"ID {text}: not a voter of this ensemble (voters: {known})")
        elif int(text) in present:
            problems.append(
                f"ID {text}: present (at the last look it held data or ran a server),"
                " so its data is not lost"
            )
        else:
            ids.add(int(text))
    if problems:
        raise ConfigError(problems)
    return ids


def run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    args = parse_args(argv, environ)
    try:
        state = read_wait(args.conf_dir)
    except EnvironmentProblem:
        server_ids(args.ids)  # bad input is named, exit 2, wherever it is typed
        raise
    ids = accepted_ids(args.ids, state) | waiting.read_declaration(args.conf_dir)
    runtime.write_atomically(
        waiting.declaration_path(args.conf_dir), ",".join(str(i) for i in sorted(ids)) + "\n"
    )
    listed = ", ".join(str(i) for i in sorted(ids))
    print(
        f"{PROG}: declared the data of {listed} lost; member {state.get('id')} reads it at its"
        " next look (within 10 s) and tells its peers; declared members start their servers"
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        run(sys.argv[1:] if argv is None else argv, os.environ)
    except (ConfigError, EnvironmentProblem) as error:
        return exit_code(PROG, error)
    return 0


def _ints(value: object) -> list[int]:
    return [item for item in value if isinstance(item, int)] if isinstance(value, list) else []


if __name__ == "__main__":
    raise SystemExit(main())
