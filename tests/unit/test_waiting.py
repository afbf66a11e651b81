"""The wait itself: the operator's declaration is relayed before it ends, and used up after."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from zkcontainer import waiting
from zkcontainer.announce import Announcement, PeerAddress
from zkcontainer.settings import load_settings
from zkcontainer.startgate import PeerView
from zkcontainer.volume import Volume

DOMAIN = "zk-hs.default.svc.cluster.local"


def room_of(tmp_path: Path, peers: dict[int, PeerView]) -> waiting.Room:
    settings = load_settings(
        ["--servers=3", f"--conf_dir={tmp_path}", f"--data_dir={tmp_path}/data"],
        {},
        lambda: f"zk-1.{DOMAIN}",
    )

    def read(addresses: list[PeerAddress], _timeout: float, _tls: str | None) -> dict:
        return {address.id: peers[address.id] for address in addresses}

    announcer = SimpleNamespace(current=Announcement(2, Volume("empty", 0, 0)))
    return waiting.Room(settings, announcer, print, sleep=lambda _: None, read=read)  # type: ignore[arg-type]


def test_a_declaration_made_here_is_relayed_before_this_member_starts(tmp_path: Path) -> None:
    (tmp_path / "declared-lost").write_text("2,3\n")
    deaf = {1: PeerView(1, "running"), 3: PeerView(3, "announcing", volume="empty")}
    room = room_of(tmp_path, deaf)
    verdict = room.look(frozenset({1, 2, 3}), 3)
    assert not verdict.start
    assert "telling the waiting 3 first" in verdict.reason
    assert room.announcer.current.declared_lost == {2, 3}
    echoed = {**deaf, 3: PeerView(3, "announcing", volume="empty", declared_lost=frozenset({2, 3}))}
    room = room_of(tmp_path, echoed)
    verdict = room.look(frozenset({1, 2, 3}), 3)
    assert (verdict.start, verdict.situation) == (True, "declared")


def test_a_declaration_relayed_by_a_peer_is_taken_up(tmp_path: Path) -> None:
    peers = {
        1: PeerView(1, "running"),
        3: PeerView(3, "announcing", volume="empty", declared_lost=frozenset({2, 3})),
    }
    verdict = room_of(tmp_path, peers).look(frozenset({1, 2, 3}), 3)
    assert (verdict.start, verdict.situation) == (True, "declared")


def test_whatever_ends_the_wait_uses_the_declaration_up(tmp_path: Path) -> None:
    (tmp_path / "declared-lost").write_text("3\n")
    serving = {1: PeerView(1, "serving", mode="leader", quorum_size=3), 3: PeerView(3, "absent")}
    room = room_of(tmp_path, serving)
    verdict = room.look(frozenset({1, 2, 3}), 3)
    assert verdict.situation == "serving"
    room.started(verdict)
    assert not (tmp_path / "declared-lost").exists()
    assert not (tmp_path / "start-gate.json").exists()
