"""Skip a tier whose prerequisite is missing on a laptop; under CI=true, fail instead."""

from __future__ import annotations

import os
import shutil

import pytest

DEBIAN_ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
LOGBACK_JARS = ("/usr/share/java/logback-classic.jar", "/usr/share/java/logback-core.jar")


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def missing(reason: str) -> None:
    """A prerequisite is absent: a loud failure under CI, a visible skip elsewhere."""
    if under_ci():
        pytest.fail(f"prerequisite missing under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_zookeeper() -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing("no java (install openjdk-17-jre-headless)")
    if not os.path.isfile(DEBIAN_ZOOKEEPER_JAR):
        missing(f"no {DEBIAN_ZOOKEEPER_JAR} (install libzookeeper-java)")


def require_logback() -> None:
    for jar in LOGBACK_JARS:
        if not os.path.isfile(jar):
            missing(f"no {jar} (install liblogback-java)")


def require_docker():  # type: ignore[no-untyped-def]
    """A client for a Docker engine that answers."""
    import docker  # noqa: PLC0415  (only the container tier needs it)

    try:
        client = docker.from_env()
        client.ping()
    except Exception as error:
        missing(f"no Docker engine answers ({error}); as root, scripts/ensure-docker starts one")
    return client
