"""--timeout bounds all a probe does: name resolution through the real resolver, and formatting.

The resolver test runs the probe in network and mount namespaces of its own
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

BIN = Path(sys.executable).parent
MARGIN = 0.5  # seconds beyond --timeout a probe may take, interpreter start included
CLUSTER_NAME = "zk-0.zk-hs.default.svc.cluster.local"

# Runs inside the namespaces: a DNS server that never answers, then the probe, timed.
SILENT_DNS = """\
import json, os, socket, subprocess, sys, threading, time
queries = []
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
                  "wall": wall, "queries": len(queries)}))
"""

NAMESPACE_SETUP = (
    "set -e; ip link set lo up; "
    "mount --bind resolv.conf /etc/resolv.conf; "
    "mount --bind hosts /etc/hosts; "
    "mount --bind nsswitch.conf /etc/nsswitch.conf; "
    'exec "$@"'
)


def run_with_silent_dns(
    tmp_path: Path, argv: list[str], dns_server: str = "silent"
) -> dict[str, object]:
    """Run `argv` where the only DNS server is `silent` (reads, never answers)
    or `absent` (nothing listens: the resolver fails at once)."""
    for tool in ("unshare", "ip", "mount"):
        if shutil.which(tool) is None:
            missing(f"no {tool} on this machine")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
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
        env={**os.environ, "DNS_SERVER": dns_server},
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
        assert result.stdout == ""
        assert result.stderr.startswith("zookeeper-metrics: timed out: 127.0.0.1:")
        assert result.stderr.count("\n") == 1
