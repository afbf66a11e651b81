"""NOTES say when the release runs the chart's default image, which no registry publishes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness.chart import notes, render

UNPUBLISHED = "No registry publishes image zkcontainer:dev, the chart's default"


def test_notes_say_the_default_image_must_be_built_pushed_and_set() -> None:
    text = notes(render())
    assert UNPUBLISHED in text
    assert "make image IMAGE=REGISTRY/zkcontainer:TAG && docker push REGISTRY/zkcontainer:TAG" in (
        text
    )
    assert (
        "helm upgrade my-zk -n zk --reuse-values --set image.repository=REGISTRY/zkcontainer"
        " --set image.tag=TAG"
    ) in text


@pytest.mark.parametrize(
    "image",
    [
        {"repository": "registry.example/zkcontainer", "tag": "1.0"},
        {"tag": "1.0"},  # a build of its own, loaded onto the nodes
        {"digest": "sha256:" + "a" * 64},
    ],
    ids=["another repository", "another tag", "a digest"],
)
def test_notes_say_nothing_of_publishing_for_another_image(image: dict[str, Any]) -> None:
    assert "No registry publishes" not in notes(render({"image": image}))
