"""Where published files live: one small interface, a local folder or an S3-compatible bucket.

Keys are relative, slash-separated names such as ``episodes/2026-11-16-x/audio-ab12.mp3``. Every
key is validated before it reaches a backend, so no key can name a file outside the storage root.
Every write is atomic: a reader sees the old object or the new one, never half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from castwright.clients.locks import (
    CONFLICT_CODES,
    LOCK_STALE_S,
    LOCK_WAIT_S,
    S3_LOCK_KEY,
    file_lock,
    object_lock,
)
from castwright.core.errors import PublishError
from castwright.core.netguard import redact_url
from castwright.core.store import atomic_file

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
MAX_KEY_LENGTH = 512
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class StorageUnavailable(PublishError):
    """A transient storage fault (timeout, connection refused, HTTP 5xx): retrying may help."""


class StorageConflict(PublishError):
    """A conditional write found the object changed since it was read."""


def conflict(key: str, where: str) -> StorageConflict:
    return StorageConflict(
        f"{key} in {where} changed while this run was publishing (a writer that ignored the "
        "publish lock); nothing was replaced: run again to publish on top of it"
    )


def validate_key(key: str) -> str:
    """Return `key` if it is a safe relative key; raise PublishError otherwise."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise PublishError(
            f"storage key {key!r} is not allowed: use relative names of letters, digits, '.', '_' "
            f"and '-' separated by '/', each part starting with a letter or digit, "
            f"at most {MAX_KEY_LENGTH} characters"
        )
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a valid key optionally ending in '/'."""
    if prefix:
        validate_key(prefix.removesuffix("/"))
    return prefix


def public_url(base_url: str, key: str) -> str:
    """The public address of `key` under `base_url` (which the caller configures, never guessed)."""
    return normalize_base_url(base_url) + validate_key(key)


def normalize_base_url(base_url: str) -> str:
    if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", base_url):
        raise PublishError(
            f"base URL {base_url!r} must be an absolute http(s) URL without query or fragment, "
            "e.g. https://cdn.example.com/podcast/"
        )
    return base_url if base_url.endswith("/") else base_url + "/"


@runtime_checkable
class Storage(Protocol):
    """What publishing needs from a place to keep files."""

    def put_file(
        self, key: str, path: Path, content_type: str, cache_control: str | None = None
    ) -> None: ...

    def put_bytes(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def get_tagged(self, key: str) -> tuple[bytes, str] | None:
        """The object and its version tag (an ETag), or None when there is none."""
        ...

    def put_if(
        self, key: str, data: bytes, content_type: str, tag: str | None,
        cache_control: str | None = None,
    ) -> None:  # fmt: skip
        """Write only if the object still has version `tag` (None: only if there is none);
        otherwise raise StorageConflict."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> list[str]: ...

    def lock(self, wait_s: float = LOCK_WAIT_S) -> AbstractContextManager[None]:
        """Exclusive until exit, across processes: one publish or removal at a time."""
        ...


class LocalStorage:
    """Files under a folder; serve the folder with any static web server."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):  # symlinks inside the root pointing out
            raise PublishError(f"storage key {key!r} resolves outside {self.root}; remove the link")
        return path

    def _write_atomic(self, key: str, write: Any) -> None:
        path = self._path(key)
        try:
            with atomic_file(path) as tmp:
                with tmp.open("wb") as out:
                    write(out)
                tmp.chmod(0o644)
        except OSError as exc:
            raise PublishError(
                f"cannot write {path}: {exc}; check free space and permissions"
            ) from exc

    def put_file(
        self, key: str, path: Path, content_type: str, cache_control: str | None = None
    ) -> None:
        def copy(out: IO[bytes]) -> None:
            with path.open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)

        if not path.is_file():
            raise PublishError(f"cannot publish {path}: file not found")
        self._write_atomic(key, copy)

    def put_bytes(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None:
        self._write_atomic(key, lambda out: out.write(data))

    def get_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def get_tagged(self, key: str) -> tuple[bytes, str] | None:
        data = self.get_bytes(key)
        return None if data is None else (data, hashlib.sha256(data).hexdigest())

    def put_if(
        self, key: str, data: bytes, content_type: str, tag: str | None,
        cache_control: str | None = None,
    ) -> None:  # fmt: skip
        """Compare, then write: atomic only under `lock()` (publishing always holds it)."""
        current = self.get_tagged(key)
        if (current[1] if current else None) != tag:
            raise conflict(key, str(self.root))
        self.put_bytes(key, data, content_type, cache_control)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        """Remove the entry at `key` itself: a symlink is unlinked, never what it points at."""
        entry = self.root / validate_key(key)
        parent = entry.parent.resolve()
        if not parent.is_relative_to(self.root):
            raise PublishError(f"storage key {key!r} resolves outside {self.root}; remove the link")
        with contextlib.suppress(FileNotFoundError):
            (parent / entry.name).unlink()

    def lock(self, wait_s: float = LOCK_WAIT_S) -> AbstractContextManager[None]:
        return file_lock(self.root, wait_s)

    def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        return sorted(k for k in self._walk() if k.startswith(prefix))

    def _walk(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                key = (Path(dirpath) / name).relative_to(self.root).as_posix()
                if _KEY.fullmatch(key):  # skips in-flight ".tmp-*" files
                    yield key


class S3Storage:
    """An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO) through boto3.

    Each PUT replaces an object atomically (multipart uploads appear only when complete).
    `client_kwargs` go to `boto3.client("s3", ...)`: region_name, aws_access_key_id, config...
    Credentials otherwise come from boto3's usual chain (environment, ~/.aws, instance role).
    """

    def __init__(
        self, bucket: str, endpoint_url: str | None = None, prefix: str = "", **client_kwargs: Any
    ) -> None:
        import boto3  # imported here: only S3 users pay for it

        if prefix:
            validate_key(prefix.strip("/"))
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint_url, **client_kwargs)

    def __repr__(self) -> str:
        where = f" at {redact_url(self.endpoint_url)}" if self.endpoint_url else ""
        return f"S3Storage(s3://{self.bucket}/{self.prefix}{where})"

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    @contextlib.contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"s3://{self.bucket}/{self.prefix}{key}" + (
            f" at {redact_url(self.endpoint_url)}" if self.endpoint_url else ""
        )
        try:
            yield
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = exc.response.get("Error", {}).get("Code", "?")
            cls = StorageUnavailable if status >= 500 or status == 429 else PublishError
            raise cls(
                f"cannot {action} {where}: {code} (HTTP {status}); check the bucket name, "
                "the credentials and that they allow this action"
            ) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(
                f"cannot {action} {where}: {exc}; check the endpoint URL, the network "
                "and the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            ) from exc

    @staticmethod
    def _extra(content_type: str, cache_control: str | None) -> dict[str, str]:
        extra = {"ContentType": content_type}
        if cache_control:
            extra["CacheControl"] = cache_control
        return extra

    def put_file(
        self, key: str, path: Path, content_type: str, cache_control: str | None = None
    ) -> None:
        if not path.is_file():
            raise PublishError(f"cannot publish {path}: file not found")
        with self._errors("upload", key):
            self.client.upload_file(
                str(path), self.bucket, self._key(key),
                ExtraArgs=self._extra(content_type, cache_control),
            )  # fmt: skip

    def put_bytes(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None:
        with self._errors("upload", key):
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data,
                **self._extra(content_type, cache_control),
            )  # fmt: skip

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        full = self._key(key)
        with self._errors("read", key):
            try:
                return dict(self.client.head_object(Bucket=self.bucket, Key=full))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise

    def get_bytes(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        full = self._key(key)
        with self._errors("read", key):
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=full)["Body"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    return None
                raise
            return bytes(body.read())

    def get_tagged(self, key: str) -> tuple[bytes, str] | None:
        from botocore.exceptions import ClientError

        with self._errors("read", key):
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    return None
                raise
            return bytes(reply["Body"].read()), str(reply["ETag"])

    def put_if(
        self, key: str, data: bytes, content_type: str, tag: str | None,
        cache_control: str | None = None,
    ) -> None:  # fmt: skip
        """A conditional PUT: If-Match the ETag read, or If-None-Match: * for a new object."""
        from botocore.exceptions import ClientError

        condition = {"IfMatch": tag} if tag else {"IfNoneMatch": "*"}
        with self._errors("upload", key):
            try:
                self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                       **condition, **self._extra(content_type, cache_control))  # fmt: skip
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in CONFLICT_CODES:
                    raise conflict(key, repr(self)) from exc
                raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int | None:
        head = self._head(key)
        return int(head["ContentLength"]) if head is not None else None

    def delete(self, key: str) -> None:
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def lock(
        self, wait_s: float = LOCK_WAIT_S, stale_s: float = LOCK_STALE_S
    ) -> AbstractContextManager[None]:
        return object_lock(self.client, self.bucket, self._key(S3_LOCK_KEY), repr(self),
                           wait_s, stale_s, self._errors)  # fmt: skip

    def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        keys: list[str] = []
        with self._errors("list", prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                keys += [o["Key"].removeprefix(self.prefix) for o in page.get("Contents", [])]
        return sorted(keys)
