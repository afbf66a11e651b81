"""zookeeper-metrics: print a server's mntr, as text (default), JSON or Prometheus,
or serve it to Prometheus with --listen.

The plain text path is as lean as the probes; the formats and the exporter
(zkcontainer.exporter) import more, lazily.
"""

from zkcontainer import UsageError
from zkcontainer.fourlw import address_label, send_word
from zkcontainer.probeargs import parse, run_command, shown, write_output

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "zookeeper-metrics"
FORMATS = ("text", "json", "prometheus")
# The default of an option not given: argv cannot hold a NUL (execve takes C
# strings), so "--listen=" given empty is still told apart from no --listen.
NOT_GIVEN = "\0"

USAGE = """\
usage: zookeeper-metrics [--format text|json|prometheus] [--host HOST] [--tls_dir DIR]
                         [--timeout SECONDS] [PORT]
       zookeeper-metrics --listen [HOST:]PORT [--host HOST] [--tls_dir DIR]
                         [--timeout SECONDS] [PORT]

Prints the server's mntr output. text: mntr's own tab-separated lines.
json: one object, numbers as numbers. prometheus: text exposition with the
zookeeper_ prefix; zk_version, zk_server_state and zk_peer_state become
*_info gauges of value 1 labelled with their text. mntr must be in
4lw.commands.whitelist (start-zookeeper whitelists it).

--listen serves the prometheus form over HTTP until SIGTERM: GET /metrics runs
one mntr and adds zookeeper_up (1, or 0 when mntr failed; HTTP 200 either way)
and zookeeper_scrape_duration_seconds.

  PORT               client port (default 2181)
  --host HOST        an IPv4 or IPv6 address (default 127.0.0.1) or a DNS name
  --tls_dir DIR      speak TLS to PORT (the secure client port), for
                     --client_port=0: DIR is start-zookeeper's store directory
                     (<conf_dir>/tls: keystore.pem, truststore.pem), or a
                     Secret's mount (tls.crt, tls.key, ca.crt, through ..data)
  --timeout SECONDS  limit for all of it: resolving HOST, connect, send, reply
                     and formatting (default 1); with --listen, for each scrape
  --listen [HOST:]PORT
                     serve /metrics on PORT of HOST (default: every IPv4
                     interface; [::]:PORT for IPv6 too; 0 picks a free port)

Exit: 0 printed (or stopped by SIGTERM with --listen), 1 the server could not
be read or --listen's address cannot be listened on (one line saying why),
2 bad arguments."""


def print_metrics(argv: "Sequence[str]") -> None:
    options = {"format": NOT_GIVEN, "tls_dir": "", "listen": NOT_GIVEN}
    args = parse(argv, switches=(), options=options)
    output_format, listen = args.values["format"], args.values["listen"]
    if listen != NOT_GIVEN:
        if output_format not in (NOT_GIVEN, "prometheus"):
            raise UsageError(f"--format={shown(output_format)}: --listen serves prometheus only")
        from zkcontainer import exporter  # noqa: PLC0415  (http.server stays off the probe path)

        exporter.serve(listen, args)
        return
    if output_format == NOT_GIVEN:
        output_format = "text"
    if output_format not in FORMATS:
        raise UsageError(f"--format={shown(output_format)}: must be one of {', '.join(FORMATS)}")
    reply = send_word("mntr", args.host, args.port, deadline=args.deadline, tls_dir=args.tls_dir)
    where = address_label(args.host, args.port)
    if output_format != "text":
        from zkcontainer import mntr  # noqa: PLC0415  (json and re stay off the text path)

        reply = mntr.format_reply(reply, output_format, args.deadline, where)
    # UTF-8 whatever the locale: the exposition format says so, and text is the server's bytes.
    output = reply.encode("utf-8", "replace")
    write_output(output, args.deadline)


def main(argv: "Sequence[str] | None" = None) -> int:
    return run_command(PROG, USAGE, argv, print_metrics)


if __name__ == "__main__":
    raise SystemExit(main())
