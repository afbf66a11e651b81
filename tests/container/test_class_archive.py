"""The class data archive: a start maps it, and a damaged or stale one never stops a start.

The archive sits in the image's read-only layer, where nothing damages it; a
file mounted over it is how a test hands the JVM a damaged one. Each case runs
the image as `docker run IMAGE` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker.types import Mount
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container

pytestmark = pytest.mark.container

ARCHIVE = "/opt/java/lib/zookeeper.jsa"


def mapped(container: DockerContainer) -> bool:
    """Whether a process in the container (the JVM) has the archive mapped into memory."""
    found = container.exec(["bash", "-c", f"grep -l {ARCHIVE} /proc/[0-9]*/maps"])
    return found.exit_code == 0


def logs(container: DockerContainer) -> str:
    stdout, stderr = container.get_logs()
    return (stdout + stderr).decode(errors="replace")


def read(container: DockerContainer, path: str) -> bytes:
    result = container.exec(["cat", path])
    assert result.exit_code == 0, result.output
    return bytes(result.output)


@pytest.fixture(scope="module")
def standalone(image: str) -> Iterator[DockerContainer]:
    with serving_container(image, "class-archive") as container:
        yield container


def test_a_start_maps_the_archive_and_the_jvm_says_nothing_about_it(
    standalone: DockerContainer,
) -> None:
    assert mapped(standalone)
    assert "[cds]" not in logs(standalone)


def damaged(standalone: DockerContainer, damage: str) -> bytes:
    if damage == "random bytes":
        return os.urandom(4_000_000)
    if damage == "cut in half":
        whole = read(standalone, ARCHIVE)
        return whole[: len(whole) // 2]
    # A sound archive of the same JVM, holding a class of a classpath this start
    # does not begin with: what an image whose jars changed under its archive has.
    made = standalone.exec(
        [
            "bash",
            "-c",
            "echo org/apache/log4j/Logger >/tmp/classes && java -Xshare:dump"
            " -XX:SharedClassListFile=/tmp/classes -XX:SharedArchiveFile=/tmp/other.jsa"
            " -cp /usr/share/java/log4j-1.2.jar",
        ]
    )
    assert made.exit_code == 0, made.output
    return read(standalone, "/tmp/other.jsa")


@pytest.mark.parametrize("damage", ["random bytes", "cut in half", "another classpath's"])
def test_a_damaged_or_stale_archive_is_ignored_and_the_server_serves(
    image: str, standalone: DockerContainer, tmp_path: Path, damage: str
) -> None:
    archive = tmp_path / "zookeeper.jsa"
    archive.write_bytes(damaged(standalone, damage))
    archive.chmod(0o644)
    over_the_archive = Mount(ARCHIVE, str(archive), type="bind", read_only=True)
    with serving_container(image, "class-archive", mounts=[over_the_archive]) as container:
        assert not mapped(container)
        assert "[warning][cds]" in logs(container)


@pytest.mark.parametrize("flag", ["-XX:+UseZGC", "-XX:-UseCompressedOops"])
def test_a_jvm_the_archive_does_not_fit_starts_without_it_and_says_nothing(
    image: str, flag: str
) -> None:
    # docs/image.md: only -Xshare:on would make this a JVM that refuses to start.
    command = ["start-zookeeper", f"--jvm_flags={flag}"]
    with serving_container(image, "class-archive", entrypoint=command) as container:
        assert not mapped(container)
        assert "[cds]" not in logs(container)
