"""The probe commands against real ZooKeeper servers started by start-zookeeper."""

from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ServerFactory
from tests.harness.probes import probe, started, until

pytestmark = pytest.mark.process


def test_a_standalone_server_is_alive_and_serving(zookeeper_server: ServerFactory) -> None:
    server = started(zookeeper_server())
    assert probe("zookeeper-ready", server.client_port).returncode == 0
    result = until(0, "zookeeper-ready", "--serving", server.client_port)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_member_without_quorum_is_alive_but_not_serving(zookeeper_server: ServerFactory) -> None:
    # Member zk-0 of a three-server ensemble whose peers never resolve.
    server = started(zookeeper_server("--servers=3", "--domain=zk-hs.invalid", isolated=True))
    assert probe("zookeeper-ready", server.client_port, inside=server).returncode == 0
    result = probe("zookeeper-ready", "--serving", server.client_port, inside=server)
    assert result.returncode == 1
    assert result.stderr.startswith("zookeeper-ready: not serving: ")
    assert result.stderr.count("\n") == 1


def test_without_mntr_readiness_decides_through_srvr(zookeeper_server: ServerFactory) -> None:
    serving = started(zookeeper_server("--four_letter_words=ruok", name="serving"))
    assert until(0, "zookeeper-ready", "--serving", serving.client_port).returncode == 0
    metrics = probe("zookeeper-metrics", serving.client_port)
    assert metrics.returncode == 1
    assert metrics.stderr.startswith("zookeeper-metrics: not whitelisted: ")

    alone = started(
        zookeeper_server(
            "--four_letter_words=ruok",
            "--servers=3",
            "--domain=zk-hs.invalid",
            name="alone",
            isolated=True,
        )
    )
    result = probe("zookeeper-ready", "--serving", alone.client_port, inside=alone)
    assert result.returncode == 1
    assert result.stderr.startswith("zookeeper-ready: not serving: ")


def test_without_ruok_liveness_says_not_whitelisted(zookeeper_server: ServerFactory) -> None:
    server = zookeeper_server("--four_letter_words=mntr,srvr")
    server.start()
    # ruok is refused here, so wait for the server through srvr.
    server.wait_until_imok(word="srvr")
    result = probe("zookeeper-ready", server.client_port)
    assert result.returncode == 1
    assert result.stderr == (
        f"zookeeper-ready: not whitelisted: 127.0.0.1:{server.client_port}: ruok is not in "
        "4lw.commands.whitelist (start-zookeeper --four_letter_words)\n"
    )


def test_metrics_in_every_format(zookeeper_server: ServerFactory) -> None:
    server = started(zookeeper_server())
    assert until(0, "zookeeper-ready", "--serving", server.client_port).returncode == 0
    text = probe("zookeeper-metrics", server.client_port)
    assert text.returncode == 0
    assert "zk_server_state\tstandalone\n" in text.stdout

    document = json.loads(probe("zookeeper-metrics", "--format=json", server.client_port).stdout)
    assert document["zk_server_state"] == "standalone"
    assert isinstance(document["zk_znode_count"], int)

    exposition = probe("zookeeper-metrics", "--format", "prometheus", server.client_port)
    assert exposition.returncode == 0
    families = {f.name: f for f in text_string_to_metric_families(exposition.stdout)}
    assert families["zookeeper_znode_count"].samples[0].value >= 1
    state = families["zookeeper_server_state_info"].samples[0]
    assert (state.labels, state.value) == ({"server_state": "standalone"}, 1.0)
