"""The image itself: what it is made of, and that `docker run IMAGE` serves.

The default build is Debian 13 with ZooKeeper 3.9 and Java 21;
BASE_IMAGE=debian:bookworm-slim builds the Debian 12 variant (ZooKeeper 3.8,
Java 17), which is built and run here too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from testcontainers.core.container import DockerContainer

from tests.harness.containers import build_image, serving_container
from zkcontainer.fourlw import parse_lines

pytestmark = pytest.mark.container

# Debian release -> (debian_version prefix, ZooKeeper, Java) its image carries.
RELEASES = {"trixie": ("13.", "3.9.", "21."), "bookworm": ("12.", "3.8.", "17.")}


def release_of(base_image: str) -> str:
    """debian:trixie-slim -> trixie."""
    return base_image.rsplit(":", 1)[-1].split("-", maxsplit=1)[0]


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


def test_the_image_is_the_release_it_was_built_from(standalone: DockerContainer) -> None:
    debian_version, zookeeper, java = RELEASES[
        release_of(os.environ.get("BASE_IMAGE", "debian:trixie-slim"))
    ]
    debian, zk_version, java_version = facts(standalone)
    assert debian.startswith(debian_version)
    assert zk_version.startswith(zookeeper)
    assert f'version "{java}' in java_version


def test_the_java_runtime_serves_every_mntr_field(standalone: DockerContainer) -> None:
    """jdk.management, which jdeps cannot see, is what makes these two appear."""
    mntr = parse_lines(output(standalone, "zookeeper-metrics"))
    assert int(mntr["zk_open_file_descriptor_count"]) > 0
    assert int(mntr["zk_max_file_descriptor_count"]) > 0


@pytest.mark.usefixtures("docker_client")
def test_the_debian_12_variant_builds_and_serves() -> None:
    tag = "zkcontainer:bookworm-variant"
    build = build_image(tag, BASE_IMAGE="debian:bookworm-slim")
    assert build.returncode == 0, build.stderr
    print(build.stderr.strip())
    with serving_container(tag, "image") as container:
        debian, zk_version, java = facts(container)
    debian_version, zookeeper, java_version = RELEASES["bookworm"]
    assert debian.startswith(debian_version)
    assert zk_version.startswith(zookeeper)
    assert f'version "{java_version}' in java
