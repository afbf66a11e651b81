"""The image itself: what it is made of, and that `docker run IMAGE` serves.

The build is Debian 13 with Java 21 and ZooKeeper 3.9.6 from Debian's next
release; the upgrade tests (test_upgrade.py) build and run the previous image.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container
from zkcontainer.fourlw import parse_lines

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def standalone(image: str) -> Iterator[DockerContainer]:
    """`docker run IMAGE`, no arguments, serving."""
    with serving_container(image, "image") as container:
        yield container


def output(container: DockerContainer, *argv: str) -> str:
    """What `docker exec CONTAINER ARGV...` prints."""
    return container.exec(list(argv)).output.decode()


def facts(container: DockerContainer) -> tuple[str, str, str]:
    """(Debian version, ZooKeeper version from mntr, `java -version`) of a running container."""
    debian = output(container, "cat", "/etc/debian_version").strip()
    mntr = parse_lines(output(container, "zookeeper-metrics"))
    return debian, mntr.get("zk_version", ""), output(container, "java", "-version")


def test_docker_run_without_arguments_serves_standalone(standalone: DockerContainer) -> None:
    assert standalone.exec(["zookeeper-ready"]).exit_code == 0
    assert output(standalone, "id", "-u").strip() == "1000"
    assert output(standalone, "id", "-g").strip() == "0"


def test_the_image_is_debian_13_java_21_and_the_zookeeper_it_is_labelled_with(
    standalone: DockerContainer, image: str, docker_client: docker.DockerClient
) -> None:
    labelled = docker_client.images.get(image).labels["org.apache.zookeeper.version"]
    debian, zk_version, java = facts(standalone)
    assert debian.startswith("13.")
    assert labelled == "3.9.6"
    assert zk_version.startswith(f"{labelled}-")
    assert 'version "21.' in java


def test_the_java_runtime_serves_every_mntr_field(standalone: DockerContainer) -> None:
    """jdk.management, which jdeps cannot see, is what makes these two appear."""
    mntr = parse_lines(output(standalone, "zookeeper-metrics"))
    assert int(mntr["zk_open_file_descriptor_count"]) > 0
    assert int(mntr["zk_max_file_descriptor_count"]) > 0
