"""The pod's names and server id: --hostname, --domain and the system's FQDN,
checked as DNS names and against the ensemble's size."""

from __future__ import annotations

from collections.abc import Callable

from zkcontainer.identity import (
    PodIdentity,
    headless_service_namespace,
    split_fqdn,
)
from zkcontainer.probeargs import shown
from zkcontainer.settings.declarations import MAX_DNS_LABEL, MAX_DNS_NAME
from zkcontainer.settings.reader import Reader


def hostname_and_domain(
    read: Reader, system_fqdn: Callable[[], str]
) -> tuple[str, str, str | None]:
    """(hostname, domain, and the namespace of the StatefulSet whose pod the hostname
    names, or None when nothing says it is one).

    The system's FQDN is the kubelet's record of the pod, and so is the word on
    that whenever the hostname in use is its short name; --hostname with --domain
    is the operator's; a --hostname under the system's domain names no one host.
    """
    hostname, domain = read.text("hostname"), read.text("domain")
    if hostname is not None and domain is not None:
        return hostname, domain.strip("."), headless_service_namespace(domain)
    short, system_domain = split_fqdn(system_fqdn())
    own = hostname is None or hostname == short
    hostname = hostname if hostname is not None else short
    domain = domain if domain is not None else system_domain
    namespace = headless_service_namespace(system_domain) if own else None
    return hostname, domain.strip("."), namespace


def check_dns_names(
    read: Reader, hostname: str, pod: PodIdentity | None, domain: str, members: int | None
) -> None:
    """The names an ensemble writes into its server lines must resolve: RFC 1123.

    A standalone writes none, so a laptop's odd hostname does not stop it; a
    --domain given explicitly is still checked, as it says what was meant.
    `members` counts the observers too: their names are in every server list.
    """
    members = members or 1
    ensemble = members > 1
    # The longest name the server lines will hold: the last peer's.
    longest = f"{pod.set_name}-{members - 1}" if ensemble and pod is not None else hostname
    if ensemble and not is_dns_label(hostname):
        read.problems.append(
            f"{_hostname_origin(read, shown(hostname))}: not a DNS label (RFC 1123: letters, "
            "digits and '-', 1 to 63 characters, no '-' at either end)"
        )
    elif ensemble and len(longest) > MAX_DNS_LABEL:
        read.problems.append(
            f"{_hostname_origin(read, hostname)}: its peer {longest} is longer than "
            f"{MAX_DNS_LABEL} characters, the most a DNS label can have"
        )
    if (ensemble or "domain" in read.given) and domain:
        labels = domain.split(".")
        if not all(is_dns_label(label) for label in labels):
            read.problems.append(
                f"{_domain_origin(read, domain)}: not a DNS name (RFC 1123: labels of letters, "
                "digits and '-' separated by dots, like zk-hs.default.svc.cluster.local)"
            )
        elif len(longest) + 1 + len(domain) > MAX_DNS_NAME:
            read.problems.append(
                f"{_domain_origin(read, domain)}: {longest}.{domain} is longer than "
                f"{MAX_DNS_NAME} characters, the most a DNS name can have"
            )


def is_dns_label(text: str) -> bool:
    """RFC 1123: 1 to 63 ASCII letters, digits and '-', with no '-' at either end."""
    return (
        0 < len(text) <= MAX_DNS_LABEL
        and text.isascii()
        and text.replace("-", "").isalnum()
        and not text.startswith("-")
        and not text.endswith("-")
    )


def _hostname_origin(read: Reader, hostname: str) -> str:
    return read.origin("hostname") if "hostname" in read.given else f"hostname {hostname!r}"


def _domain_origin(read: Reader, domain: str) -> str:
    return read.origin("domain") if "domain" in read.given else f"domain {domain!r}"


def server_identity(
    read: Reader,
    hostname: str,
    identity: PodIdentity | None,
    domain: str,
    servers: int | None,
    *,
    observers: int | None,
    reconfig: bool = False,
    namespace: str | None = None,
) -> PodIdentity | None:
    """The pod's server id, from the ordinal at the end of its hostname.

    A standalone server (--servers=1) needs no id: only a StatefulSet's pod 0
    claims myid 1 (so its volume can later join an ensemble as server 1). Any
    other hostname, with or without digits at its end (ip-172-31-5-12 under
    hostNetwork, a container id), runs as a plain standalone; but a
    StatefulSet's pod beyond pod 0 (`namespace` says the name is one) is
    refused as a pod beyond an ensemble is: it would serve data of its own
    behind the same Service.
    """
    if servers is None:
        return identity
    where = _hostname_origin(read, hostname)
    if servers == 1 and not reconfig:
        if identity is None or identity.ordinal == 0:
            return identity
        if namespace is not None and observers is not None:
            _refuse_beyond_the_ensemble(
                read, where, identity, servers, observers=observers, namespace=namespace
            )
        return None
    if identity is None:
        read.problems.append(
            f"{where}: does not end in -<ordinal> (like zk-0), so the server id is unknown; "
            "run it as a StatefulSet pod or pass --hostname=<name>-<ordinal>"
        )
    if not domain:
        where_domain = read.origin("domain") if "domain" in read.given else "the pod's domain"
        read.problems.append(
            f"{where_domain}: empty, but --servers={servers} needs it to name the peers "
            "(set the StatefulSet's serviceName or pass --domain)"
        )
    # A bad --observers is its own problem: no guess at the ensemble's size here.
    # With --reconfig a pod beyond them joins the running ensemble.
    if (
        not reconfig
        and identity is not None
        and observers is not None
        and identity.myid > servers + observers
    ):
        _refuse_beyond_the_ensemble(
            read, where, identity, servers, observers=observers, namespace=namespace
        )
    return identity


def _refuse_beyond_the_ensemble(
    read: Reader,
    where: str,
    identity: PodIdentity,
    servers: int,
    *,
    observers: int,
    namespace: str | None,
) -> None:
    """A static ensemble's pod whose ordinal --servers and --observers leave out:
    what `kubectl scale` makes of a StatefulSet without changing the flags."""
    replicas = servers + observers
    ensemble = read.origin("servers")
    if observers:
        ensemble += f" and {read.origin('observers')}"
    pods = "pod 0" if replicas == 1 else f"pods 0 to {replicas - 1}"
    scope = f" -n {namespace}" if namespace else ""
    read.problems.append(
        f"{where}: this pod's ordinal {identity.ordinal} is beyond {ensemble} ({pods}): "
        "the StatefulSet was scaled without changing the ensemble; scale it back "
        f"(kubectl{scope} scale statefulset {identity.set_name} --replicas={replicas}); "
        "to grow the ensemble, turn on --reconfig with the same members first, then scale "
        '(docs/scaling.md, "Scaling without restarts")'
    )
