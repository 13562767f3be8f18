"""Check show artwork the way podcast directories do: JPEG or PNG, square, 1400 to 3000 px, RGB."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from castwright.core.errors import PublishError

MIN_PX, MAX_PX = 1400, 3000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


_PNG_RGB = {2, 6}  # colour types: truecolour, truecolour with alpha (not grey, not a palette)


@dataclass(frozen=True)
class ImageInfo:
    kind: str  # "png" or "jpg"
    width: int
    height: int
    rgb: bool  # RGB colour space: PNG truecolour, a three-component JPEG (not grey, not CMYK)


def image_info(data: bytes) -> ImageInfo | None:
    """Format, size and colour space of a PNG or JPEG, or None for anything else."""
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 26:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height, data[25] in _PNG_RGB)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_info(data)
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(extension, width, height) of a PNG or JPEG, or None for anything else."""
    info = image_info(data)
    return (info.kind, info.width, info.height) if info else None


def _jpeg_info(data: bytes) -> ImageInfo | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in _JPEG_SOF and pos + 9 < len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageInfo("jpg", width, height, data[pos + 9] == 3)
        pos += 2 + length
    return None


def check_cover(path: Path | None) -> tuple[str, bytes]:
    """Return (extension, bytes) of a cover podcast apps accept, or raise PublishError."""
    if path is None:
        raise PublishError(
            "the show has no cover: set `cover:` in the show file to a square JPEG or PNG of "
            f"{MIN_PX} to {MAX_PX} px; Apple Podcasts and others refuse feeds without artwork"
        )
    if not path.is_file():
        raise PublishError(f"cover {path}: file not found; fix `cover:` in the show file")
    data = path.read_bytes()
    info = image_info(data)
    if info is None:
        raise PublishError(f"cover {path}: not a PNG or JPEG; convert it to one of those")
    if info.width != info.height or not MIN_PX <= info.width <= MAX_PX:
        raise PublishError(
            f"cover {path}: {info.width}x{info.height} px; podcast apps want a square image of "
            f"{MIN_PX} to {MAX_PX} px"
        )
    if not info.rgb:
        raise PublishError(
            f"cover {path}: not in the RGB colour space (greyscale, palette or CMYK); Apple "
            "Podcasts refuses it: save it as an RGB PNG or JPEG"
        )
    return info.kind, data
