"""zookeeper-metrics: print a server's mntr, as text (default), JSON or Prometheus.

The plain text path is as lean as the probes; the formats import more, lazily.
"""

from __future__ import annotations

import sys

from zkcontainer.errors import ProbeError, UsageError
from zkcontainer.fourlw import send_word
from zkcontainer.probeargs import parse, run_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "zookeeper-metrics"
FORMATS = ("text", "json", "prometheus")

USAGE = """\
usage: zookeeper-metrics [--format text|json|prometheus] [--host HOST] [--timeout SECONDS] [PORT]

Prints the server's mntr output. text: mntr's own tab-separated lines.
json: one object, numbers as numbers. prometheus: text exposition with the
zookeeper_ prefix; zk_version, zk_server_state and zk_peer_state become
*_info gauges of value 1 labelled with their text. mntr must be in
4lw.commands.whitelist (start-zookeeper whitelists it).

  PORT               client port (default 2181)
  --host HOST        default 127.0.0.1
  --timeout SECONDS  overall limit for connect, send and reply (default 1)

Exit: 0 printed, 1 the server could not be read (one line saying why), 2 bad arguments."""


def render(reply: str, output_format: str) -> str:
    if output_format == "text":
        return reply
    from zkcontainer import mntr  # noqa: PLC0415  (json and re stay off the text path)

    samples = mntr.parse_mntr(reply)
    if not any(sample.key == "zk_server_state" for sample in samples):
        raise ProbeError("unexpected reply", "mntr reply has no zk_server_state")
    return mntr.to_json(samples) if output_format == "json" else mntr.to_prometheus(samples)


def print_metrics(argv: Sequence[str]) -> None:
    args = parse(argv, switches=(), options={"format": "text"})
    output_format = args.values["format"]
    if output_format not in FORMATS:
        raise UsageError(f"--format={output_format}: must be one of {', '.join(FORMATS)}")
    reply = send_word("mntr", args.host, args.port, args.timeout)
    sys.stdout.write(render(reply, output_format))


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(PROG, USAGE, argv, print_metrics)


if __name__ == "__main__":
    raise SystemExit(main())
