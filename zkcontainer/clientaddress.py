"""--client_address checked against the machine before ZooKeeper binds it.

ZooKeeper binds its client port only after the whole of its start, and an
address it cannot bind ends the JVM with a stack trace ("Unsupported address
type", "Cannot assign requested address") at every restart of the pod.
"""

from __future__ import annotations

import _socket
import sys

from zkcontainer import EnvironmentProblem
from zkcontainer.fourlw import numeric_address

# Where Linux lists the interfaces with an IPv6 address. The JVM reads it at
# start and, when it lists none (IPv6 disabled in the pod), deems IPv6
# unsupported: it then binds no IPv6 address at all, not even ::.
INET6_INTERFACES = "/proc/net/if_inet6"

_V4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"


def check_client_address(address: str | None, inet6_interfaces: str = INET6_INTERFACES) -> None:
    """Refuse an address the JVM could not bind here, naming the flag and why."""
    if address is None:
        return
    ipv6 = ":" in address
    # ::ffff:a.b.c.d is an IPv4 address to the JVM, which binds it without IPv6.
    if ipv6 and not _v4_mapped(address) and not _has_ipv6(inet6_interfaces):
        raise EnvironmentProblem(
            f"--client_address={address}: this machine has no IPv6 (no interface in"
            f" {inet6_interfaces}), so the JVM cannot listen on it; leave --client_address"
            " unset to listen on every address, or enable IPv6 in the pod"
        )
    sockaddr: tuple[object, ...] = (address, 0)
    if ipv6:
        # Through getaddrinfo, as the probes take --host, for the %scope: bind() given
        # (address, port) drops it, and the kernel refuses a link-local address
        # without one (EINVAL), which the JVM binds with it.
        numeric = numeric_address(address, 0)
        if numeric is None:
            raise EnvironmentProblem(
                f"--client_address={address}: an IPv6 %scope must be an interface number, or"
                " the name of an interface of this machine on a link-local address (fe80::1%eth0)"
            )
        sockaddr = numeric[3]
    probe = _socket.socket(_socket.AF_INET6 if ipv6 else _socket.AF_INET, _socket.SOCK_STREAM)
    try:
        probe.bind(sockaddr)
    except OSError as error:
        raise EnvironmentProblem(
            f"--client_address={address}: not an address this machine can listen on"
            f" ({error.strerror}); leave it unset to listen on every address"
        ) from error
    finally:
        probe.close()


def _v4_mapped(address: str) -> bool:
    packed = _socket.inet_pton(_socket.AF_INET6, address.partition("%")[0])
    return packed.startswith(_V4_MAPPED_PREFIX)


def _has_ipv6(inet6_interfaces: str) -> bool:
    if not sys.platform.startswith("linux"):
        return True  # no such list to read: left to the JVM
    try:
        with open(inet6_interfaces, encoding="ascii") as interfaces:
            return bool(interfaces.readline())
    except OSError:  # no IPv6 in the kernel at all
        return False
