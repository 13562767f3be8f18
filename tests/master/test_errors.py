"""Failures name the file and the fix; reruns reuse the finished episode."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from castwright.core.config import AudioSettings
from castwright.core.errors import AudioError
from castwright.core.models import Clip, MasteredEpisode
from castwright.core.store import Store
from tasks.master.stage import master_episode, master_episode_task
from tests.master.conftest import TITLES, make_clips, tags

PLAN = [("Ada", "news", 6), ("Ben", "mail", 5)]


def _master(clips: list[Clip], tmp_path: Path, music: Path | None = None) -> MasteredEpisode:
    return master_episode(clips, TITLES, tags(), AudioSettings(), tmp_path / "o", "e", music,
                          store=Store(tmp_path / "store"))  # fmt: skip


def test_missing_ffmpeg_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clips = make_clips(tmp_path / "c", PLAN)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AudioError, match="ffmpeg was not found on PATH.*apt-get install ffmpeg"):
        _master(clips, tmp_path)


def test_unreadable_clip_is_named(tmp_path: Path) -> None:
    clips = make_clips(tmp_path / "c", PLAN)
    clips[1].path.write_bytes(b"RIFF....not a wave file")
    with pytest.raises(AudioError, match=f"cannot read clip {clips[1].path}.*re-synthesize"):
        _master(clips, tmp_path)


def test_silent_clip_is_refused(tmp_path: Path) -> None:
    clips = make_clips(tmp_path / "c", PLAN)
    sf.write(clips[0].path, np.zeros(22050, np.float32), 22050)
    with pytest.raises(AudioError, match="clip t0 .* silent"):
        _master(clips, tmp_path)


def test_bad_music_file_carries_ffmpegs_words(tmp_path: Path) -> None:
    clips = make_clips(tmp_path / "c", PLAN)
    music = tmp_path / "bed.mp3"
    music.write_bytes(b"\x00" * 2048)
    with pytest.raises(AudioError, match=r"(?s)decoding .*bed\.mp3 failed.*\n.+"):
        _master(clips, tmp_path, music=music)
    assert not list((tmp_path / "o").glob("*.part"))


def test_rerun_with_the_same_inputs_reuses_the_episode(tmp_path: Path) -> None:
    clips = make_clips(tmp_path / "c", PLAN)
    first = master_episode_task.fn(
        clips, TITLES, tags(), AudioSettings(), tmp_path / "o", "e", store=Store(tmp_path / "store")
    )
    stamp = first.mp3.stat().st_mtime_ns
    again = master_episode_task.fn(
        clips, TITLES, tags(), AudioSettings(), tmp_path / "o", "e", store=Store(tmp_path / "store")
    )
    assert again == first and first.mp3.stat().st_mtime_ns == stamp
    louder = AudioSettings(target_lufs=-12.0)
    changed = master_episode(
        clips, TITLES, tags(), louder, tmp_path / "o", "e", store=Store(tmp_path / "store")
    )
    assert changed.integrated_lufs == pytest.approx(-12.0, abs=0.5)
    assert first.mp3.stat().st_mtime_ns != stamp
    assert sorted(os.listdir(tmp_path / "o")) == [
        "e.chapters.json", "e.mp3", "e.srt", "e.vtt",
    ]  # fmt: skip
