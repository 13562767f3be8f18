"""Pre-buffering, blocks, resampling and the sinks, with streams built from real audio."""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import yaml

from castwright.core.config import load_voice
from castwright.core.errors import ConfigError
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.profiles import stream_profile
from flows.listen import listen_turns
from tasks.listen.sinks import PlayerSink, WavFileSink, wav_header
from tasks.listen.stage import TURN_PAUSE_S, listen

SR_IN = 22_050


def item(index: int, seconds: float, level: float = 0.3) -> dict[str, Any]:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * SR_IN)) / SR_IN
    sf.write(buffer, level * np.sin(2 * np.pi * 200 * t), SR_IN, format="WAV", subtype="PCM_16")
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return {"index": index, "audio_base64": encoded, "sample_rate": SR_IN, "duration_s": seconds}


class Recorded:
    """A sink that keeps every block it was handed."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.closed = False

    def write(self, samples: np.ndarray) -> None:
        self.blocks.append(samples.copy())

    def close(self) -> None:
        self.closed = True


def stream_of(*pieces: dict[str, Any]) -> Any:
    sent: list[dict[str, Any]] = []

    def stream(job_input: dict[str, Any]) -> Iterator[dict[str, Any]]:
        sent.append(job_input)
        yield from pieces
        yield {"done": True, "finished_at": 1.0}

    stream.sent = sent  # type: ignore[attr-defined]
    return stream


def test_audio_waits_for_the_prebuffer_then_goes_out_in_blocks() -> None:
    fast = stream_profile("fast")  # 0.25 s pre-buffer at 24 kHz, blocks of 1024
    sink, stream = Recorded(), stream_of(item(0, 0.1), item(1, 0.1), item(2, 1.0))
    result = listen(stream, [("Hello there.", load_voice("joe"))], fast, sink)
    sizes = [b.size for b in sink.blocks]
    assert sizes[0] >= fast.prebuffer_frames - 2 * 2400 and sizes[0] % fast.audio_block == 0
    assert all(s % fast.audio_block == 0 for s in sizes[:-1]) and sink.closed
    total = sum(sizes)
    assert total == pytest.approx(1.2 * fast.sample_rate, abs=3)  # resampled to 24 kHz
    assert result.audio_s == pytest.approx(1.2, abs=0.001) and result.pieces == 3
    assert result.first_audio_s is not None and result.playback_s is not None
    assert result.first_audio_s <= result.playback_s <= result.total_s
    (sent,) = stream.sent
    assert (sent["first_chunk_chars"], sent["next_chunk_chars"]) == (30, 90)
    assert (sent["engine"], sent["voice"], sent["text"]) == (
        "piper",
        "en_US-joe-medium",
        "Hello there.",
    )


def test_turns_are_joined_with_a_pause_and_silence_is_not_playback() -> None:
    cinematic = stream_profile("cinematic")
    sink, stream = Recorded(), stream_of(item(0, 0.5, level=0.0), item(1, 0.5))
    joe = load_voice("joe")
    result = listen(stream, [("One.", joe), ("Two.", joe)], cinematic, sink)
    audio = np.concatenate(sink.blocks)
    assert audio.size == pytest.approx((2.0 + TURN_PAUSE_S) * cinematic.sample_rate, abs=4)
    assert result.synthesis_done_at == [1.0, 1.0]
    first_loud = int(np.argmax(np.abs(audio) > 0.01))
    assert first_loud == pytest.approx(0.5 * cinematic.sample_rate, abs=48)  # after the silence


def test_the_wav_file_is_readable_while_written_and_exact_when_closed(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    sink = WavFileSink(path, 24_000)
    sink.write(np.full(2400, 0.25, dtype=np.float32))
    assert path.stat().st_size == 44 + 4800  # on disk before the stream ends
    assert path.read_bytes()[:44] == wav_header(24_000)  # "size unknown" while streaming
    sink.write(np.zeros(2400, dtype=np.float32))
    sink.close()
    samples, sr = sf.read(path)
    assert sr == 24_000 and samples.size == 4800 and samples[0] == pytest.approx(0.25, abs=1e-3)


def test_the_speakers_sink_pipes_pcm_to_a_player(tmp_path: Path) -> None:
    heard = tmp_path / "heard.raw"
    cat = shutil.which("sh")
    assert cat is not None
    sink = PlayerSink([cat, "-c", f"cat > {heard}"], 24_000)
    sink.write(np.full(100, 0.5, dtype=np.float32))
    sink.close()
    pcm = np.frombuffer(heard.read_bytes(), dtype="<i2")
    assert pcm.size == 100 and pcm[0] == 16383
    failing = PlayerSink([cat, "-c", "cat > /dev/null; echo no sound card >&2; exit 3"], 24_000)
    failing.write(np.zeros(10, dtype=np.float32))
    with pytest.raises(ConfigError, match="no sound card"):
        failing.close()


def test_what_to_say_comes_from_the_text_or_the_script(tmp_path: Path) -> None:
    ((text, voice),) = listen_turns("  Hello.  ", None, "joe", DEFAULT_SHOW)
    assert (text, voice.engine) == ("Hello.", "piper")
    script = tmp_path / "script.yaml"
    script.write_text(yaml.safe_dump({"turns": [
        {"id": "t1", "speaker": "Ada", "section": "s", "text": "First."},
        {"id": "t2", "speaker": "Marvin", "section": "s", "text": "Second."},
    ]}))  # fmt: skip
    turns = listen_turns(None, script, "joe", DEFAULT_SHOW)
    assert [(t, v.name) for t, v in turns] == [("First.", "kokoro-gongitsune"), ("Second.", "joe")]
    with pytest.raises(ConfigError, match="either --text or --script"):
        listen_turns("Hi.", script, "joe", DEFAULT_SHOW)
    with pytest.raises(ConfigError, match="--text is empty"):
        listen_turns(" ", None, "joe", DEFAULT_SHOW)
    with pytest.raises(ConfigError, match="known voices"):
        listen_turns("Hi.", None, "nobody", DEFAULT_SHOW)
