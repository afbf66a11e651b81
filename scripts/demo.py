"""make demo: manifests/zookeeper_mini.yaml's ensemble, run as its StatefulSet would run it.

Leaves the pods running; `make demo-down` removes them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from tests.harness.manifests import manifest_statefulset
from tests.harness.statefulset import LABEL, StatefulSet, remove_everything

RUN_ID = "demo"
MANIFEST = Path(__file__).resolve().parent.parent / "manifests" / "zookeeper_mini.yaml"


def up(image: str) -> int:
    import docker  # noqa: PLC0415

    client = docker.from_env()
    if client.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
        print("Removing the demo ensemble already running, and its data: a demo starts afresh.")
    remove_everything(client, RUN_ID)
    sts = StatefulSet(
        manifest_statefulset(MANIFEST.name),
        image,
        client=client,
        run_id=RUN_ID,
        publish=[2181],
        owner="make-demo",
    )
    started = time.monotonic()
    print(f"Starting {MANIFEST.name}: zk-0..zk-2, domain {sts.domain}, image {image}", flush=True)
    sts.start()
    waited = sts.wait_ready(timeout=240)
    print(f"All 3 members Ready after {time.monotonic() - started:.0f}s ({waited:.0f}s waiting).\n")
    # The ensemble as zk-0 sees it: every member's role, sync, zxid and load.
    code, view = sts.exec(0, ["zookeeper-status"])
    print(f"$ docker exec {sts.container(0).name} zookeeper-status\n{view}")
    print(
        "(Before the first write, members may show different zxids, lag 0: each keeps the\n"
        " last transaction it has seen; docs/zookeeper-status.md explains the columns.)\n"
    )
    print("member  pod address        published on")
    for i in range(3):
        print(
            f"{sts.pod(i).name:<7} {sts.address(i) + ':2181':<18} "
            f"127.0.0.1:{sts.host_port(i, 2181)}"
        )
    print()
    print("Connect:  " + sts.connect_string())
    print(f"Try:      echo ruok | nc 127.0.0.1 {sts.host_port(0, 2181)}")
    print("Stop:     make demo-down")
    sts.stop_probing()  # the pods stay up
    return code


def down() -> int:
    import docker  # noqa: PLC0415

    remove_everything(docker.from_env(), RUN_ID)
    print("demo ensemble removed")
    return 0


if __name__ == "__main__":
    sys.exit(down() if sys.argv[1:] == ["down"] else up(sys.argv[1]))
