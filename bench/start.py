"""How fast a server serves: zkcontainer's start against ZooKeeper's own, in the same image.

    python bench/start.py IMAGE [--rounds 5]

Two starts, each measured for zkcontainer and for ZooKeeper's own start, the
two alternating round by round so both see the same machine:

- **standalone**: `docker run -d IMAGE` (start-zookeeper, no flags), against
  the same image running ZooKeeper's `QuorumPeerMain` on a plain zoo.cfg
  (dataDir, clientPort, the four-letter words the probes use) with
  ZooKeeper's own console logging at INFO, as `zkServer.sh
  start-foreground` runs it: no flag of zkcontainer's.
- **ensemble member recreated**: one member of a 3-member ensemble deleted as
  `kubectl delete pod` does (SIGTERM, the grace period, then the controller's
  new pod on the same volumes). zkcontainer's ensemble is
  manifests/zookeeper_mini.yaml's; ZooKeeper's own is the same StatefulSet
  running QuorumPeerMain on a plain zoo.cfg naming the three members.

The clock starts when the container has started (`docker run -d` returned)
and stops when `srvr`, sent over TCP from this machine to the container's
client port, answers with a mode: ZooKeeper answers srvr that way only once
it serves (a follower once it has synced with its leader). Medians over the
rounds, and their ratio.
"""

from __future__ import annotations

import argparse
import copy
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402

from tests.harness.manifests import manifest_statefulset  # noqa: E402
from tests.harness.statefulset import StatefulSet, labels  # noqa: E402
from zkcontainer.runtime import (  # noqa: E402
    ADMIN_SERVER_JARS,
    DEBIAN_JAVA_DIR,
    DEBIAN_LOG4J_BINDING,
)

# Debian's ZooKeeper with the log4j binding the image ships, started as ZooKeeper's
# own scripts start it: QuorumPeerMain on zoo.cfg, logging INFO to the console with
# ZooKeeper's own pattern, and every jar of the installation on the classpath, as
# zkServer.sh puts all of lib/ there. The image keeps the AdminServer's jars (Jetty,
# Jackson, the servlet API) where zookeeper.jar's manifest does not reach them;
# without them ZooKeeper's own start would skip its AdminServer, which it runs by
# default, and log a NoClassDefFoundError instead: a start it never makes.
OWN_CLASSPATH = ":".join(
    [
        *(f"{DEBIAN_JAVA_DIR}/{jar}" for jar in ("zookeeper.jar", *DEBIAN_LOG4J_BINDING)),
        f"{DEBIAN_JAVA_DIR}/{ADMIN_SERVER_JARS}/*",
    ]
)
# What ZooKeeper's own start logs once its AdminServer runs: the proof that the
# baseline is the start it claims to be.
OWN_ADMIN_SERVER_STARTED = b"Started AdminServer"
OWN_LOG4J = (
    "log4j.rootLogger=INFO, CONSOLE\\n"
    "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\\n"
    "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\\n"
    "log4j.appender.CONSOLE.layout.ConversionPattern="
    "%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n\\n"
)
OWN_ZOO_CFG = (
    "tickTime=2000\\ninitLimit=10\\nsyncLimit=5\\ndataDir=/var/lib/zookeeper/data\\n"
    "clientPort=2181\\n4lw.commands.whitelist=ruok,mntr,srvr\\n"
)
OWN_CONF = "/opt/zookeeper/conf"
OWN_JAVA = (
    f"exec java -Dlog4j.configuration=file:{OWN_CONF}/log4j.properties -cp '{OWN_CLASSPATH}' "
    f"org.apache.zookeeper.server.quorum.QuorumPeerMain {OWN_CONF}/zoo.cfg"
)
OWN_FILES = (
    f"printf %b '{OWN_LOG4J}' >{OWN_CONF}/log4j.properties && "
    f"printf %b '{OWN_ZOO_CFG}' >{OWN_CONF}/zoo.cfg && "
)
OWN_STANDALONE = OWN_FILES + OWN_JAVA
# A member of ZooKeeper's own ensemble: its myid from the pod's ordinal, its peers by
# the names the headless Service gives them.
OWN_MEMBER = (
    "id=$((${HOSTNAME##*-} + 1)) && mkdir -p /var/lib/zookeeper/data && "
    'echo "$id" >/var/lib/zookeeper/data/myid && '
    + OWN_FILES
    + 'for n in 1 2 3; do echo "server.$n=${HOSTNAME%-*}-$((n - 1)).$(hostname -d):2888:3888" '
    + f">>{OWN_CONF}/zoo.cfg; done && "
    + OWN_JAVA
)


POLL_TIMEOUT = 0.05  # seconds


def serves(address: str, port: int = 2181) -> bool:
    """Whether srvr, over TCP, answers with a mode: the server serves."""
    try:
        # A short timeout, and another try: a connection made while the server is
        # still starting can go unanswered, and waiting it out would add the whole
        # wait to whichever start was measured.
        with socket.create_connection((address, port), timeout=POLL_TIMEOUT) as connection:
            connection.sendall(b"srvr")
            reply = b""
            while chunk := connection.recv(4096):
                reply += chunk
    except OSError:
        return False
    return b"\nMode: " in reply


def seconds_until(check: Callable[[], bool], started: float, timeout: float = 120) -> float:
    """Seconds from `started` (a time.monotonic()) until `check()` is true, polled every
    few milliseconds."""
    while not check():
        if time.monotonic() - started > timeout:
            raise RuntimeError("never serving")
        time.sleep(0.005)
    return time.monotonic() - started


def container_address(container: Any) -> str:
    container.reload()
    return str(container.attrs["NetworkSettings"]["IPAddress"])


def standalone_start(client: docker.DockerClient, image: str, own: bool) -> float:
    options: dict[str, Any] = {"entrypoint": ["bash", "-c", OWN_STANDALONE]} if own else {}
    container = client.containers.run(image, detach=True, labels=labels("bench-start"), **options)
    started = time.monotonic()
    try:
        address = container_address(container)
        elapsed = seconds_until(lambda: serves(address), started)
        if own:
            check_own_admin_server(container)
        return elapsed
    finally:
        container.remove(force=True)


def check_own_admin_server(container: Any, timeout: float = 10) -> None:
    """Fail the run unless ZooKeeper's own start ran its AdminServer, as it does by default."""
    deadline = time.monotonic() + timeout
    while OWN_ADMIN_SERVER_STARTED not in container.logs():
        if time.monotonic() > deadline:
            tail = container.logs(tail=5).decode(errors="replace")
            raise SystemExit(f"bench-start: ZooKeeper's own start ran no AdminServer:\n{tail}")
        time.sleep(0.1)


def own_manifest() -> dict[str, Any]:
    """zookeeper_mini.yaml's StatefulSet with ZooKeeper's own start in place of ours."""
    manifest = copy.deepcopy(manifest_statefulset("zookeeper_mini.yaml"))
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["command"] = ["bash", "-c", OWN_MEMBER]
    container.pop("args", None)
    return manifest


class Ensemble:
    """A running 3-member ensemble whose members this benchmark recreates one by one."""

    def __init__(self, manifest: dict[str, Any], image: str, own: bool) -> None:
        self.sts = StatefulSet(manifest, image)
        self.own = own
        self.recreated = 0

    def __enter__(self) -> Ensemble:
        try:
            self.sts.start()
            self.sts.wait_ready()
        except BaseException:
            self.sts.teardown()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.sts.teardown()

    def recreate_one(self) -> float:
        """Seconds from a recreated member's start to its serving, synced."""
        ordinal = self.recreated % 3
        self.recreated += 1
        self.sts.stop(ordinal)
        self.sts.container(ordinal).remove(force=True)
        self.sts.restart_as_new(ordinal)
        started = time.monotonic()
        address = self.sts.address(ordinal)
        elapsed = seconds_until(lambda: serves(address), started)
        if self.own:
            check_own_admin_server(self.sts.container(ordinal))
        self.sts.wait_ready()
        return elapsed


def row(what: str, ours: list[float], own: list[float]) -> str:
    ours_median, own_median = statistics.median(ours), statistics.median(own)
    return (
        f"| {what} | {ours_median:.2f} ({min(ours):.2f}-{max(ours):.2f}) "
        f"| {own_median:.2f} ({min(own):.2f}-{max(own):.2f}) | {ours_median / own_median:.2f}x |"
    )


def rounds(text: str) -> int:
    """A number of rounds, at least one: a median of none is no measurement."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number, at least 1")
    return count


def docker_with_image(parser: argparse.ArgumentParser, image: str) -> docker.DockerClient:
    """The Docker engine, which must hold `image`; else the parser's one-line error."""
    client = docker.from_env()
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        # Not pulled: no registry publishes the image, and a pull's error says otherwise.
        parser.error(f"image {image}: not in this Docker engine (build it: make image)")
    return client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--rounds", type=rounds, default=5)
    args = parser.parse_args(argv)
    client = docker_with_image(parser, args.image)
    standalone: dict[bool, list[float]] = {False: [], True: []}
    print("bench-start: standalone containers", file=sys.stderr)
    for _ in range(args.rounds):
        for own in (False, True):
            standalone[own].append(standalone_start(client, args.image, own))
    print("bench-start: ensemble members recreated", file=sys.stderr)
    members: dict[bool, list[float]] = {False: [], True: []}
    ours_manifest = manifest_statefulset("zookeeper_mini.yaml")
    with (
        Ensemble(ours_manifest, args.image, own=False) as ours,
        Ensemble(own_manifest(), args.image, own=True) as own,
    ):
        for _ in range(args.rounds):
            members[False].append(ours.recreate_one())
            members[True].append(own.recreate_one())
    print(f"\n{args.rounds} round(s), image {args.image}; seconds to serving, median (min-max).\n")
    print("| start | zkcontainer | ZooKeeper's own | ratio |")
    print("|---|---:|---:|---:|")
    print(row("`docker run -d`, standalone", standalone[False], standalone[True]))
    print(row("an ensemble member recreated", members[False], members[True]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
