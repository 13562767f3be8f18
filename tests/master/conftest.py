"""Shared pieces for the mastering tests: a synthetic two-host episode mastered once per session,
and independent ways to look at the result (the test's own ffmpeg/ffprobe calls, its own onset
detector), so no assertion trusts the code under test to measure itself."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from castwright.core.config import AudioSettings
from castwright.core.models import Clip, EpisodeTags, MasteredEpisode
from castwright.core.paths import EXAMPLES_DIR
from castwright.core.store import Store
from tasks.master.stage import master_episode
from tests.master.synth import write_clip

COVER = EXAMPLES_DIR / "cover.png"
TITLES = {"news": "The news", "tools": "Tools of the week", "mail": "Listener mail"}
# (speaker, section, words): short reactions (<= 4 words) and section changes included
PLAN = [
    ("Ada", "news", 10), ("Ben", "news", 3), ("Ada", "news", 8), ("Ben", "news", 9),
    ("Ada", "tools", 11), ("Ben", "tools", 2), ("Ada", "tools", 7), ("Ben", "tools", 10),
    ("Ada", "mail", 9), ("Ben", "mail", 4), ("Ada", "mail", 6),
]  # fmt: skip
# Ada: Piper-like 22.05 kHz; Ben: Kokoro-like 24 kHz and 10 dB quieter
HOSTS = {"Ada": (22050, 190.0, -18.0), "Ben": (24000, 115.0, -28.0)}
FRAME_S = 0.005
SILENCE_DB = -40.0  # below the loudest frame: what the tests call silence
GAP_S = 0.12  # a quiet stretch longer than this separates turns (syllable gaps are <= 80 ms)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install -y ffmpeg")
    return path


def ebur128(path: Path) -> dict[str, float]:
    """The test's own EBU R128 reading: ffmpeg's ebur128 filter, true peak on."""
    cmd = [need_tool("ffmpeg"), "-hide_banner", "-nostats", "-i", str(path)]
    cmd += ["-filter_complex", "ebur128=peak=true", "-f", "null", "-"]
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    summary = err[err.rfind("Summary:") :]
    value = {k: re.search(p, summary) for k, p in [("I", r"I:\s+(-?[\d.]+) LUFS"),
             ("LRA", r"LRA:\s+([\d.]+) LU"), ("TP", r"Peak:\s+(-?[\d.]+) dBFS")]}  # fmt: skip
    return {k: float(m.group(1)) for k, m in value.items() if m}


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    """Decode with the ffmpeg CLI to mono float32 (the MP3's gapless header is honoured)."""
    cmd = [need_tool("ffmpeg"), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate)]
    out = subprocess.run([*cmd, "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4")


def ffprobe(path: Path) -> dict:
    cmd = [need_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_chapters"]
    cmd += ["-show_streams", "-show_format", str(path)]
    return json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)


def turns_in(x: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound separated by > GAP_S of silence."""
    n = round(FRAME_S * rate)
    frame_s = n / rate
    frames = x[: len(x) // n * n].reshape(-1, n).astype(np.float64)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)
    active = np.flatnonzero(level > level.max() + SILENCE_DB)
    turns, start = [], active[0]
    for prev, cur in zip(active[:-1], active[1:], strict=True):
        if (cur - prev - 1) * frame_s > GAP_S:
            turns.append((start * frame_s, (prev + 1) * frame_s))
            start = cur
    turns.append((start * frame_s, (active[-1] + 1) * frame_s))
    return turns


@dataclass
class Mastered:
    clips: list[Clip]
    audio: AudioSettings
    result: MasteredEpisode
    decoded: np.ndarray  # the MP3, decoded by the test
    turns: list[tuple[float, float]]  # located by the test in `decoded`


def make_clips(folder: Path, plan: list[tuple[str, str, int]] = PLAN) -> list[Clip]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_clip(folder, i, sp, sec, w, *HOSTS[sp]) for i, (sp, sec, w) in enumerate(plan)]


def tags(cover: Path | None = COVER) -> EpisodeTags:
    return EpisodeTags(
        title="Small models, big week", artist="Ada & Ben", album="Castwright Weekly",
        date=dt.date(2026, 11, 16), description="Two hosts read the week.", cover=cover,
    )  # fmt: skip


@pytest.fixture(scope="session")
def mastered(tmp_path_factory: pytest.TempPathFactory) -> Mastered:
    root = tmp_path_factory.mktemp("master")
    clips = make_clips(root / "clips")
    audio = AudioSettings()
    result = master_episode(
        clips, TITLES, tags(), audio, root / "out", "ep", store=Store(root / "store")
    )
    decoded = decode(result.mp3)
    return Mastered(clips, audio, result, decoded, turns_in(decoded, 44100))


def write_wav(path: Path, x: np.ndarray, rate: int = 44100) -> Path:
    sf.write(path, x, rate, subtype="FLOAT")
    return path
