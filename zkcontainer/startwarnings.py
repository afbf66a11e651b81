"""What start-zookeeper warns of: settings it honours as given, though something breaks."""

from __future__ import annotations

from zkcontainer.identity import parse_pod_hostname
from zkcontainer.settings import Settings


def probe_warnings(settings: Settings) -> list[str]:
    """What a custom four-letter-word whitelist will break: it is honoured, not corrected."""
    words = settings.four_letter_words
    if "*" in words:
        return []
    warnings = []
    if "ruok" not in words:
        warnings.append("ruok is not whitelisted: zookeeper-ready (liveness) will fail")
    if "mntr" not in words:
        warnings.append(
            "mntr is not whitelisted: zookeeper-metrics will fail and "
            "zookeeper-ready --serving falls back to srvr"
        )
    return warnings


# What the probes' default host, 127.0.0.1, reaches: the IPv4 and IPv6 wildcards (the
# JVM's IPv6 socket takes IPv4 too) and 127.0.0.1 itself, IPv4-mapped or not, as
# --client_address reads after validation.
PROBES_REACH = frozenset({"0.0.0.0", "::", "127.0.0.1", "::ffff:7f00:1"})


def client_address_warnings(settings: Settings) -> list[str]:
    """A plaintext client port the probes, asking 127.0.0.1 by default, cannot reach."""
    address = settings.client_address
    if address is None or address in PROBES_REACH or not settings.client_port:
        return []
    port = settings.client_port
    return [
        f"--client_address={address}: the client port does not listen on 127.0.0.1, which"
        f" zookeeper-ready and zookeeper-metrics ask unless given --host={address}: a liveness"
        f" probe `zookeeper-ready {port}` fails, and the kubelet restarts the pod"
    ]


def identity_warnings(settings: Settings) -> list[str]:
    """A standalone whose hostname ends in an ordinal other than 0 runs without a server id.

    Only where its name is not a StatefulSet pod's: such a pod beyond pod 0 is
    refused (settings), so this is a host that merely looks like one.
    """
    identity = parse_pod_hostname(settings.hostname)
    ensemble = settings.is_ensemble
    if ensemble or identity is None or identity.ordinal == 0:
        return []
    return [
        f"hostname {settings.hostname} ends in -{identity.ordinal} but --servers=1: running "
        "as a standalone without a server id, since its name is not a StatefulSet pod's "
        "(<set>-<n>.<service>.<namespace>.svc.<cluster domain>); a second standalone "
        "serves data of its own"
    ]


def gate_warnings(settings: Settings, gated: bool) -> list[str]:
    """What hides a serving ensemble from the start gate of a member on an empty volume,
    when it passes one (`gated`)."""
    if not gated or settings.tls_dir is not None or settings.plaintext_reaches_peers:
        return []
    if settings.client_port == 0:
        hidden = "--client_port=0 closes the client port to"
    else:
        hidden = f"--client_address={settings.client_address} keeps the client port from"
    return [
        f"{hidden} the other members, so a member on an empty volume cannot see them serve:"
        " it waits until every voter is new, or its data is declared lost"
        " (zookeeper-declare-lost)"
    ]
