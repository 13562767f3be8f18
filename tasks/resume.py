"""Resumable runs: each finished stage result is stored next to the episode with the hash of its
inputs, so a rerun (a UI retry, a new deployment run, the CLI) reuses it when nothing changed.

Clips have their own content-addressed store (tasks.speech); this covers the script and the
mastered episode.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def stage_key(*parts: object) -> str:
    """A stable hash of a stage's inputs (pydantic models, paths, plain values)."""

    def encode(part: object) -> object:
        if isinstance(part, BaseModel):
            return part.model_dump(mode="json")
        if isinstance(part, list | tuple):
            return [encode(p) for p in part]
        return str(part) if isinstance(part, Path) else part

    canonical = json.dumps([encode(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_stage(episode_dir: Path, stage: str, key: str, model: type[M]) -> M | None:
    path = episode_dir / f"{stage}.stage.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            log.info("%s: inputs changed since the last run; redoing it", stage)
            return None
        return model.model_validate(data["result"])
    except (json.JSONDecodeError, KeyError, ValidationError) as exc:
        log.warning("%s: ignoring an unreadable saved result (%s)", stage, exc)
        return None


def save_stage(episode_dir: Path, stage: str, key: str, result: BaseModel) -> None:
    episode_dir.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"key": key, "result": result.model_dump(mode="json")}, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(dir=episode_dir, prefix=f".{stage}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(payload)
    os.replace(tmp, episode_dir / f"{stage}.stage.json")
