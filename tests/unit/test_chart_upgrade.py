"""Upgrades the running ensemble cannot take are refused before anything rolls, and
what an upgrade keeps: the reconfig ensemble's size and its superuser password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.chart import Document, documents, render, render_upgrade
from tests.harness.docs import documentation

README = documentation()


def statefulset(values: dict[str, Any], scaled_to: int | None = None) -> Document:
    """The StatefulSet a release installed with `values` runs, after `kubectl scale`."""
    (sts,) = [doc for doc in documents(render(values)) if doc["kind"] == "StatefulSet"]
    if scaled_to is not None:
        sts["spec"]["replicas"] = scaled_to
    return sts


def upgraded(live: Document, values: dict[str, Any]) -> Document:
    (sts,) = [
        doc for doc in documents(render_upgrade(live, values)) if doc["kind"] == "StatefulSet"
    ]
    return sts


def refusal(live: Document, values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as refused:
        render_upgrade(live, values)
    return str(refused.value)


STATIC = {"replicas": 3}
RECONFIG = {"replicas": 3, "reconfig": True}


def test_an_upgrade_that_keeps_the_membership_renders() -> None:
    sts = upgraded(statefulset(STATIC), {**STATIC, "heap": "2G"})
    assert "--heap=2G" in sts["spec"]["template"]["spec"]["containers"][0]["command"]


def test_a_static_resize_is_refused_naming_the_safe_way() -> None:
    message = refusal(statefulset({"replicas": 1}), {"replicas": 3})
    assert "replicas 3: the ensemble runs 1 voting member with static membership" in message
    assert "Keep replicas 1, or resize to 3 voting members by turning on reconfig first" in message
    assert "kubectl -n zk scale statefulset my-zk --replicas=3" in message


def test_a_static_resize_with_reconfig_turned_on_in_the_same_upgrade_is_refused() -> None:
    message = refusal(statefulset({"replicas": 3}), {"replicas": 5, "reconfig": True})
    assert "replicas 5: the ensemble runs 3 voting members with static membership" in message


def test_turning_reconfig_on_with_the_same_members_renders() -> None:
    sts = upgraded(statefulset(STATIC), RECONFIG)
    assert "--reconfig" in sts["spec"]["template"]["spec"]["containers"][0]["command"]


def test_static_observers_may_change_the_voters_stay() -> None:
    sts = upgraded(statefulset(STATIC), {**STATIC, "observers": 2})
    assert sts["spec"]["replicas"] == 5


@pytest.mark.parametrize(("port", "flag"), [("server", "2888"), ("election", "3888")])
def test_a_new_quorum_or_election_port_is_refused(port: str, flag: str) -> None:
    message = refusal(statefulset(STATIC), {**STATIC, "ports": {port: 4000}})
    assert f"ports.{port} 4000: the running members use {flag}" in message
    assert f"keep ports.{port} {flag}" in message


def test_the_original_charts_keys_are_checked_as_they_set_the_ports() -> None:
    message = refusal(statefulset(STATIC), {"ServerPort": 2999})
    assert "ServerPort 2999: the running members use 2888" in message
    assert "keep ServerPort 2888" in message


def test_a_reconfig_ensemble_keeps_the_size_kubectl_scale_gave_it() -> None:
    assert upgraded(statefulset(RECONFIG, scaled_to=7), RECONFIG)["spec"]["replicas"] == 7


def test_the_initial_ensemble_of_a_reconfig_release_is_fixed() -> None:
    message = refusal(statefulset(RECONFIG, scaled_to=5), {**RECONFIG, "replicas": 5})
    assert "replicas 5, observers 0 with reconfig: they name the initial ensemble" in message
    assert "(5 pods now): change it with kubectl scale and zookeeper-scale" in message


def test_turning_reconfig_off_after_a_scale_is_refused() -> None:
    message = refusal(statefulset(RECONFIG, scaled_to=7), STATIC)
    assert "reconfig false: the ensemble runs 7 pods, sized by kubectl scale" in message
    assert "keep reconfig on, or first scale to 3" in message


def test_turning_reconfig_off_at_the_installed_size_renders() -> None:
    sts = upgraded(statefulset(RECONFIG), STATIC)
    assert sts["spec"]["replicas"] == 3
    assert "--reconfig" not in sts["spec"]["template"]["spec"]["containers"][0]["command"]


def test_every_refusal_of_an_upgrade_comes_at_once() -> None:
    message = refusal(
        statefulset({"replicas": 1}),
        {"replicas": 3, "ports": {"server": 4000, "election": 4001}},
    )
    assert message.count("\n- ") == 3
    assert re.search(r"3 problems with the values", message)


def test_helm_template_cannot_see_the_cluster_and_refuses_nothing() -> None:
    # What README, "Upgrade", says: offline there is no StatefulSet to compare with.
    assert render({"replicas": 5, "ports": {"server": 4000}})


def test_a_new_volume_size_is_refused_naming_how_to_grow_the_volumes() -> None:
    live = statefulset({**STATIC, "storage": {"size": "250Gi"}})
    message = refusal(live, {**STATIC, "storage": {"size": "300Gi"}})
    assert "storage.size 300Gi: the running StatefulSet's claims ask 250Gi" in message
    assert "kubectl -n zk delete statefulset my-zk --cascade=orphan" in message


def test_the_same_size_written_otherwise_is_no_change() -> None:
    live = statefulset({**STATIC, "storage": {"size": "1Gi"}})
    assert upgraded(live, {**STATIC, "storage": {"size": "1024Mi"}})


def test_a_transaction_log_volume_cannot_be_added_or_dropped_on_a_running_release() -> None:
    with_log = {**STATIC, "storage": {"dataLog": {"enabled": True}}}
    moving = 'transaction logs {} (docs/helm-chart.md, Upgrade, "Moving the transaction log")'
    added = refusal(statefulset(STATIC), with_log)
    assert "adds volume claim datalog" in added
    assert (
        "needs the StatefulSet replaced and each member's " + moving.format("moved onto it")
        in added
    )
    dropped = refusal(statefulset(with_log), STATIC)
    assert "drops volume claim datalog" in dropped
    assert (
        "keep it, or replace the StatefulSet and move each member's " + moving.format("back")
        in dropped
    )


def test_new_common_labels_are_refused_as_they_would_relabel_the_volume_claims() -> None:
    message = refusal(statefulset(STATIC), {**STATIC, "commonLabels": {"team": "storage"}})
    assert "they label volume claim datadir too" in message
    assert "keep them as installed (labels {}, annotations {})" in message
    labelled = {**STATIC, "commonLabels": {"team": "storage"}}
    assert upgraded(statefulset(labelled), labelled)


def test_a_static_resize_through_the_original_charts_key_names_that_key() -> None:
    message = refusal(statefulset({"Servers": 3}), {"Servers": 5})
    assert "Servers 5: the ensemble runs 3 voting members" in message
    assert "Keep Servers 3" in message


def test_observers_cannot_change_in_the_upgrade_that_turns_reconfig_on() -> None:
    message = refusal(statefulset(STATIC), {**RECONFIG, "observers": 2})
    assert "observers 2 while turning on reconfig" in message


def test_the_client_port_of_a_reconfig_ensemble_is_fixed() -> None:
    # Each member listens where the dynamic membership it holds says.
    message = refusal(statefulset(RECONFIG), {**RECONFIG, "ports": {"client": 2182}})
    assert "ports.client 2182: the running members use 2181" in message
    assert upgraded(statefulset(STATIC), {**STATIC, "ports": {"client": 2182}})


TLS_STEPS = [
    {"tls": {"enabled": False}},
    {"tls": {"enabled": True, "quorum": False, "portUnification": True}},
    {"tls": {"enabled": True, "quorum": True, "portUnification": True}},
    {"tls": {"enabled": True, "quorum": True, "portUnification": False}},
]


@pytest.mark.parametrize("step", range(len(TLS_STEPS) - 1))
def test_each_step_of_the_tls_migration_renders_both_ways(step: int) -> None:
    before, after = TLS_STEPS[step], TLS_STEPS[step + 1]
    assert upgraded(statefulset({**STATIC, **before}), {**STATIC, **after})
    assert upgraded(statefulset({**STATIC, **after}), {**STATIC, **before})


@pytest.mark.parametrize(("before", "after"), [(0, 3), (0, 2), (1, 3), (3, 0), (3, 1)])
def test_a_tls_change_old_and_new_members_cannot_both_speak_is_refused(
    before: int, after: int
) -> None:
    message = refusal(statefulset({**STATIC, **TLS_STEPS[before]}), {**STATIC, **TLS_STEPS[after]})
    assert "so old and new cannot reach each other and the roll stalls" in message
    assert "through tls.portUnification true" in message


def test_another_existing_claim_is_another_data_tree() -> None:
    standalone = {"replicas": 1, "storage": {"existingClaim": "zk-data-a"}}
    other = {"replicas": 1, "storage": {"existingClaim": "zk-data-b"}}
    message = refusal(statefulset(standalone), other)
    assert 'storage.existingClaim "zk-data-b": the server runs on claim "zk-data-a"' in message
    assert upgraded(statefulset(standalone), standalone)


@pytest.mark.parametrize(
    ("installed", "now", "complaint"),
    [
        (None, "fast", 'storage.className "fast": the running StatefulSet\'s claims use the'),
        ("fast", None, "storage.className null: the running StatefulSet's claims use storage"),
        ("fast", "slow", 'storage.className "slow"'),
    ],
)
def test_a_new_storage_class_is_refused(
    installed: str | None, now: str | None, complaint: str
) -> None:
    live = statefulset({**STATIC, "storage": {"className": installed}})
    assert complaint in refusal(live, {**STATIC, "storage": {"className": now}})
    assert upgraded(live, {**STATIC, "storage": {"className": installed}})


def test_a_statefulset_whose_flags_cannot_be_read_refuses_nothing_it_cannot_compare() -> None:
    live = statefulset(STATIC)
    container = live["spec"]["template"]["spec"]["containers"][0]
    container["command"] = ["sh", "-c", " ".join(container["command"])]
    assert upgraded(live, {**STATIC, "replicas": 3})
    live["spec"]["template"]["spec"]["containers"][0]["name"] = "server"
    assert upgraded(live, STATIC)


def helm_test_script(live: Document, values: dict[str, Any]) -> str:
    """The script of the `helm test` pod an upgrade against `live` stores."""
    (pod,) = [doc for doc in documents(render_upgrade(live, values)) if doc["kind"] == "Pod"]
    script: str = pod["spec"]["containers"][0]["command"][-1]
    return script


def test_helm_test_asks_every_pod_a_reconfig_ensemble_runs_now() -> None:
    script = helm_test_script(statefulset(RECONFIG, scaled_to=5), RECONFIG)
    assert "my-zk-4.my-zk-hs" in script
    assert "my-zk-5.my-zk-hs" not in script


# -- NOTES count what runs; advice on the number of members an existing release can take --


def upgrade_notes(live: Document, values: dict[str, Any]) -> str:
    rendered = render_upgrade(live, values)
    return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))


def test_notes_count_the_members_a_reconfig_ensemble_runs_now() -> None:
    values = {**RECONFIG, "observers": 1}
    text = upgrade_notes(statefulset(values, scaled_to=6), values)
    # The observer kept its ordinal; kubectl scale added two voters above it.
    assert "5 members and 1 observer, StatefulSet my-zk" in text
    assert "Observers my-zk-3 serve reads" in text
    assert "survives 2 voting members down" in text
    assert "my-zk-5.my-zk-hs.zk:2181" in text
    assert "6 pods now, from an initial ensemble of 4" in text


def test_notes_count_the_observers_a_scale_down_removed() -> None:
    values = {**RECONFIG, "observers": 2}
    text = upgrade_notes(statefulset(values, scaled_to=4), values)
    assert "3 members and 1 observer" in text
    assert "my-zk-4.my-zk-hs" not in text


def test_notes_warn_of_an_even_count_a_scale_left_and_not_of_one_it_ended() -> None:
    scaled = upgrade_notes(statefulset(RECONFIG, scaled_to=4), RECONFIG)
    assert "Warning: 4 members survive no more failures than 3 do" in scaled
    assert "resize to 5 voting members with kubectl -n zk scale statefulset my-zk --replicas=5" in (
        scaled
    )
    even = {**RECONFIG, "replicas": 4}
    assert "survive no more failures" not in upgrade_notes(statefulset(even, scaled_to=5), even)


def test_a_budget_two_static_members_cannot_keep_advises_the_safe_resize() -> None:
    installed = {"replicas": 2, "podDisruptionBudget": {"maxUnavailable": 0}}
    message = refusal(statefulset(installed), {"replicas": 2})
    assert "2 members keep a quorum only with all up" in message
    assert (
        "resize to 3 voting members by turning on reconfig first with the same members"
        " (helm upgrade my-zk -n zk --reuse-values --set reconfig=true), then kubectl -n zk"
        " scale statefulset my-zk --replicas=3 (docs/helm-chart.md, Upgrade)"
    ) in message
    assert "set replicas" not in message


def test_observers_beside_a_running_standalone_advise_the_safe_resize() -> None:
    message = refusal(statefulset({"replicas": 1}), {"replicas": 1, "observers": 2})
    assert "replicas 1 is a standalone server (set observers to 0, or resize to 3" in message
    resize = "kubectl -n zk scale statefulset my-zk --replicas=3 (docs/helm-chart.md, Upgrade)"
    assert resize in message
    assert "set replicas" not in message


def test_a_static_shrink_removes_the_members_before_their_pods() -> None:
    message = refusal(statefulset({"replicas": 5}), {"replicas": 3})
    assert (
        "then kubectl -n zk exec my-zk-0 -- zookeeper-scale 3, then kubectl -n zk scale"
        " statefulset my-zk --replicas=3"
    ) in message


def test_a_reconfig_ensembles_budget_counts_the_voters_kubectl_scale_left() -> None:
    installed = {**RECONFIG, "replicas": 2, "podDisruptionBudget": {"maxUnavailable": 0}}
    budget = {**installed, "podDisruptionBudget": {"maxUnavailable": 1}}
    assert upgraded(statefulset(installed, scaled_to=3), budget)
    message = refusal(statefulset(installed), budget)
    assert "2 members keep a quorum only with all up" in message
    assert "resize to 3 voting members with kubectl -n zk scale statefulset my-zk" in message


def test_a_standalone_server_turns_tls_on_and_off_in_one_upgrade() -> None:
    """One server has no peers: nothing mid-roll must reach it in the old way. (Its
    plaintext clients are cut off by TLS without portUnification, as at install.)"""
    plaintext = {"replicas": 1}
    secured = {"replicas": 1, "tls": {"enabled": True}}
    assert upgraded(statefulset(plaintext), secured)
    assert upgraded(statefulset(secured), plaintext)
    assert upgraded(statefulset(plaintext), {**plaintext, "ports": {"server": 4000}})


def test_a_tls_change_of_a_standalone_growing_into_an_ensemble_is_still_checked() -> None:
    message = refusal(statefulset({"replicas": 1}), {"replicas": 3, "tls": {"enabled": True}})
    assert "the ensemble runs 1 voting member with static membership" in message
    assert "old and new cannot reach each other" in message


def with_separate_values(live: Document) -> Document:
    """`live` with each --name=VALUE given as two arguments, --name VALUE, as
    start-zookeeper also reads them (a true/false flag takes its value only after =)."""
    container = live["spec"]["template"]["spec"]["containers"][0]
    command: list[str] = []
    for argument in container["command"]:
        name, has_value, value = argument.partition("=")
        if has_value and value not in ("true", "false"):
            command += [name, value]
        else:
            command.append(argument)
    container["command"] = command
    return live


def test_flags_given_as_two_arguments_are_read_as_start_zookeeper_reads_them() -> None:
    live = with_separate_values(statefulset(STATIC))
    assert "--servers" in live["spec"]["template"]["spec"]["containers"][0]["command"]
    assert upgraded(live, STATIC)
    message = refusal(live, {"replicas": 5, "ports": {"server": 4000}})
    assert "replicas 5: the ensemble runs 3 voting members with static membership" in message
    assert "Keep replicas 3" in message
    assert "ports.server 4000: the running members use 2888" in message
    reconfig = with_separate_values(statefulset(RECONFIG, scaled_to=5))
    assert upgraded(reconfig, RECONFIG)["spec"]["replicas"] == 5
    assert "fixed at install as 3 and 0" in refusal(reconfig, {**RECONFIG, "replicas": 5})


# -- a standalone server on storage.existingClaim grows only off that claim ------------------

ON_A_CLAIM = {"replicas": 1, "storage": {"existingClaim": "zk-data"}}


def assert_advises_moving_off_the_claim(text: str) -> None:
    """The reconfig route would be refused: with storage.existingClaim, kubectl scale
    would add members mounting the one claim (zookeeper.checkStorage)."""
    assert "--set reconfig=true" not in text
    assert 'move the server off storage.existingClaim "zk-data" first' in text
    assert "cannot grow in place, as every member needs a claim of its own" in text
    assert "copy it into claim datadir-my-zk-0 and re-create the StatefulSet" in text
    assert "then resize to 3 voting members (docs/helm-chart.md, Upgrade)" in text


def test_a_standalone_on_an_existing_claim_is_told_to_move_off_it_to_grow() -> None:
    live = statefulset(ON_A_CLAIM)
    message = refusal(live, {**ON_A_CLAIM, "replicas": 3})
    assert "replicas 3: the ensemble runs 1 voting member with static membership" in message
    assert_advises_moving_off_the_claim(message)
    # What runs decides: dropping the claim in the same upgrade does not make it growable.
    assert_advises_moving_off_the_claim(refusal(live, {"replicas": 3}))


def test_observers_beside_a_standalone_on_an_existing_claim_advise_moving_off_it() -> None:
    message = refusal(statefulset(ON_A_CLAIM), {**ON_A_CLAIM, "observers": 2})
    assert "replicas 1 is a standalone server (set observers to 0, or move the server off" in (
        message
    )
    assert_advises_moving_off_the_claim(message)


def test_notes_of_a_standalone_on_an_existing_claim_advise_moving_off_it() -> None:
    text = upgrade_notes(statefulset(ON_A_CLAIM), ON_A_CLAIM)
    assert "Warning: one standalone server." in text
    assert_advises_moving_off_the_claim(text)


def test_before_the_release_exists_an_existing_claim_is_left_out_to_grow() -> None:
    with pytest.raises(HelmError) as refused:
        render({**ON_A_CLAIM, "observers": 2})
    assert "set replicas to 3 and leave storage.existingClaim empty" in str(refused.value)


def test_the_readme_gives_the_route_off_an_existing_claim_the_advice_names() -> None:
    upgrade = README.split("\n### Upgrade\n", 1)[1].split("\n### ", 1)[0]
    section = upgrade.split("To grow a standalone server on `storage.existingClaim`", 1)[1]
    assert "kubectl -n zk delete statefulset my-zk" in section
    assert "datadir-my-zk-0" in section
    upgrade_off_the_claim = "helm upgrade my-zk charts/zookeeper -n zk --reuse-values --set"
    assert f"{upgrade_off_the_claim} storage.existingClaim=" in section
    assert "--set reconfig=true" in section


# -- a reconfig ensemble scaled to 0 ----------------------------------------------------------

STOPPED_TLS = {
    **RECONFIG,
    "tls": {
        "enabled": True,
        "portUnification": True,
        "certManager": {"enabled": True, "issuerRef": {"name": "zk-ca"}},
    },
}


def test_a_stopped_reconfig_ensemble_keeps_its_members_short_names_in_the_certificate() -> None:
    """An upgrade at 0 pods must not have cert-manager reissue the certificate without
    the names the members come back with."""
    rendered = render_upgrade(statefulset(STOPPED_TLS, scaled_to=0), STOPPED_TLS)
    (certificate,) = [doc for doc in documents(rendered) if doc["kind"] == "Certificate"]
    installed = [doc for doc in documents(render(STOPPED_TLS)) if doc["kind"] == "Certificate"]
    assert certificate["spec"]["dnsNames"] == installed[0]["spec"]["dnsNames"]
    for member in range(3):
        assert f"my-zk-{member}.my-zk-hs" in certificate["spec"]["dnsNames"]
    # Scaled down, then upgraded: the initial members keep their names too.
    rendered = render_upgrade(statefulset(STOPPED_TLS, scaled_to=1), STOPPED_TLS)
    (certificate,) = [doc for doc in documents(rendered) if doc["kind"] == "Certificate"]
    assert "my-zk-2.my-zk-hs" in certificate["spec"]["dnsNames"]


def test_notes_of_a_stopped_reconfig_ensemble_say_so_and_how_to_start_it() -> None:
    text = upgrade_notes(statefulset(RECONFIG, scaled_to=0), RECONFIG)
    assert "0 members" not in text
    assert "StatefulSet my-zk in namespace zk is scaled to 0: no member runs" in text
    assert "kubectl -n zk scale statefulset my-zk --replicas=N" in text
    assert "or to the members" not in text


def test_helm_test_of_a_stopped_reconfig_ensemble_fails_saying_so() -> None:
    script = helm_test_script(statefulset(RECONFIG, scaled_to=0), RECONFIG)
    assert "StatefulSet my-zk ran no pod (scaled to 0)" in script
    assert "leaders, not one" not in script


def test_turning_reconfig_off_at_0_pods_advises_starting_it_with_kubectl_scale() -> None:
    message = refusal(statefulset(RECONFIG, scaled_to=0), STATIC)
    assert "reconfig false: the StatefulSet is scaled to 0" in message
    # zookeeper-scale runs in a member: none runs to start with.
    assert "first scale to 3 (zookeeper-scale" not in message
    assert (
        "first start it again at the size it ran before it stopped"
        " (kubectl -n zk scale statefulset my-zk --replicas=N)"
    ) in message
    assert "keep replicas 3 and observers 0" in message


# -- the Secret a running TLS ensemble mounts ---------------------------------------------------

TLS = {**STATIC, "tls": {"enabled": True}}


@pytest.mark.parametrize(
    "installed",
    [TLS, {**STATIC, "tls": {"enabled": True, "secretName": "zk-certs"}}],
    ids=["the default Secret", "a named Secret"],
)
def test_a_new_tls_secret_on_a_running_tls_ensemble_is_refused(installed: dict[str, Any]) -> None:
    live = statefulset(installed)
    mounted = installed["tls"].get("secretName", "my-zk-tls")
    message = refusal(live, {**STATIC, "tls": {"enabled": True, "secretName": "zk-certs-2"}})
    assert f'tls.secretName "zk-certs-2": the running members mount Secret "{mounted}"' in message
    assert f'keep tls.secretName "{mounted}" and put the new certificate into that Secret' in (
        message
    )
    assert "(docs/tls.md, Renewal without a restart)" in message
    assert upgraded(live, installed)


def test_a_new_tls_secret_with_cert_manager_is_refused() -> None:
    cert_manager = {"enabled": True, "issuerRef": {"name": "zk-ca"}}
    installed = {**STATIC, "tls": {"enabled": True, "certManager": cert_manager}}
    message = refusal(
        statefulset(installed),
        {**STATIC, "tls": {"enabled": True, "certManager": cert_manager, "secretName": "other"}},
    )
    assert 'tls.secretName "other": the running members mount Secret "my-zk-tls"' in message


def test_the_tls_secret_may_change_where_no_peers_or_no_tls_would_mind() -> None:
    standalone = {"replicas": 1, "tls": {"enabled": True}}
    assert upgraded(
        statefulset(standalone), {"replicas": 1, "tls": {"enabled": True, "secretName": "other"}}
    )
    # At 0 pods nothing rolls: every member starts on the new Secret.
    stopped = {**STOPPED_TLS, "tls": {**STOPPED_TLS["tls"], "secretName": "other"}}
    assert upgraded(statefulset(STOPPED_TLS, scaled_to=0), stopped)
    migrating = {**STATIC, "tls": {"enabled": True, "quorum": False, "portUnification": True}}
    first_step_named = {**migrating, "tls": {**migrating["tls"], "secretName": "x"}}
    assert upgraded(statefulset(STATIC), first_step_named)


# -- turning reconfig off keeps who votes, and who reaches the plaintext port ---------------


@pytest.mark.parametrize(
    ("live", "values"),
    [
        ({"replicas": 3, "observers": 2, "reconfig": True}, {"replicas": 5}),
        ({"replicas": 3, "observers": 2, "reconfig": True}, {"replicas": 4, "observers": 1}),
        ({"replicas": 5, "reconfig": True}, {"replicas": 3, "observers": 2}),
    ],
    ids=["observers promoted", "one observer promoted", "voters demoted"],
)
def test_turning_reconfig_off_cannot_change_who_votes(
    live: dict[str, Any], values: dict[str, Any]
) -> None:
    """The same pods with another split is a static resize by another way: rolled
    and unrolled members would count a quorum over two different voter lists."""
    message = refusal(statefulset(live), values)
    kept = f"keep replicas {live['replicas']} and observers {live.get('observers', 0)}"
    assert "so who votes changes one pod at a time" in message
    assert kept in message


def test_turning_reconfig_off_with_the_members_split_as_they_run_renders() -> None:
    live = {"replicas": 3, "observers": 2, "reconfig": True}
    sts = upgraded(statefulset(live), {"replicas": 3, "observers": 2})
    assert "--observers=2" in sts["spec"]["template"]["spec"]["containers"][0]["command"]


RECONFIG_TLS = {**RECONFIG, "tls": {"enabled": True, "portUnification": True}}


def test_turning_reconfig_off_under_tls_cannot_open_the_plaintext_port_to_clients() -> None:
    message = refusal(statefulset(RECONFIG_TLS), {**RECONFIG_TLS, "reconfig": False})
    assert "reconfig false with tls.enabled and tls.portUnification" in message
    assert "set tls.portUnification=false in the same upgrade" in message
    tls_only = {"replicas": 3, "tls": {"enabled": True, "portUnification": False}}
    sts = upgraded(statefulset(RECONFIG_TLS), tls_only)
    assert (
        "--tls_port_unification=false"
        in sts["spec"]["template"]["spec"]["containers"][0]["command"]
    )


# -- at 0 pods nothing rolls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("live", "values"),
    [
        (STATIC, {**STATIC, "ports": {"server": 2890, "election": 3890}}),
        (STATIC, {**STATIC, "tls": {"enabled": True}}),
        (RECONFIG, {**RECONFIG, "tls": {"enabled": True, "portUnification": True}}),
    ],
    ids=["static ports", "static to tls", "reconfig to tls"],
)
def test_a_stopped_ensemble_takes_what_no_roll_would_split(
    live: dict[str, Any], values: dict[str, Any]
) -> None:
    assert upgraded(statefulset(live, scaled_to=0), values)


def test_a_stopped_reconfig_ensemble_keeps_the_ports_its_membership_names() -> None:
    """The dynamic membership on the volumes names each member's ports."""
    values = {**RECONFIG, "ports": {"server": 2890}}
    message = refusal(statefulset(RECONFIG, scaled_to=0), values)
    assert "ports.server 2890: the running members use 2888" in message


# -- turning reconfig on keeps the pods a static ensemble's membership names ----------------


def test_turning_reconfig_on_after_kubectl_scale_shrank_a_static_ensemble_is_refused() -> None:
    """With reconfig the chart keeps the pods it finds: 3 pods of 5 voters would roll
    with 2 of 5 up at every step."""
    message = refusal(statefulset({"replicas": 5}, scaled_to=3), {"replicas": 5, "reconfig": True})
    assert "reconfig true: the StatefulSet runs 3 pods, but its static ensemble has 5" in message
    assert "first scale it back (kubectl -n zk scale statefulset my-zk --replicas=5)" in message


def test_turning_reconfig_on_at_the_installed_size_or_stopped_renders() -> None:
    values = {"replicas": 5, "reconfig": True}
    assert upgraded(statefulset({"replicas": 5}), values)["spec"]["replicas"] == 5
    assert upgraded(statefulset({"replicas": 5}, scaled_to=0), values)["spec"]["replicas"] == 0


def test_a_grown_ensemble_installed_with_one_voter_keeps_reconfig_saying_why() -> None:
    message = refusal(statefulset({"replicas": 1, "reconfig": True}, scaled_to=3), {"replicas": 3})
    assert "keep reconfig on: it was installed with one voting member" in message
    assert "zookeeper-scale, then kubectl scale" not in message


# -- advice that can be followed: the claims, and what helm rollback skips -----------------


def test_leaving_an_existing_claim_names_the_move_within_the_release() -> None:
    live = {"replicas": 1, "storage": {"existingClaim": "zk-data"}}
    message = refusal(statefulset(live), {"replicas": 1})
    assert "the claim copied into datadir-my-zk-0, then this upgrade" in message
    assert "a new release" not in message


def test_replacing_the_statefulset_of_a_scaled_reconfig_ensemble_says_to_scale_back_first() -> None:
    """The replacement renders the initial ensemble's pods and deletes the others."""
    values = {**RECONFIG, "storage": {"size": "300Gi"}}
    scaled = refusal(statefulset(RECONFIG, scaled_to=5), values)
    assert "first bring the ensemble back to its installed 3 pods" in scaled
    assert "first bring" not in refusal(statefulset(RECONFIG), values)


def test_the_readme_upgrades_to_old_values_instead_of_rolling_back() -> None:
    gitops = README.split("### GitOps: Argo CD, Flux and helm rollback\n", 1)[1]
    gitops = gitops.split("\n### ", 1)[0]
    assert "none of the [upgrade refusals](#upgrade) runs" in gitops
    assert "helm upgrade my-zk charts/zookeeper -n zk -f rev3.yaml" in gitops
    assert "helm rollback my-zk" not in gitops
