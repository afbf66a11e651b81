"""Backups taken while clients write, restored into new ensembles: the chart's CronJob
and `restore.from`, run as Kubernetes runs them (docs/operations.md, "Backup and
restore").

One source ensemble of three, `backup.enabled`, holds a znode only a digest
identity may read, an ephemeral node of a session that will be gone, and a
client creating sequential znodes throughout. The chart's CronJob pod runs once
against it, as the controller would start a Job's pod (no token, restricted),
and writes its backup to the backups claim; `kubectl exec` (docker exec) takes
another to standard output in a follower. New releases, static and reconfig,
are then installed with `restore.from` naming a file on a claim every member
mounts. The runbook's commands (docs/operations.md, "Backup and restore") are
run as written: its backup in a member, its --verify with the image, and its
restore's values.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.types import Mount
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_digest_acl

from tests.harness.chart import documents, render
from tests.harness.clients import ContinuousWriter, kazoo_client, new_client
from tests.harness.ensemble import hosts, running
from tests.harness.readmecommands import readme_commands
from tests.harness.reconfigpods import SECRET, SMALL_STOPPED_QUICKLY, read_membership
from tests.harness.reconfigpods import secrets as secrets  # noqa: PLC0414  (a fixture)
from tests.harness.statefulset import StatefulSet, wait_for
from zkcontainer.backup import archive

pytestmark = pytest.mark.container

SOURCE = "zsrc"
BACKUPS = f"{SOURCE}-backups"  # the chart's claim for the source's backups
SEQUENCE = "/w"
SECRET_PATH = "/secret"
SECRET_DATA = b"only alice reads this"
ALICE = ("alice", "alice-password")
DATA = {f"/data/{i}": hashlib.sha256(str(i).encode()).digest() * 32 for i in range(20)}
EPHEMERAL = "/ephemeral"


def manifests(name: str, **values: Any) -> list[dict[str, Any]]:
    return list(documents(render({**SMALL_STOPPED_QUICKLY, "fullnameOverride": name, **values})))


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(doc for doc in docs if doc["kind"] == kind)


def backup_pod(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The CronJob's pod, as the Job controller creates one for a run."""
    cron = of_kind(docs, "CronJob")
    template = cron["spec"]["jobTemplate"]["spec"]["template"]
    return {"metadata": {"name": name, **template["metadata"]}, "spec": template["spec"]}


def numbers(children: list[str]) -> list[int]:
    return sorted(int(child) for child in children)


class Source:
    """The ensemble backed up, with what it held before and while the backup ran."""

    def __init__(self, sts: StatefulSet, docs: list[dict[str, Any]]) -> None:
        self.sts, self.docs = sts, docs
        self.acknowledged_before = -1  # the last create acknowledged before the backup
        self.cron_output = ""
        self.verified = ""  # what the runbook's --verify printed
        self.restore_claim = ""  # the runbook's claim, holding the runbook's file

    @property
    def hosts(self) -> str:
        return hosts(self.sts, [0, 1, 2])

    def backup_files(self) -> list[str]:
        listing = self.sts.on_claim(BACKUPS, "ls /v").decode().split()
        return sorted(name for name in listing if name.endswith(".backup"))

    def backup_bytes(self, name: str) -> bytes:
        # In base64: a container's output reaches us through its log, which is text.
        return base64.b64decode(self.sts.on_claim(BACKUPS, f"base64 /v/{name}"))


@pytest.fixture(scope="module")
def source(
    request: pytest.FixtureRequest, image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Source]:
    docs = manifests(SOURCE, backup={"enabled": True, "keep": 2})
    sts = StatefulSet(of_kind(docs, "StatefulSet"), image, services=[f"{SOURCE}-cs"])
    sts.make_claim(BACKUPS)
    with running(request, sts):
        source = Source(sts, docs)
        ephemeral_owner = new_client(source.hosts)
        ephemeral_owner.start(timeout=60)
        with kazoo_client(source.hosts) as zk:
            zk.create(SECRET_PATH, SECRET_DATA, acl=[make_digest_acl(*ALICE, all=True)])
            for path, data in DATA.items():
                zk.create(path, data, makepath=True)
        ephemeral_owner.create(EPHEMERAL, b"gone with its session", ephemeral=True)
        writer = ContinuousWriter(new_client(source.hosts), SEQUENCE, pause=0.01)
        writer.start()
        try:
            wait_for(lambda: len(writer.acknowledged) >= 50, 60, lambda: "no write acknowledged")
            source.acknowledged_before = writer.acknowledged[-1]
            code, source.cron_output = sts.run_pod(backup_pod(docs, f"{SOURCE}-backup-1"))
            assert code == 0, source.cron_output
            runbook_backup(source, image, tmp_path_factory.mktemp("runbook"))
            goal = len(writer.acknowledged) + 20
            wait_for(lambda: len(writer.acknowledged) >= goal, 60, lambda: "writes stopped")
        finally:
            writer.finish()
        # The session ends for good: its ephemeral node is gone here, and in a
        # restore it must expire as ZooKeeper expires a session nobody renews.
        ephemeral_owner.stop()
        ephemeral_owner.close()
        yield source


def runbook(start: str) -> str:
    return next(command for command in readme_commands() if command.startswith(start))


def runbook_backup(source: Source, image: str, directory: Path) -> None:
    """The runbook's two commands: the backup in member zk-2 to a local file, then
    --verify with the image; the file then goes onto the restore's claim."""
    taking = runbook("kubectl exec zk-2 -- zookeeper-backup >")
    in_pod, file_name = taking.removeprefix("kubectl exec zk-2 -- ").split(" > ")
    result = source.sts.container(2).exec_run(shlex.split(in_pod), demux=True)
    assert result.exit_code == 0, result.output
    (directory / file_name).write_bytes(result.output[0])
    verifying, redirected = runbook("docker run --rm -i").split(" < ")
    argv = [image if word == "zkcontainer:dev" else word for word in shlex.split(verifying)]
    with open(directory / redirected, "rb") as given:
        done = subprocess.run(argv, stdin=given, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    source.verified = done.stdout.decode()
    claim, restored_file = restore_values()
    source.restore_claim = claim
    volume = source.sts.make_claim(claim)
    source.sts.client.containers.run(
        image,
        entrypoint=["sh", "-c", f"cp /local/{file_name} /v/{restored_file} && chmod a+r /v/*"],
        user="0",
        mounts=[
            Mount("/v", volume, type="volume", no_copy=True),
            Mount("/local", str(directory), type="bind", read_only=True),
        ],
        labels=source.sts.labels(),
        remove=True,
    )


def restore_values() -> tuple[str, str]:
    """The claim and file the runbook's `helm install` restores from."""
    installing = runbook("helm install zk2 charts/zookeeper")
    given = dict(
        word.split("=", 1) for word in shlex.split(installing) if word.startswith("restore.")
    )
    return given["restore.from.existingClaim"], given["restore.from.file"]


def test_the_cron_job_writes_one_verified_file_and_logs_one_line(source: Source) -> None:
    (name,) = source.backup_files()
    contents = archive.read(io.BytesIO(source.backup_bytes(name)))
    lines = source.cron_output.strip().splitlines()
    assert len(lines) == 1, source.cron_output
    assert lines[0].startswith(f"zookeeper-backup: zxid {contents.header.zxid:#x}, ")
    assert f"{contents.summary.znodes} znodes, {contents.size} bytes, " in lines[0]
    assert f"; wrote /backups/{name}" in lines[0]
    assert contents.header.zookeeper.startswith("3.9.")
    # A follower's, not the leader's: taking the snapshot costs the member it runs on.
    assert contents.header.source.startswith(f"{SOURCE}-")


def test_the_runbooks_backup_to_standard_output_verifies(source: Source) -> None:
    (line,) = source.verified.splitlines()
    assert line.startswith("-: zxid 0x1")
    znodes = int(line.split(" znodes")[0].rsplit(" ", 1)[1])
    assert znodes > len(DATA) + 50


def test_the_cron_job_keeps_the_newest_files_only(source: Source) -> None:
    first = source.backup_files()
    for run in (2, 3):
        time.sleep(1.1)  # a new name: they are stamped to the second
        code, output = source.sts.run_pod(backup_pod(source.docs, f"{SOURCE}-backup-{run}"))
        assert code == 0, output
    kept = source.backup_files()
    assert len(kept) == 2, kept
    assert first[0] not in kept
    (line,) = output.strip().splitlines()  # one line per run, the removal in it
    assert f"removed {first[0]} (keeping 2)" in line


@pytest.fixture(scope="module")
def restored(request: pytest.FixtureRequest, image: str, source: Source) -> Iterator[StatefulSet]:
    """The runbook's restore: its values, its claim, the file its backup took."""
    claim, file_name = restore_values()
    docs = manifests("zrst", restore={"from": {"existingClaim": claim, "file": file_name}})
    sts = StatefulSet(
        of_kind(docs, "StatefulSet"),
        image,
        services=["zrst-cs"],
        claims={claim: source.sts.existing_claims[claim]},
    )
    with running(request, sts):
        yield sts


def test_a_restore_holds_a_gapless_prefix_of_the_writes_made_during_the_backup(
    source: Source, restored: StatefulSet
) -> None:
    with kazoo_client(hosts(restored, [0, 1, 2])) as zk:
        zk.sync(SEQUENCE)
        found = numbers(zk.get_children(SEQUENCE))
    assert found == list(range(len(found))), "a gap in the sequence"
    assert found[-1] >= source.acknowledged_before


def test_a_restore_holds_the_data_and_acls_of_the_source(
    source: Source, restored: StatefulSet
) -> None:
    with kazoo_client(source.hosts) as before, kazoo_client(hosts(restored, [0, 1, 2])) as after:
        for path, data in DATA.items():
            assert after.get(path)[0] == data
            assert after.get_acls(path)[0] == before.get_acls(path)[0]
        with pytest.raises(NoAuthError):
            after.get(SECRET_PATH)
    with as_alice(source.hosts) as before, as_alice(hosts(restored, [0, 1, 2])) as after:
        assert after.get(SECRET_PATH)[0] == SECRET_DATA
        assert after.get_acls(SECRET_PATH)[0] == before.get_acls(SECRET_PATH)[0]


@contextmanager
def as_alice(connect: str) -> Iterator[KazooClient]:
    """A session authenticated as the one identity the secret's ACL admits."""
    zk = new_client(connect)
    zk.start(timeout=60)
    try:
        zk.add_auth("digest", ":".join(ALICE))
        yield zk
    finally:
        zk.stop()
        zk.close()


def test_a_restored_ensemble_takes_writes_at_once_in_a_new_epoch(
    source: Source, restored: StatefulSet
) -> None:
    backup_zxid = int(source.verified.split("zxid ")[1].split(",")[0], 16)
    with kazoo_client(hosts(restored, [0, 1, 2])) as zk:
        zk.create("/after-restore", b"new")
        czxid = zk.exists("/after-restore").czxid
    assert czxid >> 32 > backup_zxid >> 32


def test_an_ephemeral_node_whose_session_is_gone_expires(restored: StatefulSet) -> None:
    def gone() -> bool:
        with kazoo_client(hosts(restored, [0])) as zk:
            return zk.exists(EPHEMERAL) is None

    wait_for(gone, 90, lambda: f"{EPHEMERAL} of a closed session is still there")


def test_a_restarted_member_does_not_restore_again(restored: StatefulSet) -> None:
    with kazoo_client(hosts(restored, [0, 1, 2])) as zk:
        zk.create("/written-after-restore", b"kept")
    restored.stop(1)
    restored.restart(1)
    restored.wait_ready([1], timeout=120)
    assert "was restored from this backup" in restored.logs(1)
    with kazoo_client(hosts(restored, [1])) as zk:
        zk.sync("/")
        assert zk.get("/written-after-restore")[0] == b"kept"


def test_a_replaced_volume_in_a_restored_ensemble_syncs_rather_than_restores(
    restored: StatefulSet,
) -> None:
    """restore.from is still set: the new, empty volume joins the ensemble that
    serves and takes its leader's history, not the older backup's."""
    with kazoo_client(hosts(restored, [0, 1, 2])) as zk:
        zk.create("/before-the-volume-was-replaced", b"kept")
    restored.stop(2)
    restored.on_volume("datadir", 2, "find /v -mindepth 1 -delete")
    restored.restart(2)
    restored.wait_ready([2], timeout=120)
    assert "not restored: this member does not start a new ensemble" in restored.logs(2)
    with kazoo_client(hosts(restored, [2])) as zk:
        zk.sync("/")
        assert zk.get("/before-the-volume-was-replaced")[0] == b"kept"


def test_a_restore_onto_a_volume_with_data_is_refused_and_changes_nothing(
    source: Source, docker_client: docker.DockerClient
) -> None:
    """The source's member 2, started as a restore would start it, on its own volume."""
    name = source.backup_files()[-1]
    sts = source.sts
    sts.stop(2)
    # Every file's content, and every entry's size, time, mode and owner.
    listing = (
        "cd /v && find . -type f | sort | xargs sha256sum"
        " && find . | sort | xargs stat -c '%n %s %y %a %U:%G'"
    )
    before = sts.on_volume("datadir", 2, listing)
    container = sts.container(2)
    command = [
        *container.attrs["Config"]["Entrypoint"],
        f"--restore_from=/restore/{name}",
        # Off the network: its identity given, as no resolver answers.
        f"--hostname={sts.pod(2).name}",
        f"--domain={sts.domain}",
    ]
    try:
        with pytest.raises(docker.errors.ContainerError) as refused:
            docker_client.containers.run(
                container.image,
                entrypoint=command,
                user=container.attrs["Config"]["User"],
                mounts=[*container.attrs["HostConfig"]["Mounts"], _restore_mount(source)],
                network_disabled=True,
                labels=sts.labels(),
                remove=True,
                stderr=True,
            )
        after = sts.on_volume("datadir", 2, listing)
    finally:
        sts.restart(2)
    said = (refused.value.stderr or b"").decode()
    assert refused.value.exit_status == 1
    assert "holds data" in said, said
    assert "never writes over it" in said, said
    assert after == before


def _restore_mount(source: Source) -> docker.types.Mount:
    volume = source.sts.existing_claims[BACKUPS]
    return docker.types.Mount("/restore", volume, type="volume", read_only=True, no_copy=True)


def test_a_restored_reconfig_ensemble_has_the_membership_of_its_own_pods(
    request: pytest.FixtureRequest,
    image: str,
    source: Source,
    secrets: dict[str, str],
) -> None:
    name = source.backup_files()[-1]
    docs = manifests(
        "my-zk",
        reconfig=True,
        restore={"from": {"existingClaim": BACKUPS, "file": name}},
    )
    sts = StatefulSet(
        of_kind(docs, "StatefulSet"),
        image,
        services=["my-zk-cs"],
        secrets={SECRET: secrets[SECRET]},
        claims={BACKUPS: source.sts.existing_claims[BACKUPS]},
    )
    with running(request, sts):
        with kazoo_client(hosts(sts, [0, 1, 2])) as zk:
            zk.sync("/")
            membership = read_membership(zk)
            assert numbers(zk.get_children(SEQUENCE))[-1] >= source.acknowledged_before
            zk.create("/after-restore", b"new")
        assert all(".my-zk-hs." in member.host for member in membership.members), membership
        assert {member.id for member in membership.members} == {1, 2, 3}
