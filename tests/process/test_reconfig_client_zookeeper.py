"""The reconfig client against a real ensemble of Debian's ZooKeeper on loopback.

Three members run with reconfigEnabled=true and a superuser digest, their
dynamic files rendered by zkcontainer.reconfig.model; new members start as
ZooKeeper's "order B" join (the serving members plus themselves) and are then
added, then removed, as start-zookeeper and zookeeper-scale will do.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.ports import free_port
from tests.harness.prerequisites import DEBIAN_ZOOKEEPER_JAR, require_zookeeper
from zkcontainer import ZkContainerError
from zkcontainer.fourlw import parse_lines, send_word
from zkcontainer.reconfig.client import (
    ReconfigError,
    add,
    read_membership,
    remove,
    session,
    super_digest_flag,
)
from zkcontainer.reconfig.decision import Evidence, decide
from zkcontainer.reconfig.model import Member, Membership, dynamic_file_name, render_dynamic_file
from zkcontainer.volume import Volume

pytestmark = pytest.mark.process

PASSWORD = "reconfig-test-secret"
CLASSPATH = ":".join(
    (DEBIAN_ZOOKEEPER_JAR, "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar")
)
LOG4J = "log4j.rootLogger=INFO, out\nlog4j.appender.out=org.apache.log4j.ConsoleAppender\n"
LOG4J += "log4j.appender.out.layout=org.apache.log4j.PatternLayout\n"
LOG4J += "log4j.appender.out.layout.ConversionPattern=%d [myid:%X{myid}] %-5p %c{1} - %m%n\n"


@dataclass
class Node:
    """One QuorumPeerMain with its own directories, started on a given membership."""

    member: Member
    root: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.member.client_port}"

    def start(self, membership: Membership) -> None:
        conf, data = self.root / "conf", self.root / "data"
        conf.mkdir(parents=True, exist_ok=True)
        data.mkdir(parents=True, exist_ok=True)
        (data / "myid").write_text(f"{self.member.id}\n")
        dynamic = conf / dynamic_file_name(membership)
        dynamic.write_text(render_dynamic_file(membership))
        (conf / "log4j.properties").write_text(LOG4J)
        (conf / "zoo.cfg").write_text(
            "tickTime=500\ninitLimit=20\nsyncLimit=10\n"
            f"dataDir={data}\n"
            "reconfigEnabled=true\nstandaloneEnabled=false\n"
            "admin.enableServer=false\n4lw.commands.whitelist=*\n"
            f"dynamicConfigFile={dynamic}\n"
        )
        with open(self.root / "out.log", "ab") as out:
            self.process = subprocess.Popen(
                [
                    "java",
                    "-Xmx64m",
                    f"-Dlog4j.configuration=file:{conf}/log4j.properties",
                    "-Dzookeeper.fastleader.minNotificationInterval=50",
                    super_digest_flag(PASSWORD),
                    "-cp",
                    CLASSPATH,
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    str(conf / "zoo.cfg"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def mntr(self) -> dict[str, str]:
        try:
            return parse_lines(send_word("mntr", port=self.member.client_port or 0, timeout=2))
        except ZkContainerError:
            return {}

    def wait_serving(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.poll() is None, f"{self.member.id} exited: {self.log()[-2000:]}"
            state = self.mntr().get("zk_server_state")
            if state in ("leader", "follower", "observer"):
                return state
            time.sleep(0.2)
        raise AssertionError(f"member {self.member.id} not serving: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        path = self.root / "out.log"
        return path.read_text(errors="replace") if path.exists() else ""


def new_member(server_id: int, role: str = "participant") -> Member:
    return Member(
        server_id,
        "127.0.0.1",
        free_port(),
        free_port(),
        "observer" if role == "observer" else "participant",
        free_port(),
        "127.0.0.1",
    )


@dataclass
class Ensemble:
    root: Path
    nodes: dict[int, Node]

    def hosts(self) -> list[str]:
        return [node.address for node in self.nodes.values()]

    def start_joiner(self, member: Member, live: Membership) -> Node:
        """A new member started as start-up decides (order B: the serving members and itself)."""
        node = Node(member, self.root / f"zk{member.id}")
        self.nodes[member.id] = node
        decision = decide(Evidence(member, (), live, None, Volume("empty", 0, 0)))
        assert decision.action == "join"
        assert decision.membership is not None
        node.start(decision.membership)
        return node

    def discard(self, server_id: int) -> None:
        self.nodes.pop(server_id).stop()

    def leader(self) -> Node:
        return next(n for n in self.nodes.values() if n.mntr().get("zk_server_state") == "leader")


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ensemble]:
    require_zookeeper()
    root = tmp_path_factory.mktemp("reconfig")
    members = [new_member(i) for i in (1, 2, 3)]
    nodes = {m.id: Node(m, root / f"zk{m.id}") for m in members}
    initial = Membership(tuple(members))
    for node in nodes.values():
        node.start(initial)
    group = Ensemble(root, nodes)
    try:
        for node in nodes.values():
            node.wait_serving()
        yield group
    finally:
        for node in list(group.nodes.values()):
            node.stop()


def test_reading_the_live_configuration_from_the_first_member_that_serves(
    ensemble: Ensemble,
) -> None:
    closed = f"127.0.0.1:{free_port()}"
    live = read_membership(["nowhere.invalid:2181", closed, *ensemble.hosts()], timeout=20)
    assert live.ids == {1, 2, 3}
    assert live.voter_ids == {1, 2, 3}
    assert live.get(2) is not None
    assert live.version > 0  # the leader's zxid once it leads, not the bootstrap file's 0


def test_nothing_serving_is_named_not_a_traceback() -> None:
    with pytest.raises(ReconfigError) as raised:
        read_membership([f"127.0.0.1:{free_port()}", "nowhere.invalid:2181"], timeout=1)
    assert raised.value.reason == "no member serves"


def test_without_the_superuser_a_reconfig_is_not_authorized(ensemble: Ensemble) -> None:
    with session(ensemble.hosts(), timeout=20) as client, pytest.raises(ReconfigError) as raised:
        remove(client, [3], timeout=10)
    assert raised.value.reason == "not authorized"
    assert read_membership(ensemble.hosts(), timeout=20).ids == {1, 2, 3}


def test_a_member_started_with_the_live_members_and_itself_is_added_then_removed(
    ensemble: Ensemble,
) -> None:
    live = read_membership(ensemble.hosts(), timeout=20)
    joiner = ensemble.start_joiner(new_member(4), live)
    try:
        # Not in the committed configuration: it follows without a vote.
        assert joiner.wait_serving() == "follower"
        assert ensemble.leader().mntr().get("zk_synced_non_voting_followers") == "1"
        # It reports the committed configuration, without itself, until it is added.
        assert read_membership([joiner.address], timeout=20) == live
        with session([joiner.address], timeout=20, password=PASSWORD) as client:
            added = add(client, joiner.member, timeout=30)
            assert added.voter_ids == {1, 2, 3, 4}
            assert added.version > live.version
            assert add(client, joiner.member, timeout=30) == added  # idempotent
        assert ensemble.leader().mntr().get("zk_synced_followers") == "3"
        with session(ensemble.hosts()[:3], timeout=20, password=PASSWORD) as client:
            after = remove(client, [4], timeout=30)
            assert after.ids == {1, 2, 3}
            assert remove(client, [4], timeout=30) == after  # idempotent
    finally:
        ensemble.discard(4)


def test_members_joining_together_are_all_added(ensemble: Ensemble) -> None:
    live = read_membership(ensemble.hosts(), timeout=20)
    joiners = [
        ensemble.start_joiner(new_member(5), live),
        ensemble.start_joiner(new_member(6, "observer"), live),
    ]
    try:
        for joiner in joiners:
            joiner.wait_serving()
        results: dict[int, Membership | Exception] = {}

        def join(node: Node) -> None:
            try:
                with session([node.address], timeout=20, password=PASSWORD) as client:
                    results[node.member.id] = add(client, node.member, timeout=60)
            except Exception as error:  # reported by the assertion below
                results[node.member.id] = error

        threads = [threading.Thread(target=join, args=(node,)) for node in joiners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(isinstance(result, Membership) for result in results.values()), results
        final = read_membership(ensemble.hosts(), timeout=20)
        assert final.ids == {1, 2, 3, 5, 6}
        assert final.voter_ids == {1, 2, 3, 5}
        assert joiners[1].wait_serving() == "observer"
        with session(ensemble.hosts()[:3], timeout=20, password=PASSWORD) as client:
            assert remove(client, [5, 6], timeout=30).ids == {1, 2, 3}
    finally:
        ensemble.discard(5)
        ensemble.discard(6)


def test_removing_the_leader_it_is_connected_to_still_reports_the_outcome(
    ensemble: Ensemble,
) -> None:
    # The leader commits and steps down: the caller's connection drops (ConnectionLoss)
    # and only a fresh read, once a new leader serves, tells what happened.
    leader = ensemble.leader()
    with session([leader.address], timeout=20, password=PASSWORD) as client:
        after = remove(client, [leader.member.id], timeout=60)
    assert after.ids == {1, 2, 3} - {leader.member.id}
    # The removed server keeps running, without a vote; added back, it votes again.
    survivors = [node.address for node in ensemble.nodes.values() if node is not leader]
    with session(survivors, timeout=20, password=PASSWORD) as client:
        assert add(client, leader.member, timeout=60).voter_ids == {1, 2, 3}
    assert leader.wait_serving() in ("leader", "follower")
