"""Streaming profiles are data: looked up by name, validated, with their sizes as issued."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from castwright.core.errors import ConfigError
from castwright.core.profiles import PROFILES, StreamProfile, stream_profile


def test_fast_starts_short_and_cinematic_long() -> None:
    fast, cinematic = stream_profile("fast"), stream_profile("cinematic")
    assert (fast.first_chunk_chars, fast.next_chunk_chars) == (30, 90)
    assert (cinematic.first_chunk_chars, cinematic.next_chunk_chars) == (100, 150)
    assert fast.prebuffer_s < cinematic.prebuffer_s
    assert fast.prebuffer_frames == round(fast.prebuffer_s * fast.sample_rate)
    for profile in PROFILES.values():
        assert profile.first_chunk_chars <= profile.next_chunk_chars


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(
        ConfigError, match="unknown streaming profile 'slow'; choose one of cinematic, fast"
    ):
        stream_profile("slow")


def test_profiles_are_validated() -> None:
    with pytest.raises(ValidationError, match="first_chunk_chars"):
        StreamProfile(name="x", first_chunk_chars=2, next_chunk_chars=90, sample_rate=24_000,
                      audio_block=1024, prebuffer_s=0.2)  # fmt: skip
