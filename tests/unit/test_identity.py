from __future__ import annotations

import pytest

from zkcontainer.identity import (
    PodIdentity,
    headless_service_namespace,
    parse_pod_hostname,
    split_fqdn,
)


@pytest.mark.parametrize(
    ("hostname", "set_name", "ordinal", "myid"),
    [
        ("zk-0", "zk", 0, 1),
        ("zk-2", "zk", 2, 3),
        ("my-zk-10", "my-zk", 10, 11),
        ("zk-1-2", "zk-1", 2, 3),  # greedy, as the original
    ],
)
def test_ordinal_hostnames_give_set_name_and_myid(
    hostname: str, set_name: str, ordinal: int, myid: int
) -> None:
    identity = parse_pod_hostname(hostname)
    assert identity == PodIdentity(set_name, ordinal)
    assert identity is not None
    assert identity.myid == myid


@pytest.mark.parametrize("hostname", ["zk", "zk-", "3f4e5a6b7c8d", "-1", "zk-a", ""])
def test_hostnames_without_an_ordinal_have_no_identity(hostname: str) -> None:
    assert parse_pod_hostname(hostname) is None


def test_peers_share_the_set_name() -> None:
    assert PodIdentity("zk", 1).peer_hostname(2) == "zk-2"


def test_fqdn_splits_into_hostname_and_domain() -> None:
    assert split_fqdn("zk-0.zk-hs.default.svc.cluster.local") == (
        "zk-0",
        "zk-hs.default.svc.cluster.local",
    )
    assert split_fqdn("zk-0") == ("zk-0", "")


@pytest.mark.parametrize(
    ("domain", "namespace"),
    [
        ("zk-hs.default.svc.cluster.local", "default"),
        ("my-zk-hs.prod.svc.k8s.example.com.", "prod"),
        ("zk-hs.default.svc", "default"),  # the kubelet's, with no cluster domain
        ("ec2.internal", None),  # a node's, under hostNetwork
        ("us-west-2.compute.internal", None),
        ("svc.cluster.local", None),
        ("default.svc.cluster.local", None),
        ("", None),
    ],
)
def test_a_statefulset_pods_domain_is_its_headless_services(
    domain: str, namespace: str | None
) -> None:
    assert headless_service_namespace(domain) == namespace
