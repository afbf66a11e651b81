"""start-zookeeper's wait before the exec, while the start gate says an empty member must wait.

Each look reads every other voter (zkcontainer.announce), decides
(zkcontainer.startgate), and tells the peers and the pod's probes what it
decided. While the answer is to wait it logs one line per new reason, looks
again after a growing pause, and never exits: a pod that exits is restarted
into the same wait, and a crash loop hides the reason. It is alive (the
liveness and startup probes pass) and never Ready.

Two files in the conf directory (an emptyDir in the chart: they last as long
as the pod) link it to the operator's command, zookeeper-declare-lost:
`start-gate.json`, what the wait knows (the voters, those present: holding
data or running a server, the reason), which the command checks ids against;
and `declared-lost`, the ids the operator declared lost, read at every look
and removed once used, so that a later wipe of this volume never inherits it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from zkcontainer import EnvironmentProblem, runtime
from zkcontainer.announce import Announcement, Announcer, PeerAddress, announcing, read_peers
from zkcontainer.settings import Settings
from zkcontainer.startgate import GateEvidence, PeerView, Verdict, gate, present
from zkcontainer.volume import Volume

PeerReader = Callable[[list[PeerAddress], float, "str | None"], dict[int, PeerView]]
STATE_FILE = "start-gate.json"
DECLARATION_FILE = "declared-lost"
LOOK_TIMEOUT = 3.0
MAX_PAUSE = 10.0
DECIDING_PAUSE = 0.5


def state_path(conf_dir: str) -> str:
    return os.path.join(conf_dir, STATE_FILE)


def declaration_path(conf_dir: str) -> str:
    return os.path.join(conf_dir, DECLARATION_FILE)


def read_declaration(conf_dir: str) -> frozenset[int]:
    """The ids the operator declared lost in this pod; none when there is no declaration."""
    try:
        with open(declaration_path(conf_dir), encoding="ascii", errors="replace") as file:
            text = file.read(4096)
    except OSError:
        return frozenset()
    return frozenset(int(word) for word in text.replace(",", " ").split() if word.isdecimal())


def peer_address(settings: Settings, server_id: int) -> PeerAddress:
    """Where server `server_id` of this StatefulSet listens, as every pod of it would."""
    assert settings.identity is not None
    host = f"{settings.identity.peer_hostname(server_id - 1)}.{settings.domain}"
    port = settings.secure_client_port if peer_tls_dir(settings) else settings.client_port
    return PeerAddress(server_id, host, port, settings.election_port)


def peer_tls_dir(settings: Settings) -> str | None:
    """The stores to ask peers' secure port with, when TLS keeps their plaintext
    port to the pod itself (loopback, or off); None: their plaintext port."""
    if settings.tls_dir is None or settings.plaintext_reaches_peers:
        return None
    return settings.tls_store_dir


class Room:
    """One member's wait: its announcement, what it has heard, what it said last."""

    def __init__(
        self,
        settings: Settings,
        announcer: Announcer,
        log: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
        read: PeerReader = read_peers,
    ) -> None:
        assert settings.myid is not None
        self.settings = settings
        self.me = settings.myid
        self.announcer = announcer
        self.log = log
        self.heard_empty: frozenset[int] = frozenset()
        self.views: dict[int, PeerView] = {}
        self._said = ""
        self._declared_said: frozenset[int] = frozenset()
        self._pause = 1.0
        self._sleep = sleep
        self._read = read

    def look(self, voters: frozenset[int], ensemble_size: int | None) -> Verdict:
        """Read every other voter once and decide."""
        settings = self.settings
        addresses = [peer_address(settings, i) for i in sorted(voters) if i != self.me]
        self.views = self._read(addresses, LOOK_TIMEOUT, peer_tls_dir(settings))
        self.heard_empty |= {view.id for view in self.views.values() if view.said_empty}
        own, declared = self._declared(voters)
        current = self.announcer.current
        verdict = gate(
            GateEvidence(
                me=self.me,
                volume=current.volume,
                voters=voters,
                peers=self.views,
                heard_empty=self.heard_empty,
                declared_lost=declared,
                ensemble_size=ensemble_size,
            )
        )
        unheard = self._not_yet_relayed(own)
        if verdict.situation == "declared" and unheard:
            verdict = Verdict(
                False,
                None,
                False,
                f"the operator declared the data of {self.me} lost; telling the waiting"
                f" {_ids(unheard)} first, so that they need no declaration of their own",
            )
        self.announcer.current = replace(
            current,
            phase="ready" if verdict.ready else "waiting",
            declared_lost=declared,
            reason=verdict.reason,
        )
        self._write_state(voters, verdict)
        return verdict

    def waited(self, reason: str) -> None:
        """Log the reason if it is new, and pause before the next look."""
        self.announcer.current = replace(self.announcer.current, reason=reason)
        if reason != self._said:
            self.log(f"waiting: {reason}")
            self._said = reason
        if any(view.kind == "announcing" for view in self.views.values()):
            # A peer is deciding too: a new ensemble forms in two looks of each
            # member, so look again soon rather than after a grown pause.
            self._sleep(DECIDING_PAUSE)
            return
        self._sleep(self._pause)
        self._pause = min(self._pause * 2, MAX_PAUSE)

    def serving_zxid(self) -> int | None:
        """The highest zxid a serving voter reported at the last look; None: none serves."""
        zxids = [view.zxid for view in self.views.values() if view.kind == "serving"]
        return max(zxids, default=None)

    def started(self, verdict: Verdict) -> None:
        """The wait is over, whatever ended it: the operator's declaration was made for
        this wait alone, and the command's view of the wait is gone."""
        for path in (declaration_path(self.settings.conf_dir), state_path(self.settings.conf_dir)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def _not_yet_relayed(self, own: frozenset[int]) -> list[int]:
        """The peers still waiting that do not announce this pod's declaration yet: a
        declaration made here is relayed before this member stops announcing."""
        return [
            view.id
            for view in self.views.values()
            if view.kind == "announcing" and not own <= view.declared_lost
        ]

    def _declared(self, voters: frozenset[int]) -> tuple[frozenset[int], frozenset[int]]:
        """(this pod's declaration, it and any a peer announces): one command in one
        waiting pod is enough. Limited to this ensemble's voters."""
        own = read_declaration(self.settings.conf_dir)
        relayed: dict[int, int] = {}
        for view in self.views.values():
            for lost in view.declared_lost:
                relayed.setdefault(lost, view.id)
        declared = (own | frozenset(relayed)) & voters
        if declared != self._declared_said:
            new = sorted(declared - self._declared_said)
            where = {i: "in this pod" if i in own else f"announced by {relayed[i]}" for i in new}
            said = ", ".join(f"{i} ({where[i]})" for i in new)
            if new:
                self.log(f"the operator declared the data of {said} lost (zookeeper-declare-lost)")
            self._declared_said = declared
        return own & voters, declared

    def _write_state(self, voters: frozenset[int], verdict: Verdict) -> None:
        state = {
            "id": self.me,
            "voters": sorted(voters),
            "present": sorted(present(self.views)),
            "reason": verdict.reason,
        }
        # The wait goes on without the command's help.
        with contextlib.suppress(OSError, EnvironmentProblem):
            runtime.write_atomically(state_path(self.settings.conf_dir), json.dumps(state) + "\n")


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """While waiting, start-zookeeper is the pod's PID 1, which gets no default
    SIGTERM action: without this a deleted pod would wait out its grace period."""
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def room(
    settings: Settings,
    volume: Volume,
    log: Callable[[str], None],
    config_version: int | None = None,
) -> Iterator[Room]:
    """Announce this member on its ports for as long as the wait lasts."""
    assert settings.myid is not None
    announcement = Announcement(settings.myid, volume, config_version)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with announcing(
        announcement,
        settings.election_port,
        settings.client_port,
        settings.client_address,
        log,
    ) as announcer:
        try:
            yield Room(settings, announcer, log)
        finally:
            signal.signal(signal.SIGTERM, previous)


def until_safe(
    settings: Settings,
    volume: Volume,
    log: Callable[[str], None],
    voters: frozenset[int],
    ensemble_size: int,
) -> Verdict:
    """Static mode: wait until this member may start its server."""
    with room(settings, volume, log) as waiting:
        while True:
            verdict = waiting.look(voters, ensemble_size)
            if verdict.start:
                waiting.started(verdict)
                if verdict.situation != "data":
                    log(f"starting: {verdict.reason}")
                return verdict
            waiting.waited(verdict.reason)
