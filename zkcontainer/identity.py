"""A StatefulSet pod's identity: its name, ordinal, ZooKeeper server id and peers."""

from __future__ import annotations

from typing import NamedTuple


class PodIdentity(NamedTuple):
    """`zk-2` is the pod with ordinal 2 of StatefulSet `zk`; its ZooKeeper myid is 3."""

    set_name: str
    ordinal: int

    @property
    def myid(self) -> int:
        return self.ordinal + 1

    def peer_hostname(self, ordinal: int) -> str:
        return f"{self.set_name}-{ordinal}"


def parse_pod_hostname(hostname: str) -> PodIdentity | None:
    """Split a short hostname `<set>-<ordinal>`; None when it carries no ordinal."""
    # At the last '-', as the original script: "my-zk-2" is set "my-zk", ordinal 2.
    set_name, _, ordinal = hostname.rpartition("-")
    # No pod has an ordinal of more digits than Python parses (4300).
    if not set_name or not (ordinal.isascii() and ordinal.isdigit()) or len(ordinal) > 4000:
        return None
    return PodIdentity(set_name=set_name, ordinal=int(ordinal))


def split_fqdn(fqdn: str) -> tuple[str, str]:
    """`zk-0.zk-hs.default.svc.cluster.local` -> (`zk-0`, `zk-hs.default.svc.cluster.local`)."""
    short, _, domain = fqdn.partition(".")
    return short, domain


def headless_service_namespace(domain: str) -> str | None:
    """The namespace of a domain `<service>.<namespace>.svc.<cluster domain>`; None for any other.

    The kubelet names a pod with a subdomain `<hostname>.<subdomain>.<namespace>.svc.<cluster
    domain>`, and a StatefulSet's controller gives each of its pods its serviceName as the
    subdomain: what tells a StatefulSet's pod from a host whose name merely ends in digits
    (`ip-172-31-5-12.ec2.internal` under hostNetwork, a laptop). An empty cluster domain
    leaves `<service>.<namespace>.svc`.
    """
    labels = domain.strip(".").split(".")
    if len(labels) >= 3 and labels[2] == "svc" and labels[0] and labels[1]:
        return labels[1]
    return None
