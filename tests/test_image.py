"""The image itself: what it is made of, and that `docker run IMAGE` serves.

The default build is Debian 13 with ZooKeeper 3.9 and Java 21;
BASE_IMAGE=debian:bookworm-slim builds the Debian 12 variant (ZooKeeper 3.8,
Java 17), which is built and run here too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.harness.containers import build_image, serving_container
from zkcontainer.fourlw import parse_lines

pytestmark = pytest.mark.container

# Debian release -> (debian_version prefix, ZooKeeper, Java) its image carries.
RELEASES = {"trixie": ("13.", "3.9.", "21."), "bookworm": ("12.", "3.8.", "17.")}


def release_of(base_image: str) -> str:
    """debian:trixie-slim -> trixie."""
    return base_image.rsplit(":", 1)[-1].split("-", maxsplit=1)[0]


@pytest.fixture(scope="module")
def standalone(docker_client, image: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """`docker run IMAGE`, no arguments, serving."""
    with serving_container(docker_client, image, "image") as container:
        yield container


def facts(container) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(Debian version, ZooKeeper version from mntr, `java -version`) of a running container."""
    debian = container.exec_run(["cat", "/etc/debian_version"]).output.decode().strip()
    mntr = parse_lines(container.exec_run(["zookeeper-metrics"]).output.decode())
    java = container.exec_run(["java", "-version"]).output.decode()
    return debian, mntr.get("zk_version", ""), java


def test_docker_run_without_arguments_serves_standalone(standalone) -> None:  # type: ignore[no-untyped-def]
    assert standalone.exec_run(["zookeeper-ready"]).exit_code == 0
    assert standalone.exec_run(["id", "-u"]).output.decode().strip() == "1000"
    assert standalone.exec_run(["id", "-g"]).output.decode().strip() == "0"


def test_the_image_is_the_release_it_was_built_from(standalone) -> None:  # type: ignore[no-untyped-def]
    debian_version, zookeeper, java = RELEASES[
        release_of(os.environ.get("BASE_IMAGE", "debian:trixie-slim"))
    ]
    debian, zk_version, java_version = facts(standalone)
    assert debian.startswith(debian_version)
    assert zk_version.startswith(zookeeper)
    assert f'version "{java}' in java_version


def test_the_java_runtime_serves_every_mntr_field(standalone) -> None:  # type: ignore[no-untyped-def]
    """jdk.management, which jdeps cannot see, is what makes these two appear."""
    mntr = parse_lines(standalone.exec_run(["zookeeper-metrics"]).output.decode())
    assert int(mntr["zk_open_file_descriptor_count"]) > 0
    assert int(mntr["zk_max_file_descriptor_count"]) > 0


def test_the_debian_12_variant_builds_and_serves(docker_client) -> None:  # type: ignore[no-untyped-def]
    tag = "zkcontainer:bookworm-variant"
    build = build_image(tag, BASE_IMAGE="debian:bookworm-slim")
    assert build.returncode == 0, build.stderr
    print(build.stderr.strip())
    with serving_container(docker_client, tag, "image") as container:
        debian, zk_version, java = facts(container)
    debian_version, zookeeper, java_version = RELEASES["bookworm"]
    assert debian.startswith(debian_version)
    assert zk_version.startswith(zookeeper)
    assert f'version "{java_version}' in java
