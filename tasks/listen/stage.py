"""Stream turns from the TTS worker into a sink, pre-buffered per profile, and time it.

Each turn is one streaming job (worker.streaming) cut by the profile's chunk sizes; its pieces
are decoded, resampled to the profile's rate and handed to the sink in `audio_block` frames once
`prebuffer_s` of audio is held (or the turn is over), so a late chunk does not stall playback.
Timings, from the request: `first_audio_s` when the first audio item arrives, `playback_s` when
the first audible sample is handed to the sink.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soundfile as sf

from castwright.core.config import TTSSettings, VoiceProfile
from castwright.core.errors import SynthesisError
from castwright.core.models import Turn
from castwright.core.profiles import StreamProfile
from tasks.listen.sinks import Sink
from tasks.speech.stage import job_input

AUDIBLE = 10 ** (-40 / 20)  # -40 dBFS: the first sample a listener can hear
TURN_PAUSE_S = 0.4
Stream = Callable[[dict[str, Any]], Iterator[dict[str, Any]]]


@dataclass
class ListenResult:
    profile: str
    first_audio_s: float | None = None  # request -> first audio item received
    playback_s: float | None = None  # request -> first audible sample handed to the output
    first_write_at: float | None = None  # wall clock of the first write to the output
    synthesis_done_at: list[float] = field(default_factory=list)  # per turn, the worker's clock
    total_s: float = 0.0
    audio_s: float = 0.0
    pieces: int = 0

    def figures(self) -> dict[str, Any]:
        rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}
        return {k: v for k, v in rounded.items() if k not in ("synthesis_done_at",)}


def stream_input(text: str, voice: VoiceProfile, profile: StreamProfile) -> dict[str, Any]:
    """The streaming job for one turn: the batch job's input plus the profile's chunk sizes."""
    turn = Turn(id="listen", speaker="listen", section="listen", text=text)
    payload = job_input(turn, voice, TTSSettings())
    payload.update(first_chunk_chars=profile.first_chunk_chars,
                   next_chunk_chars=profile.next_chunk_chars)  # fmt: skip
    return payload


def decode_piece(item: dict[str, Any], sample_rate: int) -> np.ndarray:
    """One streamed item's audio as float32 mono at `sample_rate` (linear resampling)."""
    try:
        samples, rate = sf.read(io.BytesIO(base64.b64decode(item["audio_base64"])), dtype="float32")
    except (KeyError, ValueError, sf.LibsndfileError) as exc:
        raise SynthesisError(f"the TTS worker streamed unreadable audio: {exc}") from exc
    mono = samples.mean(axis=1) if samples.ndim > 1 else samples
    if rate == sample_rate or mono.size == 0:
        return mono.astype(np.float32)
    n = int(round(mono.size * sample_rate / rate))
    return np.interp(np.arange(n) * rate / sample_rate, np.arange(mono.size), mono).astype(
        np.float32
    )


class Player:
    """Pre-buffers, then hands the sink fixed blocks; records when audio first went out."""

    def __init__(self, sink: Sink, profile: StreamProfile, result: ListenResult, t0: float):
        self.sink, self.profile, self.result, self.t0 = sink, profile, result, t0
        self.pending = np.zeros(0, dtype=np.float32)
        self.playing = False

    def feed(self, samples: np.ndarray) -> None:
        self.pending = np.concatenate([self.pending, samples])
        if not self.playing and self.pending.size < self.profile.prebuffer_frames:
            return
        self.playing = True
        block = self.profile.audio_block
        whole = self.pending.size - self.pending.size % block
        if whole:
            self._out(self.pending[:whole])
            self.pending = self.pending[whole:]

    def flush(self) -> None:
        if self.pending.size:
            self._out(self.pending)
            self.pending = np.zeros(0, dtype=np.float32)

    def _out(self, samples: np.ndarray) -> None:
        self.sink.write(samples)
        if self.result.first_write_at is None:
            self.result.first_write_at = time.time()
        if self.result.playback_s is None and np.any(np.abs(samples) >= AUDIBLE):
            self.result.playback_s = time.perf_counter() - self.t0
        self.result.audio_s += samples.size / self.profile.sample_rate


def listen(
    stream: Stream, turns: list[tuple[str, VoiceProfile]], profile: StreamProfile, sink: Sink
) -> ListenResult:
    """Stream each (text, voice) turn in order into `sink`; close it at the end."""
    result, t0 = ListenResult(profile=profile.name), time.perf_counter()
    player = Player(sink, profile, result, t0)
    try:
        for number, (text, voice) in enumerate(turns):
            if number:
                player.feed(np.zeros(int(TURN_PAUSE_S * profile.sample_rate), dtype=np.float32))
            for item in stream(stream_input(text, voice, profile)):
                if item.get("done"):
                    result.synthesis_done_at.append(float(item.get("finished_at", 0.0)))
                    continue
                if result.first_audio_s is None:
                    result.first_audio_s = time.perf_counter() - t0
                result.pieces += 1
                player.feed(decode_piece(item, profile.sample_rate))
            player.flush()  # the turn is over: play what the pre-buffer still holds
    finally:
        sink.close()
    result.total_s = time.perf_counter() - t0
    return result
