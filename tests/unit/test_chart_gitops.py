"""Reconfig under GitOps: what an offline render (helm template, Argo CD) makes is the
same every time, the Secret outlives the release, and the README's Argo CD and Flux
recipes leave the live replica count to kubectl scale."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError

from tests.harness.chart import Document, documents, render
from tests.harness.docs import documentation

README = documentation()
RECONFIG = {"reconfig": True}
OWN_SECRET = {"reconfig": True, "reconfigExistingSecret": "zk-superuser"}


def of_kind(docs: list[Document], kind: str) -> list[Document]:
    return [doc for doc in docs if doc["kind"] == kind]


def secret_volume(values: dict[str, Any]) -> str:
    (sts,) = of_kind(documents(render(values)), "StatefulSet")
    (volume,) = [v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "reconfig"]
    name: str = volume["secret"]["secretName"]
    return name


def test_with_its_own_secret_two_offline_renders_are_identical() -> None:
    assert render(OWN_SECRET) == render(OWN_SECRET)
    assert secret_volume(OWN_SECRET) == "zk-superuser"
    assert of_kind(documents(render(OWN_SECRET)), "Secret") == []


def test_with_the_generated_secret_two_renders_differ_only_in_the_password() -> None:
    first, second = documents(render(RECONFIG)), documents(render(RECONFIG))
    (secret_1,), (secret_2,) = of_kind(first, "Secret"), of_kind(second, "Secret")
    assert secret_1["metadata"] == secret_2["metadata"]
    assert secret_1["metadata"]["name"] == secret_volume(RECONFIG) == "my-zk-reconfig"
    assert secret_1["data"] != secret_2["data"]  # why GitOps needs reconfigExistingSecret
    assert [d for d in first if d["kind"] != "Secret"] == [
        d for d in second if d["kind"] != "Secret"
    ]


def test_the_generated_secret_outlives_the_release() -> None:
    (secret,) = of_kind(documents(render(RECONFIG)), "Secret")
    assert secret["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}


def test_an_existing_secret_without_reconfig_is_refused() -> None:
    with pytest.raises(HelmError, match=re.escape('reconfigExistingSecret "zk-superuser"')):
        render({"reconfigExistingSecret": "zk-superuser"})


@pytest.mark.parametrize("replicas", [1, 3])
def test_a_reconfig_ensemble_has_a_disruption_budget_at_any_initial_size(replicas: int) -> None:
    (pdb,) = of_kind(documents(render({**RECONFIG, "replicas": replicas})), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert of_kind(documents(render({"replicas": 1})), "PodDisruptionBudget") == []


def readme_yaml(kind: str) -> Document:
    """The README's YAML example of `kind`."""
    # A block within a list item is indented as the item is: YAML reads it from column 0.
    blocks = [textwrap.dedent(block) for block in re.findall(r"```yaml\n(.*?)```", README, re.S)]
    loaded = [doc for block in blocks for doc in yaml.safe_load_all(block)]
    (found,) = [doc for doc in loaded if isinstance(doc, dict) and doc.get("kind") == kind]
    return found


def resolve(document: Document, pointer: str) -> Any:
    value: Any = document
    for step in pointer.strip("/").split("/"):
        value = value[step]
    return value


def test_the_argo_cd_recipe_ignores_the_replica_count_of_the_statefulset_it_renders() -> None:
    app = readme_yaml("Application")
    values = app["spec"]["source"]["helm"]["valuesObject"]
    docs = documents(render(values, name=app["metadata"]["name"]), hooks=False)
    (sts,) = of_kind(docs, "StatefulSet")
    (ignored,) = app["spec"]["ignoreDifferences"]
    assert (ignored["group"], ignored["kind"], ignored["name"]) == (
        "apps",
        "StatefulSet",
        sts["metadata"]["name"],
    )
    assert [resolve(sts, pointer) for pointer in ignored["jsonPointers"]] == [3]
    assert "RespectIgnoreDifferences=true" in app["spec"]["syncPolicy"]["syncOptions"]
    # And every render of it is the same, Secret included: nothing for a sync to change.
    assert render(values) == render(values)


def test_the_flux_recipe_ignores_the_replica_count_as_drift() -> None:
    release = readme_yaml("HelmRelease")
    values = release["spec"]["values"]
    (sts,) = of_kind(documents(render(values, name=release["metadata"]["name"])), "StatefulSet")
    (rule,) = release["spec"]["driftDetection"]["ignore"]
    assert rule["target"] == {"kind": "StatefulSet", "name": sts["metadata"]["name"]}
    assert [resolve(sts, path) for path in rule["paths"]] == [3]
    assert values["reconfigExistingSecret"]
