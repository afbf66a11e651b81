"""Each flag's text read as its kind says, recording a problem for each bad one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zkcontainer.settings.command_line import Given
from zkcontainer.settings.declarations import FLAGS, FLAGS_BY_NAME, JAVA_INT_MAX

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})

# C0 and C1 controls, DEL, and Unicode's line and paragraph separators.
_CONTROL = frozenset(
    [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)] + ["\u2028", "\u2029"]
)


def is_integer(text: str) -> bool:
    """ASCII digits after an optional minus: stricter than int(), which also takes
    "1_000", "+5", spaces and other scripts' digits."""
    unsigned = text.removeprefix("-")
    return unsigned.isascii() and unsigned.isdigit()


# Linux: no file name (one path component) longer than this many bytes.
NAME_MAX = 255


class Reader:
    """Turns given texts into typed values, recording a problem for each bad one."""

    def __init__(self, given: Mapping[str, Given], problems: list[str]) -> None:
        self.given = given
        self.problems = problems

    def origin(self, name: str) -> str:
        given = self.given.get(name)
        return given.origin if given else f"--{name}={FLAGS_BY_NAME[name].default}"

    def text(self, name: str) -> str | None:
        given = self.given.get(name)
        return given.text.strip() if given else FLAGS_BY_NAME[name].default

    def problem(self, name: str, why: str) -> None:
        self.problems.append(f"{self.origin(name)}: {why}")

    def integer(self, name: str) -> int | None:
        flag = FLAGS_BY_NAME[name]
        text = self.text(name)
        if text is None:
            return None
        if not is_integer(text):
            self.problem(name, "not an integer")
            return None
        # Python refuses to parse more than 4300 digits; anything near that is out of range.
        # Leading zeros are fine: Java's Integer.parseInt reads "007" as 7.
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("-").lstrip("0") or "0"
        value = sign * (int(digits) if len(digits) <= 20 else 10**20)
        low, high = flag.minimum, flag.maximum
        if high < JAVA_INT_MAX and not low <= value <= high:
            self.problem(name, f"must be between {low} and {high}")
        elif value < low:
            self.problem(name, f"must be at least {low}")
        elif value > high:
            self.problem(name, f"must be at most {high}: ZooKeeper reads it as a Java int")
        else:
            return value
        return None

    def path(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        if not text.startswith("/"):
            self.problem(name, "must be an absolute path")
        elif any(
            len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in text.split("/")
        ):
            self.problem(name, f"has a name longer than {NAME_MAX} bytes, more than Linux allows")
        elif name == "zk_home" and ":" in text:
            self.problem(name, "contains ':', which separates entries of the JVM's classpath")
        return text

    def boolean(self, name: str) -> bool:
        text = (self.text(name) or "").lower()
        if text not in _TRUE | _FALSE:
            self.problem(name, "must be true or false")
        return text in _TRUE


def read_every_flag(read: Reader) -> dict[str, Any]:
    """Every flag's value as its kind reads it, by name (None where it is missing
    or bad); a str flag's is its text, for `validation` to read further."""
    for name, value in read.given.items():
        _check_characters(read, name, value.text)
    values: dict[str, Any] = {}
    # Integers, then paths, then true/false: the order their problems are told.
    # Every true/false flag is read here, before the problems are counted: a typo
    # in one (--tls_quorum=ture) is a problem, never a silent false.
    for kind, reading in (("int", read.integer), ("path", read.path), ("bool", read.boolean)):
        values.update({flag.name: reading(flag.name) for flag in FLAGS if flag.kind == kind})
    values.update({flag.name: read.text(flag.name) for flag in FLAGS if flag.kind == "str"})
    return values


def _check_characters(read: Reader, name: str, text: str) -> None:
    # A line break would let a value write extra keys into zoo.cfg; no path,
    # name or number has a use for any other control character either. JVM
    # options may be spread over lines (a YAML block scalar): shlex splits them.
    allowed = "\t\n\r" if name == "jvm_flags" else ""
    if any(c in _CONTROL and c not in allowed for c in text):
        read.problem(name, "contains a line break or other control character")
    elif any("\ud800" <= c <= "\udfff" for c in text):
        # Python's stand-in for bytes that were not UTF-8; no JVM reads them back.
        read.problem(name, "is not valid UTF-8")
