"""Observers in a static ensemble: --observers=M makes ids servers+1 .. servers+M
non-voting members that serve reads and never count towards a quorum."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.harness.fakezk import answers, fake_zookeeper, port_of
from zkcontainer import ConfigError, render, status
from zkcontainer.ready import main as ready_main
from zkcontainer.reconfig.ensemble import ensemble_config, parse_properties
from zkcontainer.settings import Settings, load_settings
from zkcontainer.start import main as start_main
from zkcontainer.status_query import Reading, Target

DOMAIN = "zk-hs.default.svc.cluster.local"
THREE_AND_TWO = ["--servers=3", "--observers=2"]


def pod(ordinal: int, argv: Sequence[str] = THREE_AND_TWO, env: Mapping[str, str] = {}) -> Settings:
    return load_settings(argv, env, lambda: f"zk-{ordinal}.{DOMAIN}")


def problems(argv: Sequence[str], ordinal: int = 0) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        pod(ordinal, argv)
    return caught.value.problems


def zoo_cfg(settings: Settings) -> dict[str, str]:
    return parse_properties(render.zoo_cfg(settings))


# -- settings ---------------------------------------------------------------------------


def test_there_are_no_observers_unless_asked() -> None:
    assert pod(0, ["--servers=3"]).observers == 0


def test_ids_after_the_servers_are_the_observers() -> None:
    roles = [(pod(i).myid, pod(i).observing) for i in range(5)]
    assert roles == [(1, False), (2, False), (3, False), (4, True), (5, True)]


def test_observers_come_from_the_environment_too_and_the_command_line_wins() -> None:
    assert pod(4, ["--servers=3"], {"ZK_OBSERVERS": "2"}).observing
    assert pod(3, ["--servers=3", "--observers=1"], {"ZK_OBSERVERS": "9"}).members == 4


@pytest.mark.parametrize(
    ("argv", "ordinal", "expected"),
    [
        (["--servers=3", "--observers=-1"], 0, "--observers=-1: must be between 0 and 254"),
        (["--servers=3", "--observers=two"], 0, "--observers=two: not an integer"),
        (
            ["--servers=1", "--observers=2"],
            0,
            "--observers=2: observers need an ensemble of voting members, but --servers=1 "
            "is a standalone server; set --servers to 3 or more, or --observers to 0",
        ),
        (
            ["--servers=250", "--observers=6"],
            0,
            "--observers=6: with --servers=250 makes 256 members, but server ids stop at 255",
        ),
        (
            THREE_AND_TWO,
            5,
            "hostname 'zk-5': this pod's ordinal 5 is beyond --servers=3 and --observers=2 "
            "(pods 0 to 4): the StatefulSet was scaled without changing the ensemble; scale it "
            "back (kubectl -n default scale statefulset zk --replicas=5)",
        ),
    ],
)
def test_a_bad_observer_count_or_a_pod_beyond_them_is_one_line_naming_it(
    argv: list[str], ordinal: int, expected: str
) -> None:
    (problem,) = problems(argv, ordinal)
    assert problem.startswith(expected)


def test_the_limit_on_ids_counts_the_observers() -> None:
    assert pod(254, ["--servers=250", "--observers=5"]).myid == 255


def test_a_bad_observer_count_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ZK_OBSERVERS", "lots")
    argv = ["--servers=3", "--hostname=zk-0", f"--domain={DOMAIN}", "--dry-run"]
    assert start_main(argv) == 2
    assert "ZK_OBSERVERS=lots: not an integer" in capsys.readouterr().err


# -- zoo.cfg ----------------------------------------------------------------------------


def test_every_member_lists_all_five_and_the_observers_lines_say_so() -> None:
    expected = {
        **{f"server.{i}": f"zk-{i - 1}.{DOMAIN}:2888:3888" for i in (1, 2, 3)},
        **{f"server.{i}": f"zk-{i - 1}.{DOMAIN}:2888:3888:observer" for i in (4, 5)},
    }
    for ordinal in range(5):
        cfg = zoo_cfg(pod(ordinal))
        assert {k: v for k, v in cfg.items() if k.startswith("server.")} == expected


def test_only_an_observer_says_peer_type_observer() -> None:
    assert [zoo_cfg(pod(i)).get("peerType") for i in range(5)] == [
        *[None] * 3,
        *["observer"] * 2,
    ]


def test_zookeeper_status_counts_no_observer_towards_the_quorum() -> None:
    config = ensemble_config(zoo_cfg(pod(0)))
    assert [(m.id, m.voting) for m in config.members] == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]

    def quorum(*roles: str | None) -> status.Quorum:
        """The quorum when member i answers roles[i], or nothing (None)."""
        readings = []
        for member, role in zip(config.members, roles, strict=True):
            target = Target(member, member.host, 2181)
            if role is None:
                readings.append(Reading(target, reason="refused", detail=""))
            else:
                readings.append(Reading(target, role=role, synced=True))
        return status.quorum(readings)

    # Two voters down: one voter and both observers serve nothing a quorum counts.
    lost = quorum("leader", None, None, "observer", "observer")
    assert (lost.serving, lost.voters, lost.serving_voters, lost.needed) == (False, 3, 1, 2)
    healthy = quorum("leader", "follower", None, "observer", None)
    assert (healthy.serving, healthy.voters, healthy.serving_voters) == (True, 3, 2)


# -- zookeeper-ready --------------------------------------------------------------------

OBSERVER_MNTR = "zk_version\t3.8.0\nzk_server_state\tobserver\nzk_peer_state\tobserving - {}\n"


@pytest.mark.parametrize(
    ("peer_state", "code"),
    [("broadcast", 0), ("synchronization", 1), ("discovery", 1)],
)
def test_an_observer_is_ready_once_it_observes_in_broadcast(
    peer_state: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    mntr = OBSERVER_MNTR.format(peer_state)
    with fake_zookeeper(answers({"mntr": mntr})) as server:
        assert ready_main(["--serving", str(port_of(server))]) == code
    if code:
        assert f"observer still syncing (observing - {peer_state})" in capsys.readouterr().err


def test_an_observer_without_a_quorum_is_alive_but_not_ready() -> None:
    not_serving = "This ZooKeeper instance is not currently serving requests\n"
    with fake_zookeeper(answers({"mntr": not_serving, "ruok": "imok"})) as server:
        port = str(port_of(server))
        assert ready_main([port]) == 0
        assert ready_main(["--serving", port]) == 1
