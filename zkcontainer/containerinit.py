"""The container's init: tini in start-zookeeper's place, running the JVM as its child.

start-zookeeper forks its children (the TLS watcher, the joiner) and then
becomes the JVM. As the container's first process, the JVM would be its PID 1:
the parent of those children and of every process orphaned in the container (a
`kubectl exec` that leaves one behind), and the JVM waits for none of them, so
each would stay a zombie until the pod ends. tini (Debian's, 28 kB, in the
image) forwards every signal to the JVM, reaps whatever ends, and exits with
the JVM's status, 143 after SIGTERM as before. An init in Python would keep an
interpreter resident beside the heap for the pod's life (docs/image.md).

Elsewhere (a shell, a test, a supervisor) start-zookeeper becomes the JVM as
it always did: tini would move the JVM into a process group of its own, out
of reach of a signal sent to the caller's group.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

INIT = "tini"
# -s: a subreaper as well, for a first process that is not PID 1 (a pod sharing its
# process namespace, whose PID 1 is the pause container): what its children orphan
# comes to it, and it does not warn that it is not PID 1. Not -g: a signal goes to
# the JVM alone; the children leave once their parent, tini, is gone.
INIT_FLAGS = ("-s", "--")


def first_process(pid: int, ppid: int) -> bool:
    """Whether this is the container's first process: PID 1 of its PID namespace, or
    started from outside it (its parent's pid is 0 there), as in a pod that shares
    its process namespace."""
    return pid == 1 or ppid == 0


def command(argv: Sequence[str], *, first: bool, init: str | None) -> list[str]:
    """`argv` under `init` when this is the container's first process and it has one."""
    if not first or init is None:
        return list(argv)
    return [init, *INIT_FLAGS, *argv]


def under_init(
    argv: Sequence[str], environ: Mapping[str, str], log: Callable[[str], None]
) -> list[str]:
    """The command to exec in place of start-zookeeper: the JVM's, under tini when it is due."""
    first = first_process(os.getpid(), os.getppid())
    if not first:
        return list(argv)
    # Looked up only for a first process: shutil is an import every start would pay.
    import shutil  # noqa: PLC0415

    init = shutil.which(INIT, path=environ.get("PATH", os.defpath))
    if init is None:
        log(
            f"warning: no {INIT} on PATH: the JVM becomes the container's first process, which"
            " reaps nothing, so every process that ends in it stays a zombie"
        )
    return command(argv, first=first, init=init)
