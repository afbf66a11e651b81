"""The ensemble a server's running config describes: its members and their client ports.

Reads zoo.cfg as ZooKeeper does (java.util.Properties, values trimmed) and,
when zoo.cfg names a `dynamicConfigFile`, the member list from that file: with
dynamic reconfiguration ZooKeeper keeps the servers there and rewrites it.
Pure functions on text, and one that reads the files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from zkcontainer.errors import UsageError

ZOO_CFG = "zoo.cfg"
LOOPBACK_PREFIXES = ("127.", "::1", "[::1]", "localhost")


@dataclass(frozen=True)
class Member:
    """One `server.N=` line: `host:quorum:election[:observer|:participant][;[addr:]port]`."""

    id: int | None  # None: a standalone server, which has no server line
    host: str
    voting: bool  # a participant; observers never count towards a quorum
    # From the line's `;[addr:]port` suffix; None: zoo.cfg's clientPort, on `host`.
    client_port: int | None = None


@dataclass(frozen=True)
class EnsembleConfig:
    """What status needs from zoo.cfg: who the members are and how their clients reach them."""

    members: tuple[Member, ...]  # empty: a standalone server
    client_port: int | None  # None: no plaintext client port (TLS only)
    client_address: str | None
    secure_client_port: int | None
    key_store: str | None  # ssl.keyStore.location, as start-zookeeper writes it (PEM)
    trust_store: str | None
    dynamic_config_file: str | None = None

    @property
    def plaintext_reaches_peers(self) -> bool:
        """Whether other pods can use the plaintext port: with TLS on, start-zookeeper binds
        it to 127.0.0.1 (clientPortAddress), for the pod's own probes only."""
        return self.client_port is not None and not is_loopback(self.client_address)


def is_loopback(address: str | None) -> bool:
    return address is not None and address.startswith(LOOPBACK_PREFIXES)


def read_config(path: str, given_as: str | None = None) -> EnsembleConfig:
    """The ensemble zoo.cfg at `path` describes, with its dynamic file's members if it names one.

    `given_as` is how the command line named it, for messages (default
    `--config=<path>`). A relative dynamicConfigFile is taken from zoo.cfg's
    directory, which is where ZooKeeper writes the files it names there
    (ZOOKEEPER.md).
    """
    properties = parse_properties(_read(path, given_as or f"--config={path}"))
    dynamic_path = properties.get("dynamicConfigFile")
    dynamic = None
    if dynamic_path:
        dynamic_path = os.path.join(os.path.dirname(path), dynamic_path)
        dynamic = parse_properties(_read(dynamic_path, f"{path}: dynamicConfigFile={dynamic_path}"))
    try:
        return ensemble_config(properties, dynamic, dynamic_path)
    except UsageError as error:
        raise UsageError(f"{dynamic_path or path}: {error}") from None


def ensemble_config(
    properties: dict[str, str],
    dynamic: dict[str, str] | None = None,
    dynamic_path: str | None = None,
) -> EnsembleConfig:
    """The config from zoo.cfg's properties; members from `dynamic` when there is one."""
    return EnsembleConfig(
        members=members(properties if dynamic is None else dynamic),
        client_port=_port(properties, "clientPort"),
        client_address=properties.get("clientPortAddress") or None,
        secure_client_port=_port(properties, "secureClientPort"),
        key_store=properties.get("ssl.keyStore.location") or None,
        trust_store=properties.get("ssl.trustStore.location") or None,
        dynamic_config_file=dynamic_path,
    )


def members(properties: dict[str, str]) -> tuple[Member, ...]:
    """Every `server.N` entry, by id."""
    found = [
        parse_server_line(key, value)
        for key, value in properties.items()
        if key.startswith("server.")
    ]
    return tuple(sorted(found, key=lambda member: member.id or 0))


def parse_server_line(key: str, value: str) -> Member:
    """A member from `server.N=host:q:e[:type][|host:q:e[:type]...][;[addr:]port]`.

    ZooKeeper 3.6 allows several quorum addresses separated by `|`; clients
    reach the member by its first one's host. The type (participant when
    absent) may follow any of them.
    """
    server_id = key.removeprefix("server.")
    if not (server_id.isascii() and server_id.isdigit()):
        raise UsageError(f"{key}={value}: the server id must be a number")
    addresses, _, client = value.partition(";")
    voting = True
    host = ""
    for index, address in enumerate(addresses.split("|")):
        parts = _host_and_ports(address.strip())
        if len(parts) not in (3, 4) or not parts[0]:
            raise UsageError(f"{key}={value}: expected host:port:port[:participant|:observer]")
        if index == 0:
            host = parts[0]
        if len(parts) == 4:
            if parts[3] not in ("participant", "observer"):
                raise UsageError(f"{key}={value}: {parts[3]} is neither participant nor observer")
            voting = parts[3] == "participant"
    client_port = None
    if client.strip():
        client_port = _number(client.strip().rpartition(":")[2], f"{key}={value}")
    return Member(id=int(server_id), host=host, voting=voting, client_port=client_port)


def _host_and_ports(address: str) -> list[str]:
    """`[v6]:a:b` or `host:a:b` split at its colons, an IPv6 address kept whole."""
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket:
            return []
        return [host, *rest.removeprefix(":").split(":")]
    return address.split(":")


def _port(properties: dict[str, str], key: str) -> int | None:
    text = properties.get(key)
    if not text:
        return None
    port = _number(text, f"{key}={text}")
    return port or None  # 0: the port is off


def _number(text: str, where: str) -> int:
    if text.isascii() and text.isdigit() and int(text) < 65536:
        return int(text)
    raise UsageError(f"{where}: not a port number")


def _read(path: str, what: str) -> str:
    try:
        with open(path, encoding="latin-1") as file:  # Properties.load(InputStream): ISO-8859-1
            return file.read()
    except OSError as error:
        raise UsageError(f"{what}: cannot read: {error.strerror or error}") from None


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
