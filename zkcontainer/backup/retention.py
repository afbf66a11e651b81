"""Which backups a directory keeps: the newest N of those zookeeper-backup wrote there."""

from __future__ import annotations

import os
import re
import time

SUFFIX = ".backup"
# UTC, so that names sort as times do.
STAMP = "%Y%m%dT%H%M%SZ"
_STAMPED = re.compile(r"\d{8}T\d{6}Z")


def name(prefix: str, when: float) -> str:
    """The file name of a backup taken at `when` (seconds since the epoch)."""
    return f"{prefix}{time.strftime(STAMP, time.gmtime(when))}{SUFFIX}"


def prune(directory: str, prefix: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` complete backups named `<prefix><time>.backup`
    (their names sort by time); returns the names removed. Nothing else in the
    directory is touched: not another prefix's files, not a partial one, not a
    file named by hand (zookeeper-before-upgrade.backup), not a directory or a
    symlink under a backup's name; none of them is counted."""
    with os.scandir(directory) as entries:
        names = sorted(
            entry.name
            for entry in entries
            if entry.name.startswith(prefix)
            and entry.name.endswith(SUFFIX)
            and _STAMPED.fullmatch(entry.name[len(prefix) : -len(SUFFIX)])
            # zookeeper-backup writes regular files: a directory or a symlink is someone's.
            and entry.is_file(follow_symlinks=False)
        )
    removed = names[: max(len(names) - keep, 0)]
    for entry in removed:
        os.unlink(os.path.join(directory, entry))
    return removed
