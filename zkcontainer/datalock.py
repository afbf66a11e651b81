"""One ZooKeeper per data directory: a lock the JVM holds for its whole life.

Two servers must never share a data or transaction-log directory: a volume
mounted twice by mistake would get two JVMs appending to one transaction
log, or two identities racing for one myid, both passing the check and one
overwriting the other's claim. An exclusive flock on a file in each
directory settles it. start-zookeeper takes it before it reads myid; the
descriptor is inherited across the exec, so the JVM holds the lock until it
dies (a flock belongs to the open file, which the kernel closes when the
process exits, however it exits). A second start-zookeeper on the same
directory fails at once instead of waiting: in Kubernetes a restarted
container's JVM is already gone, so contention always means a mistake.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Sequence

from zkcontainer import EnvironmentProblem

LOCK_NAME = "start-zookeeper.lock"

# Never follow a symlink planted as the lock file (its target would be
# truncated), and never block opening a FIFO planted there.
_SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def lock_directories(directories: Sequence[str]) -> list[int]:
    """Lock every directory once, however many names it goes by; return the
    descriptors, which the JVM inherits.

    Two locks per directory: one on the directory itself, which no file
    removed or replaced inside it can escape, and one on the lock file, which
    also holds on file systems without directory locks (NFS) and carries the
    holder's pid for the message a second server gets.
    """
    fds: list[int] = []
    try:
        for directory in _distinct(directories):
            fds.extend(_lock(directory))
    except EnvironmentProblem:
        for fd in fds:
            os.close(fd)
        raise
    return fds


def check_unlocked(directories: Sequence[str]) -> None:
    """Refuse exactly as lock_directories would, without creating or keeping anything."""
    for directory in _distinct(directories):
        path = os.path.join(directory, LOCK_NAME)
        note = _open(path, create=False)
        whole = _open_directory(directory)
        try:
            for fd in (whole, note):
                if fd is None:
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    fcntl.flock(fd, fcntl.LOCK_UN)
                except OSError as error:
                    if _held(error) or fd == note:  # a directory may just not lock (NFS)
                        raise _refusal(directory, path, error) from error
        finally:
            for fd in (whole, note):
                if fd is not None:
                    os.close(fd)


def _distinct(directories: Sequence[str]) -> list[str]:
    seen: set[tuple[int, int]] = set()
    distinct = []
    for directory in directories:
        try:
            info = os.stat(directory)
        except OSError:
            distinct.append(directory)  # not there yet: _open says what is wrong
            continue
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            distinct.append(directory)
    return distinct


def _lock(directory: str) -> list[int]:
    path = os.path.join(directory, LOCK_NAME)
    held: list[int] = []
    try:
        whole = _open_directory(directory)
        if whole is not None:
            held.append(whole)
            try:
                fcntl.flock(whole, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if _held(error):
                    raise _refusal(directory, path, error) from error
                os.close(held.pop())  # no directory locks here: the file's lock stands alone
        note = _open(path, create=True)
        assert note is not None
        held.append(note)
        try:
            fcntl.flock(note, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise _refusal(directory, path, error) from error
    except EnvironmentProblem:
        for fd in held:
            os.close(fd)
        raise
    # Our pid is the JVM's after the exec: say who holds the directory.
    try:
        os.ftruncate(note, 0)
        os.pwrite(note, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # opened read-only: the lock holds, only the note is missing
    for fd in held:
        os.set_inheritable(fd, True)
    return held


def _open_directory(directory: str) -> int | None:
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None  # unreadable (mode 0333): the lock file carries the lock alone


def _held(error: OSError) -> bool:
    return error.errno in (errno.EWOULDBLOCK, errno.EAGAIN)


def _open(path: str, create: bool) -> int | None:
    """The lock file, opened for writing when we may (for reading when another
    uid left it without group write: flock works on either, on local file
    systems); None when it is absent and not to be created."""
    flags = os.O_RDWR | _SAFE_OPEN | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileNotFoundError:
        if not create:
            return None
        raise EnvironmentProblem(f"cannot create {path}: No such file or directory") from None
    except PermissionError:
        try:
            fd = os.open(path, os.O_RDONLY | _SAFE_OPEN)
        except OSError as error:
            raise _unusable(path, error) from error
    except OSError as error:
        raise _unusable(path, error) from error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _not_a_file(path)
    if info.st_nlink != 1:
        # A hard link to some other file: its content would become our pid.
        os.close(fd)
        raise EnvironmentProblem(f"{path} has other hard links; refusing to start (remove it)")
    return fd


def _unusable(path: str, error: OSError) -> EnvironmentProblem:
    if error.errno == errno.ELOOP:
        return EnvironmentProblem(f"{path} is a symbolic link; refusing to start (remove it)")
    if error.errno == errno.EISDIR:
        return _not_a_file(path)
    return EnvironmentProblem(f"cannot open {path}: {error.strerror}")


def _not_a_file(path: str) -> EnvironmentProblem:
    return EnvironmentProblem(f"{path} is not a regular file; refusing to start (remove it)")


def _refusal(directory: str, path: str, error: OSError) -> EnvironmentProblem:
    if not _held(error):
        return EnvironmentProblem(f"cannot lock {path}: {error.strerror}")
    holder = _holder(path)
    who = f"pid {holder} per {path}" if holder.isdigit() else path
    return EnvironmentProblem(
        f"{directory} is in use by another ZooKeeper ({who}); refusing to start "
        "(is this volume mounted by two pods, or a server already running here?)"
    )


def _holder(path: str) -> str:
    """The pid the lock file names, or "" when it names none (or is not one to read)."""
    try:
        fd = os.open(path, os.O_RDONLY | _SAFE_OPEN)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.pread(fd, 20, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    finally:
        os.close(fd)
