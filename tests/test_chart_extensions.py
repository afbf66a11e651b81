"""The chart's extension points, under the names Bitnami's charts give them: each is
rendered where it belongs, absent by default, valid for Kubernetes, and refused with a
message naming the value when it would break the pod or go unused."""

from __future__ import annotations

import copy
import functools
from typing import Any

import kubernetes_validate
import pytest
from helm_python.errors import HelmError

from tests.harness.chart import Document, container, documents, lint_report, only, render

RELEASE, NAMESPACE = "my-zk", "zk"
KUBERNETES_VERSIONS = ["1.29.0", "1.32.0", "1.37.0"]
DIGEST = "sha256:" + "0123456789abcdef" * 4

VALUE_SETS: dict[str, dict[str, Any]] = {
    "a pinned image": {
        "image": {"repository": "registry.example/zkcontainer", "tag": "1.2.3", "digest": DIGEST},
        "metrics": {"enabled": True},
    },
}


@functools.cache
def _rendered(value_set: str) -> dict[str, str]:
    return render(VALUE_SETS[value_set], RELEASE, NAMESPACE)


def rendered(value_set: str) -> list[Document]:
    """A fresh copy each time: a test may change what it reads."""
    return copy.deepcopy(documents(_rendered(value_set)))


def statefulset(docs: list[Document]) -> Document:
    return only(docs, "StatefulSet")


def pod_spec(docs: list[Document]) -> dict[str, Any]:
    spec: dict[str, Any] = statefulset(docs)["spec"]["template"]["spec"]
    return spec


def refused(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as refusal:
        render(values, RELEASE, NAMESPACE)
    return str(refusal.value)


# -- every rendering is valid ---------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_document_validates_strictly(value_set: str, version: str) -> None:
    for doc in rendered(value_set):
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_is_clean(value_set: str) -> None:
    report = lint_report(VALUE_SETS[value_set])
    assert (report["messages"], report["errors"]) == ([], []), report


# -- image.digest ---------------------------------------------------------------------------


def test_a_digest_pins_every_container_of_the_charts_image() -> None:
    docs = rendered("a pinned image")
    pod = pod_spec(docs)
    pinned = f"registry.example/zkcontainer@{DIGEST}"
    assert container(pod, "zookeeper")["image"] == pinned
    assert container(pod, "metrics")["image"] == pinned
    assert container(only(docs, "Pod")["spec"], "serving")["image"] == pinned


def test_by_default_the_image_is_repository_and_tag() -> None:
    docs = documents(render({"metrics": {"enabled": True}}))
    for image in (
        container(pod_spec(docs), "zookeeper")["image"],
        container(pod_spec(docs), "metrics")["image"],
        container(only(docs, "Pod")["spec"], "serving")["image"],
    ):
        assert image == "zkcontainer:dev"


@pytest.mark.parametrize(
    "digest", ["sha256:abc", "sha256:" + "A" * 64, "1.2.3", "sha512:" + "0" * 64]
)
def test_the_schema_refuses_what_is_no_sha256_digest(digest: str) -> None:
    assert "/image/digest" in refused({"image": {"digest": digest}})
