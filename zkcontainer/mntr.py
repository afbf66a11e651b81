"""mntr output: parse both of its forms, format it as JSON or Prometheus text exposition.

ZooKeeper's mntr is `key<TAB>value` lines. With the Prometheus metrics
provider, values are floats and summary keys carry labels such as
`zk_latency{quantile="0.5"}`. Not on the probe path: imports freely.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable

PROMETHEUS_PREFIX = "zookeeper_"

_KEY = re.compile(r"(?P<name>[^{\s]+)(?:\{(?P<labels>.*)\})?")
_LABEL = re.compile(r'\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"\s*,?')
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_:]")


class Sample:
    """One mntr line: `zk_latency{quantile="0.5"}\t1.0` is key zk_latency, value "1.0".

    A plain class rather than a dataclass: importing dataclasses pulls in
    inspect and costs more than the rest of this command together.
    """

    __slots__ = ("key", "labels", "raw_key", "text")

    def __init__(self, key: str, labels: tuple[tuple[str, str], ...], text: str, raw_key: str):
        self.key = key
        self.labels = labels
        self.text = text
        self.raw_key = raw_key

    def __repr__(self) -> str:
        return f"Sample({self.raw_key!r}, {self.text!r})"

    @property
    def number(self) -> int | float | None:
        return parse_number(self.text)


def parse_number(text: str) -> int | float | None:
    if "_" in text:  # Python would read 1_000 as a number; ZooKeeper never writes it
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def parse_mntr(text: str) -> list[Sample]:
    samples = []
    for line in text.splitlines():
        raw_key, tab, value = line.partition("\t")
        match = _KEY.fullmatch(raw_key.strip())
        if not tab or match is None:
            continue
        labels = tuple(
            (label["name"], _unescape(label["value"]))
            for label in _LABEL.finditer(match["labels"] or "")
        )
        samples.append(Sample(match["name"], labels, value.strip(), raw_key.strip()))
    return samples


def to_json(samples: Iterable[Sample]) -> str:
    """One object, keys as mntr writes them, numbers as numbers."""
    document: dict[str, int | float | str | None] = {}
    for sample in samples:
        number = sample.number
        if number is None:
            document[sample.raw_key] = sample.text
        elif isinstance(number, float) and not math.isfinite(number):
            document[sample.raw_key] = None  # JSON has no NaN or infinity
        else:
            document[sample.raw_key] = number
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def metric_name(key: str) -> str:
    """`zk_znode_count` -> `zookeeper_znode_count`."""
    base = key.removeprefix("zk_")
    return PROMETHEUS_PREFIX + _INVALID_NAME_CHARS.sub("_", base)


_ESCAPED = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n"}


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: _UNESCAPED.get(m[1], m[1]), value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _format_labels(labels: Iterable[tuple[str, str]]) -> str:
    pairs = [f'{name}="{_escape(value)}"' for name, value in labels]
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _format_value(number: int | float) -> str:
    if isinstance(number, int):
        return str(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return repr(number)


def to_prometheus(samples: Iterable[Sample]) -> str:
    """Prometheus text exposition (format 0.0.4).

    Numeric values become `untyped` samples: mntr does not say which are
    counters. Text values (zk_version, zk_server_state, zk_peer_state) become
    info-style gauges of value 1 carrying the text as a label.
    """
    families: dict[str, tuple[str, str, list[str]]] = {}
    for sample in samples:
        number = sample.number
        if number is None:
            name = metric_name(sample.key) + "_info"
            label = sample.key.removeprefix("zk_")
            line = f"{name}{_format_labels([*sample.labels, (label, sample.text)])} 1"
            kind = "gauge"
        else:
            name = metric_name(sample.key)
            line = f"{name}{_format_labels(sample.labels)} {_format_value(number)}"
            kind = "untyped"
        families.setdefault(name, (kind, sample.key, []))[2].append(line)
    out = []
    for name, (kind, key, lines) in families.items():
        out.append(f"# HELP {name} ZooKeeper mntr {key}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(lines)
    return "\n".join(out) + "\n"
