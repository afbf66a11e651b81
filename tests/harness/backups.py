"""A backup taken in a member of a running ensemble, and a new server restored from it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from docker.types import Mount
from testcontainers.core.container import DockerContainer

from tests.harness.containers import serving_container
from tests.harness.statefulset import StatefulSet

RESTORE_DIR = "/restore"


def backup_in(sts: StatefulSet, ordinal: int, directory: Path, name: str = "zk.backup") -> Path:
    """`kubectl exec <pod> -- zookeeper-backup > DIRECTORY/NAME`: the file on this
    machine, readable by the image's user from a bind mount of `directory`."""
    taken = sts.container(ordinal).exec_run(["zookeeper-backup"], demux=True)
    assert taken.exit_code == 0, taken.output
    path = directory / name
    path.write_bytes(taken.output[0])
    directory.chmod(0o755)
    path.chmod(0o644)
    return path


@contextmanager
def restored_server(
    image: str, owner: str, backup: Path, flags: Sequence[str], mounts: Sequence[Mount]
) -> Iterator[DockerContainer]:
    """A new standalone server of the image started with `flags` and
    --restore_from=`backup`, serving; `mounts` besides the backup's directory."""
    command = [
        "start-zookeeper",
        "--heap=256M",
        *flags,
        f"--restore_from={RESTORE_DIR}/{backup.name}",
    ]
    restore = Mount(RESTORE_DIR, str(backup.parent), type="bind", read_only=True)
    with serving_container(image, owner, entrypoint=command, mounts=[*mounts, restore]) as server:
        yield server
