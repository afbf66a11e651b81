"""--heap=auto in the image: under `docker run --memory 1g` the heap is sized from
the container's memory cgroup and the server serves; without a limit it refuses."""

from __future__ import annotations

import docker
import pytest

from tests.harness.containers import serving_container
from tests.harness.podprocesses import jvm_argv
from tests.harness.statefulset import labels

pytestmark = pytest.mark.container

AUTO = ["start-zookeeper", "--heap=auto"]
# What memory.auto_heap gives for 1 GiB: two thirds, and an eighth for direct buffers.
FLAGS_FOR_1G = "-Xmx682M -Xms682M -XX:MaxDirectMemorySize=128M"


def test_under_a_1g_limit_the_heap_is_sized_from_it_and_the_server_serves(image: str) -> None:
    with serving_container(image, "heap", entrypoint=AUTO, mem_limit="1g") as container:
        java_env = container.exec(["cat", "/opt/zookeeper/conf/java.env"]).output.decode()
        argv = jvm_argv(container.get_wrapped_container())
        stderr = container.get_logs()[1].decode()
        assert container.exec(["zookeeper-ready", "--serving"]).exit_code == 0
    assert f'JVMFLAGS="{FLAGS_FOR_1G}"' in java_env
    assert FLAGS_FOR_1G.split() == [arg for arg in argv if arg.startswith(("-Xm", "-XX:MaxD"))]
    [said] = [line for line in stderr.splitlines() if "--heap=auto" in line]
    assert said.startswith("start-zookeeper: --heap=auto: memory limit 1024M (/sys/fs/cgroup/")
    assert said.endswith("heap 682M (-Xmx682M -Xms682M), direct memory at most 128M")


def test_without_a_limit_it_exits_2_saying_to_set_one_or_give_a_heap(
    docker_client: docker.DockerClient, image: str
) -> None:
    container = docker_client.containers.run(image, AUTO, detach=True, labels=labels("heap"))
    try:
        status = container.wait(timeout=60)
        stdout = container.logs(stdout=True, stderr=False).decode()
        stderr = container.logs(stdout=False, stderr=True).decode()
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 2
    assert stdout == ""
    [line] = stderr.splitlines()
    assert line.startswith("start-zookeeper: --heap=auto: the container has no memory limit (")
    assert line.endswith("or give an explicit heap (--heap=512M)")
