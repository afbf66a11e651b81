"""The class data archive: handed to the JVM it was made for, and overridable by --jvm_flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.rendercases import case_settings
from zkcontainer import render, runtime, start
from zkcontainer.render import LOG4J

CLASSPATH = ["/usr/share/java/zookeeper.jar"]


def java_home(root: Path, *, archive: bool) -> Path:
    """A JVM's home as the image lays it out, bin/java reached through a symlink as on PATH."""
    (root / "home" / "bin").mkdir(parents=True)
    (root / "home" / "lib").mkdir()
    (root / "home" / "bin" / "java").write_text("")
    if archive:
        (root / "home" / "lib" / runtime.CLASS_ARCHIVE).write_bytes(b"archive")
    (root / "bin").mkdir()
    (root / "bin" / "java").symlink_to(root / "home" / "bin" / "java")
    return root / "bin" / "java"


def test_the_archive_beside_the_jvm_is_found_through_the_symlink_to_it(tmp_path: Path) -> None:
    java = java_home(tmp_path, archive=True)
    assert runtime.class_archive(str(java)) == str(tmp_path / "home" / "lib" / "zookeeper.jsa")


def test_a_jvm_without_an_archive_gets_none(tmp_path: Path) -> None:
    assert runtime.class_archive(str(java_home(tmp_path, archive=False))) is None


def test_the_archive_comes_before_jvm_flags_so_xshare_off_turns_it_off() -> None:
    settings = case_settings("tuned-debug-admin")
    command = render.java_command(
        settings, "java", CLASSPATH, LOG4J, class_archive="/opt/java/lib/a.jsa"
    )
    assert command.index("-XX:SharedArchiveFile=/opt/java/lib/a.jsa") < command.index(
        settings.jvm_flags[0]
    )


def test_no_archive_no_flag() -> None:
    command = render.java_command(case_settings("standalone-defaults"), "java", CLASSPATH, LOG4J)
    assert not [flag for flag in command if flag.startswith("-XX:SharedArchiveFile")]


@pytest.mark.parametrize("fast_failover", [True, False])
def test_the_classpath_begins_as_the_archives_did_with_or_without_fast_failover(
    fast_failover: bool,
) -> None:
    # The image's archive was made with zkcontainer.jar right after ZooKeeper's
    # jars; a classpath without it makes the JVM map none of the archive.
    defaults = case_settings("standalone-defaults")
    settings = defaults._replace(fast_failover=fast_failover)
    installation = runtime.Installation(
        classpath=tuple(CLASSPATH),
        backend=LOG4J,
        leaving_main_jar="/usr/share/java/zkcontainer.jar",
    )
    netty = "/usr/share/java/netty-codec.jar"
    command = start.java_command(settings, "java", installation, [*CLASSPATH, netty], [])
    assert command[command.index("-cp") + 1].split(":") == [
        *CLASSPATH,
        "/usr/share/java/zkcontainer.jar",
        netty,
    ]
    main_class = render.LEAVING_MAIN_CLASS if fast_failover else render.MAIN_CLASS
    assert command[-2] == main_class


@pytest.mark.parametrize("zk_home", [None, "/opt/zookeeper"])
def test_the_archive_is_handed_over_with_debians_jars_only(
    tmp_path: Path, zk_home: str | None
) -> None:
    # Made from Debian's jars, it fits no tarball's classpath.
    java = str(java_home(tmp_path, archive=True))
    settings = case_settings("standalone-defaults")._replace(zk_home=zk_home)
    installation = runtime.Installation(classpath=tuple(CLASSPATH), backend=LOG4J)
    command = start.java_command(settings, java, installation, CLASSPATH, [])
    handed = [flag for flag in command if flag.startswith("-XX:SharedArchiveFile=")]
    assert handed == ([] if zk_home else [f"-XX:SharedArchiveFile={runtime.class_archive(java)}"])


def test_the_jars_only_zookeepers_manifest_names_are_on_the_command_line_too(
    tmp_path: Path,
) -> None:
    # Else the archive dump leaves their classes out (docker/make-class-archive
    # refuses that); those missing from the machine are not named.
    present = ["zookeeper.jar", *runtime.DEBIAN_LOG4J_BINDING, "slf4j-api.jar", "netty-common.jar"]
    for name in present:
        (tmp_path / name).write_bytes(b"")
    installation = runtime.find_zookeeper(None, debian_dir=str(tmp_path))
    assert [Path(jar).name for jar in installation.classpath] == [
        "zookeeper.jar",
        *runtime.DEBIAN_LOG4J_BINDING,
        "slf4j-api.jar",
        "netty-common.jar",
    ]
