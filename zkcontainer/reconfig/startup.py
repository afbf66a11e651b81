"""start-zookeeper --reconfig: choose the membership to start with, and write it.

The story: gather the evidence (the configuration a serving peer reports,
the newest dynamic file on this volume, whether the volume holds data), let
zkcontainer.reconfig.decision decide, and write the dynamic file and the static
zoo.cfg beside it on the data volume, where they outlive the pod with the data
they describe (docs/design.md says why). While the decision is `wait`, ask
again, for ever: a pod that must not start yet stays not live, and the
kubelet's probes, not this loop, decide when to restart it.

Only start-zookeeper in reconfig mode imports this: reading from the peers
loads kazoo, which the static start and the probes never load.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from zkcontainer import EnvironmentProblem, ProbeError, render, runtime, waiting
from zkcontainer.fourlw import address_label, resolve
from zkcontainer.reconfig.decision import Decision, Evidence, decide, initial_members
from zkcontainer.reconfig.model import (
    DynamicConfigError,
    Member,
    Membership,
    dynamic_file_name,
    dynamic_version,
    newest_dynamic_file,
    read_dynamic_file,
    render_dynamic_file,
)
from zkcontainer.sasl import superuser_by_sasl
from zkcontainer.settings import Settings
from zkcontainer.startgate import Verdict
from zkcontainer.volume import Volume, classify

# Reading a peer's configuration takes well under a second when one serves;
# this bounds a start-up where none does (names that resolve, ports that do not answer).
READ_TIMEOUT = 3.0
# ZooKeeper's server ids: 1..255 (a session id carries the id in its top byte).
MAX_MEMBERS = 255
STATIC_NAME = "zoo.cfg"


def member(settings: Settings, server_id: int, role: str = "participant") -> Member:
    """Server `server_id`'s entry as every pod of this StatefulSet would write it."""
    assert settings.identity is not None
    host = f"{settings.identity.peer_hostname(server_id - 1)}.{settings.domain}"
    return Member(
        server_id,
        host,
        settings.server_port,
        settings.election_port,
        "observer" if role == "observer" else "participant",
        # The client address belongs in the server line once reconfig is on
        # (with clientPortAddress=127.0.0.1, ZooKeeper 3.8 exits unless the line says so).
        settings.client_port,
        settings.client_address,
    )


def own_member(settings: Settings) -> Member:
    """This pod's entry: an observer between servers+1 and servers+observers, else a voter."""
    assert settings.myid is not None
    return member(settings, settings.myid, "observer" if settings.observing else "participant")


def initial(settings: Settings) -> tuple[Member, ...]:
    """--servers voters and --observers observers: the first bootstrap's membership."""
    return initial_members(
        [member(settings, i) for i in range(1, settings.servers + 1)],
        [member(settings, i) for i in range(settings.servers + 1, settings.members + 1)],
    )


def pods_beyond_initial(settings: Settings) -> list[int]:
    """The ids of the StatefulSet's pods beyond the initial members that exist now.

    A volume without a dynamic file knows no member beyond the initial ones,
    yet `kubectl scale` may have grown the ensemble far past them: asking
    only the initial ids, wiped initial members would take each other for
    the whole ensemble and bootstrap a second one beside it. A StatefulSet's
    ordinals are contiguous, so the pods that exist are those whose names
    resolve (the headless Service publishes pods that are not Ready), up to
    the first that does not.
    """
    found = []
    for server_id in range(settings.members + 1, MAX_MEMBERS + 1):
        host = member(settings, server_id).host
        try:
            resolve(host, settings.client_port, time.monotonic() + READ_TIMEOUT, host)
        except ProbeError:
            break
        found.append(server_id)
    return found


def candidate_hosts(settings: Settings, local: Membership | None) -> list[str]:
    """host:port of every pod that may be a member, but this one.

    The StatefulSet's pods for ordinals below the largest of: the initial
    members, our own ordinal + 1 (pods start in order), any id our own file
    knows, and without a file, any pod beyond the initial members that exists.
    Each one's client port is the one our file lists for it, else ours.
    """
    assert settings.myid is not None
    known = max(local.ids) if local is not None and local.ids else 0
    if local is None:
        known = max(pods_beyond_initial(settings), default=0)
    highest = max(settings.members, settings.myid, known)
    hosts = []
    for server_id in range(1, highest + 1):
        if server_id == settings.myid:
            continue
        listed = local.get(server_id) if local is not None else None
        port = listed.client_port if listed is not None and listed.client_port else None
        entry = member(settings, server_id)
        hosts.append(address_label(entry.host, port or settings.client_port))
    return hosts


def read_local(settings: Settings) -> Membership | None:
    """The newest dynamic file this volume kept, by version."""
    path = newest_dynamic_file(render.reconfig_dir(settings), STATIC_NAME)
    if path is None:
        return None
    try:
        return read_dynamic_file(path)
    except DynamicConfigError as error:
        raise EnvironmentProblem(
            f"{error}; ZooKeeper would not start from it either: move it away, and this "
            "member starts from the serving members' configuration"
        ) from error


def read_live(settings: Settings, local: Membership | None) -> tuple[Membership | None, str]:
    """What a serving peer reports, or None and why not."""
    from zkcontainer.reconfig.client import (  # noqa: PLC0415
        ReconfigError,
        read_membership,
        read_password,
    )

    try:
        sasl_password = None
        if superuser_by_sasl(settings) and settings.reconfig_password_file is not None:
            sasl_password = read_password(settings.reconfig_password_file)
        return read_membership(candidate_hosts(settings, local), READ_TIMEOUT, sasl_password), ""
    except ReconfigError as error:
        return None, str(error)


def evidence(
    settings: Settings,
    live: Membership | None,
    *,
    live_zxid: int | None = None,
    gate: Verdict | None = None,
    volume: Volume | None = None,
) -> Evidence:
    """`volume`: what the data directories hold, when already read (it cannot change
    while no server runs); else read here."""
    return Evidence(
        me=own_member(settings),
        initial=initial(settings),
        live=live,
        local=read_local(settings),
        volume=volume or classify(settings.data_dir, settings.data_log_dir),
        live_zxid=live_zxid,
        gate=gate,
    )


def voters_to_start_with(settings: Settings, local: Membership | None) -> frozenset[int]:
    """The voters whose answers the start gate needs: those of this volume's file, else the
    initial ones and every pod beyond the initial members that exists (any of them may
    be a voter that holds the data)."""
    if local is not None:
        return local.voter_ids
    return frozenset((*range(1, settings.servers + 1), *pods_beyond_initial(settings)))


RoomFactory = Callable[[Settings, Volume, Callable[[str], None], "int | None"], Any]


def settle(
    settings: Settings,
    log: Callable[[str], None],
    *,
    read: Callable[[Settings, Membership | None], tuple[Membership | None, str]] = read_live,
    room: RoomFactory = waiting.room,
) -> Decision:
    """Decide, asking again while the decision is to wait; one line per new reason.

    For the whole time this member tells its peers what its volume holds
    (zkcontainer.announce), so that they can decide too.
    """
    volume = classify(settings.data_dir, settings.data_log_dir)
    local = read_local(settings)
    with room(settings, volume, log, None if local is None else local.version) as waiting_room:
        while True:
            local = read_local(settings)
            live, _why_none = read(settings, local)
            verdict = waiting_room.look(voters_to_start_with(settings, local), None)
            decision = decide(
                evidence(
                    settings,
                    live,
                    live_zxid=waiting_room.serving_zxid(),
                    gate=verdict,
                    volume=volume,
                )
            )
            if decision.action != "wait":
                waiting_room.started(verdict)
                return decision
            waiting_room.waited(decision.reason)


def membership_files(settings: Settings, decision: Decision) -> dict[str, str]:
    """zoo.cfg and the dynamic file it names, path -> text, for the membership
    decided; zoo.cfg alone without one (a dry run's `wait`). What a start writes
    and what --dry-run prints, alike."""
    if decision.membership is None:
        return {render.zoo_cfg_path(settings): render.zoo_cfg(settings)}
    membership = with_client_ports(settings, decision.membership)
    name = dynamic_file_name(membership, STATIC_NAME)
    dynamic_path = os.path.join(render.reconfig_dir(settings), name)
    return {
        render.zoo_cfg_path(settings): render.zoo_cfg(settings, dynamic_path),
        dynamic_path: render_dynamic_file(membership),
    }


def write(settings: Settings, decision: Decision, files: Mapping[str, str]) -> None:
    """The dynamic file, then zoo.cfg that names it (`files`, from membership_files),
    and <conf_dir>/zoo.cfg linked to it."""
    zoo_cfg = render.zoo_cfg_path(settings)
    (dynamic_path,) = [path for path in files if path != zoo_cfg]
    if decision.action == "join":
        # The files left here describe a membership this member is no longer in
        # (a scale-down's stale volume): they must not be the ones it restarts
        # from when no peer serves, before the add commits. Only those up to the
        # serving configuration's version: a newer one is evidence of members
        # the serving ones have not heard of, and is never deleted.
        directory = render.reconfig_dir(settings)
        _remove_dynamic_files(directory, keep=dynamic_path, up_to=decision.adopted_version)
    runtime.write_atomically(dynamic_path, files[dynamic_path])
    runtime.write_atomically(zoo_cfg, files[zoo_cfg])
    link_conf_zoo_cfg(settings)


def with_client_ports(settings: Settings, membership: Membership) -> Membership:
    """`membership` with our client address and port for every member whose line has none.

    A static ensemble's members, asked during a rolling migration to --reconfig,
    report server lines without a client part. Written as they are, this member's
    own line would have none either, and since zoo.cfg in reconfig mode has no
    clientPort, it would serve no client at all. Every member of a StatefulSet
    has the same --client_port, so the one start-zookeeper would write for us is
    theirs too. ZooKeeper compares configurations by version alone, so a file
    that adds client parts at the live version is the live configuration.
    """
    if all(known.client_port is not None for known in membership.members):
        return membership
    ours = member(settings, settings.myid or 1)
    return replace(
        membership,
        members=tuple(
            known
            if known.client_port is not None
            else replace(known, client_port=ours.client_port, client_address=ours.client_address)
            for known in membership.members
        ),
    )


def link_conf_zoo_cfg(settings: Settings) -> None:
    """<conf_dir>/zoo.cfg -> the data volume's, where zookeeper-status and people look."""
    link = render.conf_zoo_cfg_path(settings)
    temporary = f"{link}.link-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    os.symlink(render.zoo_cfg_path(settings), temporary)
    os.replace(temporary, link)


def _remove_dynamic_files(directory: str, keep: str, up_to: int) -> None:
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        version = dynamic_version(name, STATIC_NAME)
        if version is not None and version <= up_to and path != keep:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
