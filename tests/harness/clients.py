"""kazoo clients as the tests use them: reconnecting until the ensemble answers again."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.retry import KazooRetry


def new_client(hosts: str, sasl: tuple[str, str] | None = None) -> KazooClient:
    """A client that retries its connection forever, as an application riding out failover;
    with `sasl`, (user, password), authenticated with DIGEST-MD5 at every connection."""
    retry = KazooRetry(max_tries=-1, delay=0.1, max_delay=1)
    options = {} if sasl is None else {"sasl_options": sasl_options(*sasl)}
    return KazooClient(hosts=hosts, timeout=10, connection_retry=retry, **options)


def refusal(hosts: str, sasl: tuple[str, str] | None = None, digest: str | None = None) -> str:
    """The error a client gets from its first connection and read, in one attempt
    ("served" if none): what an ensemble that requires authentication answers.
    With `digest` (user:password), the client adds it as the digest scheme."""
    options: dict[str, object] = {} if sasl is None else {"sasl_options": sasl_options(*sasl)}
    if digest is not None:
        options["auth_data"] = [("digest", digest)]
    zk = KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 1}, **options)
    try:
        zk.start(timeout=15)
        zk.exists("/")
    except KazooException as error:
        return type(error).__name__
    finally:
        zk.stop()
        zk.close()
    return "served"


def read_as(hosts: str, user: str, password: str, path: str) -> str:
    """What a client authenticated as `user` by SASL gets reading `path`: its data,
    or the error's name."""
    zk = new_client(hosts, sasl=(user, password))
    try:
        zk.start(timeout=15)
    except Exception as error:  # kazoo's timeout type depends on its handler
        return f"no session: {type(error).__name__}"
    try:
        return str(zk.get(path)[0].decode())
    except KazooException as error:
        return type(error).__name__
    finally:
        zk.stop()
        zk.close()


def sasl_options(user: str, password: str) -> dict[str, str]:
    """kazoo's SASL DIGEST-MD5 as a user of the ensemble (pure-sasl does the exchange)."""
    return {"mechanism": "DIGEST-MD5", "username": user, "password": password}


@contextmanager
def started(zk: KazooClient, timeout: float) -> Iterator[KazooClient]:
    """`zk`, connected within `timeout` seconds, and stopped and closed afterwards."""
    zk.start(timeout=timeout)
    try:
        yield zk
    finally:
        zk.stop()
        zk.close()


def kazoo_client(hosts: str) -> AbstractContextManager[KazooClient]:
    return started(new_client(hosts), 60)


def stored_numbers(hosts: str, path: str) -> set[int]:
    """The numbered children of `path`, read after a sync so they are the ensemble's latest."""
    with kazoo_client(hosts) as zk:
        zk.sync(path)
        return {int(child) for child in zk.get_children(path)}


class ContinuousWriter(threading.Thread):
    """A client creating <path>/<n> back to back, recording which writes were
    acknowledged and when: what an application sees through a failure."""

    def __init__(self, zk: KazooClient, path: str, pause: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.zk = zk
        self.path = path
        self.pause = pause
        self.acknowledged: list[int] = []
        self.acknowledged_at: list[float] = []
        self.attempts = 0
        self.failures: list[tuple[float, str]] = []  # when, and the exception's class
        self.stop = threading.Event()

    def run(self) -> None:
        self.zk.start(timeout=60)
        self.zk.ensure_path(self.path)
        while not self.stop.is_set():
            n = self.attempts
            self.attempts += 1
            try:
                self.zk.create(f"{self.path}/{n:06d}", b"x")
                self.acknowledged.append(n)
                self.acknowledged_at.append(time.monotonic())
            except KazooException as error:
                # Lost with the connection. Requests made while disconnected wait
                # in kazoo's queue for the next connection, so this does not spin.
                self.failures.append((time.monotonic(), type(error).__name__))
            self.stop.wait(self.pause)

    def longest_gap(self, since: float = 0.0) -> float:
        """The longest time without an acknowledged write, from the last write
        before `since` on (infinite while none has come after it)."""
        times = self.acknowledged_at
        before = [t for t in times if t <= since]
        after = [t for t in times if t > since]
        if not after:
            return float("inf")
        points = [before[-1] if before else since, *after]
        return max(later - earlier for earlier, later in itertools.pairwise(points))

    def writing(self, within: float) -> bool:
        """Whether a write was acknowledged in the last `within` seconds."""
        times = self.acknowledged_at
        return bool(times) and time.monotonic() - times[-1] < within

    def finish(self) -> None:
        self.stop.set()
        self.join(30)
        self.zk.stop()
        self.zk.close()


@contextmanager
def writing(hosts: str, path: str) -> Iterator[ContinuousWriter]:
    """A ContinuousWriter through `hosts`, started, and finished afterwards unless a test
    finished it to count its writes."""
    writer = ContinuousWriter(new_client(hosts), path)
    writer.start()
    try:
        yield writer
    finally:
        if writer.is_alive():
            writer.finish()
