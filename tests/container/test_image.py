"""The image itself: what it is made of, and that `docker run IMAGE` serves.

The build is Debian 13 with Java 21 and ZooKeeper 3.9.6 from Debian's next
release; the upgrade tests (test_upgrade.py) build and run the previous image.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container
from tests.harness.readmecommands import runnable
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


def test_a_jvm_flag_needing_a_module_the_runtime_leaves_out_stops_the_jvm_as_docs_say(
    standalone: DockerContainer,
) -> None:
    """docs/image.md names these as what --jvm_flags cannot ask for."""
    modules = output(standalone, "java", "--list-modules")
    for module in ("java.instrument", "jdk.management.agent", "jdk.jfr"):
        assert f"{module}@" not in modules
    agent = standalone.exec(["java", "-javaagent:/nonexistent.jar", "-version"])
    assert agent.exit_code == 1
    assert b"Could not find agent library instrument" in agent.output


ADMIN_RUOK = (
    "import json, urllib.request;"
    " print(json.load(urllib.request.urlopen('http://127.0.0.1:8080/commands/ruok', timeout=5)))"
)


def test_admin_port_starts_the_admin_server_and_it_answers(image: str) -> None:
    # Jetty needs the servlet API, which no manifest of Debian's jars names.
    command = ["start-zookeeper", "--admin_port=8080"]
    with serving_container(image, "image-admin", entrypoint=command) as container:
        answer = container.exec(["python3", "-c", ADMIN_RUOK])
        assert answer.exit_code == 0, answer.output
        assert "'command': 'ruok'" in answer.output.decode()
        stdout, stderr = container.get_logs()
        assert b"Unable to load jetty" not in stdout + stderr


SBOM = "/usr/share/zkcontainer/sbom.json"
# RFC 3339's date-time, as the org.opencontainers.image.created label must be.
RFC_3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@pytest.fixture(scope="module")
def sbom(standalone: DockerContainer) -> dict[str, Any]:
    """The image's bill of materials, valid CycloneDX 1.6, parsed."""
    text = output(standalone, "cat", SBOM)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document: dict[str, Any] = json.loads(text)
    return document


def located_at(sbom: dict[str, Any], location: str) -> list[dict[str, Any]]:
    return [
        component
        for component in sbom["components"]
        for occurrence in component.get("evidence", {}).get("occurrences", [])
        if occurrence["location"] == location
    ]


def test_the_sbom_names_the_zookeeper_the_server_reports(
    standalone: DockerContainer, sbom: dict[str, Any]
) -> None:
    (zookeeper,) = located_at(sbom, "/usr/share/java/zookeeper.jar")
    assert (zookeeper["group"], zookeeper["name"]) == ("org.apache.zookeeper", "zookeeper")
    # mntr says "3.9.6-<commit>, built on <date>".
    _, zk_version, _ = facts(standalone)
    assert zookeeper["version"] == zk_version.split("-", 1)[0]


def test_the_sbom_lists_every_jar_and_every_debian_package_of_the_image(
    standalone: DockerContainer, sbom: dict[str, Any]
) -> None:
    jars = output(standalone, "find", "/usr/share/java", "-name", "*.jar").split()
    assert "/usr/share/java/zookeeper-jute.jar" in jars
    assert "/usr/share/java/admin-server/jetty9-server.jar" in jars
    for jar in jars:
        (component,) = located_at(sbom, jar)
        assert component["version"], jar
    packages = output(standalone, "dpkg-query", "-W", "-f", "${Package} ${Version}\n")
    debian = [c for c in sbom["components"] if c.get("purl", "").startswith("pkg:deb/")]
    listed = {(c["name"], c["version"]) for c in debian}
    assert len(packages.splitlines()) > 50
    for line in packages.splitlines():
        assert tuple(line.split()) in listed, line


def test_the_sbom_lists_the_runtimes_zkcontainer_and_the_vendored_client(
    standalone: DockerContainer,
    image: str,
    docker_client: docker.DockerClient,
    sbom: dict[str, Any],
) -> None:
    interpreter = output(standalone, "readlink", "-f", "/usr/bin/python3").strip()
    (python,) = located_at(sbom, interpreter)
    running = output(
        standalone, "python3", "-c", "import platform; print(platform.python_version())"
    )
    assert (python["name"], python["version"]) == ("python", running.strip())
    (java,) = located_at(sbom, "/opt/java")
    assert f'openjdk version "{java["version"]}"' in facts(standalone)[2]
    (zkcontainer,) = located_at(sbom, "/opt/zkcontainer")
    version = docker_client.images.get(image).labels["org.opencontainers.image.version"]
    assert (zkcontainer["name"], zkcontainer["version"]) == ("zkcontainer", version)
    assert sbom["metadata"]["component"]["version"] == version
    vendored = {c["name"]: c["version"] for c in located_at(sbom, "/opt/zkcontainer/vendor")}
    assert vendored.keys() == {"python3-kazoo", "python3-six", "python3-pure-sasl"}
    kazoo = output(
        standalone,
        "python3",
        "-c",
        "import sys; sys.path.insert(0, '/opt/zkcontainer/vendor'); "
        "import kazoo.version; print(kazoo.version.__version__)",
    )
    assert vendored["python3-kazoo"].startswith(f"{kazoo.strip()}-")


def documented(fragment: str, image: str) -> str:
    """What the command of docs/image.md holding `fragment` prints, run on this image."""
    (command,) = [c for c in runnable() if fragment in c]
    argv = [image if word == "zkcontainer:dev" else word for word in shlex.split(command)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout


def test_the_documented_command_prints_the_sbom(image: str, sbom: dict[str, Any]) -> None:
    assert json.loads(documented("sbom.json", image)) == sbom


def test_the_labels_say_which_commit_it_is_from_and_when(image: str, sbom: dict[str, Any]) -> None:
    labels = json.loads(documented("docker inspect", image))
    repository = Path(__file__).resolve().parents[2]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True
    )
    assert labels["org.opencontainers.image.revision"] == head.stdout.strip()
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    created = labels["org.opencontainers.image.created"]
    assert RFC_3339.fullmatch(created), created
    assert datetime.fromisoformat(sbom["metadata"]["timestamp"]) == datetime.fromisoformat(created)
    # What docker/source-url says for this clone (its rules are tests/unit's): a URL
    # without user or token, or nothing for a clone of a local path.
    source_url = subprocess.run(
        [str(repository / "docker" / "source-url")],
        cwd=repository,
        env={key: value for key, value in os.environ.items() if key != "SOURCE_URL"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert labels["org.opencontainers.image.source"] == source_url.stdout.strip()
