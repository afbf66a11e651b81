"""zookeeper-metrics --listen, the Prometheus exporter, run as the command it is, and its answers
parsed as Prometheus parses them."""

from __future__ import annotations

import http.client
import selectors
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.harness.prerequisites import missing

BIN = Path(sys.executable).parent
HANG_BOUND = 60  # seconds: only ever reached by a test about to fail


@dataclass
class Exporter:
    process: subprocess.Popen[str]
    host: str
    port: int
    start_line: str

    def get(self, path: str = "/metrics", method: str = "GET") -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=HANG_BOUND)
        try:
            connection.request(method, path)
            answer = connection.getresponse()
            return Response(answer.status, dict(answer.getheaders()), answer.read().decode())
        finally:
            connection.close()

    def stop(self) -> tuple[int, str]:
        """SIGTERM; its exit status and what it wrote on stderr after the start line."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=HANG_BOUND)
        return self.process.returncode, stderr


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


@contextmanager
def exporter(*args: str | int, listen: str = "127.0.0.1:0") -> Iterator[Exporter]:
    """`zookeeper-metrics --listen LISTEN ARGS`, once it says where it listens."""
    process = subprocess.Popen(
        [str(BIN / "zookeeper-metrics"), "--listen", listen, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = first_line(process)
        assert line.startswith("zookeeper-metrics: listening on http://"), line
        authority = line.split("http://")[1].split("/")[0]
        host, _, port = authority.rpartition(":")
        yield Exporter(process, host.strip("[]"), int(port), line)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=HANG_BOUND)


def first_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        assert selector.select(HANG_BOUND), "no start line"
    return process.stderr.readline()


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        family.name: [(sample.labels, sample.value) for sample in family.samples]
        for family in text_string_to_metric_families(text)
    }


def promtool_check(text: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        missing("no promtool (install Debian's prometheus package)")
    return subprocess.run(
        [str(promtool), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=HANG_BOUND,
        check=False,
    )
