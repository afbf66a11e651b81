"""The chart's observers and reconfig: who votes, who joins, and the password the members
share."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.apiserver import validate_strictly
from tests.harness.chart import Document, documents, lint_report, notes, of_kind, render
from tests.harness.chartcases import (
    KUBERNETES_VERSIONS,
    NAMESPACE,
    container_of,
    flags_of,
    one,
    rendered,
    rendered_documents,
    rolling_update,
    secret_mount,
    start_zookeeper_settings,
    tls,
)
from tests.harness.chartpolicy import MEMBER_LABELS, ingress_rules
from zkcontainer.settings import load_settings


def test_observers_are_the_pods_after_the_voting_members() -> None:
    """replicas stays the voting members; ids come from ordinals, so the StatefulSet
    runs replicas + observers pods, and start-zookeeper makes the last ones observers."""
    docs = documents(render({"observers": 2}))
    sts = one(docs, "StatefulSet")
    assert sts["spec"]["replicas"] == 5
    assert {"servers": "3", "observers": "2"}.items() <= flags_of(container_of(sts)).items()
    name, service = sts["metadata"]["name"], sts["spec"]["serviceName"]
    observing = [
        load_settings(
            container_of(sts)["command"][1:],
            {},
            lambda i=i: f"{name}-{i}.{service}.{NAMESPACE}.svc.cluster.local",  # type: ignore[misc]
        ).observing
        for i in range(5)
    ]
    assert observing == [False, False, False, True, True]


def test_without_observers_the_command_is_as_before() -> None:
    assert "--observers" not in " ".join(
        container_of(one(documents(render()), "StatefulSet"))["command"]
    )


def test_the_test_hook_asks_the_observers_too_and_wants_them_observing() -> None:
    script = one(documents(render({"observers": 2})), "Pod")["spec"]["containers"][0]["command"][2]
    assert "my-zk-4.my-zk-hs ; do" in script
    assert 'my-zk-3.*) [ "$state" = observer ]' in script
    assert 'my-zk-4.*) [ "$state" = observer ]' in script
    assert '[ "$leaders" -eq 1 ]' in script


def test_notes_name_the_observers_and_say_they_never_vote() -> None:
    text = notes(render({"observers": 2}))
    assert "3 members and 2 observers" in text
    assert "my-zk-4.my-zk-hs.zk:2181" in text
    assert "Observers my-zk-3, my-zk-4 serve reads" in text
    assert "survives 1 voting member down" in text


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"replicas": 1, "observers": 2}, "observers 2: observers need an ensemble of voting"),
        ({"observers": 253}, "observers 253: with replicas 3 makes 256 members"),
        ({"observers": -1}, "/observers"),
        ({"observers": "2"}, "/observers"),
        ({"extraFlags": ["--observers=2"]}, "the chart sets --observers itself; set observers"),
        # The budget selects the observers too, and a drain may pick voters alone.
        (
            {"observers": 2, "podDisruptionBudget": {"maxUnavailable": 2}},
            "lets a drain take 2 of 5 pods, any of them among the 3 voting members: "
            "a quorum survives at most 1 down",
        ),
        ({"observers": 2, "podDisruptionBudget": {"maxUnavailable": "40%"}}, "take 2 of 5"),
        (
            {"observers": 3, **rolling_update(maxUnavailable="34%")},
            "updateStrategy.rollingUpdate.maxUnavailable 34%",
        ),
    ],
)
def test_observer_settings_that_zookeeper_or_the_quorum_cannot_take_are_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_a_disruption_budget_of_one_pod_keeps_the_quorum_with_observers() -> None:
    pdb = one(documents(render({"observers": 4})), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert one(
        documents(render({"observers": 4, "podDisruptionBudget": {"maxUnavailable": "14%"}})),
        "StatefulSet",
    )


RECONFIG_MOUNT = "/etc/zookeeper/reconfig"


def reconfig_secret(docs: list[Document]) -> Document:
    return of_kind(docs, "Secret")["my-zk-reconfig"]


def test_without_reconfig_there_is_no_password_and_the_command_is_as_before() -> None:
    docs = rendered_documents("defaults")
    assert "Secret" not in {doc["kind"] for doc in docs}
    command = container_of(one(docs, "StatefulSet"))["command"]
    assert not [arg for arg in command if arg.startswith("--reconfig")]


def test_reconfig_runs_every_member_with_the_password_of_one_secret_mounted_whole() -> None:
    docs = documents(render({"reconfig": True}))
    sts = one(docs, "StatefulSet")
    command = container_of(sts)["command"]
    assert command[-2:] == [
        "--reconfig",
        f"--reconfig_password_file={RECONFIG_MOUNT}/password",
    ]
    mount, volume = secret_mount(sts)
    # Whole and read-only: a subPath mount would never see the Secret change.
    assert mount == {"name": "reconfig", "mountPath": RECONFIG_MOUNT, "readOnly": True}
    assert volume["secret"] == {"secretName": "my-zk-reconfig"}
    secret = reconfig_secret(docs)
    assert secret["type"] == "Opaque"
    assert secret["metadata"]["namespace"] == NAMESPACE
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)


def test_offline_every_render_makes_a_new_password() -> None:
    """`helm template` sees no cluster, so no Secret to keep: applying its output again
    changes the password (the README says so); an install or upgrade keeps the one
    the cluster holds."""
    first, second = (reconfig_secret(documents(render({"reconfig": True}))) for _ in range(2))
    assert first["data"]["password"] != second["data"]["password"]


def test_reconfig_keeps_the_initial_ensemble_and_starts_new_pods_together() -> None:
    """replicas and observers are the initial ensemble (--servers, --observers); the
    pods of a `kubectl scale` start together, each adding itself."""
    sts = one(documents(render({"reconfig": True, "observers": 2})), "StatefulSet")
    assert sts["spec"]["replicas"] == 5
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    command = container_of(sts)["command"]
    assert {"--servers=3", "--observers=2", "--reconfig"} <= set(command)


@pytest.mark.parametrize(
    "values",
    [
        {"reconfig": True},
        {"reconfig": True, "replicas": 5, "observers": 2},
        {"reconfig": True, **tls(portUnification=True)},
    ],
    ids=["reconfig", "with observers", "with tls, unified"],
)
def test_start_zookeeper_accepts_the_rendered_reconfig_command(values: dict[str, Any]) -> None:
    sts = one(documents(render(values)), "StatefulSet")
    settings = start_zookeeper_settings(sts)
    assert settings.reconfig
    assert settings.reconfig_password_file == f"{RECONFIG_MOUNT}/password"
    initial = (values.get("replicas", 3), values.get("observers", 0))
    assert (settings.servers, settings.observers) == initial
    assert settings.servers + settings.observers == sts["spec"]["replicas"]


def test_reconfig_renders_valid_kubernetes_objects() -> None:
    validate_strictly(
        documents(render({"reconfig": True, "observers": 2})), KUBERNETES_VERSIONS[-1]
    )
    report = lint_report({"reconfig": True})
    assert (report["messages"], report["errors"]) == ([], []), report


@pytest.mark.parametrize(
    ("values", "ports"),
    [
        ({}, [2181]),
        ({"reconfig": True}, [2181]),
        (tls(), [2281]),
        ({"observers": 2, **tls(portUnification=True)}, [2181, 2281]),
    ],
)
def test_the_members_reach_each_others_client_ports_whatever_client_from_admits(
    values: dict[str, Any], ports: list[int]
) -> None:
    """A starting member asks its peers whether a quorum serves (the start gate),
    and with reconfig reads the membership there: a clientFrom of outside
    addresses alone must not leave an empty member waiting for ever."""
    members = {"podSelector": {"matchLabels": MEMBER_LABELS}}
    outside = {"networkPolicy": {"clientFrom": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}}
    rules = ingress_rules({**values, **outside})
    for port in ports:
        assert members in (rules[port] or [])


def test_notes_give_the_scaling_procedure_with_reconfig() -> None:
    text = notes(render({"reconfig": True}))
    assert "kubectl -n zk scale statefulset my-zk --replicas=N" in text
    down = "kubectl -n zk exec my-zk-0 -- zookeeper-scale N\n  kubectl -n zk scale statefulset"
    assert down in text
    assert "Secret my-zk-reconfig" in text
    assert "zookeeper-scale" not in notes(rendered("defaults"))


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (
            {"reconfig": True, **tls()},
            "reconfig with tls.enabled needs tls.portUnification",
        ),
        ({"extraFlags": ["--reconfig"]}, "the chart sets --reconfig itself; set reconfig"),
        (
            {"extraFlags": ["--reconfig_password_file=/pw"]},
            "the chart sets --reconfig_password_file itself; set reconfig",
        ),
        ({"reconfig": "yes"}, "/reconfig"),
        # Checked against 5 pods, 40% is 2; after a scale-down to 3 it is still 2.
        (
            {"reconfig": True, "replicas": 5, "podDisruptionBudget": {"maxUnavailable": "40%"}},
            "podDisruptionBudget.maxUnavailable 40% with reconfig",
        ),
        (
            {"reconfig": True, "replicas": 5, "podDisruptionBudget": {"maxUnavailable": 2}},
            "only 0 or 1 keeps a quorum at every size of 3 or more",
        ),
    ],
)
def test_reconfig_settings_the_members_cannot_run_are_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


def test_reconfig_with_tls_renders_while_the_plaintext_port_is_unified() -> None:
    sts = one(documents(render({"reconfig": True, **tls(portUnification=True)})), "StatefulSet")
    assert "--reconfig" in container_of(sts)["command"]
