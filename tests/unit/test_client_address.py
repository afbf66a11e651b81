"""--client_address: an address the JVM could not bind is refused before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

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
