"""The publish lock: one publish (upload to sweep) or removal at a time per storage, across
processes. Locally an fcntl lock on a file in the folder (the kernel releases it when a process
dies); on S3 a lock object created by a conditional write (If-None-Match: *), which only one
writer can create, deleted on exit only while it is still ours (If-Match its ETag)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from castwright.core.errors import PublishError

#: how long the next publish waits for the lock
LOCK_WAIT_S = 900.0
#: an S3 lock object older than this was left by a process that died: it is broken
LOCK_STALE_S = 3600.0
LOCAL_LOCK_FILE = ".castwright-publish.lock"  # not a key: never listed, published or swept
S3_LOCK_KEY = "castwright-publish.lock"
#: S3 error codes of a failed condition (If-Match / If-None-Match)
CONFLICT_CODES = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


def lock_timeout(where: str, wait_s: float) -> PublishError:
    return PublishError(
        f"another castwright run is publishing to {where} (waited {wait_s:.0f} s for its "
        "lock); let it finish, then run again"
    )


@contextlib.contextmanager
def file_lock(root: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    with (root / LOCAL_LOCK_FILE).open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise lock_timeout(str(root), wait_s) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def object_lock(
    client: Any, bucket: str, key: str, where: str, wait_s: float, stale_s: float,
    errors: Callable[[str, str], AbstractContextManager[None]],
) -> Iterator[None]:  # fmt: skip
    """`errors(action, key)` turns the client's exceptions into castwright's."""
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + wait_s
    while True:
        with errors("lock", S3_LOCK_KEY):
            try:
                reply = client.put_object(Bucket=bucket, Key=key, Body=str(os.getpid()).encode(),
                                          IfNoneMatch="*")  # fmt: skip
                break
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in CONFLICT_CODES:
                    raise
        _break_if_stale(client, bucket, key, stale_s)
        if time.monotonic() > deadline:
            raise lock_timeout(where, wait_s)
        time.sleep(0.5)
    try:
        yield
    finally:
        with contextlib.suppress(ClientError):
            client.delete_object(Bucket=bucket, Key=key, IfMatch=str(reply["ETag"]))


def _break_if_stale(client: Any, bucket: str, key: str, stale_s: float) -> None:
    from botocore.exceptions import ClientError

    with contextlib.suppress(ClientError):
        head = client.head_object(Bucket=bucket, Key=key)
        if time.time() - head["LastModified"].timestamp() > stale_s:
            client.delete_object(Bucket=bucket, Key=key, IfMatch=head["ETag"])
