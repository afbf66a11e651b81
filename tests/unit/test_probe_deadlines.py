"""--timeout bounds all a probe does: name resolution through the real resolver,
each address a name has, parsing, formatting and writing the output.

The resolver tests run the probe in network and mount namespaces of their own
(unshare): only loopback exists there, /etc/resolv.conf names 127.0.0.1, and a
UDP socket on 127.0.0.1:53 reads every query and answers none, as a DNS
server that has gone away. glibc really asks it, through getaddrinfo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.harness.fakezk import fake_zookeeper, port_of, replies
from tests.harness.prerequisites import missing
from zkcontainer import ProbeError, ready
from zkcontainer.mntr import format_reply

BIN = Path(sys.executable).parent
MARGIN = 0.5  # seconds beyond --timeout a probe may take, interpreter start included
CLUSTER_NAME = "zk-0.zk-hs.default.svc.cluster.local"

# Runs inside the namespaces: a DNS server that never answers, then the probe, timed.
SILENT_DNS = """\
import json, os, socket, subprocess, sys, threading, time
queries, order = [], []
if os.environ.get("IMOK_ON"):  # a server that answers ruok on this address only
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((os.environ["IMOK_ON"], 2181))
    server.listen()
    def answer():
        while True:
            conn = server.accept()[0]
            conn.recv(4)
            conn.sendall(b"imok")
            conn.close()
    threading.Thread(target=answer, daemon=True).start()
    infos = socket.getaddrinfo("localhost", 2181, type=socket.SOCK_STREAM)
    order = [info[4][0] for info in infos]
if os.environ.get("DNS_SERVER") == "silent":
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    def swallow():
        while True:
            queries.append(dns.recv(4096))
    threading.Thread(target=swallow, daemon=True).start()
started = time.monotonic()
probe = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
wall = time.monotonic() - started
print(json.dumps({"code": probe.returncode, "stdout": probe.stdout, "stderr": probe.stderr,
                  "wall": wall, "queries": len(queries), "order": order}))
"""

NAMESPACE_SETUP = (
    "set -e; ip link set lo up; "
    "mount --bind resolv.conf /etc/resolv.conf; "
    "mount --bind hosts /etc/hosts; "
    "mount --bind nsswitch.conf /etc/nsswitch.conf; "
    'exec "$@"'
)


def run_with_silent_dns(
    tmp_path: Path,
    argv: list[str],
    dns_server: str = "silent",
    hosts: str = "127.0.0.1 localhost\n::1 localhost\n",
    imok_on: str = "",
) -> dict[str, object]:
    """Run `argv` where the only DNS server is `silent` (reads, never answers)
    or `absent` (nothing listens: the resolver fails at once), /etc/hosts is
    `hosts`, and with `imok_on`, a server answers imok on that address, port 2181."""
    for tool in ("unshare", "ip", "mount"):
        if shutil.which(tool) is None:
            missing(f"no {tool} on this machine")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
    (tmp_path / "hosts").write_text(hosts)
    (tmp_path / "nsswitch.conf").write_text("hosts: files dns\n")
    (tmp_path / "silent_dns.py").write_text(SILENT_DNS)
    command = ["unshare", "--mount", "--net", "--", "sh", "-c", NAMESPACE_SETUP, "sh"]
    result = subprocess.run(
        [*command, sys.executable, "silent_dns.py", *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "DNS_SERVER": dns_server, "IMOK_ON": imok_on},
    )
    if result.returncode != 0:
        missing(f"cannot make network and mount namespaces (unshare): {result.stderr.strip()}")
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


@pytest.mark.parametrize("command", ["zookeeper-ready", "zookeeper-metrics"])
def test_a_resolver_that_never_answers_is_cut_off_at_the_timeout(
    tmp_path: Path, command: str
) -> None:
    outcome = run_with_silent_dns(
        tmp_path, [str(BIN / command), "--host", CLUSTER_NAME, "--timeout", "1"]
    )
    assert outcome["queries"], "glibc never asked the DNS server: the test proves nothing"
    assert outcome["code"] == 1
    assert outcome["stdout"] == ""
    assert outcome["stderr"] == (
        f"{command}: timed out: {CLUSTER_NAME}:2181: resolving {CLUSTER_NAME}\n"
    )
    assert isinstance(outcome["wall"], float)
    assert outcome["wall"] <= 1 + MARGIN


def test_a_name_no_resolver_knows_is_unreachable(tmp_path: Path) -> None:
    outcome = run_with_silent_dns(
        tmp_path,
        [str(BIN / "zookeeper-ready"), "--host", "no-such-host.invalid", "--timeout", "1"],
        dns_server="absent",
    )
    assert outcome["code"] == 1
    assert str(outcome["stderr"]).startswith(
        "zookeeper-ready: unreachable: no-such-host.invalid:2181: cannot resolve"
    )
    assert isinstance(outcome["wall"], float)
    assert outcome["wall"] <= 1 + MARGIN


def big_mntr(size: int) -> str:
    """A valid mntr of `size` bytes: plain counts and Prometheus-provider quantiles."""
    lines = ["zk_version\t3.8.0\n", "zk_server_state\tleader\n"]
    total, i = 0, 0
    while total < size:
        line = f"zk_metric_{i}\t{i}\n" if i % 3 else f'zk_lat_{i % 97}{{quantile="{i}"}}\t{i}.5\n'
        lines.append(line)
        total, i = total + len(line), i + 1
    return "".join(lines)


@pytest.mark.parametrize("output_format", ["prometheus", "json"])
def test_a_huge_fast_reply_is_formatted_or_given_up_within_the_timeout(
    output_format: str,
) -> None:
    with fake_zookeeper(replies(big_mntr(3_700_000))) as server:
        started = time.monotonic()
        metrics = [str(BIN / "zookeeper-metrics"), f"--format={output_format}", "--timeout=0.5"]
        result = subprocess.run(
            [*metrics, str(port_of(server))],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        wall = time.monotonic() - started
    assert wall <= 0.5 + MARGIN
    if result.returncode == 0:  # a fast machine formats it all in time
        assert result.stderr == ""
        if output_format == "prometheus":
            assert any(text_string_to_metric_families(result.stdout))
        else:
            assert json.loads(result.stdout)["zk_server_state"] == "leader"
    else:
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1
        if not result.stderr.startswith("zookeeper-metrics: timed out: writing the output"):
            # Out of time before the output: none of it was written.
            assert result.stderr.startswith("zookeeper-metrics: timed out: 127.0.0.1:")
            assert result.stdout == ""


def test_every_address_of_a_name_is_tried_in_order(tmp_path: Path) -> None:
    # "localhost" as many hosts files have it: ::1 first, the server on 127.0.0.1 only.
    outcome = run_with_silent_dns(
        tmp_path,
        [str(BIN / "zookeeper-ready"), "--host", "localhost", "--timeout", "1", "2181"],
        hosts="::1 localhost\n127.0.0.1 localhost\n",
        imok_on="127.0.0.1",
    )
    order = outcome["order"]
    assert isinstance(order, list)
    assert len(order) > 1, "localhost has one address here: the test proves nothing"
    assert order[0] != "127.0.0.1", order
    assert order[-1] == "127.0.0.1", order
    assert (outcome["code"], outcome["stderr"]) == (0, "")


def test_the_last_failure_is_reported_when_no_address_accepts(tmp_path: Path) -> None:
    outcome = run_with_silent_dns(
        tmp_path,
        [str(BIN / "zookeeper-ready"), "--host", "localhost", "--timeout", "1", "2181"],
        hosts="::1 localhost\n127.0.0.1 localhost\n",
    )
    assert outcome["code"] == 1
    assert outcome["stderr"] == "zookeeper-ready: refused: localhost:2181: nothing listens there\n"


# Single lines a broken or hostile server could send, each near the 4 MiB cap.
HOSTILE_LINES = {
    "a label name of megabytes": "zk_a{" + "a" * 4_000_000 + "}\t1",
    "a million labels": "zk_a{" + 'a="1",' * 690_000 + "}\t1",
    "a value of backslashes": 'zk_a{a="' + "\\\\" * 2_000_000 + '"}\t1',
    "a name of invalid characters": "zk_" + "-é" * 1_300_000 + "\t1",
    "a number of megabytes": "zk_a\t" + "9" * 4_000_000,
}


@pytest.mark.parametrize("output_format", ["prometheus", "json"])
@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_one_huge_line_is_formatted_or_given_up_within_the_timeout(
    output_format: str, line: str
) -> None:
    timeout = 0.3
    reply = f"zk_server_state\tleader\n{line}\n"
    started = time.monotonic()
    outcome = "formatted"
    try:
        format_reply(reply, output_format, started + timeout, "127.0.0.1:2181")
    except ProbeError as error:
        outcome = error.reason
    assert time.monotonic() - started <= timeout + 0.3
    assert outcome in ("formatted", "timed out")


def test_readiness_reads_two_keys_of_a_huge_reply_within_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Four million lines: parsing them all took most of a second past the
    # deadline, then exited 0.
    reply = "\n" * 4_000_000 + "zk_server_state\tleader\nzk_peer_state\tleading - broadcast\n"
    with fake_zookeeper(replies(reply)) as server:
        started = time.monotonic()
        code = ready.main(["--serving", "--timeout=0.2", str(port_of(server))])
        wall = time.monotonic() - started
    assert wall <= 0.2 + 0.3
    err = capsys.readouterr().err
    # 1 only where reading 4 MiB alone takes a slow machine more than 0.2 s.
    assert (code, err) == (0, "") or err.startswith("zookeeper-ready: timed out: "), err


@pytest.mark.parametrize("stderr", ["own pipe", "same pipe"])
def test_a_reader_that_does_not_read_is_cut_off_at_the_timeout(stderr: str) -> None:
    reply = "zk_server_state\tleader\n" + "zk_metric\t1\n" * 100_000  # beyond a pipe's buffer
    read_end, write_end = os.pipe()
    try:
        with fake_zookeeper(replies(reply)) as server:
            started = time.monotonic()
            result = subprocess.run(
                [str(BIN / "zookeeper-metrics"), "--timeout=0.5", str(port_of(server))],
                stdout=write_end,
                stderr=write_end if stderr == "same pipe" else subprocess.PIPE,
                timeout=30,
                check=False,
            )
            wall = time.monotonic() - started
    finally:
        os.close(read_end)
        os.close(write_end)
    assert result.returncode == 1
    assert wall <= 0.5 + MARGIN
    if stderr == "own pipe":
        assert result.stderr == b"zookeeper-metrics: timed out: writing the output\n"
