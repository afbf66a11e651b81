"""--admin_port: the AdminServer's servlet API, which no manifest of Debian's names,
and the image's AdminServer jars, kept apart, on the classpath of a start that asks
for the AdminServer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.rendercases import case_settings
from zkcontainer import runtime, start


def debian_jars(directory: Path, *, servlet_api: bool) -> runtime.Installation:
    for name in ["zookeeper.jar", *runtime.DEBIAN_LOG4J_BINDING]:
        (directory / name).write_bytes(b"")
    if servlet_api:
        (directory / runtime.DEBIAN_SERVLET_API).write_bytes(b"")
    return runtime.find_zookeeper(None, debian_dir=str(directory))


@pytest.mark.parametrize(("admin_port", "added"), [(8080, True), (0, False)])
def test_the_servlet_api_is_on_the_classpath_when_the_admin_server_is_asked_for(
    tmp_path: Path, admin_port: int, added: bool
) -> None:
    installation = debian_jars(tmp_path, servlet_api=True)
    settings = case_settings("standalone-defaults")._replace(admin_port=admin_port)
    classpath = start.zookeeper_classpath(settings, installation)
    servlet_api = str(tmp_path / runtime.DEBIAN_SERVLET_API)
    assert classpath[: len(installation.classpath)] == list(installation.classpath)
    assert (servlet_api in classpath) is added


def test_without_the_servlet_api_the_start_goes_on_as_zookeeper_does(tmp_path: Path) -> None:
    # ZooKeeper logs "Unable to load jetty" and serves without an AdminServer.
    installation = debian_jars(tmp_path, servlet_api=False)
    settings = case_settings("standalone-defaults")._replace(admin_port=8080)
    assert start.zookeeper_classpath(settings, installation) == list(installation.classpath)


def test_the_images_admin_server_jars_kept_apart_join_the_classpath_with_admin_port(
    tmp_path: Path,
) -> None:
    admin_dir = tmp_path / runtime.ADMIN_SERVER_JARS
    admin_dir.mkdir()
    for name in ("servlet-api.jar", "jetty9-server.jar", "jackson-core.jar", "README"):
        (admin_dir / name).write_bytes(b"")
    installation = debian_jars(tmp_path, servlet_api=False)
    with_admin = case_settings("standalone-defaults")._replace(admin_port=8080)
    without = with_admin._replace(admin_port=0)
    added = start.zookeeper_classpath(with_admin, installation)[len(installation.classpath) :]
    assert [Path(jar).name for jar in added] == [
        "jackson-core.jar",
        "jetty9-server.jar",
        "servlet-api.jar",
    ]
    assert start.zookeeper_classpath(without, installation) == list(installation.classpath)
