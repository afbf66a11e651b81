"""The image, run as a StatefulSet runs it: identity, volumes, probes, failures."""

from __future__ import annotations

import time

import pytest
from docker.types import Mount

from tests.conftest import StartStatefulSet
from tests.harness.clients import kazoo_client, stored_numbers
from tests.harness.containers import build_image, build_lock, client_address, serving_container
from tests.harness.manifests import original_statefulset, single_pod_statefulset
from tests.harness.members import alive, leader_of, server_state, serving
from tests.harness.statefulset import labels, wait_for
from tests.harness.writes import write_numbers

pytestmark = pytest.mark.container


def test_a_second_build_leaves_no_image_behind(docker_client, image: str) -> None:  # type: ignore[no-untyped-def]
    def images() -> dict[str, int]:
        return {i.id: i.attrs["Size"] for i in docker_client.images.list(all=True)}

    def dangling() -> set[str]:
        ours = {"label": "org.opencontainers.image.title=zkcontainer", "dangling": True}
        return {i.id for i in docker_client.images.list(filters=ours)}

    with build_lock() as held:  # another worker's build would add images meanwhile
        # The machine's own leftovers (an image a rebuild of another tag untagged)
        # are not this build's.
        before, dangling_before = images(), dangling()
        build = build_image(image, **held)
        assert build.returncode == 0, build.stderr
        assert images().items() <= before.items()
        assert dangling() <= dangling_before


def test_a_restart_under_another_uid_of_group_0_keeps_writing_its_volume(
    docker_client, image: str
) -> None:  # type: ignore[no-untyped-def]
    """OpenShift gives a pod a new random uid in group 0 when it is recreated; what
    ZooKeeper wrote under the image's own user (version-2/, snapshots, logs)
    must stay writable by it. Plain Docker, no fsGroup to paper over it."""
    volume = docker_client.volumes.create(labels=labels("two-uids"))
    data = Mount("/var/lib/zookeeper", volume.name, type="volume")
    try:
        with serving_container(image, "two-uids", mounts=[data]) as first:  # the image's uid, 1000
            with kazoo_client(client_address(first)) as zk:
                zk.create("/by-first-uid", b"1")
            first.get_wrapped_container().stop(timeout=30)  # SIGTERM first, as for a deleted pod

        with serving_container(image, "two-uids", mounts=[data], user="100124:0") as second:
            with kazoo_client(client_address(second)) as zk:
                zk.create("/by-second-uid", b"2")
                assert zk.get("/by-first-uid")[0] == b"1"
            modes = second.exec(
                ["sh", "-c", "find /var/lib/zookeeper/data -exec stat -c '%a %u %g %n' {} +"]
            ).output.decode()
    finally:
        volume.remove(force=True)
    owners = {line.split()[1] for line in modes.splitlines()}
    assert {"1000", "100124"} <= owners, modes
    for line in modes.splitlines():
        mode, _, group, _ = line.split(maxsplit=3)
        assert group == "0", f"not group 0: {line}"
        assert int(mode[-2]) & 0o6 == 0o6, f"not group read-writable: {line}"
        assert int(mode[-1]) & 0o2 == 0, f"writable by others: {line}"


def test_the_original_manifest_forms_an_ensemble(statefulset: StartStatefulSet) -> None:
    started = time.monotonic()
    sts = statefulset(original_statefulset())
    print(f"all 3 pods Ready {time.monotonic() - started:.1f}s after start")

    states = sorted(server_state(sts, i) or "unreadable" for i in range(3))
    assert states == ["follower", "follower", "leader"]
    for i in range(3):
        code, output = sts.exec(i, "zookeeper-metrics")  # no port, as the original README
        assert code == 0
        assert "zk_server_state" in output
        assert sts.exec(i, "cat /var/lib/zookeeper/data/myid") == (0, f"{i + 1}\n")
        assert sts.exec(i, "id -u")[1].strip() == "1000"


def test_losing_the_leader_loses_no_acknowledged_write(statefulset: StartStatefulSet) -> None:
    sts = statefulset(original_statefulset())
    leader = leader_of(sts, [0, 1, 2])
    survivors = [i for i in range(3) if i != leader]
    killed_at: list[float] = []

    def kill_leader_midway(n: int) -> None:
        if n == 60:
            sts.kill(leader)
            killed_at.append(time.monotonic())

    with kazoo_client(sts.connect_string()) as zk:
        acknowledged = write_numbers(zk, 200, kill_leader_midway)
    assert len(acknowledged) >= 100, f"only {len(acknowledged)} writes acknowledged"

    failover = wait_for(
        lambda: all(serving(sts, i) for i in survivors), 60, lambda: "survivors not serving"
    )
    print(f"survivors serving {time.monotonic() - killed_at[0]:.1f}s after the leader was killed")
    assert failover < 60
    leader_of(sts, survivors)
    hosts = ",".join(f"{sts.address(i)}:2181" for i in survivors)
    assert set(acknowledged) <= stored_numbers(hosts, "/writes")

    sts.restart(leader)
    wait_for(lambda: serving(sts, leader), 120, lambda: f"{sts.pod(leader).name} not serving")
    assert sts.exec(leader, "cat /var/lib/zookeeper/data/myid") == (0, f"{leader + 1}\n")
    assert set(acknowledged) <= stored_numbers(f"{sts.address(leader)}:2181", "/writes")


def test_losing_quorum_stops_serving_and_keeps_data(statefulset: StartStatefulSet) -> None:
    sts = statefulset(original_statefulset())
    with kazoo_client(sts.connect_string()) as zk:
        acknowledged = write_numbers(zk, 50, lambda n: None)
    assert acknowledged == list(range(50))

    survivor, lost = 0, [1, 2]
    for i in lost:
        sts.kill(i)
    wait_for(lambda: not serving(sts, survivor), 60, lambda: "the survivor still serves")
    assert alive(sts, survivor), "liveness must hold without quorum, or the kubelet restarts it"

    for i in lost:
        sts.restart(i)
    wait_for(lambda: all(serving(sts, i) for i in range(3)), 120, lambda: "ensemble not back")
    assert set(acknowledged) <= stored_numbers(sts.connect_string(), "/writes")


def test_sigterm_stops_the_leader_quickly_after_it_leaves_the_quorum_and_keeps_its_data(
    statefulset: StartStatefulSet,
) -> None:
    sts = statefulset(original_statefulset())
    with kazoo_client(sts.connect_string()) as zk:
        zk.create("/before-stop", b"kept")
    leader = leader_of(sts, [0, 1, 2])

    elapsed = sts.stop(leader, grace=30)
    print(f"leader stopped {elapsed:.1f}s after SIGTERM")
    assert elapsed < 10
    container = sts.container(leader)
    container.reload()
    assert container.attrs["State"]["ExitCode"] == 143, "not the JVM's own exit on SIGTERM"
    # The JVM's exit closes sockets only after a wait; the survivors elect now.
    assert "leaving the quorum before the JVM exits" in sts.logs(leader)
    survivors = [i for i in range(3) if i != leader]
    wait_for(
        lambda: sorted(server_state(sts, i) or "" for i in survivors) == ["follower", "leader"],
        60,
        lambda: "the survivors elected no leader",
    )

    sts.restart(leader)
    wait_for(lambda: serving(sts, leader), 120, lambda: "the old leader not serving after restart")
    assert sts.exec(leader, "cat /var/lib/zookeeper/data/myid") == (0, f"{leader + 1}\n")
    with kazoo_client(f"{sts.address(leader)}:2181") as zk:
        zk.sync("/before-stop")
        assert zk.get("/before-stop")[0] == b"kept"


def test_any_uid_in_group_0_on_a_read_only_root(statefulset: StartStatefulSet) -> None:
    security = {
        "runAsUser": 100123,
        "runAsGroup": 0,
        "fsGroup": 0,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    sts = statefulset(single_pod_statefulset(security, conf_on_empty_dir=True))
    assert sts.exec(0, "id -u")[1].strip() == "100123"
    assert sts.exec(0, "touch /etc/probe")[0] != 0, "root filesystem is writable"
    with kazoo_client(f"{sts.address(0)}:2181") as zk:
        zk.create("/written-by-any-uid", b"ok")
    assert sts.exec(0, "cat /var/lib/zookeeper/data/myid") == (0, "1\n")


def test_a_member_cut_off_the_network_stops_serving_and_catches_up(
    statefulset: StartStatefulSet,
) -> None:
    sts = statefulset(original_statefulset())
    leader = leader_of(sts, [0, 1, 2])
    cut, connected = (leader + 1) % 3, [i for i in range(3) if i != (leader + 1) % 3]

    sts.disconnect(cut)
    wait_for(lambda: not serving(sts, cut), 60, lambda: f"{sts.pod(cut).name} still serves")
    assert alive(sts, cut), "a partitioned member must stay alive, not be restarted"
    hosts = ",".join(f"{sts.address(i)}:2181" for i in connected)
    with kazoo_client(hosts) as zk:
        acknowledged = write_numbers(zk, 30, lambda n: None)
    assert acknowledged == list(range(30))

    sts.reconnect(cut)
    wait_for(lambda: serving(sts, cut), 120, lambda: f"{sts.pod(cut).name} not serving again")
    assert set(acknowledged) <= stored_numbers(f"{sts.address(cut)}:2181", "/writes")
