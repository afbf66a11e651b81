"""Dynamic membership as text: /zookeeper/config, dynamic files and reconfig's server specs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.dynmembers import member
from zkcontainer.reconfig.ensemble import parse_server_line
from zkcontainer.reconfig.model import (
    DynamicConfigError,
    Member,
    Membership,
    dynamic_file_name,
    dynamic_file_version,
    newest_dynamic_file,
    parse_config,
    parse_dynamic_file,
    parse_server,
    read_dynamic_file,
    render_dynamic_file,
)

# What a 3.8 leader answers for /zookeeper/config after one member was added.
LIVE_CONFIG = (
    "server.1=zk-0.zk-hs:2888:3888:participant;0.0.0.0:2181\n"
    "server.2=zk-1.zk-hs:2888:3888:participant;0.0.0.0:2181\n"
    "server.3=zk-2.zk-hs:2888:3888:participant;0.0.0.0:2181\n"
    "server.4=zk-3.zk-hs:2888:3888:observer;0.0.0.0:2181\n"
    "version=100000003"
)


def test_the_live_config_gives_members_roles_and_version() -> None:
    membership = parse_config(LIVE_CONFIG)
    assert membership.version == 0x100000003
    assert membership.ids == {1, 2, 3, 4}
    assert membership.voter_ids == {1, 2, 3}
    assert membership.get(4) == Member(4, "zk-3.zk-hs", 2888, 3888, "observer", 2181, "0.0.0.0")


def test_the_live_config_without_a_version_is_refused() -> None:
    with pytest.raises(DynamicConfigError, match="no version= line"):
        parse_config("server.1=a:2888:3888;2181\n")


def test_a_standalone_servers_empty_config_is_named() -> None:
    with pytest.raises(DynamicConfigError, match="is empty: a standalone server"):
        parse_config("")


def test_a_dynamic_file_takes_its_version_from_its_name() -> None:
    text = "server.1=a:2888:3888:participant;2181\nserver.2=b:2888:3888:participant;2181\n"
    membership = parse_dynamic_file(text, "/conf/zoo.cfg.dynamic.200000000")
    assert membership.version == 0x200000000
    assert membership.ids == {1, 2}


def test_a_dynamic_file_holding_a_version_line_is_refused_as_zookeeper_refuses_it() -> None:
    with pytest.raises(DynamicConfigError, match="holds no version= line"):
        parse_dynamic_file("server.1=a:2888:3888\nversion=1\n", "zoo.cfg.dynamic.1")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "no server.N= lines"),
        ("server.1=a:2888:3888\nserver.01=b:2888:3888\n", "listed twice: 1"),
        ("server.1=a:2888:3888\ngroup.1=1\n", "hierarchical quorums are not supported"),
        ("server.1=a:2888:3888\nclientPort=2181\n", "clientPort: not a membership entry"),
        ("server.1=a:2888:x\n", "x is not a port number"),
        ("server.1=a:2888:3888;\n", None),
    ],
)
def test_malformed_dynamic_files_are_named(text: str, complaint: str | None) -> None:
    if complaint is None:  # an empty client part is no client part, as in ZooKeeper
        assert parse_dynamic_file(text, "zoo.cfg.dynamic.1").members[0].client_port is None
        return
    with pytest.raises(DynamicConfigError, match=complaint) as raised:
        parse_dynamic_file(text, "zoo.cfg.dynamic.1")
    assert str(raised.value).startswith("zoo.cfg.dynamic.1: ")


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("zoo.cfg.dynamic.100000000", 0x100000000),
        ("/conf/zoo.cfg.dynamic.0", 0),
        ("zoo.cfg.dynamic.ABC", 0xABC),
    ],
)
def test_dynamic_file_versions(name: str, version: int) -> None:
    assert dynamic_file_version(name, "zoo.cfg") == version


@pytest.mark.parametrize(
    "name", ["zoo.cfg.dynamic.next", "zoo.cfg.dynamic.", "zoo.cfg", "other.cfg.dynamic.1"]
)
def test_names_that_are_no_dynamic_file_version(name: str) -> None:
    with pytest.raises(DynamicConfigError):
        dynamic_file_version(name, "zoo.cfg")


@pytest.mark.parametrize(
    ("entry", "spec"),
    [
        (member(4), "server.4=zk-3.zk-hs:2888:3888:participant;2181"),
        (member(5, "observer"), "server.5=zk-4.zk-hs:2888:3888:observer;2181"),
        (member(1, port=None), "server.1=zk-0.zk-hs:2888:3888:participant"),
        (
            Member(2, "fd00::2", 2888, 3888, "participant", 2181, "::"),
            "server.2=[fd00::2]:2888:3888:participant;[::]:2181",
        ),
        (
            Member(3, "a", 1, 2, "participant", 2181, "127.0.0.1", ("b:3:4",)),
            "server.3=a:1:2|b:3:4:participant;127.0.0.1:2181",
        ),
    ],
)
def test_server_specs_for_files_and_reconfig_add(entry: Member, spec: str) -> None:
    assert entry.spec() == spec
    key, _, value = spec.partition("=")
    assert parse_server(key, value) == entry


def test_a_rendered_dynamic_file_lists_members_by_id_without_a_version_line() -> None:
    membership = Membership((member(2), member(1), member(4, "observer")), version=0x10)
    assert render_dynamic_file(membership) == (
        "server.1=zk-0.zk-hs:2888:3888:participant;2181\n"
        "server.2=zk-1.zk-hs:2888:3888:participant;2181\n"
        "server.4=zk-3.zk-hs:2888:3888:observer;2181\n"
    )
    assert dynamic_file_name(membership) == "zoo.cfg.dynamic.10"


def test_the_live_config_rendered_as_a_dynamic_file_reads_back_the_same() -> None:
    live = parse_config(LIVE_CONFIG)
    text = render_dynamic_file(live)
    assert "version" not in text
    assert parse_dynamic_file(text, dynamic_file_name(live)) == live


def test_adding_and_removing_members() -> None:
    live = parse_config(LIVE_CONFIG)
    grown = live.with_member(member(5))
    assert grown.ids == {1, 2, 3, 4, 5}
    assert grown.version == live.version
    assert live.with_member(member(4)).get(4) == member(4)  # replaces id 4's entry
    assert grown.without([4, 5]).ids == {1, 2, 3}


def test_the_newest_dynamic_file_is_chosen_by_version_not_by_time(tmp_path: Path) -> None:
    for name in ("zoo.cfg.dynamic.ff", "zoo.cfg.dynamic.100000000", "zoo.cfg.dynamic.2"):
        (tmp_path / name).write_text("server.1=a:2888:3888\n")
    for name in ("zoo.cfg.dynamic.next", "zoo.cfg.dynamic.next.tmp", "zoo.cfg", "x.dynamic.f00"):
        (tmp_path / name).write_text("server.1=a:2888:3888\n")
    # The oldest version has the newest time: a restored copy.
    os.utime(tmp_path / "zoo.cfg.dynamic.2", (2e9, 2e9))
    newest = newest_dynamic_file(str(tmp_path))
    assert newest == str(tmp_path / "zoo.cfg.dynamic.100000000")
    assert read_dynamic_file(newest).version == 0x100000000


def test_no_dynamic_file_in_an_empty_or_missing_directory(tmp_path: Path) -> None:
    assert newest_dynamic_file(str(tmp_path)) is None
    assert newest_dynamic_file(str(tmp_path / "missing")) is None


def test_an_unreadable_dynamic_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DynamicConfigError, match=r"zoo\.cfg\.dynamic\.1: cannot read"):
        read_dynamic_file(str(tmp_path / "zoo.cfg.dynamic.1"))


def test_zookeeper_status_reads_server_lines_through_the_same_parser() -> None:
    key, _, value = "server.4=zk-3.zk-hs:2888:3888:observer;0.0.0.0:2191".partition("=")
    entry = parse_server(key, value)
    seen_by_status = parse_server_line(key, value)
    assert (seen_by_status.id, seen_by_status.host) == (4, "zk-3.zk-hs")
    assert not seen_by_status.voting
    assert seen_by_status.client_port == entry.client_port == 2191


hosts = st.sampled_from(["zk-0.zk-hs.default.svc.cluster.local", "10.0.0.7", "fd00::7", "h"])
ports = st.integers(min_value=1, max_value=65535)
members = st.builds(
    Member,
    id=st.integers(min_value=1, max_value=255),
    host=hosts,
    quorum_port=ports,
    election_port=ports,
    role=st.sampled_from(["participant", "observer"]),
    client_port=st.none() | ports,
    client_address=st.none(),
)


@given(
    st.lists(members, min_size=1, max_size=9, unique_by=lambda m: m.id),
    st.integers(min_value=0, max_value=2**63 - 1),
)
def test_every_membership_survives_a_round_trip_through_its_dynamic_file(
    entries: list[Member], version: int
) -> None:
    membership = Membership(tuple(entries), version)
    text = render_dynamic_file(membership)
    assert parse_dynamic_file(text, dynamic_file_name(membership)) == membership
    live_text = text + f"version={version:x}"
    assert parse_config(live_text) == membership
