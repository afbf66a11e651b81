"""values.schema.json against what Kubernetes takes: a value set the schema accepts renders
objects the API server accepts, or the chart refuses it with its own message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.harness.chart import documents, render

# -- what a review found the schema let through ----------------------------------------------


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        # An int64 overflow once rendered.
        ({"terminationGracePeriodSeconds": 1e19}, "at '/terminationGracePeriodSeconds'"),
        # Rendered as a negative int64, and large enough for any heap.
        ({"resources": {"limits": {"memory": 1e30}}}, "at '/resources/limits/memory'"),
        ({"resources": {"limits": {"memory": "1e30"}}}, "at '/resources/limits/memory'"),
        ({"Memory": "1e30"}, "at '/Memory'"),
        ({"resources": {"limits": {"memory": 0}}}, "at '/resources/limits/memory'"),
        ({"resources": {"limits": {"memory": "0Gi"}}}, "at '/resources/limits/memory'"),
        # Kubernetes keeps probe timings as int32.
        ({"livenessProbe": {"periodSeconds": 1e12}}, "at '/livenessProbe/periodSeconds'"),
        ({"startupProbe": {"failureThreshold": 2**31}}, "at '/startupProbe/failureThreshold'"),
        ({"ProbeTimeoutSeconds": 2**31}, "at '/ProbeTimeoutSeconds'"),
        (
            {"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
            "additional properties 'rollingUpdate' not allowed",
        ),
        (
            {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "2"}}},
            "at '/updateStrategy/rollingUpdate/maxUnavailable': '2' does not match",
        ),
        (
            {"podDisruptionBudget": {"maxUnavailable": "101%"}},
            "/podDisruptionBudget/maxUnavailable",
        ),
        ({"podLabels": {"Bad Key!": "x"}}, "at '/podLabels': additional properties 'Bad Key!'"),
        ({"podLabels": {"team": "Bad Value!"}}, "at '/podLabels/team'"),
        ({"podLabels": {"team": "x" * 64}}, "at '/podLabels/team'"),
        (
            {"podAnnotations": {"Bad Key!": "x"}},
            "at '/podAnnotations': additional properties 'Bad Key!'",
        ),
        (
            {"nodeSelector": {"Bad Key!": "x"}},
            "at '/nodeSelector': additional properties 'Bad Key!'",
        ),
        (
            {"metrics": {"serviceMonitor": {"labels": {"Bad Key!": "x"}}}},
            "at '/metrics/serviceMonitor/labels': additional properties 'Bad Key!'",
        ),
        (
            {"serviceAccount": {"annotations": {"Bad Key!": "x"}}},
            "at '/serviceAccount/annotations': additional properties 'Bad Key!'",
        ),
        # Object names are DNS subdomains; an image reference has no spaces.
        ({"serviceAccount": {"name": "ZooKeeper SA"}}, "at '/serviceAccount/name'"),
        ({"priorityClassName": "high priority"}, "at '/priorityClassName'"),
        ({"storage": {"className": "Fast_SSD"}}, "at '/storage/className'"),
        ({"StorageClass": "Fast_SSD"}, "at '/StorageClass'"),
        ({"image": {"tag": "1.0 beta"}}, "at '/image/tag'"),
        ({"image": {"repository": "Registry.example/ZK "}}, "at '/image/repository'"),
    ],
)
def test_values_kubernetes_refuses_are_refused_at_install(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(complaint)):
        render(values)


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ({"podSecurityContext": {"runAsNonRoot": True, "bogus": 1}}, "/podSecurityContext"),
        ({"affinity": {"nodeAffinity": {}, "bogus": 1}}, "/affinity"),
        ({"tolerations": [{"operator": "Exists", "bogus": 1}]}, "/tolerations/0"),
        (
            {
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "bogus": 1,
                    }
                ]
            },
            "/topologySpreadConstraints/0",
        ),
        ({"updateStrategy": {"type": "RollingUpdate", "bogus": 1}}, "/updateStrategy"),
        ({"imagePullSecrets": [{"name": "pull", "bogus": 1}]}, "/imagePullSecrets/0"),
        ({"securityContext": {"allowPrivilegeEscalation": False, "bogus": 1}}, "/securityContext"),
        ({"networkPolicy": {"clientFrom": [{"bogus": {}}]}}, "/networkPolicy/clientFrom/0"),
    ],
)
def test_kubernetes_shaped_values_take_only_the_fields_kubernetes_defines(
    values: dict[str, Any], path: str
) -> None:
    with pytest.raises(HelmError, match=re.escape(f"at '{path}': additional properties 'bogus'")):
        render(values)


def test_the_largest_quantities_render_exactly() -> None:
    values = {
        "resources": {"requests": {"memory": 2**53 - 1}, "limits": {"memory": 2**53 - 1}},
        "metrics": {
            "enabled": True,
            "resources": {"requests": {"memory": "7Ei"}, "limits": {"memory": "7Ei"}},
        },
    }
    (sts,) = [doc for doc in documents(render(values)) if doc["kind"] == "StatefulSet"]
    zookeeper, metrics = sts["spec"]["template"]["spec"]["containers"]
    assert zookeeper["resources"]["limits"]["memory"] == 2**53 - 1
    assert metrics["resources"]["limits"]["memory"] == "7Ei"
