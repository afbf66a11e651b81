"""A member and a configuration, and the text ZooKeeper keeps them in: server
lines, /zookeeper/config, dynamic files.

With reconfigEnabled, ZooKeeper keeps the member list apart from zoo.cfg: a
serving member answers it at /zookeeper/config (`server.N=` lines and
`version=<hex>`), and every member writes it to `zoo.cfg.dynamic.<hex>` next to
its static zoo.cfg, the version only in the file's name. A `version=` line
inside a dynamic file makes ZooKeeper exit (observed on 3.8 and 3.9), so rendering never
writes one. Pure functions on text, and one that lists a directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from zkcontainer import ZkContainerError
from zkcontainer.properties import parse_properties

Role = Literal["participant", "observer"]
ROLES: tuple[Role, ...] = ("participant", "observer")
CONFIG_NODE = "/zookeeper/config"
DYNAMIC_SUFFIX = ".dynamic."
# What ZooKeeper names its own files: the static file's name, `.dynamic.`, the
# version as Long.toHexString writes it. `.dynamic.next` (a reconfig in
# flight) and temporary files are not versions.
_VERSION = re.compile(r"[0-9a-f]{1,16}")


class DynamicConfigError(ZkContainerError):
    """A server line, /zookeeper/config or a dynamic file ZooKeeper would not accept."""


@dataclass(frozen=True)
class Member:
    """One `server.N=host:quorum:election[:role][;[client_address:]client_port]` entry,
    from zoo.cfg, a dynamic file or /zookeeper/config alike."""

    id: int
    host: str
    quorum_port: int
    election_port: int
    role: Role = "participant"
    client_port: int | None = None  # None: no client part (zoo.cfg's clientPort applies)
    client_address: str | None = None  # None with a client_port: every address (0.0.0.0)
    # ZooKeeper >= 3.6 accepts more quorum addresses after `|`: kept as written.
    more_addresses: tuple[str, ...] = ()

    @property
    def voting(self) -> bool:
        return self.role == "participant"

    def spec(self) -> str:
        """The `server.N=...` text, as a dynamic file holds it and `reconfig -add` takes it."""
        addresses = "|".join(
            (_address(self.host, self.quorum_port, self.election_port), *self.more_addresses)
        )
        client = ""
        if self.client_port is not None:
            address = f"{_bracketed(self.client_address)}:" if self.client_address else ""
            client = f";{address}{self.client_port}"
        return f"server.{self.id}={addresses}:{self.role}{client}"


@dataclass(frozen=True)
class Membership:
    """The members of one configuration, by id, and its version (a zxid; 0 before any)."""

    members: tuple[Member, ...]
    version: int = 0

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.members, key=lambda member: member.id))
        ids = [member.id for member in ordered]
        if len(set(ids)) != len(ids):
            raise DynamicConfigError(f"server ids listed twice: {_duplicates(ids)}")
        object.__setattr__(self, "members", ordered)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(member.id for member in self.members)

    @property
    def voter_ids(self) -> frozenset[int]:
        return frozenset(member.id for member in self.members if member.voting)

    def get(self, server_id: int) -> Member | None:
        return next((member for member in self.members if member.id == server_id), None)

    def __contains__(self, server_id: object) -> bool:
        return server_id in self.ids

    def with_member(self, member: Member) -> Membership:
        """This membership with `member` added, or replacing the entry of its id."""
        others = tuple(known for known in self.members if known.id != member.id)
        return replace(self, members=(*others, member))

    def without(self, server_ids: Iterable[int]) -> Membership:
        gone = set(server_ids)
        return replace(self, members=tuple(m for m in self.members if m.id not in gone))


def parse_server(key: str, value: str) -> Member:
    """The member of one `server.N` property, checked as ZooKeeper's QuorumServer checks it.

    Several quorum addresses may be separated by `|`; the first is the
    member's host and ports, and the role may follow any of them.
    """
    where = f"{key}={value}"
    server_id = key.removeprefix("server.")
    if not (server_id.isascii() and server_id.isdigit()):
        raise DynamicConfigError(f"{where}: the server id must be a number")
    addresses, _, client = value.partition(";")
    role: Role = "participant"
    first: list[str] = []
    more: list[str] = []
    for index, address in enumerate(addresses.split("|")):
        parts = _host_and_ports(address.strip())
        if len(parts) not in (3, 4) or not parts[0]:
            raise DynamicConfigError(f"{where}: expected host:port:port[:participant|:observer]")
        if len(parts) == 4:
            if parts[3] not in ROLES:
                raise DynamicConfigError(f"{where}: {parts[3]} is neither participant nor observer")
            role = "participant" if parts[3] == "participant" else "observer"
        if index == 0:
            first = parts
        else:
            more.append(_address(parts[0], _port(parts[1], where), _port(parts[2], where)))
    client_address, client_port = _client(client.strip(), where)
    return Member(
        id=int(server_id),
        host=first[0],
        quorum_port=_port(first[1], where),
        election_port=_port(first[2], where),
        role=role,
        client_port=client_port,
        client_address=client_address,
        more_addresses=tuple(more),
    )


def parse_config(text: str) -> Membership:
    """The membership in the text of /zookeeper/config: server lines and `version=<hex>`."""
    if not text.strip():
        raise DynamicConfigError(f"{CONFIG_NODE} is empty: a standalone server has no membership")
    properties = parse_properties(text)
    version_text = properties.pop("version", None)
    if version_text is None:
        raise DynamicConfigError(f"{CONFIG_NODE}: no version= line")
    try:
        return _membership(properties, _version(version_text, f"version={version_text}"))
    except DynamicConfigError as error:
        raise DynamicConfigError(f"{CONFIG_NODE}: {error}") from None


def parse_dynamic_file(text: str, name: str) -> Membership:
    """The membership in a dynamic file's text; its version is in its `name`."""
    properties = parse_properties(text)
    if "version" in properties:
        # ZooKeeper refuses to start on such a file; so do we read it as evidence.
        raise DynamicConfigError(f"{name}: a dynamic file holds no version= line")
    version = dynamic_file_version(name)
    try:
        return _membership(properties, version)
    except DynamicConfigError as error:
        raise DynamicConfigError(f"{name}: {error}") from None


def dynamic_file_version(name: str, static_name: str | None = None) -> int:
    """The version a dynamic file's name carries (`zoo.cfg.dynamic.100000000` → 0x100000000)."""
    base = os.path.basename(name)
    prefix = f"{static_name}{DYNAMIC_SUFFIX}" if static_name else None
    stem, suffix, version = base.rpartition(DYNAMIC_SUFFIX)
    if not suffix or not stem or (prefix and not base.startswith(prefix)):
        raise DynamicConfigError(f"{name}: not a dynamic file name (<zoo.cfg>.dynamic.<hex>)")
    return _version(version, name)


def dynamic_file_name(membership: Membership, static_name: str = "zoo.cfg") -> str:
    """The name ZooKeeper would give this membership's dynamic file."""
    return f"{static_name}{DYNAMIC_SUFFIX}{membership.version:x}"


def render_dynamic_file(membership: Membership) -> str:
    """A dynamic file's text: one server line per member, and no version line."""
    return "".join(f"{member.spec()}\n" for member in membership.members)


def newest_dynamic_file(directory: str, static_name: str = "zoo.cfg") -> str | None:
    """The path of the highest-versioned `<static_name>.dynamic.<hex>` in `directory`.

    By version, never by modification time: ZooKeeper keeps every old file,
    and a copied or restored directory has meaningless times.
    """
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return None
    versions = {
        version: name
        for name in names
        if (version := dynamic_version(name, static_name)) is not None
    }
    if not versions:
        return None
    return os.path.join(directory, versions[max(versions)])


def dynamic_version(name: str, static_name: str = "zoo.cfg") -> int | None:
    """The version in a dynamic file's name; None for any other name (`.next`, temporary files)."""
    prefix = f"{static_name}{DYNAMIC_SUFFIX}"
    if name.startswith(prefix) and _VERSION.fullmatch(name[len(prefix) :]):
        return int(name[len(prefix) :], 16)
    return None


def read_dynamic_file(path: str) -> Membership:
    try:
        with open(path, encoding="latin-1") as file:  # Properties.load(InputStream)
            text = file.read()
    except OSError as error:
        raise DynamicConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse_dynamic_file(text, path)


def _membership(properties: dict[str, str], version: int) -> Membership:
    members = []
    for key, value in properties.items():
        if key.startswith("server."):
            members.append(parse_server(key, value))
        elif key.startswith(("group.", "weight.")):
            raise DynamicConfigError(f"{key}: hierarchical quorums are not supported")
        else:
            raise DynamicConfigError(f"{key}: not a membership entry")
    if not members:
        raise DynamicConfigError("no server.N= lines")
    return Membership(tuple(members), version)


def _client(text: str, where: str) -> tuple[str | None, int | None]:
    if not text:
        return None, None
    address, colon, port = text.rpartition(":")
    if colon and not address:
        raise DynamicConfigError(f"{where}: expected ;[address:]port")
    address = address.removeprefix("[").removesuffix("]")
    return address or None, _port(port, where)


def _host_and_ports(address: str) -> list[str]:
    """`[v6]:a:b` or `host:a:b` split at its colons, an IPv6 address kept whole."""
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket:
            return []
        return [host, *rest.removeprefix(":").split(":")]
    return address.split(":")


def _address(host: str, quorum_port: int, election_port: int) -> str:
    return f"{_bracketed(host)}:{quorum_port}:{election_port}"


def _bracketed(host: str | None) -> str:
    return f"[{host}]" if host and ":" in host else host or ""


def _port(text: str, where: str) -> int:
    if text.isascii() and text.isdigit() and int(text) < 65536:
        return int(text)
    raise DynamicConfigError(f"{where}: {text or 'an empty port'} is not a port number")


def _version(text: str, where: str) -> int:
    if _VERSION.fullmatch(text.lower()):
        return int(text, 16)
    raise DynamicConfigError(f"{where}: the version must be hexadecimal")


def _duplicates(ids: list[int]) -> str:
    return ", ".join(str(i) for i in sorted({i for i in ids if ids.count(i) > 1}))
