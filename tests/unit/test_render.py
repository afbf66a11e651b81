"""Rendered files compared with golden copies; UPDATE_GOLDEN=1 rewrites them after review."""

from __future__ import annotations

import os
import shlex
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.rendercases import CASES, case_settings
from zkcontainer import render
from zkcontainer.render import LOG4J, LOGBACK
from zkcontainer.settings import Settings

GOLDEN = Path(__file__).parents[1] / "golden"


JAVA = "/usr/bin/java"
CLASSPATH = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar"]


def rendered(settings: Settings) -> dict[str, str]:
    return {
        "zoo.cfg": render.zoo_cfg(settings),
        "java.env": render.java_env(settings),
        "log4j.properties": render.log4j_properties(settings),
        "logback.xml": render.logback_xml(settings),
        "java-command.log4j": shlex.join(render.java_command(settings, JAVA, CLASSPATH, LOG4J))
        + "\n",
        "java-command.logback": shlex.join(render.java_command(settings, JAVA, CLASSPATH, LOGBACK))
        + "\n",
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_files_match_golden_copies(case: str) -> None:
    for name, text in rendered(case_settings(case)).items():
        golden = GOLDEN / case / name
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert text == golden.read_text(), f"{golden} differs"


def config_entries(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_original_manifest_names_every_member_and_fixes_the_purge_typo() -> None:
    settings = case_settings("original-manifest-zk-1")
    cfg = config_entries(render.zoo_cfg(settings))
    assert settings.myid == 2
    assert [cfg[f"server.{i}"] for i in (1, 2, 3)] == [
        f"zk-{i}.zk-hs.default.svc.cluster.local:2888:3888" for i in (0, 1, 2)
    ]
    assert cfg["autopurge.purgeInterval"] == "12"
    assert "autopurge.purgeInteval" not in cfg
    assert cfg["4lw.commands.whitelist"] == "ruok,mntr,srvr"
    assert cfg["admin.enableServer"] == "false"
    assert 'JVMFLAGS="-Xmx512M -Xms512M"' in render.java_env(settings)


def test_standalone_has_no_server_lines() -> None:
    cfg = config_entries(render.zoo_cfg(case_settings("standalone-defaults")))
    assert not [key for key in cfg if key.startswith("server.")]
    assert "quorumListenOnAllIPs" not in cfg


def test_java_command_runs_quorum_peer_main_on_our_zoo_cfg() -> None:
    command = render.java_command(case_settings("original-manifest-zk-1"), JAVA, CLASSPATH, LOGBACK)
    assert command[0] == JAVA
    assert command[-2:] == [render.MAIN_CLASS, "/opt/zookeeper/conf/zoo.cfg"]
    assert "-Dlogback.configurationFile=/opt/zookeeper/conf/logback.xml" in command
    assert command[command.index("-cp") + 1] == ":".join(CLASSPATH)


def test_start_zookeepers_properties_come_before_jvm_flags_so_an_operator_overrides_them() -> None:
    settings = case_settings("tuned-debug-admin")
    assert settings.jvm_flags
    command = render.java_command(
        settings,
        JAVA,
        CLASSPATH,
        LOG4J,
        properties=render.FAST_FAILOVER_PROPERTIES,
        main_class=render.LEAVING_MAIN_CLASS,
    )
    last_property = command.index(render.FAST_FAILOVER_PROPERTIES[-1])
    assert last_property < command.index(settings.jvm_flags[0])
    assert command[-2] == render.LEAVING_MAIN_CLASS


# Path segments pathlib keeps as they are: no '/', not '.' or '..', not empty.
SEGMENTS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1
).filter(lambda segment: segment not in (".", ".."))


@given(st.lists(SEGMENTS, min_size=1, max_size=4))
def test_a_file_uri_is_what_pathlib_writes(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    assert render.file_uri(path) == PurePosixPath(path).as_uri()
