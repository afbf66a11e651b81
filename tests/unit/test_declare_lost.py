"""zookeeper-declare-lost: the operator's declaration, checked against the wait it ends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkcontainer.declare_lost import main
from zkcontainer.waiting import read_declaration


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """The conf directory of member 1, waiting: 3 runs a server, 2 answered empty."""
    (tmp_path / "start-gate.json").write_text(
        json.dumps({"id": 1, "voters": [1, 2, 3], "present": [3], "reason": "waiting"})
    )
    return tmp_path


def test_declared_ids_are_written_for_the_wait(
    conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--conf_dir", str(conf), "1", "2"]) == 0
    assert read_declaration(str(conf)) == {1, 2}
    assert "declared the data of 1, 2 lost" in capsys.readouterr().out


def test_unknown_and_present_ids_are_refused_each_on_a_line_and_nothing_is_written(
    conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--conf_dir", str(conf), "9", "3", "x", "2"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "zookeeper-declare-lost: ID 9: not a voter of this ensemble (voters: 1, 2, 3)",
        "zookeeper-declare-lost: ID 3: present (at the last look it held data or ran a"
        " server), so its data is not lost",
        "zookeeper-declare-lost: ID x: not a server id (a number from 1 to 255)",
    ]
    assert not (conf / "declared-lost").exists()


def test_without_a_waiting_member_there_is_nothing_to_declare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--conf_dir", str(tmp_path), "2"]) == 1
    assert "no member waits in this pod" in capsys.readouterr().err
    assert not (tmp_path / "declared-lost").exists()


def test_what_is_no_server_id_is_bad_input_even_where_no_member_waits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--conf_dir", str(tmp_path), "junk", "256"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "zookeeper-declare-lost: ID junk: not a server id (a number from 1 to 255)",
        "zookeeper-declare-lost: ID 256: not a server id (a number from 1 to 255)",
    ]


def test_no_id_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--conf_dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
