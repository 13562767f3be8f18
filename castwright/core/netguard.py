"""Which addresses castwright may fetch a newsletter URL from (the worker has its own copy of
this rule in worker/netguard.py: the two share no import).

A name is resolved ONCE; every address it resolves to must be globally routable
(`ipaddress.is_global`, after unwrapping IPv4-mapped, 6to4, Teredo and NAT64 IPv6 forms), so no
loopback, private, link-local, shared (100.64.0.0/10, e.g. 100.100.100.200) or reserved
address; the caller then connects to that very address, so a rebinding DNS name cannot swap it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefused(ValueError):
    """The host is not on the public internet (or cannot be resolved)."""


def unwrap(ip: Address) -> Address:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, Teredo, NAT64), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (and, for IPv6 wrappers, the one inside)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return all(a.is_global and not a.is_multicast for a in (ip, unwrap(ip)))


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in one lookup."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise AddressRefused(f"cannot resolve host {host!r}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def pinned_address(
    host: str, port: int, allow: frozenset[str] = frozenset(), resolver: Resolver = resolve
) -> str:
    """The one address to connect to for `host`; hosts in `allow` may be non-public."""
    addresses = resolver(host, port)
    bad = [a for a in addresses if not is_public(a)]
    if not addresses or (bad and host.lower() not in allow):
        raise AddressRefused(
            f"host {host!r} resolves to a non-public address ({', '.join(bad) or 'none'})"
        )
    return addresses[0]


def redact_url(url: str) -> str:
    """`url` fit to log or record: no user, password, query or fragment (they may hold keys)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return url.split("?", 1)[0].split("#", 1)[0]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    hidden = "?…" if parts.query else ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", "")) + hidden
