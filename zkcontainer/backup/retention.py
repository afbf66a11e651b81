"""Which backups a directory keeps: the newest N of those zookeeper-backup wrote there."""

from __future__ import annotations

import os

SUFFIX = ".backup"


def prune(directory: str, prefix: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` complete backups named `<prefix><time>.backup`
    (their names sort by time); returns the names removed. Nothing else in the
    directory is touched: not another prefix's files, not a partial one."""
    names = sorted(
        name for name in os.listdir(directory) if name.startswith(prefix) and name.endswith(SUFFIX)
    )
    removed = names[: max(len(names) - keep, 0)]
    for name in removed:
        os.unlink(os.path.join(directory, name))
    return removed
