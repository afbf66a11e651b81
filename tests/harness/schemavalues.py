"""Hypothesis strategies for values a JSON Schema (draft 7) accepts: the chart's value sets,
drawn from values.schema.json itself.

Each subschema draws what its keywords describe, and what it draws is checked against that
subschema (jsonschema): whatever the drawing cannot arrange (a oneOf's branches
overlapping, a `not`) is filtered out where it arises. A keyword this module does not know
raises, so that the schema cannot grow beyond what the sweep draws without saying so.
Objects set few of their optional keys, so that a value set changes a few things at
once and most of them render.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from jsonschema import Draft7Validator

Schema = Mapping[str, Any]
JSON = Any

# Keywords that say what a value is; annotations are ignored.
_KNOWN = {
    "$ref", "const", "enum", "oneOf", "anyOf", "allOf", "not", "type",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "items", "minItems", "maxItems", "uniqueItems",
    "contains", "pattern", "minLength", "maxLength",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
}  # fmt: skip
# Drawn as the rest of their schema says, then filtered: they restrict rarely.
_FILTERED = {"maxProperties", "exclusiveMaximum"}
_ANNOTATIONS = {
    "$schema", "$comment", "title", "description", "definitions", "default", "examples",
}  # fmt: skip
# At most this many optional keys set, and extra keys or items drawn, per object or array.
_OPTIONAL = 6
_EXTRA = 2
_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)


_Test = TypeVar("_Test", bound=Callable[..., Any])


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis draws now and then a constant found in the source of the project's
    modules that the session has imported: which tests were collected, and every edit to
    the package, would change what a derandomized test draws (a CI run, collecting every
    test, drew value sets a local run of one file never saw). Hypothesis' own constants
    stay; the project's are left out."""
    original = providers._get_local_constants
    providers._get_local_constants = Constants
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def reproducible(test: _Test) -> _Test:
    """`test` (a `@given` test with `derandomize=True`) drawing the same examples whichever
    modules the session imported: put it above `@settings`."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _without_local_constants():
            return test(*args, **kwargs)

    return run  # type: ignore[return-value]


def values(root: Schema) -> st.SearchStrategy[JSON]:
    """What `root` accepts."""
    _check_keywords(root)
    return _Drawer(root).strategy(root)


def _check_keywords(node: Any) -> None:
    """Refuse, before drawing anything, a schema with a keyword `values` cannot draw."""
    if not isinstance(node, Mapping):
        return
    unknown = set(node) - _KNOWN - _ANNOTATIONS
    if unknown:
        raise ValueError(f"keywords the sweep cannot draw: {sorted(unknown)} in {dict(node)}")
    for keyword in ("properties", "patternProperties", "definitions"):
        for child in node.get(keyword, {}).values():
            _check_keywords(child)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for child in node.get(keyword, []):
            _check_keywords(child)
    for keyword in ("not", "items", "contains", "additionalProperties", "propertyNames"):
        _check_keywords(node.get(keyword))


class _Drawer:
    def __init__(self, root: Schema) -> None:
        self.definitions = root.get("definitions", {})
        self.cache: dict[int, st.SearchStrategy[JSON]] = {}

    def resolve(self, node: Schema) -> Schema:
        while "$ref" in node:
            prefix = "#/definitions/"
            if not node["$ref"].startswith(prefix):
                raise ValueError(f"unsupported $ref {node['$ref']}")
            node = self.definitions[node["$ref"].removeprefix(prefix)]
        return node

    def accepts(self, node: Schema) -> Any:
        return Draft7Validator({"definitions": self.definitions, **node}).is_valid

    def strategy(self, node: Schema | bool) -> st.SearchStrategy[JSON]:
        if node is True or node == {}:
            return _SCALARS
        if node is False:
            raise ValueError("nothing satisfies the schema false")
        node = self.resolve(node)
        key = id(node)
        if key not in self.cache:
            self.cache[key] = st.deferred(lambda: self._build(node))
        return self.cache[key]

    def _build(self, node: Schema) -> st.SearchStrategy[JSON]:
        accepts = self.accepts(node)
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"]).filter(accepts)
        for combinator in ("oneOf", "anyOf"):
            if combinator in node:
                rest = {k: v for k, v in node.items() if k != combinator}
                branches = [{**rest, **self.resolve(branch)} for branch in node[combinator]]
                return st.one_of([self.strategy(branch) for branch in branches]).filter(accepts)
        if "allOf" in node:
            # The first part drawn with the rest of the schema; the other parts filter.
            first, *_ = node["allOf"]
            rest = {k: v for k, v in node.items() if k != "allOf"}
            return self.strategy({**self.resolve(first), **rest}).filter(accepts)
        if "not" in node or _FILTERED & set(node):
            rest = {k: v for k, v in node.items() if k != "not" and k not in _FILTERED}
            return self.strategy(rest).filter(accepts)
        types = node.get("type") or _implied_type(node)
        if isinstance(types, str):
            types = [types]
        return st.one_of([self._typed(kind, node) for kind in types]).filter(accepts)

    def _typed(self, kind: str, node: Schema) -> st.SearchStrategy[JSON]:
        if kind == "object":
            return self._object(node)
        if kind == "array":
            return self._array(node)
        if kind == "string":
            return _string(node)
        if "multipleOf" in node and kind in ("integer", "number"):
            step = node["multipleOf"]
            low, high = node.get("minimum", node.get("exclusiveMinimum")), node.get("maximum")
            return st.integers(
                None if low is None else math.ceil(low / step),
                None if high is None else math.floor(high / step),
            ).map(lambda count: count * step)
        if kind == "integer":
            return st.integers(node.get("minimum"), node.get("maximum"))
        if kind == "number":
            return st.floats(
                node.get("minimum", node.get("exclusiveMinimum")),
                node.get("maximum"),
                exclude_min="exclusiveMinimum" in node,
                allow_nan=False,
                allow_infinity=False,
            ) | st.integers(node.get("minimum", node.get("exclusiveMinimum")), node.get("maximum"))
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise ValueError(f"unsupported type {kind}")

    def _object(self, node: Schema) -> st.SearchStrategy[JSON]:
        properties = node.get("properties", {})
        required = list(node.get("required", []))
        optional = sorted(set(properties) - set(required))
        patterns = node.get("patternProperties", {})
        additional = node.get("additionalProperties", True)
        names = node.get("propertyNames")

        @st.composite
        def draw(draw: Any) -> dict[str, JSON]:
            chosen = (
                draw(st.lists(st.sampled_from(optional), unique=True, max_size=_OPTIONAL))
                if optional
                else []
            )
            out = {
                key: draw(self.strategy(properties[key]))
                for key in [*required, *chosen]
                if key in properties
            }
            extra: list[tuple[st.SearchStrategy[str], Schema | bool]] = [
                (st.from_regex(pattern, fullmatch=True), schema)
                for pattern, schema in patterns.items()
            ]
            if additional is not False and not properties and not patterns:
                names_from = _string(self.resolve(names)) if names else st.text(max_size=8)
                extra.append((names_from, additional))
            if extra:
                for _ in range(draw(st.integers(0, _EXTRA))):
                    keys, schema = draw(st.sampled_from(extra))
                    name = draw(keys.filter(lambda name: name not in properties))
                    out[name] = draw(self.strategy(schema))
            for key in required:
                if key not in out:
                    out[key] = draw(self.strategy(True))
            return out

        return draw()

    def _array(self, node: Schema) -> st.SearchStrategy[JSON]:
        items = self.strategy(node.get("items", True))
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", low + _EXTRA), low + _EXTRA)
        unique = json.dumps if node.get("uniqueItems") else None
        drawn = st.lists(items, min_size=low, max_size=high, unique_by=unique)
        if "contains" in node:
            wanted = self.strategy(node["contains"])
            drawn = st.tuples(drawn, wanted).map(lambda pair: [*pair[0], pair[1]])
        return drawn


def _implied_type(node: Schema) -> list[str]:
    if {"properties", "patternProperties", "additionalProperties", "required"} & set(node):
        return ["object"]
    if {"items", "contains", "minItems", "maxItems"} & set(node):
        return ["array"]
    if {"pattern", "minLength", "maxLength"} & set(node):
        return ["string"]
    return ["null", "boolean", "integer", "string"]


def _string(node: Schema) -> st.SearchStrategy[str]:
    low, high = node.get("minLength", 0), node.get("maxLength")
    if "pattern" in node:
        # Every pattern the chart uses is anchored: a full match keeps Python's `$` from
        # taking a trailing newline that JSON Schema's (ECMA 262) refuses.
        drawn = st.from_regex(node["pattern"], fullmatch=True)
        return drawn.filter(lambda s: low <= len(s) <= (high if high is not None else len(s)))
    return st.text(min_size=low, max_size=high if high is not None else max(low, 20))
