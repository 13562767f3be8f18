"""pt-BR in the worker: Whisper base assembled from its two packages, chosen for non-English jobs
with the language forced, and Kokoro reading Portuguese (espeak-ng pt-br phonemes) in two
distinct voices that the multilingual Whisper understands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.worker.worker_testkit import FixedTranscriber, decode_output_audio
from worker import whisper_base
from worker.engines.kokoro import KokoroEngine
from worker.errors import InvalidInputError
from worker.handler import handle
from worker.runtime import Worker
from worker.scoring import ClipChecker
from worker.transcribe import WhisperTranscriber
from worker.voiceprint import distance, voice_print

# sentences as castwright's pt-BR normalization writes them (numbers already in words)
LINES = {
    "jf_nezumi": "Mais de mil pessoas se inscreveram na primeira semana.",
    "jm_kumo": "A Lei Geral de Proteção de Dados vale para empresas de todos os tamanhos.",
}


def test_whisper_base_is_assembled_once_verified_and_multilingual(
    whisper_base_model: WhisperTranscriber, tmp_path: Path
) -> None:
    assert whisper_base_model.multilingual and whisper_base_model.model == "whisper-base"
    folder = whisper_base.assemble(tmp_path)
    model = folder / "model.bin"
    assert model.stat().st_size == whisper_base.MODEL_SIZE
    assert whisper_base._sha256(model) == whisper_base.MODEL_SHA256
    stamp = model.stat().st_mtime_ns
    assert whisper_base.assemble(tmp_path) == folder and model.stat().st_mtime_ns == stamp


def test_a_corrupt_part_is_refused_and_leaves_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, part1, part2 = whisper_base._parts()
    broken = tmp_path / "part2"
    shutil.copyfile(part2, broken)
    with broken.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(whisper_base, "_parts", lambda: (data, part1, broken))
    with pytest.raises(OSError, match="corrupt"):
        whisper_base.assemble(tmp_path / "cache")
    assert not list((tmp_path / "cache" / "whisper-base").glob("model.bin*"))


def test_non_english_jobs_go_to_the_multilingual_checker() -> None:
    english = FixedTranscriber("hello", model="tiny.en", multilingual=False)
    loaded: list[FixedTranscriber] = []

    def load() -> FixedTranscriber:
        loaded.append(FixedTranscriber("olá", model="base"))
        return loaded[-1]

    worker = Worker({}, ClipChecker(english), multilingual=load)
    assert worker.checker_for("en-US").transcriber is english and not loaded
    assert worker.checker_for("pt-BR").transcriber.model == "base"
    assert worker.checker_for("pt").transcriber is loaded[0] and len(loaded) == 1
    with pytest.raises(InvalidInputError, match="English-only"):
        Worker({}, ClipChecker(english)).checker_for("pt-BR")


def test_whisper_base_hears_portuguese_with_the_language_forced(
    kokoro_engine: KokoroEngine, whisper_base_model: WhisperTranscriber
) -> None:
    """Both pt-BR voices through the worker's real job path: Kokoro + espeak-ng pt-br, checked
    by Whisper base (tiny.en stays the English checker), each clip in its own voice."""
    english = ClipChecker(FixedTranscriber("", model="tiny.en", multilingual=False))
    worker = Worker({"kokoro": kokoro_engine}, english, multilingual=lambda: whisper_base_model)
    prints = {}
    for voice, line in LINES.items():
        job = {"text": line, "engine": "kokoro", "voice": voice, "language": "pt-BR",
               "min_score": 80, "max_attempts": 2}  # fmt: skip
        out = handle({"id": voice, "input": job}, worker)
        assert "error" not in out, out
        assert out["score"] >= 80, out["transcript"]
        assert out["metadata"]["checker"] == "whisper-base"
        assert out["speaker_distance"] is not None and out["speaker_distance"] < 3.0
        prints[voice] = voice_print(*decode_output_audio(out["audio_base64"]))
    a, b = prints["jf_nezumi"], prints["jm_kumo"]
    assert a is not None and b is not None
    assert distance(a, b) > 3 * 3.0  # two clearly different voices
    assert a.f0_median_hz > b.f0_median_hz + 50  # female over male


def test_portuguese_phonemes_use_kokoro_symbols(kokoro_engine: KokoroEngine) -> None:
    chunks = kokoro_engine.phoneme_chunks("Bem-vindos ao programa, reais e dois.", "pt-BR")
    joined = " ".join(chunks)
    assert "W" in joined and "aʊ" not in joined  # "ao": espeak's aʊ is Kokoro's W
    assert len(chunks) == 1 and all(len(c) <= 400 for c in chunks)
    long = " ".join(["Uma frase longa sobre modelos de linguagem e notícias."] * 30)
    assert all(len(c) <= 400 for c in kokoro_engine.phoneme_chunks(long, "pt-BR"))
