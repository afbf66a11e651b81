"""zookeeper-metrics --listen as a pod's sidecar, scraped by a real Prometheus server.

The sidecar is a second container of the image sharing the ZooKeeper
container's network namespace (`--network container:<id>`), as containers of
one pod share theirs; Prometheus is Debian's `prometheus` on this machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from docker.models.containers import Container
from testcontainers.core.container import DockerContainer

from tests.harness.containers import client_address, serving_container
from tests.harness.ports import free_port
from tests.harness.prerequisites import missing
from tests.harness.statefulset import labels, wait_for

pytestmark = pytest.mark.container

EXPORTER_PORT = 9141
SCRAPED_WITHIN = 60  # seconds; Prometheus scrapes every second


@contextmanager
def sidecar(docker_client, image: str, pod: DockerContainer) -> Iterator[Container]:  # type: ignore[no-untyped-def]
    container = docker_client.containers.run(
        image,
        ["zookeeper-metrics", "--listen", str(EXPORTER_PORT)],
        network_mode=f"container:{pod.get_container_id()}",
        labels=labels("exporter"),
        detach=True,
    )
    try:
        yield container
    finally:
        container.remove(force=True)


class Prometheus:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def query(self, expression: str) -> list[tuple[dict[str, str], str]]:
        """The instant vector of `expression`: (labels, value) per series; none while
        Prometheus is starting or has not scraped yet."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
        try:
            with urllib.request.urlopen(address, timeout=10) as answer:
                result = json.load(answer)["data"]["result"]
        except OSError:
            return []
        return [(series["metric"], series["value"][1]) for series in result]

    def value_once_scraped(self, expression: str) -> str:
        values: list[str] = []

        def scraped() -> bool:
            values[:] = [value for _, value in self.query(expression)]
            return bool(values)

        wait_for(scraped, SCRAPED_WITHIN, lambda: f"no {expression}:\n{self.log.read_text()}")
        [value] = values
        return value


@contextmanager
def prometheus(target: str, directory: Path) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    if binary is None:
        missing("no prometheus (install Debian's prometheus package)")
    config = directory / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
        "scrape_configs:\n"
        f"  - {{job_name: zookeeper, static_configs: [{{targets: ['{target}']}}]}}\n"
    )
    log = directory / "prometheus.log"
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                str(binary),
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Prometheus(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_prometheus_scrapes_the_sidecar_and_sigterm_stops_it(
    docker_client,  # type: ignore[no-untyped-def]
    image: str,
    tmp_path: Path,
) -> None:
    with (
        serving_container(image, "exporter") as pod,
        sidecar(docker_client, image, pod) as exporter,
        prometheus(client_address(pod, EXPORTER_PORT), tmp_path) as server,
    ):
        assert server.value_once_scraped("zookeeper_up") == "1", exporter.logs().decode()
        assert server.value_once_scraped('up{job="zookeeper"}') == "1"
        assert server.value_once_scraped('zookeeper_server_state_info{server_state="standalone"}')
        assert int(server.value_once_scraped("zookeeper_znode_count")) >= 1

        exporter.stop(timeout=30)  # SIGTERM, then SIGKILL (exit 137) after 30 s
        assert exporter.wait(timeout=60)["StatusCode"] == 0
        assert exporter.logs().decode().splitlines() == [
            f"zookeeper-metrics: listening on http://0.0.0.0:{EXPORTER_PORT}/metrics,"
            " mntr from 127.0.0.1:2181"
        ]
