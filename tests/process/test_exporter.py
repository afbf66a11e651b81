"""zookeeper-metrics --listen, the Prometheus exporter, against real ZooKeeper servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ServerFactory
from tests.harness.certs import Authority, mount_secret
from tests.harness.exporter import exporter, families, promtool_check
from tests.harness.ports import free_port


@pytest.mark.process
def test_a_real_server_then_none(zookeeper_server: ServerFactory) -> None:
    server = zookeeper_server()
    server.start()
    server.wait_until_imok(word="mntr")
    with exporter(server.client_port) as running:
        serving = running.get()
        server.stop()
        stopped = running.get()
    parsed = families(serving.body)
    assert parsed["zookeeper_up"] == [({}, 1.0)]
    assert parsed["zookeeper_server_state_info"] == [({"server_state": "standalone"}, 1.0)]
    assert parsed["zookeeper_znode_count"][0][1] >= 1
    # promtool parses it (exit 1 when it cannot); its lint advice (exit 3) is about
    # ZooKeeper's own names (zk_avg_..._time_ms: "abbreviated units"), never ours.
    check = promtool_check(serving.body)
    assert check.returncode in (0, 3), check.stdout + check.stderr
    advice = check.stdout + check.stderr
    assert "parsing error" not in advice
    assert not [line for line in advice.splitlines() if not line.startswith("zookeeper_")]
    assert "zookeeper_up" not in advice
    assert "zookeeper_scrape_duration_seconds" not in advice
    assert families(stopped.body)["zookeeper_up"] == [({}, 0.0)]


@pytest.mark.process
def test_with_tls_dir_mntr_goes_over_tls_to_the_secure_port(
    zookeeper_server: ServerFactory, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    mount_secret(secret, Authority.make().secret(["zk-0", "localhost", "127.0.0.1"]))
    secure = free_port()
    server = zookeeper_server(f"--tls_dir={secret}", f"--secure_client_port={secure}")
    server.start()
    server.wait_until_imok(word="mntr")  # on the plaintext port, which stays on loopback
    # --timeout=10: the JVM's first TLS handshake can take more than a second.
    with exporter(f"--tls_dir={secret}", "--timeout=10", secure) as running:
        answer = running.get()
    assert running.start_line.endswith(f"mntr from 127.0.0.1:{secure} over TLS\n")
    # The secure port speaks nothing but TLS.
    assert families(answer.body)["zookeeper_up"] == [({}, 1.0)]
