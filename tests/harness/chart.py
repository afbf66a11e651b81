"""charts/zookeeper, rendered, linted and packaged by Helm's own engine.

helm-python-sdk binds Helm 4's Go library, so what `helm template`, `helm
lint` and `helm package` would do happens here without a helm binary. The
same functions make manifests/ (`make manifests`) and the chart repository
(`make chart`), and the tests check their output: one source for both.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from helm_python.chart import Chart, lint, package, values_from_yaml
from helm_python.registry import repo_index_generate

ROOT = Path(__file__).resolve().parent.parent.parent
CHART = ROOT / "charts" / "zookeeper"
MANIFESTS = ROOT / "manifests"

# manifests/<file>: the chart rendered for release `zk` with charts/zookeeper/<values file>.
MANIFEST_VALUES = {
    "zookeeper.yaml": "values.yaml",
    "zookeeper_mini.yaml": "values-mini.yaml",
    "zookeeper_micro.yaml": "values-micro.yaml",
}
MANIFEST_RELEASE = "zk"
# Rendered into a namespace, then left without one: `kubectl apply -n NS` places them.
_RENDER_NAMESPACE = "default"
# kubectl applies a file's documents in order: what others refer to first.
_KIND_ORDER = ["ServiceAccount", "Service", "PodDisruptionBudget", "NetworkPolicy", "StatefulSet"]

Document = dict[str, Any]


def values_file(path: Path) -> dict[str, Any]:
    """A values file as `helm install -f` reads it."""
    return values_from_yaml(path.read_text())


def render(
    values: Mapping[str, Any] | None = None, name: str = "my-zk", namespace: str = "zk"
) -> dict[str, str]:
    """`helm template`: template path -> rendered text (NOTES.txt included)."""
    with Chart.load(CHART) as chart:
        return chart.render(values=dict(values or {}), name=name, namespace=namespace)


def split_documents(text: str) -> list[str]:
    """The YAML documents of one rendered template, each as its text (a template whose
    condition is false renders none)."""
    parts = re.split(r"^---\s*$", text, flags=re.M)
    return [part.strip("\n") + "\n" for part in parts if _has_content(part)]


def _has_content(part: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in part.splitlines())


def parse(text: str) -> Document:
    """One document; libyaml's parser, as a test parses hundreds."""
    document: Document = yaml.load(text, Loader=yaml.CSafeLoader)
    return document


class _UniqueKeyLoader(yaml.SafeLoader):
    """A loader that refuses a mapping with a key twice, which YAML forbids and most
    parsers take silently (the last wins; the API server refuses some, not all)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def strict_documents(rendered: Mapping[str, str]) -> list[Document]:
    """`documents`, read by a loader that refuses a key given twice in one mapping."""
    return [
        yaml.load(text, Loader=_UniqueKeyLoader)
        for path, text in sorted(rendered.items())
        if not path.endswith("NOTES.txt")
        for text in split_documents(text)
    ]


def documents(rendered: Mapping[str, str], hooks: bool = True) -> list[Document]:
    """Every Kubernetes object rendered; with hooks=False, what `helm install` creates
    before any hook (the `helm test` pod left out)."""
    return [
        parse(text)
        for path, text in sorted(rendered.items())
        if not path.endswith("NOTES.txt") and (hooks or "/templates/tests/" not in path)
        for text in split_documents(text)
    ]


def notes(rendered: Mapping[str, str]) -> str:
    return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))


def lint_report(values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`helm lint --strict`: warnings count as errors."""
    return lint(CHART, dict(values or {}), strict=True, namespace="zk")


def manifest_text(manifest: str) -> str:
    """manifests/<manifest> as `make manifests` writes it."""
    values_path = CHART / MANIFEST_VALUES[manifest]
    rendered = render(values_file(values_path), MANIFEST_RELEASE, _RENDER_NAMESPACE)
    texts = [
        _without_namespace(text)
        for path, text in sorted(rendered.items())
        if not path.endswith("NOTES.txt") and "/templates/tests/" not in path
        for text in split_documents(text)
    ]
    texts.sort(key=lambda text: _KIND_ORDER.index(parse(text)["kind"]))
    header = [
        *_description(values_path),
        f"# Deploy: kubectl apply -f manifests/{manifest}",
        "#",
        f"# Generated by `make manifests` from charts/zookeeper with {values_path.name},",
        f"# release {MANIFEST_RELEASE}, no namespace. Edit the chart, not this file.",
    ]
    return "\n".join(header) + "\n" + "---\n".join(texts)


def _description(values_path: Path) -> list[str]:
    """The values file's opening comment: what that size of ensemble is for."""
    lines = []
    for line in values_path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def _without_namespace(text: str) -> str:
    line = f"  namespace: {_RENDER_NAMESPACE}\n"
    if text.count(line) != 1:
        raise ValueError(f"no single metadata.namespace to leave out in:\n{text}")
    return text.replace(line, "", 1)


# Helm keeps values.yaml out of .Files, and a symbolic link is lost where a chart is
# copied as files only (Flux's source-controller skips links): the templates read the
# defaults from this copy, which `make manifests` writes.
DEFAULTS_COPY = CHART / "files" / "values.yaml"


def write_manifests(directory: Path = MANIFESTS) -> list[Path]:
    DEFAULTS_COPY.write_text((CHART / "values.yaml").read_text())
    written = [DEFAULTS_COPY]
    for manifest in MANIFEST_VALUES:
        path = directory / manifest
        path.write_text(manifest_text(manifest))
        written.append(path)
    return written


def package_repository(destination: Path, url: str | None = None) -> tuple[Path, dict[str, Any]]:
    """`helm package` into `destination`, then `helm repo index` there: the .tgz and the
    index (written as destination/index.yaml) a chart repository serves."""
    destination.mkdir(parents=True, exist_ok=True)
    archive = Path(package(CHART, destination=destination))
    index = repo_index_generate(destination, base_url=url)
    return archive, index


# The chart's one look at the cluster (templates/_helpers.tpl, zookeeper.live).
_LIVE_LOOKUP = 'lookup "apps/v1" "StatefulSet" .Release.Namespace (include "zookeeper.fullname" .)'


@contextmanager
def _chart_copy() -> Iterator[Path]:
    """A copy of the chart, to change before rendering it."""
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / "zookeeper"
        shutil.copytree(CHART, copy)
        yield copy


def render_upgrade(
    live: Document, values: Mapping[str, Any] | None = None, name: str = "my-zk"
) -> dict[str, str]:
    """`helm upgrade` against a cluster running `live`, the release's StatefulSet.

    Helm's engine renders offline, where `lookup` finds nothing; so this renders a
    copy of the chart whose one lookup reads `live` from a file instead, and
    everything else is the chart as it is.
    """
    with _chart_copy() as copy:
        helpers = copy / "templates" / "_helpers.tpl"
        text = helpers.read_text()
        assert text.count(_LIVE_LOOKUP) == 1, "the chart looks at its StatefulSet in one place"
        helpers.write_text(text.replace(_LIVE_LOOKUP, '.Files.Get "live.json" | fromJson'))
        (copy / "live.json").write_text(json.dumps(live))
        with Chart.load(copy) as chart:
            return chart.render(
                values=dict(values or {}), name=name, namespace="zk", is_upgrade=True
            )


# How the chart's Secret templates look up the Secret an earlier install made.
_SECRET_LOOKUP = 'lookup "v1" "Secret" $.Release.Namespace $secretName'


def render_with_secrets(
    values: Mapping[str, Any], secrets: Mapping[str, Mapping[str, str]], name: str = "my-zk"
) -> dict[str, str]:
    """`helm upgrade` against a cluster holding `secrets` (name -> base64 data), as the
    auth Secrets' template looks them up; everything else is the chart as it is."""
    with _chart_copy() as copy:
        template = copy / "templates" / "auth-secrets.yaml"
        text = template.read_text()
        assert text.count(_SECRET_LOOKUP) == 1, "the auth Secrets are looked up in one place"
        found = '(get ($.Files.Get "secrets.json" | fromJson) $secretName)'
        template.write_text(text.replace(_SECRET_LOOKUP, found))
        held = {secret: {"data": dict(data)} for secret, data in secrets.items()}
        (copy / "secrets.json").write_text(json.dumps(held))
        with Chart.load(copy) as chart:
            return chart.render(values=dict(values), name=name, namespace="zk", is_upgrade=True)


def render_reusing(
    missing: Iterable[str], values: Mapping[str, Any] | None = None, name: str = "my-zk"
) -> dict[str, str]:
    """`helm upgrade --reuse-values` from an older chart version whose values.yaml had
    none of the `missing` keys (dotted paths), as `render` gives it.

    Helm renders the new chart with the older one's values.yaml in place of its own
    (pkg/action/upgrade.go, reuseValues: `chart.Values = oldVals`), and with the new
    chart's files, files/values.yaml among them: so this renders a copy of the chart
    whose values.yaml lacks those keys. `values` are the release's own.
    """
    with _chart_copy() as copy:
        defaults = yaml.safe_load((copy / "values.yaml").read_text())
        for path in missing:
            *parents, key = path.split(".")
            node = defaults
            for parent in parents:
                node = node[parent]
            del node[key]
        (copy / "values.yaml").write_text(yaml.safe_dump(defaults))
        with Chart.load(copy) as chart:
            return chart.render(values=dict(values or {}), name=name, namespace="zk")


def of_kind(docs: list[Document], kind: str) -> dict[str, Document]:
    """The rendered objects of one kind, by name."""
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def only(docs: list[Document], kind: str) -> Document:
    """The one rendered object of a kind; an error when there are none or several."""
    (doc,) = of_kind(docs, kind).values()
    return doc


def container(pod_spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A pod spec's container of that name (regular containers only)."""
    (found,) = [c for c in pod_spec["containers"] if c["name"] == name]
    return dict(found)
