"""zookeeper-status: the whole ensemble as one pod sees it, and whether a quorum serves.

Not a probe: it reads the running config, asks every member in parallel and
prints a table (or JSON). It imports what it likes, and nothing on the probe
path imports it. Members whose trees differ at one zxid (replicas diverged
after a data-loss accident, each reporting the same last zxid) are marked
DIVERGED, and the command exits 1: nothing else in ZooKeeper shows them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zkcontainer import ProbeError, UsageError, fourlw, ready, status_query
from zkcontainer.arguments import OneLineParser
from zkcontainer.probeargs import run_command, write_output
from zkcontainer.reconfig.ensemble import ZOO_CFG, EnsembleConfig, read_config
from zkcontainer.status_query import Reading, member_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ssl

PROG = "zookeeper-status"
DEFAULT_CONF_DIR = "/opt/zookeeper/conf"
DEFAULT_TIMEOUT = 2.0
FORMATS = ("text", "json")

USAGE = """\
usage: zookeeper-status [--conf_dir DIR | --config FILE] [--format text|json]
                        [--tls_dir DIR] [--timeout SECONDS]

Asks every member of the ensemble in the running config (the server.N lines
of zoo.cfg, or of the dynamicConfigFile it names) for srvr and mntr, all in
parallel, and prints each one's role, whether it is synced, zxid and lag
behind the leader, latency, connections, outstanding requests and znodes; or
why it could not be read. Serving members at one zxid with different znode
counts, or different tree digests (hash, when whitelisted) for one zxid, are
DIVERGED.

  --conf_dir DIR     where start-zookeeper wrote zoo.cfg
                     (default $ZK_CONF_DIR, else /opt/zookeeper/conf)
  --config FILE      that zoo.cfg itself
  --format FORMAT    text (a table, default) or json ({"members": [...], "quorum": {...}})
  --tls_dir DIR      start-zookeeper's store directory (<conf_dir>/tls) or a
                     kubernetes.io/tls Secret's mount (tls.crt, tls.key, ca.crt) to
                     ask the members' secureClientPort with (default $ZK_TLS_DIR; else,
                     when zoo.cfg's plaintext port is the pod's own, the key and trust
                     stores zoo.cfg names: the pod's certificate)
  --timeout SECONDS  limit for asking every member (default 2)

Exit: 0 a quorum serves (one leader and a majority of the voting members
leading, or following and not known to be syncing) and no member has
diverged, 1 no quorum serves or a member has diverged (one line saying why),
2 bad arguments."""


@dataclass(frozen=True)
class Quorum:
    serving: bool
    voters: int
    serving_voters: int
    leaders: tuple[int | None, ...]  # the ids of the members that say they lead
    standalone: bool = False  # the one voter runs standalone

    @property
    def needed(self) -> int:
        return self.voters // 2 + 1

    def summary(self) -> str:
        counted = (
            f"{self.serving_voters} of {self.voters} voting members serving ({self.needed} needed)"
        )
        if len(self.leaders) == 1:
            leader = "standalone" if self.standalone or self.leaders[0] is None else "leader"
            if self.leaders[0] is not None:
                leader += f" server.{self.leaders[0]}"
        elif self.leaders:
            leader = "leaders " + ", ".join(f"server.{i}" for i in self.leaders)
        else:
            leader = "no leader"
        return f"{leader}, {counted}"


def quorum(readings: Sequence[Reading]) -> Quorum:
    """Whether the members make a serving ensemble: one leader, and a majority of the
    voting members (observers never count) leading or following. A follower whose
    sync state is unknown (mntr not whitelisted) counts: it answered srvr as a
    follower, and nothing else could show it still syncing.

    A standalone server is its own quorum of one, and so is the one voter of a
    config with a single server line, which ZooKeeper 3.5+ runs standalone.
    """
    if len(readings) == 1 and readings[0].target.member_id is None:
        serving = readings[0].role == "standalone"
        return Quorum(serving, 1, int(serving), (None,) if serving else ())
    voters = [r for r in readings if r.target.voting]
    alone = len(voters) == 1 and voters[0].role == "standalone"
    serving_voters = [
        r for r in voters if (r.role in ready.QUORUM_STATES or alone) and r.synced is not False
    ]
    leaders = tuple(r.target.member_id for r in voters if r.role == "leader" or alone)
    serves = len(leaders) == 1 and len(serving_voters) > len(voters) // 2
    return Quorum(serves, len(voters), len(serving_voters), leaders, standalone=alone)


def as_json(readings: Sequence[Reading], summary: Quorum) -> str:
    members = [
        {
            "id": r.target.member_id,
            "address": r.target.address,
            "voting": r.target.voting,
            "role": r.role,
            "synced": r.synced,
            "zxid": None if r.zxid is None else hex(r.zxid),
            "lag": r.lag,
            "latency_avg": r.latency_avg,
            "latency_max": r.latency_max,
            "connections": r.connections,
            "outstanding": r.outstanding,
            "znodes": r.znodes,
            "reason": r.reason,
            "detail": r.detail,
            "diverged": r.divergence is not None,
            "divergence": r.divergence,
        }
        for r in readings
    ]
    quorum_json = {
        "serving": summary.serving,
        "leader": summary.leaders[0] if len(summary.leaders) == 1 else None,
        "voting_members": summary.voters,
        "serving_voting_members": summary.serving_voters,
        "needed": summary.needed,
    }
    document = {"members": members, "quorum": quorum_json}
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


COLUMNS = (
    "ID",
    "MEMBER",
    "ROLE",
    "SYNCED",
    "ZXID",
    "LAG",
    "LATENCY AVG/MAX",
    "CONNECTIONS",
    "OUTSTANDING",
    "ZNODES",
)


def as_table(readings: Sequence[Reading], summary: Quorum) -> str:
    """One row a member; an unread member's ROLE says why, its detail follows the table."""
    rows = [COLUMNS, *(tuple(map(printable, _row(r))) for r in readings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines += [printable(f"{member_name(r)}: {r.reason}: {r.detail}") for r in readings if r.reason]
    lines += [
        printable(f"{member_name(r)}: diverged: {r.divergence}") for r in readings if r.divergence
    ]
    last = f"quorum {'serving' if summary.serving else 'NOT serving'}: {summary.summary()}"
    diverged = diverged_names(readings)
    if diverged:
        last += f"; {len(diverged)} of {len(readings)} members DIVERGED ({', '.join(diverged)})"
    lines.append(printable(last))
    return "\n".join(lines) + "\n"


def diverged_names(readings: Sequence[Reading]) -> list[str]:
    return [member_name(r) for r in readings if r.divergence]


def _row(r: Reading) -> tuple[str, ...]:
    ident = _text(r.target.member_id) + ("" if r.target.voting else " (observer)")
    if r.reason:
        return (ident, r.target.address, f"({r.reason})", *("-" * 7))
    synced = "DIVERGED" if r.divergence else {True: "yes", False: "no", None: "?"}[r.synced]
    latency = f"{_text(r.latency_avg)}/{_text(r.latency_max)}"
    values = (r.lag, latency, r.connections, r.outstanding, r.znodes)
    zxid = "-" if r.zxid is None else hex(r.zxid)
    return (ident, r.target.address, r.role or "-", synced, zxid, *map(_text, values))


def printable(text: str) -> str:
    """`text` with what a terminal would act on (escapes, controls) shown as Python escapes:
    members' replies and zoo.cfg's names reach an operator's terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _timeout(text: str) -> float:
    try:
        timeout = float(text)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout < 3600:
        raise UsageError(f"--timeout={text}: must be a number of seconds, above 0 and below 3600")
    return timeout


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = OneLineParser(prog=PROG, add_help=False, allow_abbrev=False, raising=True)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--conf_dir", "--conf-dir", default=environ.get("ZK_CONF_DIR"))
    where.add_argument("--config")
    parser.add_argument("--format", default="text")
    parser.add_argument("--tls_dir", "--tls-dir", default=environ.get("ZK_TLS_DIR") or None)
    parser.add_argument("--timeout", default=str(DEFAULT_TIMEOUT))
    args = parser.parse_args(argv)
    if args.format not in FORMATS:
        raise UsageError(f"--format={args.format}: must be one of {', '.join(FORMATS)}")
    args.timeout = _timeout(args.timeout)
    args.given_as = None  # --config=FILE names itself
    if args.config is None:
        conf_dir = args.conf_dir or DEFAULT_CONF_DIR
        args.config = os.path.join(conf_dir, ZOO_CFG)
        args.given_as = f"--conf_dir={conf_dir}: {args.config}"
    return args


def context_for(config: EnsembleConfig, config_path: str, tls_dir: str | None) -> _ssl._SSLContext:
    """The TLS client context: --tls_dir's stores or Secret files, as the probes
    take them, else the stores zoo.cfg names (start-zookeeper writes the key
    store as the PEM key and chain in one file)."""
    if tls_dir is not None:
        return fourlw.tls_context(tls_dir)
    if config.key_store is None or config.trust_store is None:
        raise UsageError(
            f"{config_path}: secureClientPort without ssl.keyStore.location and"
            " ssl.trustStore.location: give --tls_dir"
        )
    flag = f"{config_path}: ssl.keyStore.location"
    stores = (config.key_store, config.key_store, config.trust_store)
    return fourlw.context_from_files(*stores, named=flag, shown=stores)


def run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    args = parse_args(argv, environ)
    deadline = time.monotonic() + args.timeout
    config = read_config(args.config, args.given_as)
    tls = status_query.use_tls(config, args.tls_dir, args.config)
    context = context_for(config, args.config, args.tls_dir) if tls else None
    found = status_query.targets(config, tls, args.config)
    readings = status_query.read_all(found, deadline, context)
    readings = status_query.with_divergence(status_query.with_lag(readings))
    summary = quorum(readings)
    render = as_json if args.format == "json" else as_table
    # Writing may take its own moment past the members' deadline.
    write_output(render(readings, summary).encode(), time.monotonic() + args.timeout)
    if not summary.serving:
        raise ProbeError("no quorum", summary.summary())
    diverged = diverged_names(readings)
    if diverged:
        detail = f"{len(diverged)} of {len(readings)} members hold another tree at the same zxid"
        raise ProbeError("diverged", printable(f"{detail}: {', '.join(diverged)}"))


def main(argv: Sequence[str] | None = None) -> int:
    environ = dict(os.environ)
    return run_command(PROG, USAGE, argv, lambda args: run(args, environ))


if __name__ == "__main__":
    raise SystemExit(main())
