"""The ensemble a server's running config describes: its members and their client ports.

Reads zoo.cfg as ZooKeeper does (java.util.Properties, values trimmed) and,
when zoo.cfg names a `dynamicConfigFile`, the member list from that file: with
dynamic reconfiguration ZooKeeper keeps the servers there and rewrites it.
Pure functions on text, and one that reads the files.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from zkcontainer import UsageError
from zkcontainer.properties import parse_properties
from zkcontainer.reconfig.model import DynamicConfigError, Member, parse_server

__all__ = [
    "ZOO_CFG",
    "EnsembleConfig",
    "ensemble_config",
    "is_loopback",
    "parse_properties",
    "parse_server_line",
    "read_config",
]

ZOO_CFG = "zoo.cfg"
# ZooKeeper reads a server id as a Java long (QuorumPeerConfig: Long.parseLong).
MAX_SERVER_ID = 2**63


@dataclass(frozen=True)
class EnsembleConfig:
    """What status needs from zoo.cfg: who the members are and how their clients reach them."""

    # Empty: a standalone server. A member's client_port None: zoo.cfg's clientPort, on its host.
    members: tuple[Member, ...]
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
    """Whether only this machine reaches `address`: a loopback address however it is
    spelt (127.0.0.1, ::1, 0:0:0:0:0:0:0:1, in brackets or not), or localhost."""
    if address is None:
        return False
    host = address.removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return host == "localhost" or host.startswith("localhost.")


def read_config(path: str, given_as: str | None = None) -> EnsembleConfig:
    """The ensemble zoo.cfg at `path` describes, with its dynamic file's members if it names one.

    `given_as` is how the command line named it, for messages (default
    `--config=<path>`). A relative dynamicConfigFile is taken from zoo.cfg's
    directory, which is where ZooKeeper writes the files it names there
    (observed on 3.8 and 3.9, whatever dynamicConfigFile says).
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
    """Every `server.N` entry, by id; one id under two keys (`server.01`, `server.1`)
    is refused, as it would be one member counted twice."""
    keys: dict[int, list[str]] = {}
    found = []
    for key, value in properties.items():
        if key.startswith("server."):
            member = parse_server_line(key, value)
            keys.setdefault(member.id, []).append(key)
            found.append(member)
    for member_id, named in keys.items():
        if len(named) > 1:
            raise UsageError(f"server.{member_id} is listed twice: {', '.join(named)}")
    return tuple(sorted(found, key=lambda member: member.id))


def parse_server_line(key: str, value: str) -> Member:
    """A member from `server.N=host:q:e[:type][|host:q:e[:type]...][;[addr:]port]`.

    Parsed by the one parser of server lines (zkcontainer.reconfig.model), its
    problems as bad input; clients reach the member by its first quorum
    address's host.
    """
    try:
        member = parse_server(key, value)
    except DynamicConfigError as error:
        raise UsageError(str(error)) from None
    if member.id >= MAX_SERVER_ID:
        raise UsageError(
            f"{key}={value}: the server id is beyond a Java long, as ZooKeeper reads it"
        )
    return member


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
