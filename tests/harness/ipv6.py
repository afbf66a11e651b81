"""Names that resolve to IPv6 addresses only, as in an IPv6-only Kubernetes cluster.

Docker's embedded DNS answers a container's aliases, and its hostname (which
Docker adds as an alias on every user-defined network), with its IPv4 address
as well as its IPv6 one, and Docker's own /etc/hosts lists both. So a
StatefulSet run with `ipv6_only` gives its pods fixed IPv6 addresses and mounts
two files written here where the kubelet mounts its own: /etc/hosts, in which
every pod's FQDN (and the pod's own short name) and every Service name map to
the pods' IPv6 addresses and to nothing else, standing in for the cluster's
DNS; and /etc/resolv.conf, naming a DNS server that does not exist, so that
Docker's is never asked. A name the hosts file lacks (a pod not yet created,
or gone) does not resolve, as in a cluster's DNS; no name resolves to IPv4.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

# The kubelet's own lines of a pod's /etc/hosts, loopback first.
KUBELET_LINES = (
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
)


# Nothing listens on the pod's port 53: every query fails at once, none reaches Docker's DNS.
RESOLV_CONF = "# Every name a pod asks for is in its /etc/hosts.\nnameserver ::1\n"


@dataclass(frozen=True)
class Ipv6Plan:
    """A unique /64 of the ULA range for one run, and each ordinal's address in it."""

    prefix: str  # "fd00:1234:abcd", the subnet's first 48 bits

    @classmethod
    def for_run(cls, run_id: str) -> Ipv6Plan:
        # Docker refuses a subnet another network holds: a collision fails loudly.
        digest = hashlib.sha256(run_id.encode()).hexdigest()
        return cls(f"fd00:{digest[:4]}:{digest[4:8]}")

    @property
    def subnet(self) -> str:
        return f"{self.prefix}::/64"

    def address(self, ordinal: int) -> str:
        """Ordinal 0 at ::1:0, far above the addresses Docker hands out from ::2 up
        (to a container before it is given its own, and to a bare Pod)."""
        return f"{self.prefix}::1:{ordinal:x}"


@dataclass(frozen=True)
class HostEntry:
    address: str
    fqdn: str
    short: str


def hosts_file(own: HostEntry, pods: Sequence[HostEntry], services: Sequence[str]) -> str:
    """The /etc/hosts of the pod `own`: the kubelet's lines and the pod's own name, then
    what a cluster's DNS would answer there: each pod's FQDN, and each Service name
    with every pod's address."""
    lines = [*KUBELET_LINES, f"{own.address}\t{own.fqdn}\t{own.short}"]
    lines += [f"{pod.address}\t{pod.fqdn}" for pod in pods if pod != own]
    lines += [f"{pod.address}\t{service}" for service in services for pod in pods]
    return "\n".join(lines) + "\n"
