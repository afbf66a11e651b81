"""Java properties files as ZooKeeper reads them (java.util.Properties, values trimmed).

zoo.cfg, its dynamic files and the text of /zookeeper/config are all read
through this one parser.
"""

from __future__ import annotations


def parse_properties(text: str) -> dict[str, str]:
    """`text` as java.util.Properties.load reads it, values trimmed as ZooKeeper trims them.

    Comments (# or ! first), continuation lines (an odd number of trailing
    backslashes), a key ending at the first unescaped `=`, `:` or whitespace,
    and the escapes \\t \\n \\r \\f \\uXXXX; any other escaped character is itself.
    """
    properties: dict[str, str] = {}
    for line in _logical_lines(text):
        key_end = _key_end(line)
        key = _unescape(line[:key_end])
        rest = line[key_end:].lstrip(" \t\f")
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(" \t\f")
        properties[key] = _unescape(rest).strip()
    return properties


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending: str | None = None
    for raw in text.splitlines():
        line = raw.lstrip(" \t\f")
        if pending is None and (not line or line[0] in "#!"):
            continue
        continued = (len(line) - len(line.rstrip("\\"))) % 2 == 1
        if continued:
            line = line[:-1]
        pending = line if pending is None else pending + line
        if not continued:
            lines.append(pending)
            pending = None
    if pending is not None:
        lines.append(pending)
    return lines


def _key_end(line: str) -> int:
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char in "=: \t\f":
            return index
        index += 1
    return len(line)


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 == len(text):
            out.append(char)
            index += 1
            continue
        escaped = text[index + 1]
        if escaped == "u" and _is_hex(text[index + 2 : index + 6]):
            out.append(chr(int(text[index + 2 : index + 6], 16)))
            index += 6
            continue
        out.append(_ESCAPES.get(escaped, escaped))
        index += 2
    # \uXXXX escapes are UTF-16 code units: a pair makes one character.
    return "".join(out).encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(char in "0123456789abcdefABCDEF" for char in text)
