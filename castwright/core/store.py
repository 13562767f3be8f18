"""Everything a rerun reuses, in one content-addressed store; and the one way to write a work file.

`content_key(parts, version)` hashes a stage's inputs (pydantic models, paths, plain values) with
the version of the code that shapes the output; `Store.get_*`/`Store.put_*` read and write
`<root>/<kind>/<key><suffix>`. Same inputs, same key, no recomputation: the script stage stores its
result under the hash of the newsletter, prompts, hosts and model; each clip under the hash of its
job input; the master under the hash of its clips and settings.

Every write goes through `atomic_write`: a temporary file in the same folder, flushed and fsynced,
then renamed over the target. A failure at any point (a full disk, a killed process between two
writes) leaves the old file or no file, never a truncated one, and removes the temporary file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

_CHUNK = 1 << 20


def _encode(part: object) -> object:
    if isinstance(part, BaseModel):
        return part.model_dump(mode="json")
    if isinstance(part, dict):
        return {str(k): _encode(v) for k, v in part.items()}
    if isinstance(part, list | tuple):
        return [_encode(p) for p in part]
    return str(part) if isinstance(part, Path) else part


def content_key(parts: object, version: str) -> str:
    """A stable hash of `parts` (any nesting of models, dicts, lists, paths, plain values)."""
    canonical = json.dumps(
        {"v": version, "parts": _encode(parts)}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path next to `path` to write (or let a tool write); when the block ends without
    error it is fsynced and renamed over `path`; in every case the temporary file is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one, never part."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def atomic_json(path: Path, data: object) -> Path:
    """`atomic_write` of `data` as indented UTF-8 JSON."""
    return atomic_write(path, json.dumps(data, indent=1, ensure_ascii=False, default=str))


class Store:
    """Files addressed by content key under `root`, grouped by kind (`clips`, `scripts`, ...)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: str, key: str, suffix: str) -> Path:
        return self.root / kind / f"{key}{suffix}"

    def has(self, kind: str, key: str, *suffixes: str) -> bool:
        return all(self.path(kind, key, s).is_file() for s in suffixes)

    def get_bytes(self, kind: str, key: str, suffix: str) -> bytes | None:
        path = self.path(kind, key, suffix)
        return path.read_bytes() if path.is_file() else None

    def put_bytes(self, kind: str, key: str, suffix: str, data: bytes) -> Path:
        return atomic_write(self.path(kind, key, suffix), data)

    def get_json(self, kind: str, key: str) -> object | None:
        """The stored JSON value, or None when absent or unreadable (a miss is recomputed)."""
        raw = self.get_bytes(kind, key, ".json")
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            log.warning("store: ignoring unreadable %s/%s (%s)", kind, key, exc)
            return None

    def put_json(self, kind: str, key: str, data: object) -> Path:
        return atomic_json(self.path(kind, key, ".json"), data)

    def get_model(self, kind: str, key: str, model: type[M]) -> M | None:
        data = self.get_json(kind, key)
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            log.warning("store: ignoring an invalid %s/%s (%s)", kind, key, exc)
            return None

    def put_model(self, kind: str, key: str, value: BaseModel) -> Path:
        return self.put_json(kind, key, value.model_dump(mode="json"))

    def forget(self, kind: str, key: str, *suffixes: str) -> None:
        for suffix in suffixes:
            self.path(kind, key, suffix).unlink(missing_ok=True)
