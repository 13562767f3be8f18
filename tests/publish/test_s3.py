"""S3Storage against a real S3-compatible HTTP server (moto in server mode) through boto3."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import feedparser
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from castwright.clients.storage import IMMUTABLE, S3Storage, StorageUnavailable
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from tasks.publish.stage import list_episodes, publish_episode, remove_episode
from tests.publish.conftest import make_mastered, make_newsletter

BUCKET = "castwright-test"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}
CREDENTIALS: dict[str, Any] = {
    "region_name": "us-east-1",
    "aws_access_key_id": "test",
    "aws_secret_access_key": "test",
    "config": Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    admin = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    admin.create_bucket(Bucket=BUCKET)
    admin.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))  # as a CDN origin
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, request: pytest.FixtureRequest) -> S3Storage:
    prefix = f"shows/{request.node.name[:40].replace('[', '-').replace(']', '')}"
    return S3Storage(BUCKET, endpoint_url=s3_endpoint, prefix=prefix, **CREDENTIALS)


def test_s3_round_trip(s3: S3Storage, tmp_path: Path) -> None:
    assert s3.get_bytes("a/b.txt") is None and s3.size("a/b.txt") is None
    assert not s3.exists("a/b.txt")
    s3.put_bytes("a/b.txt", b"hello", "text/plain")
    src = tmp_path / "x.bin"
    src.write_bytes(b"\x01" * 2048)
    s3.put_file("c.bin", src, "application/octet-stream", IMMUTABLE)
    assert s3.get_bytes("a/b.txt") == b"hello" and s3.size("c.bin") == 2048
    assert s3.list() == ["a/b.txt", "c.bin"] and s3.list("a/") == ["a/b.txt"]
    head = s3.client.head_object(Bucket=BUCKET, Key=s3.prefix + "c.bin")
    assert head["ContentType"] == "application/octet-stream" and head["CacheControl"] == IMMUTABLE
    s3.delete("a/b.txt")
    assert s3.list() == ["c.bin"]
    for bad in ["../x", "/abs", "a/../../b"]:
        with pytest.raises(PublishError, match="not allowed"):
            s3.put_bytes(bad, b"x", "text/plain")


def test_publish_to_s3(
    s3: S3Storage,
    s3_endpoint: str,
    show: ShowConfig,
    make_mp3: Callable[..., Path],
    tmp_path: Path,
) -> None:
    base_url = f"{s3_endpoint}/{BUCKET}/{s3.prefix}"  # path-style public URL of the prefix
    mp3 = make_mp3(3.0, 440)
    mastered = make_mastered(mp3, tmp_path / "w")
    first = publish_episode(
        show, make_newsletter("Issue 1"), mastered, s3, base_url, "2026-11-09-the-weekly-signal"
    )
    again = publish_episode(
        show, make_newsletter("Issue 1"), mastered, s3, base_url, "2026-11-09-the-weekly-signal"
    )
    second = publish_episode(
        show, make_newsletter("Issue 2"), mastered, s3, base_url, "2026-11-16-the-weekly-signal"
    )
    assert again == first

    with urllib.request.urlopen(first.feed_url, timeout=10) as response:  # over HTTP, as apps do
        parsed = feedparser.parse(response.read())
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == [second.guid, first.guid]
    with urllib.request.urlopen(first.episode_url, timeout=10) as response:
        assert response.read() == mp3.read_bytes()

    keys = s3.list()
    assert {"feed.xml", "index.html", "catalog.json"} <= set(keys)
    head = s3.client.head_object(Bucket=BUCKET, Key=s3.prefix + "feed.xml")
    assert head["ContentType"].startswith("application/rss+xml")
    audio_key = first.episode_url.removeprefix(base_url)
    head = s3.client.head_object(Bucket=BUCKET, Key=s3.prefix + audio_key)
    assert head["ContentType"] == "audio/mpeg" and head["CacheControl"] == IMMUTABLE

    remove_episode(show, s3, base_url, "2026-11-09-the-weekly-signal")
    assert [e.guid for e in list_episodes(s3)] == [second.guid]
    assert s3.list("episodes/2026-11-09-the-weekly-signal/") == []


def test_missing_bucket_says_what_to_check(s3_endpoint: str) -> None:
    storage = S3Storage("no-such-bucket", endpoint_url=s3_endpoint, **CREDENTIALS)
    with pytest.raises(PublishError, match="NoSuchBucket.*check the bucket name") as info:
        storage.put_bytes("feed.xml", b"x", "application/rss+xml")
    assert not isinstance(info.value, StorageUnavailable)


def test_unreachable_endpoint_is_transient() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    storage = S3Storage(BUCKET, endpoint_url=f"http://127.0.0.1:{port}", **CREDENTIALS)
    with pytest.raises(StorageUnavailable, match="check the endpoint URL"):
        storage.get_bytes("catalog.json")


def test_s3_lock_is_a_conditional_write(s3: S3Storage, s3_endpoint: str) -> None:
    other = S3Storage(BUCKET, endpoint_url=s3_endpoint, prefix=s3.prefix, **CREDENTIALS)
    with s3.lock():
        assert s3.exists("castwright-publish.lock")
        with (
            pytest.raises(PublishError, match="another castwright run is publishing"),
            other.lock(wait_s=1.0),
        ):
            pass
    assert not s3.exists("castwright-publish.lock")
    s3.put_bytes("castwright-publish.lock", b"4242", "text/plain")  # left by a killed run
    with other.lock(wait_s=5.0, stale_s=0.0):  # an old lock is broken
        assert s3.get_bytes("castwright-publish.lock") != b"4242"
    assert not s3.exists("castwright-publish.lock")


class RacingS3(S3Storage):
    """A bucket where another writer, ignoring the lock, replaces catalog.json mid-publish."""

    raced = False

    def size(self, key: str) -> int | None:
        if key.startswith("artwork/") and not self.raced:  # after the catalog was read
            self.raced = True
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + "catalog.json",
                                   Body=self.get_bytes("catalog.json") + b" ")  # fmt: skip
        return super().size(key)


def test_the_catalog_is_written_only_over_the_version_read(
    s3: S3Storage, s3_endpoint: str, show: ShowConfig, make_mp3: Callable[..., Path],
    tmp_path: Path,
) -> None:  # fmt: skip
    base_url = f"{s3_endpoint}/{BUCKET}/{s3.prefix}"
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "w")
    publish_episode(show, make_newsletter("Issue 1"), mastered, s3, base_url, "first")
    feed, catalog = s3.get_bytes("feed.xml"), s3.get_bytes("catalog.json")
    racing = RacingS3(BUCKET, endpoint_url=s3_endpoint, prefix=s3.prefix, **CREDENTIALS)
    with pytest.raises(PublishError, match="catalog.json in .* changed while this run"):
        publish_episode(show, make_newsletter("Issue 2"), mastered, racing, base_url, "second")
    assert s3.get_bytes("catalog.json") == (catalog or b"") + b" "  # the other writer's, intact
    assert s3.get_bytes("feed.xml") == feed and [e.slug for e in list_episodes(s3)] == ["first"]
    s3.put_if("fresh.json", b"{}", "application/json", None)  # If-None-Match: * creates it...
    with pytest.raises(PublishError, match="changed while this run"):
        s3.put_if("fresh.json", b"{}", "application/json", None)  # ...and only once
