"""The streaming job mode: chunks of the text, audio per piece as the engine yields it."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pytest

from tests.worker.worker_testkit import FixedTranscriber, ScriptedEngine, decode_output_audio
from worker.engines.base import SynthesisRequest
from worker.engines.kokoro import KokoroEngine
from worker.engines.piper import PiperEngine
from worker.runtime import Worker
from worker.scoring import ClipChecker
from worker.streaming import PIECE_GAP_S, SENTENCE_PAUSE_S, stream_handler, stream_job

TEXT = (
    "Three open speech models shipped this week. Two of them run on a laptop, "
    "and the third needs a data-center GPU. Its authors say a smaller version is coming soon, "
    "perhaps next month."
)


def worker_with(**engines: Any) -> Worker:
    return Worker(dict(engines), ClipChecker(FixedTranscriber("")), tuple(engines))


def run(worker: Worker, **job_input: Any) -> list[dict[str, Any]]:
    return list(stream_job({"id": "s1", "input": job_input}, worker))


def test_piper_streams_the_short_first_chunk_first(piper_engine: PiperEngine) -> None:
    items = run(worker_with(piper=piper_engine), text=TEXT, engine="piper")
    *audio, done = items
    assert done["done"] is True and done["engine"] == "piper" and done["chunks"] == 3
    assert [a["index"] for a in audio] == list(range(len(audio))) == list(range(done["pieces"]))
    assert audio[0]["text"] == "Three open speech models" and len(audio[0]["text"]) <= 30
    assert " ".join(dict.fromkeys(a["text"] for a in audio)).split() == TEXT.split()
    for item in audio:
        samples, sr = decode_output_audio(item["audio_base64"])
        assert sr == item["sample_rate"] == 22_050 and item["audio_format"] == "wav"
        assert samples.size / sr == pytest.approx(item["duration_s"], abs=0.002)
        assert np.abs(samples).max() > 0.05  # speech, not silence
    assert sum(a["duration_s"] for a in audio) == pytest.approx(done["duration_s"], abs=0.01)
    assert done["first_audio_ms"] == audio[0]["elapsed_ms"] <= done["synthesis_ms"]


def test_cinematic_sizes_give_fewer_longer_chunks(piper_engine: PiperEngine) -> None:
    worker = worker_with(piper=piper_engine)
    fast = run(worker, text=TEXT, engine="piper")[-1]
    cinematic = run(worker, text=TEXT, engine="piper", first_chunk_chars=100,
                    next_chunk_chars=150)[-1]  # fmt: skip
    assert cinematic["chunks"] < fast["chunks"]


def test_an_engine_without_a_stream_gives_one_piece_per_chunk() -> None:
    clip = (np.full(16_000, 0.2, dtype=np.float32), 16_000)
    engine = ScriptedEngine([clip])
    items = run(worker_with(scripted=engine), text="One two three. Four five six seven eight.",
                engine="scripted", first_chunk_chars=14, next_chunk_chars=14)  # fmt: skip
    assert [r.text for r in engine.requests] == ["One two three.", "Four five six", "seven eight."]
    durations = [i["duration_s"] for i in items[:-1]]
    assert durations == [1.0 + SENTENCE_PAUSE_S, 1.0, 1.0 + SENTENCE_PAUSE_S]


def test_pieces_of_one_chunk_are_separated_by_a_gap() -> None:
    class TwoPieces(ScriptedEngine):
        def stream(self, request: SynthesisRequest) -> Any:
            yield np.ones(8000, dtype=np.float32) * 0.1, 8000
            yield np.ones(8000, dtype=np.float32) * 0.1, 8000

    items = run(worker_with(two=TwoPieces([])), text="A whole sentence.", engine="two")
    assert [i["duration_s"] for i in items[:-1]] == [1.0 + PIECE_GAP_S, 1.0 + SENTENCE_PAUSE_S]


def test_failures_come_back_in_the_batch_error_shape(piper_engine: PiperEngine) -> None:
    worker = worker_with(piper=piper_engine)
    (unloaded,) = run(worker, text=TEXT, engine="kokoro")
    assert json.loads(unloaded["error"])["code"] == "engine_unavailable"
    (invalid,) = run(worker, text=TEXT, engine="piper", first_chunk_chars=2)
    error = json.loads(invalid["error"])
    assert error["code"] == "invalid_input" and "first_chunk_chars" in error["message"]
    (voice,) = run(worker, text=TEXT, engine="piper", voice="nobody")
    assert "piper has no voice 'nobody'" in json.loads(voice["error"])["message"]


def test_the_generator_entry_point_needs_a_started_worker() -> None:
    (item,) = list(stream_handler({"id": "x", "input": {"text": "Hi.", "engine": "piper"}}))
    assert "python -m worker.streaming" in item["error"]


def test_kokoro_streams_what_it_synthesizes(kokoro_engine: KokoroEngine) -> None:
    request = SynthesisRequest(text=TEXT, language="en")
    pieces = list(kokoro_engine.stream(request))
    whole, sr = kokoro_engine.synthesize(request)
    assert len(pieces) >= 1 and all(p_sr == sr == 24_000 for _, p_sr in pieces)
    assert whole.size >= sum(p.size for p, _ in pieces)


def test_the_time_limit_is_checked_between_pieces() -> None:
    def slow(request: SynthesisRequest) -> tuple[np.ndarray, int]:
        time.sleep(0.3)
        return np.full(1600, 0.2, dtype=np.float32), 16_000

    items = run(worker_with(slow=ScriptedEngine([slow])), text="One two. Three four.",
                engine="slow", first_chunk_chars=8, generation_timeout_s=0.1)  # fmt: skip
    first, failed = items
    assert first["index"] == 0 and first["text"] == "One two."
    error = json.loads(failed["error"])
    assert error["code"] == "generation_timeout" and "after 1 piece(s)" in error["message"]


def test_qwen3_streams_one_generation_per_chunk() -> None:
    from tests.worker.test_worker_qwen3 import StandInQwen
    from worker.engines.qwen3 import Qwen3Engine, QwenVoiceModel

    stand_in = StandInQwen()  # answers 1 s at 24 kHz per generation
    engine = Qwen3Engine([QwenVoiceModel(stand_in, "cv", "custom_voice", frozenset({"ana"}))])
    *audio, done = run(worker_with(qwen3=engine), text=TEXT, engine="qwen3", voice="ana",
                       language="pt-BR")  # fmt: skip
    sent = [args["text"] for name, args in stand_in.calls]
    assert sent == [a["text"] for a in audio] and len(sent) == done["chunks"] == 3
    assert all(args["language"] == "Portuguese" for _, args in stand_in.calls)
    assert audio[0]["sample_rate"] == 24_000 and done["model"] == "cv" and done["voice"] == "ana"
