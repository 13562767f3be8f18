"""Downloading an issue from a URL: public addresses only, redirects re-checked, a cap on the
decoded bytes (gzip bomb), one deadline (slow drip), no secret from the URL in any message."""

from __future__ import annotations

import time
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from castwright.core.errors import NewsletterError
from tasks.newsletter.fetch import download
from tasks.newsletter.stage import MAX_BYTES, load_newsletter
from tests.fakes.raw_http import Route, drip, drip_headers, send, serve_routes

LOOPBACK = frozenset({"127.0.0.1"})


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[tuple[str, list[str]]]:
    with serve_routes(routes | {"*": send(404)}) as (port, hits):
        yield f"http://127.0.0.1:{port}", hits


def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"\0" * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()


def test_a_gzip_bomb_stops_at_the_decoded_byte_cap() -> None:
    bomb = gzip_of_zeros(200 << 20)  # 200 MiB of markdown-looking nothing in ~200 KB
    assert len(bomb) < 400_000
    with serve({"/issue.md": send(200, bomb, Content_Encoding="gzip")}) as (base, _hits):
        tracemalloc.start()
        try:
            with pytest.raises(NewsletterError, match="over the 1,000,000-byte limit"):
                load_newsletter(f"{base}/issue.md", ["Ada"], LOOPBACK)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * MAX_BYTES, f"held {peak / 2**20:.0f} MiB before refusing"


def test_a_slow_drip_stops_at_the_deadline() -> None:
    with (
        serve({"/issue.md": drip(1000, 0.1)}) as (base, _hits),
        pytest.raises(NewsletterError, match="took longer than 2 s"),
    ):
        download(f"{base}/issue.md", MAX_BYTES, allow_hosts=LOOPBACK, deadline_s=2.0)


def test_headers_that_never_end_stop_at_the_deadline() -> None:
    """Each header byte arrives well inside the read timeout, so only the overall deadline ends
    it (before, this held the run for as long as the server kept dripping: here 10 s)."""
    with serve({"/issue.md": drip_headers(100, 0.1)}) as (base, _hits):
        started = time.monotonic()
        with pytest.raises(NewsletterError, match="took longer than 2 s"):
            download(f"{base}/issue.md", MAX_BYTES, allow_hosts=LOOPBACK, deadline_s=2.0)
        assert time.monotonic() - started < 3.5


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x.md", "http://localhost:9/x.md", "http://100.100.100.200/latest",
     "http://[::ffff:127.0.0.1]:9/x.md", "https://10.0.0.8/x.md"],
)  # fmt: skip
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(NewsletterError, match="non-public address"):
        load_newsletter(url, ["Ada"])


def test_redirects_are_checked_at_every_hop() -> None:
    with serve({}) as (internal, internal_hits):
        port = internal.rsplit(":", 1)[1]
        routes = {"/hop": send(302, Location="/issue.md"),
                  "/issue.md": send(200, b"## News\nSomething happened.\n"),
                  "/to-internal": send(302, Location=f"http://localhost:{port}/secret"),
                  "/loop": send(302, Location="/loop")}  # fmt: skip
        with serve(routes) as (base, _hits):
            issue = load_newsletter(f"{base}/hop", ["Ada"], LOOPBACK)
            assert issue.sections[0].body == "Something happened."
            with pytest.raises(NewsletterError, match="'localhost' resolves to a non-public"):
                load_newsletter(f"{base}/to-internal", ["Ada"], LOOPBACK)
            with pytest.raises(NewsletterError, match="more than 3 redirects"):
                load_newsletter(f"{base}/loop", ["Ada"], LOOPBACK)
    assert internal_hits == []


def test_no_secret_from_the_url_reaches_a_message() -> None:
    with serve({"/issue.md": send(403)}) as (base, _hits):
        base = base.replace("http://", "http://editor:hunter2@")
        with pytest.raises(NewsletterError) as caught:
            load_newsletter(f"{base}/issue.md?token=sk-SECRET-42", ["Ada"], LOOPBACK)
    message = str(caught.value)
    assert "403" in message and "/issue.md?…" in message
    assert "sk-SECRET-42" not in message and "hunter2" not in message
