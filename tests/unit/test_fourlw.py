"""The four-letter-word client against faults only a fake server produces on demand."""

from __future__ import annotations

import _socket
import time

import pytest
from kazoo.hosts import collect_hosts

from tests.harness.fakezk import (
    drips,
    fake_zookeeper,
    ipv6_loopback_available,
    port_of,
    replies,
    resets_mid_reply,
    silent,
)
from tests.harness.ports import free_port
from tests.harness.prerequisites import missing
from zkcontainer import ProbeError
from zkcontainer.fourlw import (
    NOT_SERVING,
    Address,
    address_label,
    connect,
    find_value,
    local_address,
    numeric_address,
    parse_lines,
    send_word,
)

MARGIN = 1.5  # seconds beyond the timeout a failure may take on a loaded machine


def reason_of(word: str, port: int, timeout: float = 1.0, host: str = "127.0.0.1") -> str:
    with pytest.raises(ProbeError) as caught:
        send_word(word, host, port, timeout)
    return caught.value.reason


def test_reply_is_read_to_eof_and_the_word_is_sent() -> None:
    with fake_zookeeper(replies("imok")) as server:
        assert send_word("ruok", port=port_of(server)) == "imok"
    assert server.words == [b"ruok"]


def test_a_two_mebibyte_mntr_is_read_completely() -> None:
    big = "".join(f"zk_metric_{i}\t{i}\n" for i in range(150_000))
    assert len(big) > 2 * 1024 * 1024
    with fake_zookeeper(replies(big)) as server:
        assert send_word("mntr", port=port_of(server), timeout=10) == big


def test_a_reply_beyond_the_cap_is_refused() -> None:
    with fake_zookeeper(replies(b"x" * 100_000)) as server, pytest.raises(ProbeError) as caught:
        send_word("mntr", port=port_of(server), max_reply=50_000)
    assert caught.value.reason == "too large"
    assert "exceeds 50000 bytes" in str(caught.value)


def test_refused_port() -> None:
    assert reason_of("ruok", free_port()) == "refused"


@pytest.mark.parametrize("behaviour", [silent, drips], ids=["silent", "drips"])
def test_a_server_that_never_finishes_times_out_within_the_deadline(behaviour) -> None:  # type: ignore[no-untyped-def]
    with fake_zookeeper(behaviour) as server:
        started = time.monotonic()
        assert reason_of("ruok", port_of(server), timeout=0.5) == "timed out"
        assert time.monotonic() - started < 0.5 + MARGIN


def test_reset_mid_reply() -> None:
    with fake_zookeeper(resets_mid_reply) as server:
        assert reason_of("mntr", port_of(server)) == "reset"


def test_not_whitelisted_is_named() -> None:
    refusal = "ruok is not executed because it is not in the whitelist."
    with fake_zookeeper(replies(refusal)) as server, pytest.raises(ProbeError) as caught:
        send_word("ruok", port=port_of(server))
    assert caught.value.reason == "not whitelisted"
    assert "ruok is not in 4lw.commands.whitelist" in str(caught.value)


def test_not_serving_is_named() -> None:
    with fake_zookeeper(replies(NOT_SERVING + "\n")) as server:
        assert reason_of("mntr", port_of(server)) == "not serving"


def test_ipv6_hosts_work() -> None:
    if not ipv6_loopback_available():
        missing("this machine has no IPv6 loopback (::1)")
    with fake_zookeeper(replies("imok"), host="::1") as server:
        assert send_word("ruok", host="::1", port=port_of(server)) == "imok"


@pytest.mark.parametrize(
    ("listening", "reached"),
    [
        (None, "127.0.0.1"),  # no --client_address: ZooKeeper listens on every address
        ("0.0.0.0", "127.0.0.1"),
        ("::", "::1"),
        ("0:0:0:0:0:0:0:0", "::1"),  # how ZooKeeper writes :: into its dynamic file
        ("::0", "::1"),
        ("10.1.2.3", "10.1.2.3"),
        ("::1", "::1"),
        ("fd00:1::5", "fd00:1::5"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("localhost", "localhost"),
    ],
)
def test_a_wildcard_listener_is_reached_on_the_loopback_of_its_family(
    listening: str | None, reached: str
) -> None:
    assert local_address(listening) == reached


@pytest.mark.parametrize(
    ("host", "label"),
    [
        ("::1", "[::1]:2181"),
        ("fd00:1::5", "[fd00:1::5]:2181"),
        ("127.0.0.1", "127.0.0.1:2181"),
        ("zk-0.zk-hs.default.svc.cluster.local", "zk-0.zk-hs.default.svc.cluster.local:2181"),
    ],
)
def test_a_host_and_port_are_one_string_a_zookeeper_client_splits_back(
    host: str, label: str
) -> None:
    assert address_label(host, 2181) == label
    assert collect_hosts(label)[0] == [(host, 2181)]


def test_mntr_and_srvr_lines_parse() -> None:
    assert parse_lines("zk_server_state\tfollower\nzk_peer_state\tfollowing - broadcast\n") == {
        "zk_server_state": "follower",
        "zk_peer_state": "following - broadcast",
    }
    assert parse_lines("Zookeeper version: 3.8.0\nMode: leader\nNode count: 5\n")["Mode"] == (
        "leader"
    )


@pytest.mark.parametrize(
    ("host", "numeric"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("1", False),  # inet_aton would read 0.0.0.1
        ("127.1", False),
        ("0x7f.0.0.1", False),
        ("127.0.0.1\x00", False),
        ("localhost", False),
        ("é", False),
    ],
)
def test_only_plain_addresses_bypass_the_resolver(host: str, numeric: bool) -> None:
    assert (numeric_address(host, 2181) is not None) == numeric


def test_find_value_reads_the_first_line_of_a_key() -> None:
    reply = "zk_server_state_x\tno\nzk_server_state\tleader \nzk_server_state\tlater\n"
    assert find_value(reply, "zk_server_state") == "leader"
    assert find_value("zk_peer_state\tleading - broadcast", "zk_peer_state") == (
        "leading - broadcast"
    )
    assert find_value("Zookeeper version: 3.8.0\nMode: follower\n", "Mode", ": ") == "follower"
    assert find_value("x zk_server_state\tleader\n", "zk_server_state") is None


def loopback(port: int) -> Address:
    return _socket.AF_INET, _socket.SOCK_STREAM, 0, ("127.0.0.1", port)


def test_each_address_is_tried_until_one_accepts() -> None:
    with fake_zookeeper(replies("imok")) as server:
        deadline = time.monotonic() + 1
        sock = connect([loopback(free_port()), loopback(port_of(server))], deadline, "zk")
        sock.close()
    with pytest.raises(ProbeError) as caught:
        connect([loopback(free_port()), loopback(free_port())], deadline, "zk")
    assert str(caught.value) == "refused: zk: nothing listens there"
