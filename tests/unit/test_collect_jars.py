"""docker/collect-jars: the jars a manifest reaches, and one ZooKeeper version among them.

The jars here are made for the test: two ZooKeeper releases side by side in one
/usr/share/java is the fault the script exists to refuse, and no Debian release
ships it on purpose.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

COLLECT_JARS = Path(__file__).resolve().parents[2] / "docker" / "collect-jars"


def jar(path: Path, *, class_path: str = "", zookeeper: str | None = None) -> Path:
    """A jar whose manifest names `class_path` and, for a ZooKeeper jar, its Maven version."""
    with zipfile.ZipFile(path, "w") as archive:
        manifest = "Manifest-Version: 1.0\n" + (f"Class-Path: {class_path}\n" if class_path else "")
        archive.writestr("META-INF/MANIFEST.MF", manifest)
        if zookeeper is not None:
            artifact = path.stem
            archive.writestr(
                f"META-INF/maven/org.apache.zookeeper/{artifact}/pom.properties",
                f"artifactId={artifact}\ngroupId=org.apache.zookeeper\nversion={zookeeper}\n",
            )
    return path


def collect(output: Path, *roots: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(COLLECT_JARS), str(output), *map(str, roots)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_closure_of_one_version_is_copied_and_its_version_printed(tmp_path: Path) -> None:
    java = tmp_path / "java"
    java.mkdir()
    jar(java / "netty.jar")
    jar(java / "zookeeper-jute.jar", zookeeper="3.9.6")
    root = jar(java / "zookeeper.jar", class_path="zookeeper-jute.jar netty.jar", zookeeper="3.9.6")
    result = collect(tmp_path / "out", root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3.9.6\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "netty.jar",
        "zookeeper-jute.jar",
        "zookeeper.jar",
    ]


def test_zookeeper_jars_of_two_versions_are_refused_naming_each(tmp_path: Path) -> None:
    java = tmp_path / "java"
    java.mkdir()
    jar(java / "zookeeper-jute.jar", zookeeper="3.9.3")
    root = jar(java / "zookeeper.jar", class_path="zookeeper-jute.jar", zookeeper="3.9.6")
    result = collect(tmp_path / "out", root)
    assert result.returncode == 1
    assert result.stderr == (
        "collect-jars: ZooKeeper's jars must be of one version, "
        "found: zookeeper-jute.jar 3.9.3, zookeeper.jar 3.9.6\n"
    )


def test_a_closure_without_zookeeper_is_refused(tmp_path: Path) -> None:
    result = collect(tmp_path / "out", jar(tmp_path / "log4j.jar"))
    assert result.returncode == 1
    assert "found: none" in result.stderr
