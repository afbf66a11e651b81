"""kazoo clients as the tests use them: reconnecting until the ensemble answers again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kazoo.client import KazooClient
from kazoo.retry import KazooRetry


def new_client(hosts: str) -> KazooClient:
    """A client that retries its connection forever, as an application riding out failover."""
    retry = KazooRetry(max_tries=-1, delay=0.1, max_delay=1)
    return KazooClient(hosts=hosts, timeout=10, connection_retry=retry)


@contextmanager
def kazoo_client(hosts: str) -> Iterator[KazooClient]:
    zk = new_client(hosts)
    zk.start(timeout=60)
    try:
        yield zk
    finally:
        zk.stop()
        zk.close()


def stored_numbers(hosts: str, path: str) -> set[int]:
    """The numbered children of `path`, read after a sync so they are the ensemble's latest."""
    with kazoo_client(hosts) as zk:
        zk.sync(path)
        return {int(child) for child in zk.get_children(path)}
