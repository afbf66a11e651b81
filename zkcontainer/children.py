"""The processes start-zookeeper forks before it becomes the JVM.

A child rather than a sidecar: start-zookeeper has the settings and the code
already, so nothing for a pod spec to wire (no second container, no shared
volume), and it works as well under `docker run`. Each child closes the
descriptors it inherited (the data directories' locks are the JVM's alone),
leaves when the process it was forked from is gone (the JVM once exec'd, or
tini running it: zkcontainer.containerinit, whose tini reaps a child that
ends), and dies with the pod's PID 1.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

from zkcontainer import runtime
from zkcontainer.fourlw import local_address
from zkcontainer.reconfig.model import Member
from zkcontainer.sasl import superuser_by_sasl
from zkcontainer.settings import Settings
from zkcontainer.tls import rotation

Log = Callable[[str], None]  # one line to the pod's log, at once
# work(keep_going): keep_going() turns False once the parent is gone.
ChildWork = Callable[[Callable[[], bool]], None]


def start_tls_watcher(settings: Settings, client_auth_for: str | None, log: Log) -> None:
    """Fork the process that keeps the stores in step with --tls_dir, for the JVM's life:
    start-zookeeper has to write the stores before ZooKeeper starts anyway, so the
    same code keeps them current. `client_auth_for`: what needs the certificate's
    clientAuth usage, if anything does."""
    assert settings.tls_dir is not None
    tls_dir = settings.tls_dir

    def watch(keep_going: Callable[[], bool]) -> None:
        rotation.watch(
            tls_dir,
            settings.tls_store_dir,
            client_auth_for=client_auth_for,
            client_ca=settings.tls_client_ca,
            interval=settings.tls_reload_interval,
            write=runtime.write_atomically,  # a failure is logged, and retried next pass
            keep_going=keep_going,
            log=log,
        )

    fork_child(watch, "TLS watcher", log)


def start_joiner(settings: Settings, member: Member, password: str, log: Log) -> None:
    """Fork the child that adds this member once it serves (zkcontainer.reconfig.joiner)."""
    from zkcontainer.reconfig import joiner  # noqa: PLC0415

    host = local_address(settings.client_address)

    def add(keep_going: Callable[[], bool]) -> None:
        joiner.join(
            member,
            host,
            settings.client_port,
            password,
            sasl=superuser_by_sasl(settings),
            keep_going=keep_going,
            log=log,
        )

    fork_child(add, "joiner", log)


def fork_child(work: ChildWork, name: str, log: Log) -> None:
    """Run `work(keep_going)` in a child that leaves when its parent (the JVM, or
    tini running it, once exec'd) is gone, logging through `log`; the parent returns at once."""
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    if os.fork():
        return
    code = 0
    try:
        _close_inherited_descriptors()  # the data directories' locks are the JVM's alone
        work(lambda: os.getppid() == parent)
    except BaseException as error:  # a child must never return into the parent's code
        log(f"{name} stopped: {error!r}")
        code = 1
    finally:
        os._exit(code)


def _close_inherited_descriptors() -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            with contextlib.suppress(OSError):  # the directory's own, closed already
                os.close(fd)
