"""Streaming profiles: how a turn is cut and played when it is heard as it renders.

A profile is data: the first chunk is short so the first audio comes quickly, later chunks are
longer so the voice keeps its phrasing; the listener plays at `sample_rate`, writes `audio_block`
frames at a time and waits for `prebuffer_s` of audio before it starts, so a slower chunk does
not stall playback. Chunks end at word boundaries (at a sentence or clause end when one falls in
the second half of the budget); the worker cuts them (worker/textchunks.py) from the sizes the
client sends. Batch episodes do not use these: they keep sentence-sized chunks
(`tts.chunk_*` in the show file).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from castwright.core.errors import ConfigError


class StreamProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    first_chunk_chars: int = Field(ge=8, le=500, description="Characters in the first chunk.")
    next_chunk_chars: int = Field(ge=8, le=1000, description="Characters in each later chunk.")
    sample_rate: int = Field(ge=8000, le=48000, description="Playback sample rate (Hz).")
    audio_block: int = Field(ge=64, le=16384, description="Frames per write to the output.")
    prebuffer_s: float = Field(ge=0.0, le=10.0, description="Audio held before playback starts.")
    description: str = ""

    @property
    def prebuffer_frames(self) -> int:
        return int(round(self.prebuffer_s * self.sample_rate))


PROFILES: dict[str, StreamProfile] = {
    p.name: p
    for p in (
        StreamProfile(
            name="fast", first_chunk_chars=30, next_chunk_chars=90, sample_rate=24_000,
            audio_block=1024, prebuffer_s=0.25,
            description="first audio as soon as possible: a producer tuning a voice",
        ),
        StreamProfile(
            name="cinematic", first_chunk_chars=100, next_chunk_chars=150, sample_rate=48_000,
            audio_block=4096, prebuffer_s=1.5,
            description="longer phrases, fewer seams: a host reviewing the week's script",
        ),
    )
}  # fmt: skip
DEFAULT_PROFILE = "fast"


def stream_profile(name: str) -> StreamProfile:
    if name not in PROFILES:
        raise ConfigError(
            f"unknown streaming profile {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        )
    return PROFILES[name]
