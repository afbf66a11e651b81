"""The chart's probes and resources: the startup probe before the others, and the memory
and heap the values ask for, refused at render when a pod could not run on them."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from helm_python.errors import HelmError

from tests.harness.chart import documents, render
from tests.harness.chartcases import container_of, flags_of, one
from tests.harness.statefulset import StatefulSet


def test_the_startup_probe_is_configurable() -> None:
    values = {"startupProbe": {"failureThreshold": 360, "periodSeconds": 5}}
    startup = container_of(one(documents(render(values)), "StatefulSet"))["startupProbe"]
    assert (startup["failureThreshold"], startup["periodSeconds"]) == (360, 5)
    with pytest.raises(HelmError, match="/startupProbe"):
        render({"startupProbe": {"successThreshold": 2}})


class _Exited:
    """A container the probes are run against, never started."""


def test_the_harness_runs_liveness_and_readiness_only_after_the_startup_probe() -> None:
    """As the kubelet does: a member loading a large snapshot fails ruok, and only the
    startup probe counts that against it."""
    sts_manifest = one(documents(render({})), "StatefulSet")
    sts = StatefulSet(sts_manifest, "unused", client=cast(Any, object()))
    pod = sts.pods[0]
    answers = {"startup": False, "liveness": False, "readiness": False}
    ran: list[str] = []

    def run_probe(container: Any, probe: Any) -> tuple[bool, str]:
        ran.append(probe.kind)
        return answers[probe.kind], ""

    sts._run_probe = run_probe  # type: ignore[method-assign]
    pod.container = cast(Any, _Exited())
    pod.started = "startupProbe" not in sts.container_spec
    pod.started_at = -1e9  # every initial delay over

    def probe_round() -> None:
        pod.next_probe.clear()
        for probe in sts.probes:
            sts._maybe_probe(pod, probe)

    threshold = sts.container_spec["startupProbe"]["failureThreshold"]
    for _ in range(threshold - 1):  # the database loading: ruok unanswered
        probe_round()
    assert set(ran) == {"startup"}
    assert pod.live
    assert not pod.ready
    answers.update(startup=True, liveness=True, readiness=True)
    probe_round()  # the startup probe succeeds; the others start on the next round
    assert pod.started
    ran.clear()
    probe_round()
    assert sorted(ran) == ["liveness", "readiness"]
    assert pod.ready

    # A database that never loads: the startup probe's threshold fails the pod's liveness.
    pod.started, pod.streaks = False, {}
    answers["startup"] = False
    for _ in range(threshold):
        probe_round()
    assert not pod.live


def test_storage_class_null_is_the_default_class_and_empty_is_none() -> None:
    def claim(values: dict[str, Any]) -> dict[str, Any]:
        sts = one(documents(render(values)), "StatefulSet")
        spec: dict[str, Any] = sts["spec"]["volumeClaimTemplates"][0]["spec"]
        return spec

    assert "storageClassName" not in claim({})
    assert claim({"storage": {"className": ""}})["storageClassName"] == ""
    # The original chart left out an empty StorageClass: the default class.
    assert "storageClassName" not in claim({"StorageClass": ""})
    assert claim({"StorageClass": "fast"})["storageClassName"] == "fast"
    # "-" is the common spelling of no class: dynamic provisioning off.
    assert claim({"storage": {"className": "-"}})["storageClassName"] == ""
    assert claim({"StorageClass": "-"})["storageClassName"] == ""


def memory_of(quantity: str | int) -> dict[str, Any]:
    """resources with that memory request and limit, as the README asks."""
    return {"requests": {"memory": quantity}, "limits": {"memory": quantity}}


@pytest.mark.parametrize(
    ("values", "fits"),
    [
        ({}, True),  # 3G in 5Gi
        ({"heap": "4G"}, False),
        ({"Memory": "4Gi", "Heap": "2G"}, True),  # the original chart's values.yaml
        ({"Memory": "4Gi", "Heap": "3G"}, False),  # the original's production manifest
        ({"heap": "512M", "resources": memory_of("768Mi")}, True),
        ({"heap": "512m", "resources": memory_of("767Mi")}, False),
        ({"heap": "1G", "resources": memory_of("1610612736")}, True),
        ({"heap": "1G", "resources": memory_of("1.5Gi")}, True),
        ({"heap": "2G", "resources": memory_of("3G")}, False),  # 3G = 10^9 x 3
        ({"heap": "3G", "resources": {"limits": None}}, True),  # no limit: the request holds it
        # Plain numbers, as YAML gives `memory: 5368709120`, and thousandths of a byte.
        ({"resources": memory_of(5368709120)}, True),
        ({"resources": memory_of(4831838207)}, False),
        ({"Memory": 4294967296, "Heap": "2G"}, True),
        ({"resources": memory_of("5368709120000m")}, True),
        ({"resources": memory_of("4831838207000m")}, False),
        ({"resources": memory_of("5.36870912e9")}, True),
    ],
)
def test_a_heap_the_memory_limit_cannot_hold_is_refused(values: dict[str, Any], fits: bool) -> None:
    if fits:
        sts = one(documents(render(values)), "StatefulSet")
        # A whole number stays one: never 5.36870912e+09.
        for quantity in container_of(sts)["resources"].get("limits", {}).values():
            assert "e+" not in str(quantity)
    else:
        with pytest.raises(HelmError, match=r"needs a memory limit of at least 1\.5 x heap"):
            render(values)


def test_a_memory_request_above_the_limit_is_refused() -> None:
    # heap: auto with a smaller limit alone would leave the default 5Gi request above it.
    with pytest.raises(HelmError, match=re.escape("resources.requests.memory 5Gi exceeds")):
        render({"heap": "auto", "resources": {"limits": {"memory": "1Gi"}}})
    render({"heap": "auto", "resources": memory_of("1Gi")})


def test_heap_auto_passes_on_to_start_zookeeper_with_a_memory_limit() -> None:
    sts = one(documents(render({"heap": "auto"})), "StatefulSet")
    assert flags_of(container_of(sts))["heap"] == "auto"
    assert container_of(sts)["resources"]["limits"]["memory"] == "5Gi"


@pytest.mark.parametrize(
    ("limits", "complaint"),
    [
        (None, "heap auto: sized from the container's memory limit"),
        ({"memory": "383Mi"}, "heap auto: the memory limit 383Mi is below 384Mi"),
    ],
)
def test_heap_auto_without_a_limit_that_can_hold_one_is_refused(
    limits: dict[str, str] | None, complaint: str
) -> None:
    # start-zookeeper would exit 2 in every pod; the chart says so at install.
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render({"heap": "auto", "resources": {"requests": limits, "limits": limits}})
    render({"heap": "auto", "resources": memory_of("384Mi")})
