"""Reference clips for cloning: read from the request (base64 or https URL) or the volume."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from worker.audio import FloatArray, decode_audio_bytes
from worker.errors import ReferenceAudioError
from worker.netguard import fetch_public_https
from worker.refaudio import check_header, prepare_reference

log = logging.getLogger(__name__)

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
FETCH_DEADLINE_S = 20.0  # the whole download: connect, TLS, headers and body
REFERENCE_AUDIO_FILE = "reference.wav"
REFERENCE_TEXT_FILE = "reference.txt"


@dataclass(frozen=True)
class ReferenceClip:
    """A prepared reference: mono float32 samples with a leading silence, and its transcript."""

    samples: FloatArray
    sample_rate: int
    text: str
    key: str  # stable identity, for caching prompts built from it
    fixes: tuple[str, ...] = ()


def fetch_https(url: str, max_bytes: int = MAX_REFERENCE_BYTES) -> bytes:
    """Download a reference clip over https from a public host (rules in worker/netguard.py)."""
    return fetch_public_https(url, max_bytes, FETCH_DEADLINE_S)


def decode_base64(value: str) -> bytes:
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReferenceAudioError(
            "reference_audio: not valid base64 (send base64 WAV data or an https:// URL)"
        ) from exc


def read_reference_bytes(value: str) -> bytes:
    return fetch_https(value) if value.lower().startswith("https:") else decode_base64(value)


def _decode(data: bytes, origin: str) -> tuple[FloatArray, int]:
    """Check the header (rate, channels, length) first: a tiny FLAC can hold hours of audio."""
    try:
        info = sf.info(io.BytesIO(data))
        check_header(info.samplerate, info.channels, info.frames)
        return decode_audio_bytes(data)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        message = f"reference_audio: {origin} is not a readable WAV/FLAC: {exc}"
        raise ReferenceAudioError(message) from exc


def build_reference(data: bytes, text: str, origin: str, key: str | None = None) -> ReferenceClip:
    samples, sr = _decode(data, origin)
    prepared, prepared_sr, fixes = prepare_reference(samples, sr)
    for fix in fixes:
        log.info("reference %s: %s", origin, fix)
    digest = key or hashlib.sha256(data + text.encode("utf-8")).hexdigest()[:16]
    return ReferenceClip(prepared, prepared_sr, text, digest, tuple(fixes))


def reference_from_request(audio: str, text: str) -> ReferenceClip:
    return build_reference(read_reference_bytes(audio), text, "the request's reference_audio")


def reference_from_volume(voices_dir: Path, voice: str) -> ReferenceClip:
    """A named voice saved as <voices_dir>/<voice>/reference.wav + reference.txt."""
    folder = voices_dir / voice
    audio_path, text_path = folder / REFERENCE_AUDIO_FILE, folder / REFERENCE_TEXT_FILE
    if "/" in voice or voice.startswith(".") or not audio_path.is_file() or not text_path.is_file():
        raise ReferenceAudioError(
            f"voice: no saved voice {voice!r}: expected {audio_path} and {text_path} "
            "(or send reference_audio + reference_text)"
        )
    text = text_path.read_text(encoding="utf-8").strip()
    return build_reference(audio_path.read_bytes(), text, str(audio_path), key=f"volume:{voice}")
