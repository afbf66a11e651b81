"""Rules the Kubernetes API server enforces beyond its OpenAPI schema, as checks of a
rendered object.

kubernetes-validate checks an object's shape against the OpenAPI schema: the fields and
their types. The API server also validates values (k8s.io/kubernetes/pkg/apis/*/validation):
an int32 field takes no larger number, a label key is a qualified name, a request stays
within its limit. `violations` walks an object along the OpenAPI schema and lists what of
those rules it breaks: the ones the chart's values reach; and the one the kubelet
adds before a container runs, an image reference it parses (InvalidImageName otherwise:
the pod is made, and never runs). `validate_strictly` runs kubernetes-validate (and
`violations`, if asked) over the objects a test rendered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate

_SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_PREFIX = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")
_QUANTITY = re.compile(
    r"(?P<number>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?"
)
_FACTORS = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip
_INT_OR_PERCENT = re.compile(r"[0-9]+%")
# distribution/reference's grammar, which the kubelet parses an image reference with.
_PATH_COMPONENT = r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?"
_REFERENCE = re.compile(
    rf"(?P<name>({_DOMAIN_COMPONENT}(\.{_DOMAIN_COMPONENT})*(:[0-9]+)?/)?"
    rf"{_PATH_COMPONENT}(/{_PATH_COMPONENT})*)"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)

Object = Mapping[str, Any]
# Kinds of CustomResourceDefinitions the chart renders: kubernetes-validate holds the
# schemas of Kubernetes' own API only, so strict validation cannot check these
# (cert-manager's Certificate, prometheus-operator's ServiceMonitor and PrometheusRule);
# the tests check their fields instead.
CRD_KINDS = {"Certificate", "ServiceMonitor", "PrometheusRule"}


def validate_strictly(docs: Iterable[Object], *versions: str, values: bool = False) -> None:
    """Each object but the CRD_KINDS through kubernetes-validate for each Kubernetes
    version, strict (a field the schema lacks is an error); with `values`, the API
    server's rules on values too (`violations`)."""
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            continue
        for version in versions:
            kubernetes_validate.validate(doc, version, strict=True)
            if values:
                assert violations(doc, version) == [], doc["kind"]


@cache
def _definitions(version: str) -> dict[str, Any]:
    text = (_SCHEMAS / f"v{version}-local-strict" / "_definitions.json").read_text()
    definitions: dict[str, Any] = json.loads(text)["$defs"]
    return definitions


def _kind_schema(doc: Object) -> str:
    group, _, api = doc["apiVersion"].rpartition("/")
    prefix = {"": "io.k8s.api.core", "policy": "io.k8s.api.policy"}.get(
        group, f"io.k8s.api.{group.split('.')[0]}"
    )
    return f"{prefix}.{api}.{doc['kind']}"


def violations(doc: Object, version: str) -> list[str]:
    """What of the API server's rules on values `doc` breaks (Kubernetes `version`)."""
    walker = _Walker(_definitions(version))
    walker.walk(doc, {"$ref": f"#/$defs/{_kind_schema(doc)}"}, doc["kind"])
    return walker.found


class _Walker:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.found: list[str] = []

    def walk(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if value is None:
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            check = _CHECKS.get(name.rsplit(".", 1)[-1])
            if check:
                self.found += check(value, path)
            schema = self.definitions[name]
        if "format" in schema and schema["format"] in _RANGES and isinstance(value, int):
            low, high = _RANGES[schema["format"]]
            if not low <= value <= high:
                self.found.append(f"{path}: {value} is beyond {schema['format']}")
        if isinstance(value, Mapping):
            properties = schema.get("properties", {})
            additional = schema.get("additionalProperties")
            for key, item in value.items():
                if key in properties:
                    self.walk(item, properties[key], f"{path}.{key}")
                elif isinstance(additional, Mapping):
                    self.walk(item, additional, f"{path}[{key}]")
        elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            for index, item in enumerate(value):
                self.walk(item, schema["items"], f"{path}[{index}]")


def qualified_name_problem(key: str) -> str | None:
    """Why `key` is no label key (Kubernetes' IsQualifiedName), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and not (len(prefix) <= 253 and _PREFIX.fullmatch(prefix)):
        return f"prefix {prefix!r} is no DNS subdomain"
    if not (len(name) <= 63 and _NAME.fullmatch(name)):
        return f"name {name!r} is no qualified name"
    return None


def _label_value_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not (
        value == "" or (len(value) <= 63 and _NAME.fullmatch(value))
    ):
        return f"{value!r} is no label value"
    return None


def _labels(labels: Mapping[str, Any], path: str) -> list[str]:
    found = []
    for key, value in labels.items():
        problem = qualified_name_problem(key) or _label_value_problem(value)
        if problem:
            found.append(f"{path}[{key}]: {problem}")
    return found


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity's value, or None if the API server cannot parse it."""
    match = _QUANTITY.fullmatch(str(value))
    if not match:
        return None
    suffix = match["suffix"] or ""
    exponent = re.fullmatch(r"[eE][+-]?[0-9]+", suffix)
    factor = Decimal(10) ** int(suffix[1:]) if exponent else _FACTORS[suffix]
    return Decimal(match["number"]) * factor


def _check_quantity(value: Any, path: str) -> list[str]:
    amount = quantity(value)
    if amount is None:
        return [f"{path}: {value!r} is no quantity"]
    if abs(amount) >= 2**63:
        return [f"{path}: {value!r} is at least 2^63, which Kubernetes caps"]
    return []


def _dns_subdomain_problem(name: Any) -> str | None:
    if not (isinstance(name, str) and len(name) <= 253 and _PREFIX.fullmatch(name)):
        return f"{name!r} is no DNS subdomain"
    return None


def _names(spec: Object, path: str, fields: tuple[str, ...]) -> list[str]:
    """Fields that, when set, name an object: DNS subdomains."""
    found = []
    for field in fields:
        problem = spec.get(field) and _dns_subdomain_problem(spec[field])
        if problem:
            found.append(f"{path}.{field}: {problem}")
    return found


def _check_object_meta(meta: Object, path: str) -> list[str]:
    found = _labels(meta.get("labels") or {}, f"{path}.labels")
    found += _names(meta, path, ("name",))
    for key in meta.get("annotations") or {}:
        problem = qualified_name_problem(key)
        if problem:
            found.append(f"{path}.annotations[{key}]: {problem}")
    return found


def _check_label_selector(selector: Object, path: str) -> list[str]:
    found = _labels(selector.get("matchLabels") or {}, f"{path}.matchLabels")
    for index, requirement in enumerate(selector.get("matchExpressions") or []):
        where = f"{path}.matchExpressions[{index}]"
        found += _requirement(requirement, where, ("In", "NotIn"), ("Exists", "DoesNotExist"))
    return found


def _requirement(
    requirement: Object, where: str, with_values: tuple[str, ...], without: tuple[str, ...]
) -> list[str]:
    found = []
    problem = qualified_name_problem(requirement["key"])
    if problem:
        found.append(f"{where}.key: {problem}")
    values = requirement.get("values") or []
    operator = requirement["operator"]
    if operator in with_values and not values:
        found.append(f"{where}: {operator} needs values")
    elif operator in without and values:
        found.append(f"{where}: {operator} takes no values")
    elif operator in ("Gt", "Lt") and not (
        len(values) == 1 and re.fullmatch(r"-?[0-9]+", values[0])
    ):
        found.append(f"{where}: {operator} needs one integer")
    elif operator not in (*with_values, *without, "Gt", "Lt"):
        found.append(f"{where}: operator {operator}")
    return found


def _check_node_selector_term(term: Object, path: str) -> list[str]:
    found = []
    for index, requirement in enumerate(term.get("matchExpressions") or []):
        where = f"{path}.matchExpressions[{index}]"
        found += _requirement(requirement, where, ("In", "NotIn"), ("Exists", "DoesNotExist"))
    for index, field in enumerate(term.get("matchFields") or []):
        if field["key"] != "metadata.name" or len(field.get("values") or []) != 1:
            found.append(f"{path}.matchFields[{index}]: one metadata.name")
    return found


def _check_resources(resources: Object, path: str) -> list[str]:
    found = []
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for name, request in requests.items():
        wanted, limit = quantity(request), quantity(limits.get(name, request))
        if wanted is None or limit is None:
            continue
        if name.startswith("hugepages-") and (name not in limits or wanted != limit):
            found.append(f"{path}.requests[{name}]: huge pages need an equal limit")
        elif wanted > limit:
            found.append(f"{path}.requests[{name}]: {request} above the limit {limits[name]}")
    names = {*requests, *limits}
    if any(name.startswith("hugepages-") for name in names) and not names & {"cpu", "memory"}:
        found.append(f"{path}: huge pages need cpu or memory")
    return found


def _check_pod_spec(spec: Object, path: str) -> list[str]:
    found = _labels(spec.get("nodeSelector") or {}, f"{path}.nodeSelector")
    found += _names(spec, path, ("serviceAccountName", "priorityClassName"))
    seen = set()
    for index, constraint in enumerate(spec.get("topologySpreadConstraints") or []):
        pair = (constraint["topologyKey"], constraint["whenUnsatisfiable"])
        if pair in seen:
            found.append(f"{path}.topologySpreadConstraints[{index}]: duplicate {pair}")
        seen.add(pair)
        if "minDomains" in constraint and pair[1] != "DoNotSchedule":
            found.append(f"{path}.topologySpreadConstraints[{index}]: minDomains")
        problem = qualified_name_problem(pair[0])
        if problem:
            found.append(f"{path}.topologySpreadConstraints[{index}].topologyKey: {problem}")
    for index, toleration in enumerate(spec.get("tolerations") or []):
        where = f"{path}.tolerations[{index}]"
        operator = toleration.get("operator", "Equal")
        if toleration.get("key"):
            problem = qualified_name_problem(toleration["key"])
            if problem:
                found.append(f"{where}.key: {problem}")
        elif operator != "Exists":
            found.append(f"{where}: no key needs operator Exists")
        if operator == "Exists" and toleration.get("value"):
            found.append(f"{where}: Exists takes no value")
        if "tolerationSeconds" in toleration and toleration.get("effect") != "NoExecute":
            found.append(f"{where}: tolerationSeconds needs NoExecute")
        problem = _label_value_problem(toleration.get("value", ""))
        if problem:
            found.append(f"{where}.value: {problem}")
    for index, term in enumerate(_affinity_terms(spec.get("affinity") or {})):
        problem = qualified_name_problem(term.get("topologyKey", ""))
        if problem:
            found.append(f"{path}.affinity term {index}: topologyKey {problem}")
    found += _duplicate_container_names(spec, path)
    return found


def _duplicate_container_names(spec: Object, path: str) -> list[str]:
    """A name given twice among a pod's init containers and containers, which share
    one namespace of names."""
    found, seen = [], set()
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            name = container.get("name")
            if name in seen:
                found.append(f"{path}.{field}: the name {name} twice")
            seen.add(name)
    return found


def _affinity_terms(affinity: Object) -> list[Object]:
    terms = []
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind) or {}
        terms += rules.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        for weighted in rules.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
            terms.append(weighted["podAffinityTerm"])
    return terms


def _check_update_strategy(strategy: Object, path: str) -> list[str]:
    found = []
    rolling = strategy.get("rollingUpdate")
    if rolling and strategy.get("type", "RollingUpdate") != "RollingUpdate":
        found.append(f"{path}.rollingUpdate: only with RollingUpdate")
    unavailable = (rolling or {}).get("maxUnavailable")
    if unavailable is not None and not _positive_int_or_percent(unavailable, zero=False):
        found.append(f"{path}.rollingUpdate.maxUnavailable: {unavailable!r}")
    return found


def _check_disruption_budget(spec: Object, path: str) -> list[str]:
    found = []
    for field in ("maxUnavailable", "minAvailable"):
        if field in spec and not _positive_int_or_percent(spec[field], zero=True):
            found.append(f"{path}.{field}: {spec[field]!r}")
    return found


def _positive_int_or_percent(value: Any, zero: bool) -> bool:
    if isinstance(value, str):
        if not _INT_OR_PERCENT.fullmatch(value):
            return False
        value = int(value[:-1])
        if value > 100:
            return False
    return isinstance(value, int) and (value > 0 or (zero and value == 0))


def _check_local_object_reference(reference: Object, path: str) -> list[str]:
    problem = _dns_subdomain_problem(reference.get("name"))
    return [f"{path}.name: {problem}"] if problem else []


def _check_claim_spec(spec: Object, path: str) -> list[str]:
    return _names(spec, path, ("storageClassName",))


def image_reference_problem(image: str) -> str | None:
    """Why the kubelet cannot parse `image`, or None. A first component is a registry host
    only with a dot or a port, or as localhost: otherwise it is Docker Hub's namespace,
    and the repository path is lower case. (Newer kubelets take a first component in
    capitals for a host too; older ones refuse it, so a chart that runs on both does.)"""
    first, slash, rest = image.partition("/")
    host = bool(slash) and ("." in first or ":" in first or first == "localhost")
    repository = (rest if host else image).split(":")[0]
    if repository != repository.lower():
        return f"repository {repository!r} is not lower case"
    match = _REFERENCE.fullmatch(image)
    if not match:
        return "no image reference"
    if len(match["name"]) > 255:
        return "a name longer than 255 characters"
    return None


def _check_container(container: Object, path: str) -> list[str]:
    image = container.get("image") or ""
    if image != image.strip():
        return [f"{path}.image: {image!r} has leading or trailing whitespace"]
    found = []
    problem = image_reference_problem(image) if image else None
    if problem:
        found.append(f"{path}.image: {image!r}: {problem}")
    privileged = (container.get("securityContext") or {}).get("privileged") is True
    for index, mount in enumerate(container.get("volumeMounts") or []):
        if mount.get("mountPropagation") == "Bidirectional" and not privileged:
            found.append(
                f"{path}.volumeMounts[{index}]: Bidirectional mount propagation,"
                " in a container that is not privileged"
            )
    return found


_CHECKS = {
    "Quantity": _check_quantity,
    "ObjectMeta": _check_object_meta,
    "LabelSelector": _check_label_selector,
    "NodeSelectorTerm": _check_node_selector_term,
    "ResourceRequirements": _check_resources,
    "PodSpec": _check_pod_spec,
    "StatefulSetUpdateStrategy": _check_update_strategy,
    "PodDisruptionBudgetSpec": _check_disruption_budget,
    "LocalObjectReference": _check_local_object_reference,
    "PersistentVolumeClaimSpec": _check_claim_spec,
    "Container": _check_container,
}
