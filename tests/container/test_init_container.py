"""No zombie in a pod: start-zookeeper's children and an exec's orphans are reaped by
tini, the container's PID 1, which runs the JVM as its child (zkcontainer/containerinit.py).

One member with --tls_dir, so that start-zookeeper forks its TLS watcher, serves
the module; a join by reconfig is checked where members join
(test_reconfig_container.py). The JVM's own exit status, which tini passes on, is
checked with a container of its own; SIGTERM's 143 in test_container.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker
import pytest

from tests.harness.ensemble import running
from tests.harness.podprocesses import JVM, processes, running_children, until_children_end, zombies
from tests.harness.statefulset import labels
from tests.harness.tlspods import SECRET, SecretMountingStatefulSet, secret_mounting_statefulset

pytestmark = pytest.mark.container

STANDALONE_TLS = ["start-zookeeper", "--heap=256M", f"--tls_dir={SECRET}"]


@pytest.fixture(scope="module")
def member(
    request: pytest.FixtureRequest,
    docker_client: docker.DockerClient,
    image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretMountingStatefulSet]:
    secret_dir = tmp_path_factory.mktemp("tls")
    sts = secret_mounting_statefulset(STANDALONE_TLS, image, docker_client, secret_dir, replicas=1)
    with running(request, sts):
        yield sts


def test_pid_1_is_tini_and_the_jvm_its_child(member: SecretMountingStatefulSet) -> None:
    by_pid = {process.pid: process for process in processes(member.container(0))}
    assert by_pid[1].name == "tini"
    [jvm] = [process for process in by_pid.values() if process.name == JVM]
    assert jvm.ppid == 1


def test_execs_leave_no_zombie_behind(member: SecretMountingStatefulSet) -> None:
    """A hundred probes, and an exec that leaves a process behind when it ends: that
    orphan's parent becomes the container's PID 1, which must reap it."""
    for _ in range(100):
        assert member.exec(0, ["zookeeper-ready", "--serving"])[0] == 0
    assert member.exec(0, "sleep 0.2 &")[0] == 0
    time.sleep(1)  # the orphan has ended
    assert zombies(member.container(0)) == []


def test_a_tls_watcher_that_ends_leaves_no_zombie(member: SecretMountingStatefulSet) -> None:
    """Last with this member: it no longer follows its Secret."""
    container = member.container(0)
    [watcher] = running_children(container)
    assert member.exec(0, f"kill {watcher.pid}")[0] == 0
    until_children_end(container, 30)
    assert zombies(container) == []
    assert member.exec(0, ["zookeeper-ready", "--serving"])[0] == 0


def test_a_jvm_that_exits_on_its_own_gives_the_container_its_status(
    docker_client: docker.DockerClient, image: str
) -> None:
    """-XX:+ExitOnOutOfMemoryError exits 3, which no step of start-zookeeper does. The
    class data archive keeps most classes out of the metaspace: -Xshare:off runs out of it."""
    command = [
        "start-zookeeper",
        "--jvm_flags=-Xshare:off -XX:+ExitOnOutOfMemoryError -XX:MaxMetaspaceSize=12m",
    ]
    container = docker_client.containers.run(image, command, detach=True, labels=labels("init"))
    try:
        status = container.wait(timeout=60)
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 3
    assert "Terminating due to java.lang.OutOfMemoryError: Metaspace" in logs
