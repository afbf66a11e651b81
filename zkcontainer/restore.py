"""start-zookeeper --restore_from=FILE: the members of a new ensemble seeded from a backup, once.

Every member of a new ensemble is given the same backup file
(zkcontainer.backup). The start checks the file from end to end and refuses
a volume that holds data before it writes anything. Then, once the member
may start (the start gate, or with --reconfig the membership decision) and
only if it starts a new ensemble, it records the restore in the volume
(volume.RESTORE_MARKER: which backup, its zxid, when) and puts the backup's
snapshot where ZooKeeper loads it, as `snapshot.<zxid>`. The members then
hold the same history, elect a leader as any ensemble does, and serve it in
a new epoch.

Only a new ensemble is seeded: every voter answered with an empty volume.
A member that joins an ensemble already serving (a volume replaced after
the restore, while restore.from is still set) syncs from the leader, as any
replaced volume does; seeded, it would count as holding data with history
older than the ensemble's, and could outvote it at the next cold start.

The marker is written first and the snapshot after it, renamed into place
complete, so every start finds one of three volumes:

- no marker: restore, if the volume holds no data; a volume with data is
  evidence and is refused, never written over;
- a marker for this backup and ZooKeeper's files: restored already, and
  perhaps written to since: start from what it holds, restore nothing;
- a marker for this backup and no snapshot or log at all: the restore was
  cut short before its snapshot landed; put it there.

A marker for another backup is refused: this volume holds that one's data.
The marker also makes the volume count as holding data (zkcontainer.volume),
so a restore cut short is finished rather than waiting at the start gate.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from typing import BinaryIO

from zkcontainer import ConfigError, EnvironmentProblem, runtime, volume
from zkcontainer.backup import archive
from zkcontainer.probeargs import shown
from zkcontainer.settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from zkcontainer.startgate import Situation

# The snapshot is written here first, then renamed: ZooKeeper never sees half of one.
_PARTIAL = "zkcontainer-restoring"


# A member of the restored ensemble that joined it rather than start it (it
# found the others serving) syncs from its leader and is not seeded; this
# records that, with the backup it was given, so that its later starts know its
# data as the ensemble's, not as data a restore must refuse. Not a restore
# marker: the volume holds what it synced, or nothing yet, as any other.
SYNCED_MARKER = "zkcontainer-restore-synced"


def marker_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, volume.RESTORE_MARKER)


def synced_marker_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, SYNCED_MARKER)


def verified(path: str, copy: BinaryIO | None = None) -> archive.Contents:
    """The backup --restore_from names, read from end to end; a file that cannot
    be restored is bad input, named with the flag."""
    try:
        with archive.open_file(path) as file:
            return archive.read(file, copy)
    except OSError as error:
        problem = f"--restore_from={shown(path)}: cannot read: {error.strerror}"
        raise ConfigError([problem]) from None
    except archive.BadBackup as error:
        raise ConfigError([f"--restore_from={shown(path)}: not restored: {error}"]) from None


def check(
    settings: Settings, contents: archive.Contents | None = None
) -> tuple[archive.Contents, dict[str, object] | None]:
    """What a restore would do, refused where it must not; only reads. `contents`:
    the backup, verified already."""
    path = settings.restore_from
    assert path is not None
    if contents is None:
        contents = verified(path)
    marker = read_marker(marker_path(settings))
    if marker is None:
        marker = read_marker(synced_marker_path(settings))
    if marker is not None:
        if marker.get("sha256") != contents.sha256:
            raise EnvironmentProblem(
                f"--restore_from={shown(path)}: {settings.data_dir} was restored from another"
                f" backup (zxid {marker.get('zxid')}, taken {marker.get('taken')}) and holds its"
                " data: it is never restored over; give this member a new volume, or start"
                " without --restore_from to serve what it holds"
            )
        return contents, marker
    state = volume.classify(settings.data_dir, settings.data_log_dir)
    if state.holds_data:
        raise EnvironmentProblem(
            f"--restore_from={shown(path)}: {settings.data_dir} holds data (zxid"
            f" {state.last_zxid:#x}): a restore never writes over it; give this member a new"
            " volume, or start without --restore_from to serve what it holds"
        )
    backup_epoch = contents.header.zxid >> 32
    if 0 < state.epoch < backup_epoch:
        raise EnvironmentProblem(
            f"--restore_from={shown(path)}: {settings.data_dir} holds the epoch files of an"
            f" earlier start (epoch {state.epoch}), older than the backup's ({backup_epoch}):"
            " ZooKeeper would refuse to load it; restore onto a new volume"
        )
    target = snapshot_path(settings, contents)
    if os.path.lexists(target):
        raise EnvironmentProblem(
            f"--restore_from={shown(path)}: {target} exists: a restore never writes over it;"
            " restore onto a new volume"
        )
    return contents, None


def starts_new_ensemble(
    settings: Settings, situation: Situation | None, membership: str | None
) -> bool:
    """Whether this member starts a new ensemble, which its backup seeds: a standalone
    server, a voter the start gate let start because every voter answered with an
    empty volume, or, with --reconfig, the first bootstrap. A member that joins a
    serving ensemble (a replaced volume in a restored one) syncs from its leader
    instead: seeded with the backup, it would hold history older than the
    ensemble's, counted as data."""
    if not settings.is_ensemble:
        return True
    if settings.reconfig:
        return membership == "bootstrap"
    return situation == "new"


def seed(
    settings: Settings,
    say: Callable[[str], None],
    situation: Situation | None,
    membership: str | None,
    verified_backup: archive.Contents | None = None,
) -> None:
    """Seed the volume from the backup, or say why not; under the data directory's
    lock, once the member may start (the start gate's `situation`, or the reconfig
    `membership` decision's action) and before the JVM does. A restore cut short
    (its marker written, its snapshot not yet) is finished whatever the start's
    situation. The snapshot copied is checked again as it is read, against
    `verified_backup`'s hash."""
    path = settings.restore_from
    assert path is not None
    contents, marker = check(settings, verified_backup)
    if marker is not None and marker.get("synced"):
        say(
            f"restore: {settings.data_dir} joined the ensemble restored from this backup at"
            f" {marker.get('restored')} and synced from its leader: starting from what it holds"
        )
        return
    if marker is not None and _holds_zookeeper_files(settings):
        say(
            f"restore: {settings.data_dir} was restored from this backup (zxid"
            f" {contents.header.zxid:#x}) at {marker.get('restored')}: starting from what it holds"
        )
        return
    if marker is None and not starts_new_ensemble(settings, situation, membership):
        runtime.write_atomically(synced_marker_path(settings), _marker(contents, path, synced=True))
        say(
            f"restore: {shown(path)} not restored: this member does not start a new ensemble"
            " (it joins one that serves, or is an observer, or was declared lost), so it"
            " syncs its data from the leader"
        )
        return
    if marker is None:
        runtime.write_atomically(marker_path(settings), _marker(contents, path))
    _write_snapshot(settings, path, contents)
    header = contents.header
    say(
        f"restore: {contents.summary.znodes} znodes at zxid {header.zxid:#x} from {shown(path)}"
        f" (ZooKeeper {header.zookeeper}, taken {header.taken} from {header.source})"
    )


def dry_run(settings: Settings, say: Callable[[str], None]) -> None:
    """--dry-run: what the start would do with the backup; refuses as it would."""
    contents, marker = check(settings)
    done = "was restored from it already" if marker else "is seeded from it in a new ensemble"
    say(
        f"--dry-run: {shown(str(settings.restore_from))} holds {contents.summary.znodes} znodes"
        f" at zxid {contents.header.zxid:#x}; {settings.data_dir} {done}"
    )


def snapshot_path(settings: Settings, contents: archive.Contents) -> str:
    return os.path.join(settings.data_dir, volume.VERSION_DIR, f"snapshot.{contents.header.zxid:x}")


def read_marker(path: str) -> dict[str, object] | None:
    try:
        with open(path, encoding="utf-8") as file:
            marker = json.load(file)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise EnvironmentProblem(
            f"{path} cannot be read ({error}): this volume was restored from a backup, and"
            " which one is unknown; it is left as it is"
        ) from None
    return marker if isinstance(marker, dict) else {}


def _marker(contents: archive.Contents, path: str, *, synced: bool = False) -> str:
    header = contents.header
    record: dict[str, object] = {"synced": True} if synced else {}
    record |= {
        "sha256": contents.sha256,
        "zxid": f"{header.zxid:#x}",
        "znodes": contents.summary.znodes,
        "taken": header.taken,
        "source": header.source,
        "zookeeper": header.zookeeper,
        "file": path,
        "restored": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return json.dumps(record, indent=1) + "\n"


def _write_snapshot(settings: Settings, path: str, contents: archive.Contents) -> None:
    directory = os.path.join(settings.data_dir, volume.VERSION_DIR)
    os.makedirs(directory, exist_ok=True)
    partial = os.path.join(directory, _PARTIAL)
    try:
        with open(partial, "wb") as copy:
            again = verified(path, copy)
            copy.flush()
            os.fsync(copy.fileno())
        if again.sha256 != contents.sha256:
            raise EnvironmentProblem(f"--restore_from={shown(path)} changed while it was read")
    except BaseException:
        # A file cut short since it was checked, too: no half snapshot stays behind.
        with contextlib.suppress(FileNotFoundError):  # open() itself failed
            os.unlink(partial)
        raise
    os.replace(partial, snapshot_path(settings, contents))
    runtime.fsync_directory(directory)


def _holds_zookeeper_files(settings: Settings) -> bool:
    """Whether ZooKeeper's snapshots or logs are on the volume, the restored one or newer."""
    for directory in {settings.data_dir, settings.data_log_dir}:
        try:
            names = os.listdir(os.path.join(directory, volume.VERSION_DIR))
        except FileNotFoundError:
            continue
        if any(name.startswith(("snapshot.", "log.")) for name in names):
            return True
    return False
