"""zookeeper-status in a pod of the image's 3-member ensemble, as `kubectl exec` runs it.

One ensemble serves the module, in order: healthy, then one member stopped,
then a second. Stopping members is what these tests are about, so the
ensemble is theirs alone and is removed at the end rather than restored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import docker
import pytest

from tests.harness.ensemble import running
from tests.harness.manifests import original_statefulset
from tests.harness.members import leader_of
from tests.harness.statefulset import StatefulSet
from tests.harness.status import ASKING, status, status_once

pytestmark = pytest.mark.container

DOMAIN = "zk-hs.default.svc.cluster.local"


@pytest.fixture(scope="module")
def ensemble(
    request: pytest.FixtureRequest, docker_client: docker.DockerClient, image: str
) -> Iterator[StatefulSet]:
    with running(request, StatefulSet(original_statefulset(), image, client=docker_client)) as sts:
        yield sts


def test_a_healthy_ensemble_has_one_leader_and_two_synced_followers(
    ensemble: StatefulSet,
) -> None:
    result = status_once(ensemble, 0)
    members = result.members
    assert [m["address"] for m in members] == [f"zk-{i}.{DOMAIN}:2181" for i in range(3)]
    assert [m["id"] for m in members] == [1, 2, 3]
    assert sorted(m["role"] for m in members) == ["follower", "follower", "leader"]
    assert all(m["synced"] for m in members)
    assert all(m["zxid"].startswith("0x") and m["lag"] >= 0 for m in members)
    assert all(m["znodes"] >= 1 and m["reason"] is None for m in members)

    table = status(ensemble)
    assert (table.code, table.stderr) == (0, "")
    rows = table.stdout.splitlines()
    assert len(rows) == 5  # the header, a row a member, the quorum
    assert rows[-1].startswith("quorum serving: leader server.")


def test_one_member_stopped_is_shown_unreachable_and_the_quorum_serves(
    ensemble: StatefulSet,
) -> None:
    stopped = 2 if leader_of(ensemble, [0, 1, 2], timeout=30) != 2 else 1
    ensemble.stop(stopped)
    result = status_once(ensemble, 0)
    member = result.members[stopped]
    assert member["role"] is None
    # A stopped pod's name leaves the DNS (unreachable); a dying one refuses or is silent.
    assert member["reason"] in ("unreachable", "refused", "timed out")
    others = [m["role"] for i, m in enumerate(result.members) if i != stopped]
    assert sorted(others) == ["follower", "leader"]
    assert json.loads(result.stdout)["quorum"]["serving_voting_members"] == 2


def test_two_members_stopped_leave_no_quorum(ensemble: StatefulSet) -> None:
    for i in (1, 2):
        ensemble.container(i).reload()
        if ensemble.container(i).status == "running":
            ensemble.stop(i)
    # The survivor answers as a follower until it notices its leader or its quorum gone.
    result = status_once(ensemble, 1, lambda s: s.members[ASKING]["reason"] is not None)
    reasons = [m["reason"] for m in result.members]
    assert reasons[ASKING] == "not serving"
    assert all(reason in ("unreachable", "refused", "timed out") for reason in reasons[1:])
    assert result.stderr.startswith("zookeeper-status: no quorum: ")
