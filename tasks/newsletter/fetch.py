"""Download an issue from an http(s) URL without letting the URL reach into the local network
or exhaust the machine: every hop's host is resolved once and must be public
(castwright/core/netguard.py), the connection goes to that checked address, at most
MAX_REDIRECTS redirects are followed (each checked again), the body is streamed and refused past
MAX_BYTES of *decoded* bytes (a small gzip body can inflate to gigabytes), and the whole download
has one deadline (a server that drips a byte at a time cannot hold the run)."""

from __future__ import annotations

import threading
import time
import zlib
from typing import Any
from urllib.parse import urljoin

import httpx

from castwright.core.errors import NewsletterError
from castwright.core.netguard import AddressRefused, pinned_address, redact_url

MAX_REDIRECTS = 3
FETCH_DEADLINE_S = 60.0
_DEFAULT_PORTS = {"http": 80, "https": 443}
_STEP = 64 * 1024


def _pinned(client: httpx.Client, url: str, allow: frozenset[str]) -> httpx.Request:
    """A GET for `url` sent to the address its host was checked at (TLS still verifies the
    name: SNI and certificate use the host, only the TCP connection uses the address)."""
    parsed = httpx.URL(url)
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise NewsletterError(f"{redact_url(url)}: only http:// and https:// URLs can be read")
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    try:
        address = pinned_address(parsed.host, port, allow)
    except AddressRefused as exc:
        raise NewsletterError(f"{redact_url(url)}: {exc}; use a public URL or a file") from exc
    host_header = parsed.host + (f":{parsed.port}" if parsed.port else "")
    return client.build_request(
        "GET", parsed.copy_with(host=address), headers={"Host": host_header, "Accept-Encoding": "gzip, deflate"},
        extensions={"sni_hostname": parsed.host},
    )  # fmt: skip


class _Identity:
    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        return data


def _decoder(response: httpx.Response, shown: str) -> _Identity | Any:
    """Our own decompressor, bounded per step (httpx's would inflate a whole chunk at once)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(31 if "gzip" in encoding else 15)
    raise NewsletterError(f"{shown}: the server sent Content-Encoding {encoding!r}; not supported")


def _body(response: httpx.Response, shown: str, max_bytes: int, deadline: float) -> bytes:
    decoder = _decoder(response, shown)
    chunks: list[bytes] = []
    total = 0
    for raw in response.iter_raw():
        pending = raw
        while pending:
            chunk = decoder.decompress(pending, _STEP)
            pending = decoder.unconsumed_tail
            total += len(chunk)
            if total > max_bytes:
                raise NewsletterError(
                    f"{shown}: over the {max_bytes:,}-byte limit for one issue (after "
                    "decompression); split the issue or trim it"
                )
            chunks.append(chunk)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the download's deadline passed")
    return b"".join(chunks)


def download(
    url: str, max_bytes: int, client: httpx.Client | None = None,
    allow_hosts: frozenset[str] = frozenset(), deadline_s: float = FETCH_DEADLINE_S,
) -> tuple[bytes, str]:  # fmt: skip
    """(body, content type) of `url` under the rules above; NewsletterError says what failed.

    The deadline holds whatever the server does: the download runs in a daemon thread, and a
    server still sending its headers (each byte inside httpx's read timeout) when the deadline
    passes is left to that thread, which ends when the server stops, the headers outgrow
    httpcore's limit, or the process exits (a run's process ends with the run)."""
    http = client or httpx.Client(timeout=httpx.Timeout(min(deadline_s, 20.0)))
    outcome: list[tuple[bytes, str] | BaseException] = []

    def attempt() -> None:
        try:
            outcome.append(_download(url, max_bytes, http, allow_hosts, deadline_s))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)
        finally:
            if client is None:
                http.close()

    thread = threading.Thread(target=attempt, name="newsletter-download", daemon=True)
    thread.start()
    thread.join(deadline_s + 0.5)  # the body's own deadline check answers first when it can
    if not outcome:
        raise NewsletterError(f"{redact_url(url)}: took longer than {deadline_s:.0f} s to download")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _download(
    url: str, max_bytes: int, http: httpx.Client, allow_hosts: frozenset[str], deadline_s: float
) -> tuple[bytes, str]:
    deadline = time.monotonic() + deadline_s
    allow = frozenset(h.lower() for h in allow_hosts)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            shown = redact_url(url)
            response = http.send(_pinned(http, url, allow), stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise NewsletterError(
                        f"{shown}: the server answered {response.status_code}; check the URL"
                    )
                data = _body(response, shown, max_bytes, deadline)
                return data, response.headers.get("content-type", "")
            finally:
                response.close()
    except httpx.TimeoutException as exc:
        raise NewsletterError(f"{shown}: took longer than {deadline_s:.0f} s to download") from exc
    except httpx.HTTPError as exc:
        raise NewsletterError(f"{shown}: could not download the issue ({exc})") from exc
    raise NewsletterError(
        f"{redact_url(url)}: more than {MAX_REDIRECTS} redirects; use the final URL"
    )
