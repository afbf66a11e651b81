"""--client_address: an address the JVM could not bind is refused before anything starts."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from tests.harness.prerequisites import missing
from zkcontainer import EnvironmentProblem
from zkcontainer.clientaddress import check_client_address


def no_ipv6(tmp_path: Path) -> str:
    """/proc/net/if_inet6 as a pod with IPv6 disabled has it: empty."""
    listing = tmp_path / "if_inet6"
    listing.write_text("")
    return str(listing)


@pytest.mark.parametrize("address", [None, "127.0.0.1", "0.0.0.0", "::", "::1"])
def test_an_address_of_this_machine_passes(address: str | None) -> None:
    check_client_address(address)


def test_an_address_of_another_machine_is_refused_naming_the_flag() -> None:
    # 192.0.2.0/24 is reserved for documentation: no machine has it.
    with pytest.raises(EnvironmentProblem) as refused:
        check_client_address("192.0.2.1")
    assert str(refused.value) == (
        "--client_address=192.0.2.1: not an address this machine can listen on"
        " (Cannot assign requested address); leave it unset to listen on every address"
    )


@pytest.mark.parametrize("address", ["::", "::1", "fd00::5"])
def test_an_ipv6_address_without_ipv6_is_refused(tmp_path: Path, address: str) -> None:
    listing = no_ipv6(tmp_path)
    with pytest.raises(EnvironmentProblem) as refused:
        check_client_address(address, listing)
    assert str(refused.value) == (
        f"--client_address={address}: this machine has no IPv6 (no interface in {listing}),"
        " so the JVM cannot listen on it; leave --client_address unset to listen on every"
        " address, or enable IPv6 in the pod"
    )


def test_an_ipv4_mapped_address_needs_no_ipv6(tmp_path: Path) -> None:
    check_client_address("::ffff:127.0.0.1", no_ipv6(tmp_path))


def test_a_kernel_without_ipv6_has_no_listing(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="has no IPv6"):
        check_client_address("::", str(tmp_path / "absent"))


def link_local_addresses() -> list[str]:
    """This machine's link-local IPv6 addresses, each with its interface as its zone,
    past duplicate address detection (an address still tentative cannot be bound)."""
    tentative = 0x40
    found = []
    with open("/proc/net/if_inet6", encoding="ascii") as listing:
        for line in listing:
            hexdigits, _index, _length, scope, flags, interface = line.split()
            if int(scope, 16) == 0x20 and not int(flags, 16) & tentative:
                groups = (hexdigits[i : i + 4] for i in range(0, 32, 4))
                found.append(str(ipaddress.ip_address(":".join(groups))) + f"%{interface}")
    return found


@pytest.fixture
def link_local() -> list[str]:
    found = link_local_addresses()
    if not found:
        missing("no link-local IPv6 address on this machine")
    return found


def test_an_ipv6_address_with_its_zone_passes_as_the_jvm_binds_it(link_local: list[str]) -> None:
    for address in link_local:
        check_client_address(address)
    # ::1 needs no zone, and the kernel ignores a number, as the JVM does.
    check_client_address(f"::1%{socket.if_nametoindex('lo')}")


@pytest.mark.parametrize("address", ["fe80::1%nosuchif0", "::1%lo"])
def test_a_zone_the_probes_could_not_take_is_refused_naming_the_flag(address: str) -> None:
    # glibc takes an interface's name as the zone of a link-local address only, and
    # the probes' --host would refuse it: the two agree.
    with pytest.raises(EnvironmentProblem) as refused:
        check_client_address(address)
    assert str(refused.value) == (
        f"--client_address={address}: an IPv6 %scope must be an interface number, or the name"
        " of an interface of this machine on a link-local address (fe80::1%eth0)"
    )


def test_a_link_local_address_without_its_zone_is_refused(link_local: list[str]) -> None:
    # Which link the kernel cannot tell: the JVM could not bind it either.
    with pytest.raises(EnvironmentProblem, match="not an address this machine can listen on"):
        check_client_address(link_local[0].partition("%")[0])
