"""Fetching a job's https URL without letting the job reach into the worker's network.

The rules (castwright has its own copy in castwright/clients/netguard.py; the worker shares no
import with it):
- https only; the host on WORKER_REFERENCE_HOSTS when that is set;
- the name is resolved ONCE and every address it resolves to must be global
  (`ipaddress.is_global`, after unwrapping IPv4-mapped, 6to4, Teredo and NAT64 IPv6 forms): no loopback,
  private, link-local, shared (100.64.0.0/10, e.g. 100.100.100.200) or reserved address;
- the connection goes to the very address that was checked (no second lookup, so a rebinding DNS
  name cannot swap it), with TLS verified against the URL's host name;
- redirects are not followed (the job must send the final URL);
- at most `max_bytes` are read, and the whole fetch (connect, TLS, headers, body) has one deadline,
  so a server that drips one byte at a time cannot hold the worker.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from worker.errors import ReferenceAudioError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
_CHUNK = 64 * 1024
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def unwrap(ip: Address) -> Address:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, Teredo, NAT64), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]  # (server, client): the client is where traffic goes
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (and, for IPv6 wrappers, the one inside)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    inner = unwrap(ip)
    return all(a.is_global and not a.is_multicast for a in (ip, inner))


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (one lookup)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ReferenceAudioError(f"reference_audio: cannot resolve host {host!r}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_host(host: str, allowed: str | None = None) -> None:
    """Refuse a host off WORKER_REFERENCE_HOSTS (comma-separated) when that is set."""
    allowed = os.environ.get("WORKER_REFERENCE_HOSTS") if allowed is None else allowed
    if allowed and host.lower() not in {h.strip().lower() for h in allowed.split(",")}:
        raise ReferenceAudioError(
            f"reference_audio: host {host!r} is not in WORKER_REFERENCE_HOSTS"
        )


def public_address(host: str, port: int, resolver: Resolver = resolve) -> str:
    """The address to connect to: `host` resolved once, every answer checked."""
    addresses = resolver(host, port)
    bad = [a for a in addresses if not is_public(a)]
    if bad or not addresses:
        raise ReferenceAudioError(
            f"reference_audio: host {host!r} resolves to a non-public address "
            f"({', '.join(bad) or 'none'}); send a URL on the public internet"
        )
    return addresses[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a fixed address, verifying TLS against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address
        self.tls: ssl.SSLSocket | None = None  # kept: the response still reads it after close()

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.tls = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        self.sock = self.tls

    def set_deadline(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the deadline has passed")
        if self.tls is not None:
            self.tls.settimeout(left)

    def abort(self) -> None:
        """Wake a read blocked on the socket (called by the deadline's timer thread)."""
        if self.tls is not None:
            with contextlib.suppress(OSError):
                self.tls.shutdown(socket.SHUT_RDWR)


def _read_body(
    response: http.client.HTTPResponse, conn: _PinnedHTTPS, url: str, max_bytes: int,
    deadline: float,
) -> bytes:  # fmt: skip
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise ReferenceAudioError(f"reference_audio: {url} is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    total = 0
    while True:
        conn.set_deadline(deadline)
        chunk = response.read1(_CHUNK)
        if not chunk:  # the end, or the deadline's watchdog shut the socket mid-body
            if time.monotonic() >= deadline:
                raise TimeoutError("the deadline passed while reading the body")
            if length and length.isdigit() and total < int(length):
                raise http.client.IncompleteRead(b"".join(chunks), int(length) - total)
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise ReferenceAudioError(f"reference_audio: {url} is larger than {max_bytes} bytes")
        chunks.append(chunk)


def fetch_public_https(
    url: str, max_bytes: int, deadline_s: float, resolver: Resolver = resolve
) -> bytes:
    """GET `url` under the rules above; raise ReferenceAudioError saying what was refused."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ReferenceAudioError(f"reference_audio: only https:// URLs are allowed, got {url!r}")
    shown = f"https://{parts.hostname}{parts.path}"  # never the query: it may hold a token
    deadline = time.monotonic() + deadline_s
    check_host(parts.hostname)
    port = parts.port or 443
    address = public_address(parts.hostname, port, resolver)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = _PinnedHTTPS(parts.hostname, port, address, timeout=deadline_s)
    watchdog = threading.Timer(deadline_s, conn.abort)  # bounds TLS and headers too
    watchdog.start()
    try:
        conn.request("GET", target, headers={"User-Agent": "castwright-worker"})
        response = conn.getresponse()
        if 300 <= response.status < 400:
            raise ReferenceAudioError(
                f"reference_audio: {shown} redirects (HTTP {response.status}); redirects are "
                "not followed, send the final URL"
            )
        if response.status != 200:
            raise ReferenceAudioError(f"reference_audio: {shown} answered HTTP {response.status}")
        return _read_body(response, conn, shown, max_bytes, deadline)
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() >= deadline or isinstance(exc, TimeoutError):
            raise ReferenceAudioError(
                f"reference_audio: {shown} took longer than {deadline_s:.0f} s to download"
            ) from exc
        raise ReferenceAudioError(f"reference_audio: could not fetch {shown}: {exc}") from exc
    finally:
        watchdog.cancel()
        conn.close()
