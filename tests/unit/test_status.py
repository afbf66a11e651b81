"""zookeeper-status without a server: the config it reads, the quorum it decides,
the table and JSON it prints, its arguments, and a member that never answers."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.fakezk import Behaviour, answers, fake_zookeeper, port_of, silent
from tests.harness.ports import free_port
from zkcontainer import UsageError, render, status
from zkcontainer.reconfig.ensemble import (
    is_loopback,
    parse_properties,
    parse_server_line,
    read_config,
)
from zkcontainer.reconfig.model import Member
from zkcontainer.settings import load_settings
from zkcontainer.status_query import (
    Reading,
    Target,
    digests_from_hash,
    divergence,
    from_srvr,
    read_member,
    targets,
    use_tls,
    with_divergence,
    with_lag,
)

DOMAIN = "zk-hs.default.svc.cluster.local"
TLS_FLAGS = ["--tls_dir=/etc/zookeeper/tls"]
HANG_BOUND = 60  # seconds: only ever reached by a test about to fail

# srvr as ZooKeeper 3.9.3 (the image) and 3.8.0 (Debian 12) answer it.
SRVR_39 = """\
Zookeeper version: 3.9.3-${mvngit.commit.id}, built on 2026-03-08 16:19 UTC
Latency min/avg/max: 0/1.5/12
Received: 120
Sent: 119
Connections: 3
Outstanding: 0
Zxid: 0x200000007
Mode: follower
Node count: 9
"""
SRVR_38 = """\
Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2023-01-10 10:11 UTC
Latency min/avg/max: 0/0.0/0
Received: 1
Sent: 0
Connections: 1
Outstanding: 0
Zxid: 0x0
Mode: standalone
Node count: 5
"""


def zoo_cfg(tmp_path: Path, *flags: str, servers: int = 3) -> Path:
    """The zoo.cfg start-zookeeper writes for zk-0 with `flags`."""
    argv = [f"--servers={servers}", f"--conf_dir={tmp_path}", *flags]
    settings = load_settings(argv, {}, lambda: f"zk-0.{DOMAIN}")
    path = tmp_path / "zoo.cfg"
    path.write_text(render.zoo_cfg(settings), encoding="latin-1")
    return path


def entry(member_id: int, host: str, voting: bool = True) -> Member:
    return Member(member_id, host, 2888, 3888, "participant" if voting else "observer")


def target(member_id: int, voting: bool = True) -> Target:
    return Target(entry(member_id, f"zk-{member_id - 1}.{DOMAIN}", voting), "h", 2181)


def serving(member_id: int, role: str, zxid: int = 0x100000005, **fields: object) -> Reading:
    return Reading(target(member_id), role=role, synced=True, zxid=zxid, **fields)  # type: ignore[arg-type]


def unread(member_id: int, reason: str = "refused", voting: bool = True) -> Reading:
    return Reading(target(member_id, voting), reason=reason, detail=f"zk-{member_id - 1}: {reason}")


def tree(member_id: int, role: str, znodes: int, zxid: int = 0x100000005) -> Reading:
    """A serving member whose znode count held still across two srvr replies."""
    return serving(member_id, role, zxid=zxid, znodes=znodes, steady=True)


def hashed(
    member_id: int, role: str, *digests: tuple[int, int], zxid: int = 0x100000105
) -> Reading:
    """A serving member that answered hash with `digests`; its count was not steady."""
    return serving(member_id, role, zxid=zxid, znodes=7, digests=digests)


NOT_WHITELISTED = "hash is not executed because it is not in the whitelist.\n"
FOLLOWING = "zk_peer_state\tfollowing - broadcast\n"


# The config


def test_the_members_are_the_server_lines_start_zookeeper_writes(tmp_path: Path) -> None:
    config = read_config(str(zoo_cfg(tmp_path)))
    assert [(m.id, m.host, m.voting) for m in config.members] == [
        (1, f"zk-0.{DOMAIN}", True),
        (2, f"zk-1.{DOMAIN}", True),
        (3, f"zk-2.{DOMAIN}", True),
    ]
    assert config.client_port == 2181
    assert not use_tls(config, tls_dir=None)
    assert [(t.host, t.port) for t in targets(config, tls=False)] == [
        (f"zk-{i}.{DOMAIN}", 2181) for i in range(3)
    ]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("0:0:0:0:0:0:0:1", True),  # ZooKeeper's spelling of ::1
        ("[::1]", True),
        ("localhost", True),
        (None, False),  # every address
        ("0.0.0.0", False),
        ("::", False),
        ("::1:2", False),  # begins like ::1, is not it
        ("fd00:1::5", False),
        ("10.1.2.3", False),
        ("127.example.com", False),
    ],
)
def test_only_a_loopback_client_address_keeps_peers_off_the_plaintext_port(
    address: str | None, loopback: bool
) -> None:
    assert is_loopback(address) == loopback


def test_with_tls_the_members_are_asked_on_the_secure_port(tmp_path: Path) -> None:
    config = read_config(str(zoo_cfg(tmp_path, *TLS_FLAGS)))
    # start-zookeeper binds the plaintext port to the pod's loopback.
    assert (config.client_address, config.secure_client_port) == ("127.0.0.1", 2281)
    assert use_tls(config, tls_dir=None)
    assert {t.port for t in targets(config, tls=True)} == {2281}
    assert config.key_store == f"{tmp_path}/tls/keystore.pem"
    assert config.trust_store == f"{tmp_path}/tls/truststore.pem"


def test_port_unification_keeps_plaintext_reachable(tmp_path: Path) -> None:
    config = read_config(str(zoo_cfg(tmp_path, *TLS_FLAGS, "--tls_port_unification=true")))
    assert not use_tls(config, tls_dir=None)
    assert use_tls(config, tls_dir="/etc/zookeeper/tls")


def test_a_standalone_server_is_asked_on_its_own_loopback(tmp_path: Path) -> None:
    config = read_config(str(zoo_cfg(tmp_path, servers=1)))
    assert config.members == ()
    assert [(t.member_id, t.host, t.port) for t in targets(config, tls=False)] == [
        (None, "127.0.0.1", 2181)
    ]


@pytest.mark.parametrize(
    ("line", "seen"),
    [
        ("zk-0.zk-hs:2888:3888", ("zk-0.zk-hs", True, None)),
        ("zk-0.zk-hs:2888:3888:participant", ("zk-0.zk-hs", True, None)),
        ("zk-0.zk-hs:2888:3888:observer", ("zk-0.zk-hs", False, None)),
        ("zk-0.zk-hs:2888:3888:observer;2191", ("zk-0.zk-hs", False, 2191)),
        ("zk-0.zk-hs:2888:3888;0.0.0.0:2182", ("zk-0.zk-hs", True, 2182)),
        ("[fd00::1]:2888:3888;[::]:2181", ("fd00::1", True, 2181)),
        ("a:2888:3888|b:2889:3889:observer;2181", ("a", False, 2181)),
    ],
)
def test_server_lines(line: str, seen: tuple[str, bool, int | None]) -> None:
    """What status needs of a member: the host and client port to ask, and its vote."""
    member = parse_server_line("server.1", line)
    assert (member.id, member.host, member.voting, member.client_port) == (1, *seen)


@pytest.mark.parametrize(
    ("key", "line", "complaint"),
    [
        ("server.x", "a:2888:3888", "the server id must be a number"),
        ("server.1", "a:2888", "expected host:port:port"),
        ("server.1", "a:2888:3888:witness", "witness is neither participant nor observer"),
        ("server.1", "a:2888:3888;http", "not a port number"),
    ],
)
def test_malformed_server_lines_are_named(key: str, line: str, complaint: str) -> None:
    with pytest.raises(UsageError, match=complaint) as raised:
        parse_server_line(key, line)
    assert str(raised.value).startswith(f"{key}={line}: ")


def test_a_dynamic_config_file_holds_the_members(tmp_path: Path) -> None:
    (tmp_path / "zoo.cfg.dynamic.100000000").write_text(
        "server.1=zk-0:2888:3888:participant;2181\n"
        "server.2=zk-1:2888:3888:participant;2181\n"
        "server.4=zk-3:2888:3888:observer;2181\n"
    )
    # As ZooKeeper rewrites zoo.cfg: clientPort dropped, the dynamic file named.
    (tmp_path / "zoo.cfg").write_text(
        f"dataDir=/data\nserver.9=stale:1:2\ndynamicConfigFile={tmp_path}/zoo.cfg.dynamic.100000000\n"
    )
    config = read_config(str(tmp_path / "zoo.cfg"))
    assert [(m.id, m.voting, m.client_port) for m in config.members] == [
        (1, True, 2181),
        (2, True, 2181),
        (4, False, 2181),
    ]


def test_properties_are_read_as_java_reads_them() -> None:
    text = (
        "# a comment\n! another\n"
        "  spaced = value \n"
        "colon:x\n"
        "long=one\\\n    two\n"
        "escaped\\=key=\\u00e9\\t\n"
    )
    assert parse_properties(text) == {
        "spaced": "value",
        "colon": "x",
        "long": "onetwo",
        "escaped=key": "é",
    }


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_what_start_zookeeper_escapes_reads_back(value: str) -> None:
    line = "key=" + render.java_properties_value(value)
    assert parse_properties(line) == {"key": value.strip()}


# What members say


def test_srvr_of_either_version_gives_the_columns() -> None:
    follower = from_srvr(target(2), SRVR_39)
    assert (follower.role, follower.zxid, follower.latency_avg, follower.latency_max) == (
        "follower",
        0x200000007,
        1.5,
        12,
    )
    assert (follower.connections, follower.outstanding, follower.znodes) == (3, 0, 9)
    assert from_srvr(target(1), SRVR_38).role == "standalone"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Zxid", "1_000"),
        ("Zxid", "-0x5"),
        ("Zxid", "0x10000000000000000"),
        ("Zxid", "0o17"),
        ("Zxid", "0x"),
        ("Connections", "1_000"),
        ("Connections", "-3"),
        ("Connections", "١٢"),  # Arabic-Indic digits, which int() takes
        ("Latency min/avg/max", "0/NaN/12"),
        ("Latency min/avg/max", "0/inf/12"),
        ("Latency min/avg/max", "0/1_0.5/12"),
        ("Latency min/avg/max", "0/1.5/1_2"),
    ],
)
def test_garbage_numbers_are_unknown(field: str, value: str) -> None:
    reading = from_srvr(target(2), f"{SRVR_39}{field}: {value}\n")
    column = {"Zxid": "zxid", "Connections": "connections"}.get(field)
    if column:
        assert getattr(reading, column) is None
    else:
        assert None in (reading.latency_avg, reading.latency_max)


def test_the_largest_zxid_is_a_number() -> None:
    reading = from_srvr(target(2), SRVR_39.replace("0x200000007", "0xffffffffffffffff"))
    assert reading.zxid == 2**64 - 1


@pytest.mark.parametrize("mode", ["\x1b[2J\x1b[31mleader", "leader\x07", "candidate", "LEADER"])
def test_a_mode_that_is_no_role_is_an_unexpected_reply(mode: str) -> None:
    with fake_zookeeper(answers({"srvr": SRVR_39.replace("follower", mode)})) as member:
        where = Target(entry(1, "127.0.0.1"), "127.0.0.1", port_of(member))
        reading = read_member(where, time.monotonic() + HANG_BOUND, None)
    assert (reading.role, reading.reason) == (None, "unexpected reply")
    assert reading.detail == f"127.0.0.1:{port_of(member)}: srvr Mode is {mode!r}"


def test_an_observer_that_says_it_leads_is_an_unexpected_reply() -> None:
    leader = SRVR_39.replace("follower", "leader")
    with fake_zookeeper(answers({"srvr": leader})) as member:
        observer = Target(entry(4, "127.0.0.1", voting=False), "127.0.0.1", port_of(member))
        reading = read_member(observer, time.monotonic() + HANG_BOUND, None)
    assert (reading.role, reading.reason) == (None, "unexpected reply")
    assert reading.detail is not None
    assert reading.detail.endswith("configured as an observer, says it is the leader")


def test_lag_is_behind_the_leader_in_its_epoch() -> None:
    readings = with_lag(
        [
            serving(1, "leader", zxid=0x300000010),
            serving(2, "follower", zxid=0x30000000C),
            # An earlier epoch: none of the leader's 16 transactions seen.
            serving(3, "follower", zxid=0x2000000FF),
        ]
    )
    assert [r.lag for r in readings] == [0, 4, 16]
    without_leader = with_lag([serving(1, "follower"), serving(2, "follower")])
    assert [r.lag for r in without_leader] == [None, None]


def test_srvr_twice_with_the_same_zxid_and_count_is_steady_and_hash_gives_digests() -> None:
    """A member whose tree is compared is asked srvr, mntr, hash and srvr again."""
    words = {"srvr": SRVR_39, "mntr": FOLLOWING, "hash": "200000000: 1234\n200000080: -77\n"}
    with fake_zookeeper(answers(words)) as member:
        where = Target(entry(2, "127.0.0.1"), "127.0.0.1", port_of(member))
        reading = read_member(where, time.monotonic() + HANG_BOUND, None, compared=True)
        alone = read_member(where, time.monotonic() + HANG_BOUND, None)
    assert member.words == [b"srvr", b"mntr", b"hash", b"srvr", b"srvr", b"mntr"]
    assert (reading.synced, reading.steady) == (True, True)
    assert reading.digests == ((0x200000000, 1234), (0x200000080, -77))
    # Alone (nothing to compare with), neither hash nor a second srvr is asked.
    assert (alone.steady, alone.digests) == (False, None)


def changing(first: str, then: str) -> Behaviour:
    """srvr answered with `first`, then `then`; hash refused, as start-zookeeper refuses it."""
    srvr = [first, then]

    def behave(conn: socket.socket, word: bytes, _stop: object) -> None:
        reply = {"mntr": FOLLOWING, "hash": NOT_WHITELISTED}.get(word.decode())
        conn.sendall((reply or srvr.pop(0)).encode())

    return behave


@pytest.mark.parametrize(
    ("then", "steady"),
    [
        (SRVR_39, True),
        # A transaction between the two replies: the count may be the next tree's.
        (SRVR_39.replace("0x200000007", "0x200000008"), False),
        # The tree changed, the zxid not yet: srvr caught a transaction half applied.
        (SRVR_39.replace("Node count: 9", "Node count: 10"), False),
    ],
)
def test_a_count_is_steady_only_when_a_second_srvr_agrees(then: str, steady: bool) -> None:
    with fake_zookeeper(changing(SRVR_39, then)) as member:
        where = Target(entry(2, "127.0.0.1"), "127.0.0.1", port_of(member))
        reading = read_member(where, time.monotonic() + HANG_BOUND, None, compared=True)
    assert (reading.zxid, reading.znodes, reading.steady) == (0x200000007, 9, steady)
    assert reading.digests is None  # hash refused: no digest, no failure
    assert reading.reason is None


def test_hash_lines_are_zxid_and_digest_pairs() -> None:
    reply = (
        "100000080: 252855206484\n"
        "100000100: -9223372036854775808\n"
        "100000180: 0\n"  # digest.enabled=false: no tree's digest
        "1_0: 5\n"
        "0x80: 5\n"
        "80: 9223372036854775808\n"  # beyond a Java long
        "10000000000000080: 5\n"  # beyond 64 bits
        "garbage\n"
    )
    assert digests_from_hash(reply) == ((0x100000080, 252855206484), (0x100000100, -(2**63)))


# Divergence


def test_members_at_one_zxid_with_one_count_have_not_diverged() -> None:
    readings = [tree(1, "follower", 7), tree(2, "leader", 7), tree(3, "follower", 7)]
    assert divergence(readings) == {}


def test_a_different_count_at_the_same_zxid_is_divergence_from_the_leader() -> None:
    readings = [tree(1, "follower", 7), tree(2, "leader", 7), tree(3, "follower", 9)]
    assert divergence(readings) == {2: "at zxid 0x100000005: 9 znodes, server.2 has 7"}
    # The leader's tree is what a resynced member copies, even against a majority.
    readings = [tree(1, "follower", 9), tree(2, "leader", 7), tree(3, "follower", 9)]
    assert set(divergence(readings)) == {0, 2}


def test_without_the_leader_the_majority_is_the_reference_and_a_tie_diverges_all() -> None:
    readings = [tree(1, "follower", 7), tree(2, "follower", 9), tree(3, "follower", 7)]
    assert divergence(readings) == {1: "at zxid 0x100000005: 9 znodes, server.1 has 7"}
    pair = [tree(1, "standalone", 7), tree(2, "standalone", 6)]
    assert divergence(pair) == {
        0: "at zxid 0x100000005: 7 znodes, server.2 has 6",
        1: "at zxid 0x100000005: 6 znodes, server.1 has 7",
    }


def test_members_at_different_zxids_are_never_compared_by_count() -> None:
    readings = [
        tree(1, "leader", 9, zxid=0x100000006),
        tree(2, "follower", 7, zxid=0x100000005),  # lagging, not diverged
        tree(3, "follower", 8, zxid=0x100000004),
    ]
    assert divergence(readings) == {}


@pytest.mark.parametrize(
    "other",
    [
        Reading(target(3), role="follower", synced=False, zxid=0x100000005, znodes=9, steady=True),
        Reading(target(3), role="read-only", synced=None, zxid=0x100000005, znodes=9, steady=True),
        serving(3, "follower", znodes=9),  # not steady: srvr may have caught a transaction
        unread(3, "not serving"),
    ],
)
def test_members_not_serving_or_not_steady_are_not_compared(other: Reading) -> None:
    assert divergence([tree(1, "leader", 7), tree(2, "follower", 7), other]) == {}


def test_a_follower_whose_sync_state_is_unknown_is_compared() -> None:
    unknown = Reading(target(3), role="follower", synced=None, zxid=0x100000005, znodes=9)
    readings = [tree(1, "leader", 7), tree(2, "follower", 7), replace(unknown, steady=True)]
    assert set(divergence(readings)) == {2}


def test_different_digests_for_one_zxid_are_divergence_whatever_the_zxids_now() -> None:
    readings = [
        hashed(1, "leader", (0x100000080, 11), (0x100000100, 12), zxid=0x100000105),
        hashed(2, "follower", (0x100000080, 11), (0x100000100, 12), zxid=0x100000104),
        # Behind the others, and its count not steady: its digest still compares.
        hashed(3, "follower", (0x100000080, 11), (0x100000100, 99), zxid=0x100000101),
    ]
    assert divergence(readings) == {2: "at zxid 0x100000100: tree digest 99, server.1 has 12"}


def test_each_member_is_judged_at_the_latest_digest_it_shares() -> None:
    """An older mismatch the members have since agreed past is not the tree they hold."""
    readings = [
        hashed(1, "leader", (0x100000080, 11), (0x100000100, 12), (0x100000180, 13)),
        hashed(2, "follower", (0x100000080, 55), (0x100000100, 12)),
    ]
    assert divergence(readings) == {}
    readings[1] = hashed(2, "follower", (0x100000080, 11), (0x100000100, 66))
    assert set(divergence(readings)) == {1}


def test_digests_of_members_not_serving_are_not_compared() -> None:
    syncing = replace(hashed(3, "follower", (0x100000080, 99)), synced=False)
    readings = [hashed(1, "leader", (0x100000080, 11)), syncing]
    assert divergence(readings) == {}


def test_a_divergence_found_by_count_is_also_found_by_digest_once() -> None:
    leader = replace(tree(1, "leader", 7), digests=((0x100000080, 11),))
    follower = replace(tree(2, "follower", 9), digests=((0x100000080, 12),))
    assert divergence([leader, follower]) == {1: "at zxid 0x100000005: 9 znodes, server.1 has 7"}


# The quorum


@pytest.mark.parametrize(
    ("readings", "serves"),
    [
        ([serving(1, "follower"), serving(2, "leader"), serving(3, "follower")], True),
        ([serving(1, "follower"), serving(2, "leader"), unread(3, "unreachable")], True),
        ([serving(1, "leader"), unread(2, "timed out"), unread(3, "refused")], False),
        ([unread(1, "not serving"), unread(2, "not serving"), unread(3)], False),
        # Followers still syncing serve nobody yet.
        (
            [
                serving(1, "leader"),
                Reading(target(2), role="follower", synced=False),
                Reading(target(3), role="follower", synced=False),
            ],
            False,
        ),
        # Two leaders: a split ensemble, whatever the count.
        ([serving(1, "leader"), serving(2, "leader"), serving(3, "follower")], False),
        # Followers whose sync state is unknown (mntr not whitelisted) answered srvr.
        (
            [
                serving(1, "leader"),
                Reading(target(2), role="follower", synced=None),
                Reading(target(3), role="follower", synced=None),
            ],
            True,
        ),
        # One voter, as ZooKeeper 3.5+ runs a single server line: standalone.
        ([serving(1, "standalone")], True),
        ([serving(1, "standalone"), Reading(target(2, voting=False), role="observer")], True),
        # Among several voters, standalone is a member outside the ensemble.
        ([serving(1, "standalone"), serving(2, "follower"), serving(3, "follower")], False),
        # An observer's role is never the one leader.
        (
            [
                Reading(target(4, voting=False), role="leader", synced=True),
                serving(1, "follower"),
                serving(2, "follower"),
            ],
            False,
        ),
    ],
)
def test_a_quorum_is_one_leader_and_a_voting_majority(
    readings: list[Reading], serves: bool
) -> None:
    assert status.quorum(readings).serving is serves


def test_observers_never_make_a_quorum() -> None:
    observer = Reading(target(4, voting=False), role="observer", synced=True)
    readings = [serving(1, "leader"), unread(2), unread(3), observer, observer]
    summary = status.quorum(readings)
    assert (summary.serving, summary.voters, summary.serving_voters) == (False, 3, 1)


def test_a_standalone_server_is_its_own_quorum() -> None:
    alone = Reading(Target(None, "127.0.0.1", 2181), role="standalone")
    assert status.quorum([alone]).serving
    assert not status.quorum([Reading(alone.target, reason="refused", detail="")]).serving


# What it prints


def healthy_with_one_down() -> list[Reading]:
    return with_lag(
        [
            serving(1, "follower", zxid=0x100000003, latency_avg=0.5, latency_max=4),
            serving(2, "leader", connections=2, outstanding=0, znodes=7),
            unread(3, "unreachable"),
        ]
    )


def test_the_table_has_a_row_a_member_and_says_why_one_is_unread() -> None:
    readings = healthy_with_one_down()
    table = status.as_table(readings, status.quorum(readings)).splitlines()
    assert table[0].split()[:4] == ["ID", "MEMBER", "ROLE", "SYNCED"]
    assert table[1].split()[:7] == ["1", "h:2181", "follower", "yes", "0x100000003", "2", "0.5/4"]
    assert table[2].split()[2] == "leader"
    assert table[3].split()[2] == "(unreachable)"
    assert table[4] == "server.3: unreachable: zk-2: unreachable"
    assert table[5] == ("quorum serving: leader server.2, 2 of 3 voting members serving (2 needed)")


def test_a_diverged_member_says_so_in_the_synced_column_and_the_summary() -> None:
    readings = with_divergence(
        with_lag([tree(1, "follower", 7), tree(2, "leader", 7), tree(3, "follower", 9)])
    )
    table = status.as_table(readings, status.quorum(readings)).splitlines()
    assert [row.split()[3] for row in table[1:4]] == ["yes", "yes", "DIVERGED"]
    assert table[4] == "server.3: diverged: at zxid 0x100000005: 9 znodes, server.2 has 7"
    assert table[5] == (
        "quorum serving: leader server.2, 3 of 3 voting members serving (2 needed);"
        " 1 of 3 members DIVERGED (server.3)"
    )
    document = json.loads(status.as_json(readings, status.quorum(readings)))
    assert [m["diverged"] for m in document["members"]] == [False, False, True]
    assert document["members"][2]["divergence"] == table[4].removeprefix("server.3: diverged: ")
    assert document["members"][0]["divergence"] is None


def test_json_lists_members_each_with_a_role() -> None:
    readings = healthy_with_one_down()
    document = json.loads(status.as_json(readings, status.quorum(readings)))
    assert [m["role"] for m in document["members"]] == ["follower", "leader", None]
    assert document["members"][0]["zxid"] == "0x100000003"
    assert document["members"][0]["lag"] == 2
    assert document["members"][2]["reason"] == "unreachable"
    assert document["quorum"] == {
        "serving": True,
        "leader": 2,
        "voting_members": 3,
        "serving_voting_members": 2,
        "needed": 2,
    }


# The command


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format=xml"], "--format=xml: must be one of text, json"),
        (["--timeout=soon"], "--timeout=soon: must be a number of seconds"),
        (["--timeout=0"], "--timeout=0: must be a number of seconds"),
        (["--config=/nonexistent/zoo.cfg"], "--config=/nonexistent/zoo.cfg: cannot read"),
        (["--conf_dir=/a", "--config=/b"], "--config: not allowed with argument --conf_dir"),
        (["--conf_dir=/nonexistent"], "--conf_dir=/nonexistent: /nonexistent/zoo.cfg: cannot read"),
        (["--port=2181"], "--port=2181: unknown flag\n"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"zookeeper-status: {message}")
    assert err.count("\n") == 1


def test_tls_without_a_secure_port_is_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zoo_cfg(tmp_path)
    assert status.main([f"--conf_dir={tmp_path}", f"--tls_dir={tmp_path}"]) == 2
    assert capsys.readouterr().err == (
        f"zookeeper-status: --tls_dir={tmp_path}: {tmp_path}/zoo.cfg has no secureClientPort"
        " to speak TLS to\n"
    )


def test_unusable_certificates_are_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = zoo_cfg(tmp_path, *TLS_FLAGS)
    assert status.main([f"--config={config}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"zookeeper-status: {config}: ssl.keyStore.location: cannot load ")


def test_a_member_that_never_answers_times_out_and_one_closed_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = free_port()
    with fake_zookeeper(silent) as never:
        (tmp_path / "zoo.cfg").write_text(
            "clientPort=2181\n"
            f"server.1=127.0.0.1:2888:3888;{port_of(never)}\n"
            f"server.2=127.0.0.1:2888:3888;{closed}\n"
        )
        code = status.main([f"--conf_dir={tmp_path}", "--timeout=0.5", "--format=json"])
    out, err = capsys.readouterr()
    assert code == 1
    members = json.loads(out)["members"]
    assert [(m["id"], m["reason"]) for m in members] == [(1, "timed out"), (2, "refused")]
    assert err == (
        "zookeeper-status: no quorum: no leader, 0 of 2 voting members serving (2 needed)\n"
    )


@contextmanager
def fake_ensemble(tmp_path: Path, *behaviours: Behaviour) -> Iterator[None]:
    """Fake members listening, and a zoo.cfg in `tmp_path` naming them server.1, 2, ..."""
    with ExitStack() as stack:
        members = [stack.enter_context(fake_zookeeper(b)) for b in behaviours]
        (tmp_path / "zoo.cfg").write_text(
            "".join(
                f"server.{i}=127.0.0.1:2888:3888;{port_of(m)}\n" for i, m in enumerate(members, 1)
            )
        )
        yield


def member_at_0x200000007(
    role: str, znodes: int = 9, hash_reply: str = NOT_WHITELISTED
) -> Behaviour:
    srvr = SRVR_39.replace("follower", role).replace("Node count: 9", f"Node count: {znodes}")
    return answers({"srvr": srvr, "mntr": FOLLOWING, "hash": hash_reply})


@pytest.mark.parametrize(
    ("third", "code", "synced", "why"),
    [
        (member_at_0x200000007("follower"), 0, "yes", None),
        (member_at_0x200000007("follower", 12), 1, "DIVERGED", "12 znodes, server.1 has 9"),
        (member_at_0x200000007("follower", hash_reply="80: 5\n"), 0, "yes", None),
        (
            member_at_0x200000007("follower", hash_reply="80: 6\n"),
            1,
            "DIVERGED",
            "tree digest 6, server.1 has 5",
        ),
    ],
)
def test_divergence_exits_1_and_shows_in_the_table(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    third: Behaviour,
    code: int,
    synced: str,
    why: str | None,
) -> None:
    """A leader and a follower alike, and a third member: alike, or not."""
    leader = member_at_0x200000007("leader", hash_reply="80: 5\n")
    follower = member_at_0x200000007("follower", hash_reply="80: 5\n")
    with fake_ensemble(tmp_path, leader, follower, third):
        assert status.main([f"--conf_dir={tmp_path}"]) == code
    out, err = capsys.readouterr()
    rows = out.splitlines()
    assert [row.split()[3] for row in rows[1:4]] == ["yes", "yes", synced]
    if why is None:
        assert (len(rows), err) == (5, "")
        return
    zxid = "0x200000007" if "znodes" in why else "0x80"
    assert rows[4] == f"server.3: diverged: at zxid {zxid}: {why}"
    assert rows[5].endswith("; 1 of 3 members DIVERGED (server.3)")
    assert err == (
        "zookeeper-status: diverged: 1 of 3 members hold another tree at the same zxid: server.3\n"
    )


def test_json_says_which_members_diverged_and_how(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two members that both run standalone, each with its own tree: a tie, so both."""
    with fake_ensemble(
        tmp_path,
        member_at_0x200000007("standalone", 9),
        member_at_0x200000007("standalone", 7),
    ):
        code = status.main([f"--conf_dir={tmp_path}", "--format=json"])
    out, err = capsys.readouterr()
    members = json.loads(out)["members"]
    assert code == 1
    assert [(m["diverged"], m["divergence"]) for m in members] == [
        (True, "at zxid 0x200000007: 9 znodes, server.2 has 7"),
        (True, "at zxid 0x200000007: 7 znodes, server.1 has 9"),
    ]
    # Standalone servers make no quorum of two, which is said first.
    assert err.startswith("zookeeper-status: no quorum: ")


def test_nothing_a_member_says_reaches_the_terminal_unescaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member's reply is its own text: escapes in it would drive the operator's terminal."""
    mode = "\x1b[2J\x1b]0;owned\x07"
    with fake_zookeeper(answers({"srvr": SRVR_39.replace("follower", mode)})) as member:
        (tmp_path / "zoo.cfg").write_text(f"server.1=127.0.0.1:2888:3888;{port_of(member)}\n")
        code = status.main([f"--conf_dir={tmp_path}"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.replace("\n", "").isprintable()
    assert "\\x1b[2J\\x1b]0;owned\\x07" in out
    assert "(unexpected reply)" in out
    assert err.isascii()


def test_json_never_holds_nan_or_infinity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srvr = SRVR_39.replace("0/1.5/12", "0/NaN/12").replace("follower", "standalone")
    with fake_zookeeper(answers({"srvr": srvr})) as member:
        (tmp_path / "zoo.cfg").write_text(f"server.1=127.0.0.1:2888:3888;{port_of(member)}\n")
        code = status.main([f"--conf_dir={tmp_path}", "--format=json"])
    out = capsys.readouterr().out

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    (member_json,) = json.loads(out, parse_constant=refuse)["members"]
    assert (code, member_json["role"], member_json["latency_avg"]) == (0, "standalone", None)


@pytest.mark.parametrize(
    ("lines", "complaint"),
    [
        (
            ["server.01=a:2888:3888", "server.1=b:2888:3888"],
            "server.1 is listed twice: server.01, server.1",
        ),
        (
            ["server.9223372036854775808=a:2888:3888"],
            "server.9223372036854775808=a:2888:3888: the server id is beyond a Java long",
        ),
    ],
)
def test_ids_zookeeper_would_not_take_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], complaint: str
) -> None:
    (tmp_path / "zoo.cfg").write_text("clientPort=2181\n" + "\n".join(lines) + "\n")
    assert status.main([f"--conf_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"zookeeper-status: {tmp_path}/zoo.cfg: {complaint}")
    assert err.count("\n") == 1


def test_a_member_without_a_client_port_names_the_file_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "noport.cfg"
    config.write_text("server.1=a:2888:3888\n")
    assert status.main([f"--config={config}"]) == 2
    assert capsys.readouterr().err == (
        f"zookeeper-status: {config}: server.1 has no client port, and there is no clientPort\n"
    )


def test_help_alone_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert status.main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: zookeeper-status ")


def test_a_malformed_server_line_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "zoo.cfg").write_text("clientPort=2181\nserver.1=zk-0:2888\n")
    assert status.main([f"--conf_dir={tmp_path}"]) == 2
    assert capsys.readouterr().err == (
        f"zookeeper-status: {tmp_path}/zoo.cfg: server.1=zk-0:2888:"
        " expected host:port:port[:participant|:observer]\n"
    )
