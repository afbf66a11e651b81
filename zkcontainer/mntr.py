"""mntr output: parse both of its forms, format it as JSON or Prometheus text exposition.

ZooKeeper's mntr is `key<TAB>value` lines. With the Prometheus metrics
provider, values are floats and summary keys carry labels such as
`zk_latency{quantile="0.5"}`. Not on the probe path: imports freely.

A reply can be megabytes (a fake or broken server, or a huge ensemble), and
zookeeper-metrics must still finish within its --timeout: the loops here are
kept to a few string operations a line, every string operation is linear in
its input (no regex that backtracks), and every function takes a `deadline`
(time.monotonic) and raises TimeoutError once it has passed, looking at the
clock every few thousand lines or labels, so a single line of megabytes is
cut off as well as a million short ones.
"""

import gc
import json
import math
import re
import time

from zkcontainer import ProbeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container, Iterator, Sequence
    from typing import TypeVar

    Item = TypeVar("Item")

PROMETHEUS_PREFIX = "zookeeper_"

# One `name="value"` and what follows it up to the next label. Possessive
# quantifiers (`*+`, `++`) never give back what they matched, and the pattern
# is matched at one position after another, never searched for: a line of
# megabytes costs one pass, not one per starting position.
_LABEL = re.compile(
    r'\s*+(?P<name>[A-Za-z_][A-Za-z0-9_]*+)="(?P<value>(?:[^"\\]++|\\.)*+)"'
    r"\s*+(?P<comma>,?+)\s*+",
    re.DOTALL,
)


def _byte_table(valid: bytes) -> bytes:
    return bytes(byte if byte in valid else ord("_") for byte in range(256))


_LABEL_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
# bytes.translate tables: every byte outside [A-Za-z0-9_:] or [A-Za-z0-9_] becomes _.
_NAME_TABLE = _byte_table(_LABEL_CHARS + b":")
_LABEL_TABLE = _byte_table(_LABEL_CHARS)
# A character no decoded reply holds (a lone surrogate), to stand for `\\` while unescaping.
_BACKSLASH_STAND_IN = "\ud800"

_CHUNK = 4096  # lines or labels between two looks at the clock

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
        check_deadline(deadline)
        yield items[start : start + _CHUNK]


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError


def parse_mntr(text: str, deadline: float | None = None) -> list[Sample]:
    samples = []
    for chunk in chunks(text.splitlines(), deadline):
        for line in chunk:
            raw_key, tab, value = line.partition("\t")
            raw_key = raw_key.strip()
            if not tab or not raw_key:
                continue
            name, brace, labels_text = raw_key.partition("{")
            if not name.isprintable() or " " in name:
                continue
            if not brace:  # the common case
                samples.append(Sample(raw_key, (), value.strip(), raw_key))
                continue
            labels = parse_labels(labels_text[:-1], deadline) if raw_key[-1] == "}" else None
            if name and labels is not None:
                samples.append(Sample(name, labels, value.strip(), raw_key))
    return samples


def parse_labels(text: str, deadline: float | None = None) -> Labels | None:
    """`a="1",b="2"` as (("a", "1"), ("b", "2")); None unless all of it is labels."""
    labels: list[tuple[str, str]] = []
    position, end = 0, len(text)
    while position < end:
        if not len(labels) % _CHUNK:
            check_deadline(deadline)
        match = _LABEL.match(text, position)
        if match is None:
            return None
        labels.append((match["name"], _unescape(match["value"])))
        position = match.end()
        if not match["comma"] and position < end:
            return None  # two labels without a comma between them
    return tuple(labels)


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
        base = _replace_invalid(base, _NAME_TABLE)
    return PROMETHEUS_PREFIX + base


def label_name(text: str) -> str:
    """A valid Prometheus label name, not one of the reserved `__` names."""
    if text.isascii() and text.isidentifier() and not text.startswith("__"):
        return text
    name = _replace_invalid(text, _LABEL_TABLE)
    if name.startswith("__"):
        name = "_" + name.lstrip("_")
    return name if name and not name[0].isdigit() else "_" + name


def _replace_invalid(text: str, table: bytes) -> str:
    # Each non-ASCII character becomes one "?", then every byte outside the
    # table's set one "_": two passes in C, where a regex substitution calls
    # back into Python for each of a megabyte of characters.
    return text.encode("ascii", "replace").translate(table).decode("ascii")


def _unescape(value: str) -> str:
    """Label value escapes: `\\n` is a line break, `\\x` is x (`\\\\`, `\\"`)."""
    if "\\" not in value:
        return value
    # Backslashes pair up from the left, as str.replace replaces.
    value = value.replace("\\\\", _BACKSLASH_STAND_IN)
    value = value.replace("\\n", "\n").replace("\\", "")
    return value.replace(_BACKSLASH_STAND_IN, "\\")


def _escape(value: str) -> str:
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def _format_labels(labels: "Sequence[tuple[str, str]]", deadline: float | None = None) -> str:
    """`{a="1",b="2"}`: names made valid, a repeated name kept once (the first),
    sorted by name, so that one label set is always one string."""
    pairs: dict[str, str] = {}
    for chunk in chunks(labels, deadline):
        for name, value in chunk:
            pairs.setdefault(label_name(name), value)
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{_escape(pairs[name])}"' for name in sorted(pairs)) + "}"


# How Prometheus spells the floats Python spells nan, inf and -inf.
_SPECIAL_VALUES = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}
_EXACT_INTS = 2**53  # every int up to this is exactly a float64


def _format_value(number: int | float) -> str:
    """A value Go's strconv.ParseFloat (Prometheus, promtool) reads.

    It refuses a number beyond the float64 range ("expected float as value")
    where Python would write all of an int's digits: such an int becomes
    +Inf or -Inf, any other int beyond 2**53 the float it rounds to.
    """
    if isinstance(number, int):
        if -_EXACT_INTS <= number <= _EXACT_INTS:
            return str(number)
        try:
            number = float(number)
        except OverflowError:
            return "+Inf" if number > 0 else "-Inf"
    text = repr(number)
    return _SPECIAL_VALUES.get(text, text)


def to_prometheus(samples: "Sequence[Sample]", deadline: float | None = None) -> str:
    """Prometheus text exposition (format 0.0.4).

    Numeric values become `untyped` samples: mntr does not say which are
    counters. Text values (zk_version, zk_server_state, zk_peer_state) become
    info-style gauges of value 1 carrying the text as a label.

    Names are made valid, so different keys can meet in one series
    (`zk_a.b` and `zk_a_b`, or `{a="1",b="2"}` and `{b="2",a="1"}`) or a
    family of the other type (`zk_version` as text and `zk_version_info` as
    a number): the first one wins, the later one is left out, as Prometheus
    rejects a scrape with a duplicate series.
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
                labels = _format_labels([*sample.labels, (label, sample.text)], deadline)
                kind, value = "gauge", "1"
            else:
                labels = _format_labels(sample.labels, deadline) if sample.labels else ""
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


def format_reply(
    reply: str,
    output_format: str,
    deadline: float,
    where: str,
    reserved: "Container[str]" = (),
) -> str:
    """A whole mntr reply as "json" or "prometheus", or a ProbeError: "unexpected
    reply" without zk_server_state, "timed out" past `deadline`.

    `reserved`: Prometheus names the caller writes itself; mntr keys that would
    become one of them are left out.
    """
    # A reply's samples hold no cycles; a collector pass every few hundred of
    # them only slows a large reply down.
    gc.disable()
    try:
        samples = parse_mntr(reply, deadline)
        if not any(sample.key == "zk_server_state" for sample in samples):
            raise ProbeError("unexpected reply", f"{where}: mntr reply has no zk_server_state")
        if reserved:
            samples = [s for s in samples if metric_name(s.key) not in reserved]
        if output_format == "json":
            text = to_json(samples, deadline)
        else:
            text = to_prometheus(samples, deadline)
        if time.monotonic() > deadline:
            raise TimeoutError
    except TimeoutError as error:
        raise ProbeError("timed out", f"{where}: formatting mntr as {output_format}") from error
    finally:
        gc.enable()
    return text
