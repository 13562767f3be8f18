"""The worker's address rules: only globally routable addresses, IPv6 wrappers unwrapped."""

from __future__ import annotations

import pytest

from worker.netguard import is_public, unwrap


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "100.100.100.200", "100.127.255.254", "0.0.0.0", "255.255.255.255",
        "224.0.0.1", "192.0.2.10", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.100.100.200",
        "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:6464:64c8::",  # 6to4 of 127.0.0.1, 169.254.169.254, 100.100.100.200
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
        "not an address",
    ],
)  # fmt: skip
def test_internal_addresses_and_their_wrappers_are_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address)


def test_wrappers_are_unwrapped_to_the_ipv4_inside() -> None:
    import ipaddress

    assert str(unwrap(ipaddress.ip_address("::ffff:100.100.100.200"))) == "100.100.100.200"
    assert str(unwrap(ipaddress.ip_address("2002:7f00:1::"))) == "127.0.0.1"
    assert str(unwrap(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:80ff:fffe"))) == "127.0.0.1"
