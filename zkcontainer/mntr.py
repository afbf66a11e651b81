"""mntr output: parse both of its forms, format it as JSON or Prometheus text exposition.

ZooKeeper's mntr is `key<TAB>value` lines. With the Prometheus metrics
provider, values are floats and summary keys carry labels such as
`zk_latency{quantile="0.5"}`. Not on the probe path: imports freely.

A reply can be megabytes (a fake or broken server, or a huge ensemble), and
zookeeper-metrics must still finish within its --timeout: the loops here are
kept to a few string operations a line, and every function takes a
`deadline` (time.monotonic) and raises TimeoutError once it has passed.
"""

import json
import math
import re
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import TypeVar

    Item = TypeVar("Item")

PROMETHEUS_PREFIX = "zookeeper_"

_KEY = re.compile(r"(?P<name>[^{\s]+)(?:\{(?P<labels>.*)\})?")
_LABEL = re.compile(r'\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"\s*,?')
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_:]")
_INVALID_LABEL_CHARS = re.compile(r"[^A-Za-z0-9_]")
_ESCAPED = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n"}

_CHUNK = 4096  # lines between two looks at the clock

Labels = tuple[tuple[str, str], ...]


class Sample:
    """One mntr line: `zk_latency{quantile="0.5"}\t1.0` is key zk_latency, value "1.0".

    A plain class rather than a dataclass: importing dataclasses pulls in
    inspect and costs more than the rest of this command together.
    """

    __slots__ = ("key", "labels", "number", "raw_key", "text")

    def __init__(self, key: str, labels: Labels, text: str, raw_key: str) -> None:
        self.key = key
        self.labels = labels
        self.text = text
        self.raw_key = raw_key
        self.number = parse_number(text)

    def __repr__(self) -> str:
        return f"Sample({self.raw_key!r}, {self.text!r})"


def parse_number(text: str) -> int | float | None:
    """An int for ASCII digits (as ZooKeeper writes counts), else a float, else None.

    Decided by looking rather than by trying int() first: a failed int() costs
    an exception, and a Prometheus-provider mntr is all floats.
    """
    digits = text[1:] if text.startswith(("-", "+")) else text
    if digits.isascii() and digits.isdigit():
        # int() refuses more than 4300 digits; such a number is as good as inf.
        return int(text) if len(digits) <= 4300 else float(text)
    if "_" in text:  # Python would read 1_000.5 as a number; ZooKeeper never writes it
        return None
    try:
        return float(text)
    except ValueError:
        return None


def chunks(items: "Sequence[Item]", deadline: float | None) -> "Iterator[Sequence[Item]]":
    """`items` in slices, raising TimeoutError between two once `deadline` has passed."""
    for start in range(0, len(items), _CHUNK):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        yield items[start : start + _CHUNK]


def parse_mntr(text: str, deadline: float | None = None) -> list[Sample]:
    samples = []
    for chunk in chunks(text.splitlines(), deadline):
        for line in chunk:
            raw_key, tab, value = line.partition("\t")
            raw_key = raw_key.strip()
            if not tab or not raw_key:
                continue
            if "{" not in raw_key:  # the common case, without a regex
                if raw_key.isprintable() and " " not in raw_key:
                    samples.append(Sample(raw_key, (), value.strip(), raw_key))
                continue
            match = _KEY.fullmatch(raw_key)
            if match is None:
                continue
            labels = tuple(
                (label["name"], _unescape(label["value"]))
                for label in _LABEL.finditer(match["labels"] or "")
            )
            samples.append(Sample(match["name"], labels, value.strip(), raw_key))
    return samples


def to_json(samples: "Sequence[Sample]", deadline: float | None = None) -> str:
    """One object, keys as mntr writes them, numbers as numbers."""
    document: dict[str, int | float | str | None] = {}
    for chunk in chunks(samples, deadline):
        for sample in chunk:
            number = sample.number
            if number is None:
                document[sample.raw_key] = sample.text
            elif isinstance(number, float) and not math.isfinite(number):
                document[sample.raw_key] = None  # JSON has no NaN or infinity
            else:
                document[sample.raw_key] = number
    # json.dumps with indent runs the pure-Python encoder, far too slow for a
    # large reply: the flat object is indented here, strings quoted by the C encoder.
    lines: list[str] = []
    for items in chunks(list(document.items()), deadline):
        lines.extend(f"  {_quote(key)}: {_json_value(value)}" for key, value in items)
    return "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"


_quote = json.encoder.encode_basestring_ascii


def _json_value(value: int | float | str | None) -> str:
    if value is None:
        return "null"
    return _quote(value) if isinstance(value, str) else repr(value)


def metric_name(key: str) -> str:
    """`zk_znode_count` -> `zookeeper_znode_count`; anything outside [A-Za-z0-9_:] becomes _."""
    base = key.removeprefix("zk_")
    if not (base.isascii() and base.isidentifier()):
        base = _INVALID_NAME_CHARS.sub("_", base)
    return PROMETHEUS_PREFIX + base


def label_name(text: str) -> str:
    """A valid Prometheus label name, not one of the reserved `__` names."""
    if text.isascii() and text.isidentifier() and not text.startswith("__"):
        return text
    name = _INVALID_LABEL_CHARS.sub("_", text)
    if name.startswith("__"):
        name = "_" + name.lstrip("_")
    return name if name and not name[0].isdigit() else "_" + name


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: _UNESCAPED.get(m[1], m[1]), value)


def _escape(value: str) -> str:
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def _format_labels(labels: "Iterable[tuple[str, str]]") -> str:
    """`{a="1",b="2"}`, names made valid, a repeated name kept once (the first)."""
    pairs: dict[str, str] = {}
    for name, value in labels:
        pairs.setdefault(label_name(name), value)
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in pairs.items()) + "}"


# How Prometheus spells the floats Python spells nan, inf and -inf.
_SPECIAL_VALUES = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}


def _format_value(number: int | float) -> str:
    text = repr(number)
    return _SPECIAL_VALUES.get(text, text)


def to_prometheus(samples: "Sequence[Sample]", deadline: float | None = None) -> str:
    """Prometheus text exposition (format 0.0.4).

    Numeric values become `untyped` samples: mntr does not say which are
    counters. Text values (zk_version, zk_server_state, zk_peer_state) become
    info-style gauges of value 1 carrying the text as a label.

    Names are made valid, so different keys can meet in one series
    (`zk_a.b` and `zk_a_b`) or a family of the other type (`zk_version` as
    text and `zk_version_info` as a number): the first one wins, the later
    one is left out, as Prometheus rejects a scrape with a duplicate series.
    """
    names: dict[str, str] = {}
    # name -> (type, the mntr key it came from, label sets seen, sample lines)
    families: dict[str, tuple[str, str, set[str], list[str]]] = {}
    for chunk in chunks(samples, deadline):
        for sample in chunk:
            key, number = sample.key, sample.number
            name = names.get(key)
            if name is None:
                name = names[key] = metric_name(key)
            if number is None:
                name += "_info"
                label = label_name(key.removeprefix("zk_"))
                labels = _format_labels([*sample.labels, (label, sample.text)])
                kind, value = "gauge", "1"
            else:
                labels = _format_labels(sample.labels) if sample.labels else ""
                kind, value = "untyped", _format_value(number)
            family = families.get(name)
            if family is None:
                family = families[name] = (kind, key, set(), [])
            elif family[0] != kind or labels in family[2]:
                continue
            family[2].add(labels)
            family[3].append(f"{name}{labels} {value}")
    out = []
    for name, (kind, key, _, lines) in families.items():
        help_text = key.replace("\\", "\\\\")  # HELP escapes backslash and newline
        out.append(f"# HELP {name} ZooKeeper mntr {help_text}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(lines)
    return "\n".join(out) + "\n"
