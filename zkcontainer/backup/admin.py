"""A member's snapshot, streamed by ZooKeeper's AdminServer (`snapshot?streaming=true`).

ZooKeeper (3.9 and later) serializes its tree to a new snapshot file in the
member's data directory, as it does every snapCount transactions, and sends
that file; the response names its zxid (`last_zxid`) and length
(`snapshot_size`). The command needs an `Authorization` header: ZooKeeper
authenticates the identity it names and checks it against the ACL of `/`
for every permission. Under `/`'s default ACL (world:anyone, all) any
identity passes; the superuser passes any ACL.
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import BinaryIO, NamedTuple

from zkcontainer import EnvironmentProblem

SNAPSHOT = "/commands/snapshot?streaming=true"
SERVER_STATS = "/commands/srvr"
# Far beyond what srvr answers; a reply longer is no srvr, and is not read whole.
MAX_STATS_BYTES = 1 << 20


class Stats(NamedTuple):
    version: str  # 3.9.6
    state: str  # leader, follower, observer, standalone


class Stream(NamedTuple):
    body: BinaryIO
    zxid: int
    size: int


class AdminServer:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def stats(self) -> Stats:
        """The server's ZooKeeper version and role, as `srvr` reports them."""
        response = self._get(SERVER_STATS, None)
        try:
            stats = json.loads(response.read(MAX_STATS_BYTES))  # a few KiB from ZooKeeper
            version = str(stats["version"]).split("-")[0].split(",")[0].strip()
            return Stats(version, str(stats["server_stats"]["server_state"]))
        except (ValueError, KeyError, TypeError, OSError) as error:
            raise EnvironmentProblem(
                f"the AdminServer at {self.where} answered srvr with no version ({error})"
            ) from None

    def snapshot(self, authorization: str) -> Stream:
        response = self._get(SNAPSHOT, authorization)
        zxid_text = response.getheader("last_zxid")
        size_text = response.getheader("snapshot_size")
        if zxid_text is None or size_text is None:
            raise EnvironmentProblem(
                f"the AdminServer at {self.where} sent no snapshot (no last_zxid or snapshot_size"
                " header): is it ZooKeeper 3.9 or later?"
            )
        try:
            zxid, size = int(zxid_text, 16), int(size_text)
        except ValueError:
            zxid = size = -1
        # A zxid is a signed long ZooKeeper never makes negative; the backup file's reader
        # refuses what is out of range, so a backup must not be written with it.
        if not (0 <= zxid < 2**63 and size >= 0):
            raise EnvironmentProblem(
                f"the AdminServer at {self.where} sent a snapshot with last_zxid {zxid_text!r}"
                f" and snapshot_size {size_text!r}"
            )
        return Stream(response, zxid, size)

    def _get(self, path: str, authorization: str | None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {} if authorization is None else {"Authorization": authorization}
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            if isinstance(error, socket.timeout):
                reason = f"no answer within {self.timeout:g} s"
            raise EnvironmentProblem(
                f"no AdminServer answers at {self.where} ({reason}): the member needs"
                " start-zookeeper --admin_port, and this address must reach it"
            ) from None
        if response.status != 200:
            raise EnvironmentProblem(_refusal(self.where, path, response))
        return response


def _refusal(where: str, path: str, response: http.client.HTTPResponse) -> str:
    command = path.split("?", maxsplit=1)[0].rsplit("/", 1)[-1]
    said = _error_of(response)
    if response.status in (401, 403):
        return (
            f"the AdminServer at {where} refused {command} ({response.status}{said}): the identity"
            " needs every permission on / (give the superuser's --password_file)"
        )
    if response.status == 429:
        return (
            f"the AdminServer at {where} refused {command}: rate-limited (429{said});"
            " ZooKeeper allows one snapshot per zookeeper.admin.rateLimiterIntervalInMS"
            " (0.3 s by default: 3.9 reads it as microseconds for snapshots); try again"
        )
    if response.status == 503:
        return (
            f"the AdminServer at {where} has {command} turned off (503{said}):"
            " zookeeper.admin.snapshot.enabled is false"
        )
    return f"the AdminServer at {where} answered {command} with {response.status}{said}"


def _error_of(response: http.client.HTTPResponse) -> str:
    try:
        error = json.loads(response.read(4096)).get("error")
    except (ValueError, AttributeError, OSError):
        return ""
    return f": {error}" if error else ""
