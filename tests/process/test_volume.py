"""What a member's volume holds, read from what a real ZooKeeper server wrote there."""

from __future__ import annotations

import pytest

from tests.conftest import ServerFactory
from tests.harness.clients import kazoo_client
from zkcontainer.fourlw import find_value, send_word
from zkcontainer.volume import classify


@pytest.mark.process
def test_a_new_server_leaves_an_empty_volume_and_writes_make_it_data(
    zookeeper_server: ServerFactory,
) -> None:
    server = zookeeper_server()
    server.start()
    server.wait_until_imok()
    assert not classify(str(server.data_dir), str(server.root / "datalog")).holds_data
    with kazoo_client(f"127.0.0.1:{server.client_port}") as zk:
        for n in range(5):
            zk.create(f"/n{n}", b"x")
    zxid = int(find_value(send_word("srvr", port=server.client_port), "Zxid", ": ") or "0", 16)
    server.stop()
    volume = classify(str(server.data_dir), str(server.root / "datalog"))
    assert volume.kind == "data"
    assert volume.last_zxid == zxid
    assert volume.epoch == zxid >> 32
