"""The chart's backup.* and restore.from (docs/operations.md, "Backup and restore"): the
CronJob that runs zookeeper-backup against the members' AdminServer, the claim it writes
to, the NetworkPolicy rules that open the AdminServer to that job alone, the restore every
member of a new release is given, and the values refused at install."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError, HelmRenderError

from tests.harness.apiserver import validate_strictly
from tests.harness.chart import (
    CHART,
    Document,
    documents,
    notes,
    of_kind,
    only,
    render,
    render_reusing,
)
from tests.harness.chartcases import (
    KUBERNETES_VERSIONS,
    container_of,
    merged,
    one,
    start_zookeeper_settings,
    tls,
)
from tests.harness.chartpolicy import MEMBER_LABELS, ingress_rules
from tests.harness.podsecurity import restricted_violations
from zkcontainer.backup.command import parse_args

BACKUP: dict[str, Any] = {"backup": {"enabled": True}}
RESTORE_CLAIM, RESTORE_DIR = "zk-restore", "/var/lib/zookeeper-restore"
RESTORE = {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": "daily/zk.backup"}}}
EGRESS = {"networkPolicy": {"egress": {"enabled": True}}}


def backup(**settings: Any) -> dict[str, Any]:
    return {"backup": {"enabled": True, **settings}}


def rendered(values: dict[str, Any]) -> list[Document]:
    return documents(render(values))


def job_pod(docs: list[Document]) -> Document:
    """The pod template of the backup CronJob's Jobs."""
    template: Document = one(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]
    return template


def backup_container(docs: list[Document]) -> Document:
    (found,) = job_pod(docs)["spec"]["containers"]
    return dict(found)


def backup_args(docs: list[Document]) -> argparse.Namespace:
    """The job's command as zookeeper-backup parses it (without any environment)."""
    command = backup_container(docs)["command"]
    assert command[0] == "zookeeper-backup"
    return parse_args(command[1:], {})


def volumes(pod_spec: Document) -> dict[str, Document]:
    return {volume["name"]: volume for volume in pod_spec.get("volumes", [])}


def mounts(container: Document) -> dict[str, Document]:
    return {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}


def member_pod(docs: list[Document]) -> Document:
    spec: Document = one(docs, "StatefulSet")["spec"]["template"]["spec"]
    return spec


def selects(policy: Document, labels: dict[str, str]) -> bool:
    return bool(policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items())


def refusal(values: dict[str, Any]) -> str:
    """What the chart's own checks say of the values: `fail`'s message, problem by problem."""
    with pytest.raises(HelmRenderError) as refused:
        render(values)
    message = str(refused.value).rstrip("\n")
    match = re.fullmatch(
        r"execution error at \(zookeeper/templates/[\w./]+:\d+:\d+\): (.*)", message, re.S
    )
    assert match, message
    return match.group(1)


# -- off by default ---------------------------------------------------------------------------


def test_without_backup_or_restore_nothing_of_them_is_rendered() -> None:
    docs = rendered({})
    kinds = {doc["kind"] for doc in docs}
    assert "CronJob" not in kinds
    assert "PersistentVolumeClaim" not in kinds
    zookeeper = container_of(one(docs, "StatefulSet"))
    assert not [arg for arg in zookeeper["command"] if arg.startswith("--admin_port")]
    assert not [arg for arg in zookeeper["command"] if arg.startswith("--restore_from")]
    assert "admin" not in {port["name"] for port in zookeeper["ports"]}
    assert "restore" not in volumes(member_pod(docs))
    assert RESTORE_DIR not in mounts(zookeeper)
    assert start_zookeeper_settings(one(docs, "StatefulSet")).admin_port == 0
    assert "backup" not in notes(render({})).lower()


# -- the CronJob ------------------------------------------------------------------------------


def test_backup_opens_each_members_admin_server_on_its_port() -> None:
    sts = one(rendered(backup(adminPort=9090)), "StatefulSet")
    zookeeper = container_of(sts)
    assert "--admin_port=9090" in zookeeper["command"]
    assert {"containerPort": 9090, "name": "admin"} in zookeeper["ports"]
    assert start_zookeeper_settings(sts).admin_port == 9090


def test_the_job_asks_every_member_observers_included_and_keeps_the_newest() -> None:
    values = merged(backup(adminPort=9090, keep=7), {"replicas": 3, "observers": 2})
    args = backup_args(rendered(values))
    assert args.host == [f"my-zk-{i}.my-zk-hs" for i in range(5)]
    assert (args.admin_port, args.output_dir, args.keep) == (9090, "/backups", 7)
    assert args.output is None
    assert args.verify is None
    assert args.password_file is None


def test_the_job_runs_the_members_image_once_at_a_time_without_api_access() -> None:
    image = {"repository": "registry.example/zkcontainer", "tag": "1.2.3", "pullPolicy": "Always"}
    docs = rendered({**BACKUP, "image": image, "imagePullSecrets": [{"name": "pull"}]})
    cronjob, pod = one(docs, "CronJob"), job_pod(docs)
    container, zookeeper = backup_container(docs), container_of(one(docs, "StatefulSet"))
    assert cronjob["metadata"]["name"] == "my-zk-backup"
    assert (container["image"], container["imagePullPolicy"]) == (
        zookeeper["image"],
        zookeeper["imagePullPolicy"],
    )
    assert pod["spec"]["imagePullSecrets"] == [{"name": "pull"}]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert container["resources"] == {
        "requests": {"cpu": "50m", "memory": "64Mi"},
        "limits": {"memory": "128Mi"},
    }


@pytest.mark.parametrize(
    "values",
    [BACKUP, {**BACKUP, "reconfig": True}, {**BACKUP, **tls()}],
    ids=["backup", "with reconfig", "with tls"],
)
def test_the_jobs_pod_and_the_members_pass_the_restricted_pod_security_standard(
    values: dict[str, Any],
) -> None:
    docs = rendered(values)
    assert restricted_violations(job_pod(docs)["spec"]) == []
    assert restricted_violations(member_pod(docs)) == []


@pytest.mark.parametrize(
    "values",
    [BACKUP, merged(BACKUP, RESTORE, EGRESS, {"reconfig": True}), merged(RESTORE, {"replicas": 1})],
    ids=["backup", "backup, restore, egress and reconfig", "restore"],
)
def test_what_backup_and_restore_render_the_api_server_accepts(values: dict[str, Any]) -> None:
    validate_strictly(
        rendered(values), KUBERNETES_VERSIONS[0], KUBERNETES_VERSIONS[-1], values=True
    )


def test_the_schedule_and_its_time_zone_are_the_cronjobs() -> None:
    spec = one(rendered(backup(schedule="5 3 * * *", timeZone="Europe/Berlin")), "CronJob")["spec"]
    assert (spec["schedule"], spec["timeZone"]) == ("5 3 * * *", "Europe/Berlin")
    spec = one(rendered(BACKUP), "CronJob")["spec"]
    assert spec["schedule"] == "17 * * * *"
    assert "timeZone" not in spec


@pytest.mark.parametrize(
    ("values", "secret"),
    [
        ({"reconfig": True}, "my-zk-reconfig"),
        ({"reconfig": True, "reconfigExistingSecret": "zk-superuser"}, "zk-superuser"),
    ],
)
def test_with_reconfig_the_job_authenticates_as_the_members_superuser(
    values: dict[str, Any], secret: str
) -> None:
    docs = rendered({**BACKUP, **values})
    args = backup_args(docs)
    container, pod = backup_container(docs), job_pod(docs)["spec"]
    directory, _ = args.password_file.rsplit("/", 1)
    mount = mounts(container)[directory]
    assert mount["readOnly"] is True
    assert volumes(pod)[mount["name"]]["secret"] == {"secretName": secret}
    # The same file start-zookeeper reads the superuser's password from.
    assert start_zookeeper_settings(one(docs, "StatefulSet")).reconfig_password_file == (
        args.password_file
    )


def test_the_job_writes_to_the_claim_the_chart_makes() -> None:
    docs = rendered(BACKUP)
    claim = of_kind(docs, "PersistentVolumeClaim")["my-zk-backups"]
    mount = mounts(backup_container(docs))[backup_args(docs).output_dir]
    volume = volumes(job_pod(docs)["spec"])[mount["name"]]
    assert volume["persistentVolumeClaim"] == {"claimName": "my-zk-backups"}
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert claim["spec"]["resources"] == {"requests": {"storage": "10Gi"}}
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_an_existing_claim_is_mounted_and_none_is_made() -> None:
    docs = rendered(backup(persistence={"existingClaim": "zk-backups-of-mine"}))
    assert "PersistentVolumeClaim" not in {doc["kind"] for doc in docs}
    mount = mounts(backup_container(docs))["/backups"]
    volume = volumes(job_pod(docs)["spec"])[mount["name"]]
    assert volume["persistentVolumeClaim"] == {"claimName": "zk-backups-of-mine"}


@pytest.mark.parametrize(
    ("class_name", "field"),
    [(None, {}), ("-", {"storageClassName": ""}), ("", {"storageClassName": ""}),
     ("nfs", {"storageClassName": "nfs"})],
)  # fmt: skip
def test_the_made_claim_follows_its_persistence_values(
    class_name: str | None, field: dict[str, str]
) -> None:
    persistence = {"size": "50Gi", "accessModes": ["ReadWriteMany"], "className": class_name}
    claim = one(rendered(backup(persistence=persistence)), "PersistentVolumeClaim")
    assert claim["metadata"]["name"] == "my-zk-backups"
    assert claim["spec"] == {
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": "50Gi"}},
        **field,
    }


def test_reusing_the_values_of_a_chart_without_backup_renders_as_this_chart() -> None:
    """docs/operations.md: `helm upgrade --reuse-values --set backup.enabled=true`."""
    assert render_reusing(["backup", "restore"], BACKUP) == render(BACKUP)


# -- the NetworkPolicy ------------------------------------------------------------------------


def test_the_admin_port_admits_the_backup_jobs_pods_alone() -> None:
    labels = job_pod(rendered(backup(adminPort=9090)))["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/instance": "my-zk",
        "app.kubernetes.io/component": "my-zk-backup",
    }
    assert ingress_rules(backup(adminPort=9090))[9090] == [{"podSelector": {"matchLabels": labels}}]
    assert 9090 not in ingress_rules({"backup": {"adminPort": 9090}})
    assert 8080 not in ingress_rules({})


def test_the_backup_jobs_pods_are_no_members_to_the_members_policy() -> None:
    docs = rendered(merged(BACKUP, EGRESS))
    labels = job_pod(docs)["metadata"]["labels"]
    policies = of_kind(docs, "NetworkPolicy")
    assert [name for name, policy in policies.items() if selects(policy, labels)] == [
        "my-zk-backup.egress"
    ]
    assert not MEMBER_LABELS.items() <= labels.items()


def test_with_egress_the_backup_pods_reach_dns_and_the_admin_port_alone() -> None:
    dns = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dns"}}}]
    values = merged(
        backup(adminPort=9090), {"networkPolicy": {"egress": {"enabled": True, "dnsTo": dns}}}
    )
    docs = rendered(values)
    policy = of_kind(docs, "NetworkPolicy")["my-zk-backup.egress"]
    assert policy["spec"]["podSelector"]["matchLabels"] == job_pod(docs)["metadata"]["labels"]
    assert policy["spec"]["policyTypes"] == ["Egress"]
    to_dns, to_members = policy["spec"]["egress"]
    assert to_dns == {
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        "to": dns,
    }
    (members,) = to_members["to"]
    member_labels = one(docs, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert members["podSelector"]["matchLabels"].items() <= member_labels.items()
    assert set(members) == {"podSelector"}
    assert to_members["ports"] == [{"port": 9090}]


@pytest.mark.parametrize(
    "values", [EGRESS, BACKUP, {**BACKUP, "networkPolicy": {"enabled": False}}],
    ids=["egress without backup", "backup without egress", "backup without a policy"],
)  # fmt: skip
def test_without_backup_and_egress_there_is_no_backup_egress_policy(values: dict[str, Any]) -> None:
    assert "my-zk-backup.egress" not in of_kind(rendered(values), "NetworkPolicy")


# -- restore.from -----------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["daily/zk.backup", "/daily/zk.backup"])
def test_every_member_mounts_the_restore_claim_read_only_and_restores_from_the_file(
    file: str,
) -> None:
    values = {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": file}}}
    sts = one(rendered(values), "StatefulSet")
    mount = mounts(container_of(sts))[RESTORE_DIR]
    assert mount["readOnly"] is True
    volume = volumes(sts["spec"]["template"]["spec"])[mount["name"]]
    assert volume["persistentVolumeClaim"] == {"claimName": RESTORE_CLAIM, "readOnly": True}
    restored = f"{RESTORE_DIR}/daily/zk.backup"
    assert f"--restore_from={restored}" in container_of(sts)["command"]
    assert start_zookeeper_settings(sts).restore_from == restored


def test_a_restore_release_can_take_backups_too() -> None:
    docs = rendered(merged(RESTORE, BACKUP))
    assert start_zookeeper_settings(one(docs, "StatefulSet")).restore_from == (
        f"{RESTORE_DIR}/daily/zk.backup"
    )
    assert RESTORE_DIR not in mounts(backup_container(docs))


# -- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"restore": {"from": {"file": "zk.backup"}}},
            "restore.from.file zk.backup: needs restore.from.existingClaim",
        ),
        (
            {"restore": {"from": {"existingClaim": RESTORE_CLAIM}}},
            f"restore.from.file: empty, and restore.from.existingClaim {RESTORE_CLAIM} needs",
        ),
        (
            {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": "../zk.backup"}}},
            "restore.from.file ../zk.backup: a path within the claim, without ..",
        ),
        (
            {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": "daily/../../x"}}},
            "restore.from.file daily/../../x: a path within the claim, without ..",
        ),
        (
            {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": "daily/"}}},
            "restore.from.file daily/: names a directory",
        ),
        (
            {"restore": {"from": {"existingClaim": RESTORE_CLAIM, "file": "/"}}},
            "restore.from.file /: names a directory",
        ),
        (
            merged(RESTORE, {"replicas": 1, "storage": {"existingClaim": "zk-data"}}),
            "restore.from: storage.existingClaim zk-data is a volume made beforehand",
        ),
        (
            {**BACKUP, "extraFlags": ["--admin_port=9000"]},
            "extraFlags --admin_port=9000: backup.enabled opens the AdminServer on"
            " backup.adminPort (8080)",
        ),
        (
            {**BACKUP, "extraEnvVars": [{"name": "ZK_ADMIN_PORT", "value": "9000"}]},
            'extraEnvVars ZK_ADMIN_PORT "9000": backup.enabled opens the AdminServer on'
            " backup.adminPort (8080)",
        ),
        (backup(adminPort=2181), "backup.adminPort 2181: same port as ports.client"),
        (backup(adminPort=3888), "backup.adminPort 3888: same port as ports.election"),
        (
            {**backup(adminPort=2281), **tls()},
            "backup.adminPort 2281: same port as ports.clientTls",
        ),
        (
            {**backup(adminPort=9141), "metrics": {"enabled": True}},
            "backup.adminPort 9141: same port as metrics.port",
        ),
        (
            {
                **BACKUP,
                "sidecars": [{"name": "proxy", "image": "p", "ports": [{"containerPort": 8080}]}],
            },
            "sidecars proxy containerPort 8080: same port as backup.adminPort",
        ),
    ],
)
def test_contradictory_backup_and_restore_values_are_refused_in_one_line(
    values: dict[str, Any], problem: str
) -> None:
    message = refusal(values)
    assert "\n" not in message, message
    assert message.startswith(problem), message


def test_an_admin_port_in_the_environment_does_not_hide_a_clash_of_backups() -> None:
    """start-zookeeper's --admin_port wins over ZK_ADMIN_PORT: backup.adminPort is the port
    the AdminServer takes, and the one checked against the pod's others."""
    env = [{"name": "ZK_ADMIN_PORT", "value": "9000"}]
    message = refusal({**backup(adminPort=2181), "extraEnvVars": env})
    clash = "- backup.adminPort 2181: same port as ports.client"
    assert [line for line in message.splitlines() if line.startswith(clash)], message


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (backup(adminPort=1023), "at '/backup/adminPort'"),
        (backup(keep=0), "at '/backup/keep'"),
        (backup(schedul="@daily"), "at '/backup': additional properties 'schedul' not allowed"),
        (
            backup(persistence={"claim": "x"}),
            "at '/backup/persistence': additional properties 'claim' not allowed",
        ),
        (
            {"restore": {"from": {"claim": "x"}}},
            "at '/restore/from': additional properties 'claim' not allowed",
        ),
        (
            backup(persistence={"accessModes": ["ReadOnlyMany"]}),
            "at '/backup/persistence/accessModes/0'",
        ),
    ],
)
def test_the_schema_refuses_what_backup_cannot_take(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


# -- NOTES ------------------------------------------------------------------------------------


def test_notes_name_the_cronjob_its_claim_and_what_it_keeps() -> None:
    text = notes(render(backup(keep=7, schedule="5 3 * * *")))
    assert 'CronJob my-zk-backup ("5 3 * * *") writes them to claim my-zk-backups' in text
    assert "keeping the newest 7" in text
    assert "the AdminServer's port 8080 only the backup job" in text
    assert "networkPolicy.enabled false" not in text
    text = notes(render(backup(persistence={"existingClaim": "zk-backups-of-mine"})))
    assert "to claim zk-backups-of-mine" in text


@pytest.mark.parametrize("port", [8080, 9090])
def test_the_backup_notes_give_in_a_member_asks_that_members_admin_server(port: int) -> None:
    docs_and_notes = render(backup(adminPort=port))
    (line,) = [line for line in notes(docs_and_notes).splitlines() if "-- zookeeper-backup" in line]
    command = shlex.split(line.split("exec ", 1)[1].split(" > ", 1)[0])
    assert command[:2] == ["my-zk-0", "--"]
    zookeeper = container_of(one(documents(docs_and_notes), "StatefulSet"))
    environ = {env["name"]: env.get("value", "") for env in zookeeper.get("env", [])}
    assert parse_args(command[3:], environ).admin_port == port


def test_notes_warn_that_without_a_network_policy_the_admin_port_is_open() -> None:
    text = notes(render({**backup(adminPort=9090), "networkPolicy": {"enabled": False}}))
    assert (
        "With networkPolicy.enabled false, the AdminServer's port 9090 serves the whole tree"
        " to any pod that reaches it."
    ) in text


def test_notes_say_what_a_restore_starts_from() -> None:
    text = notes(render(RESTORE))
    assert f"Restored from daily/zk.backup on claim {RESTORE_CLAIM}" in text
    assert "Restored from" not in notes(render({}))


# -- documented -------------------------------------------------------------------------------

NEW_KEYS = ["backup", "restore"]


def leaves(node: dict[str, Any], path: str = "") -> list[str]:
    found = []
    for key, value in node.items():
        if isinstance(value, dict) and value and key != "resources":
            found += leaves(value, f"{path}{key}.")
        else:
            found.append(f"{path}{key}")
    return found


def test_the_schema_and_the_readme_describe_every_new_key() -> None:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    readme = (CHART / "README.md").read_text()
    keys = leaves({key: defaults[key] for key in NEW_KEYS})
    assert "backup.persistence.className" in keys
    assert "restore.from.file" in keys
    for key in keys:
        node = schema
        for step in key.split("."):
            assert node.get("additionalProperties") is False, key
            node = node["properties"][step]
        assert f"| `{key}` |" in readme, key


def test_a_run_that_stalls_is_stopped_at_its_deadline() -> None:
    """zookeeper-backup's --timeout bounds a wait without progress, not a member trickling
    bytes: the Job's deadline bounds the run, so the next ones are not held back."""
    for values, deadline in (({}, 3600), ({"deadlineSeconds": 600}, 600)):
        rendered = documents(render({"backup": {"enabled": True, **values}}))
        job = only(rendered, "CronJob")["spec"]["jobTemplate"]["spec"]
        assert job["activeDeadlineSeconds"] == deadline
