"""Time the mastering stage against one plain MP3 encode of the same joined audio.

    uv run python bench/master_bench.py --minutes 30

Builds speech-like clips (two hosts, 22.05 and 24 kHz, 10 dB apart; see tests/master/synth.py),
masters them, encodes the naively joined clips once with plain ffmpeg, and prints the ratio.
One JSON line per run is appended to bench/results/master.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.master.synth

from castwright.core.config import AudioSettings  # noqa: E402
from castwright.core.models import Clip, EpisodeTags  # noqa: E402
from castwright.core.store import Store  # noqa: E402
from tasks.master.dsp import to_working  # noqa: E402
from tasks.master.ffmpeg import find_tool, measure  # noqa: E402
from tasks.master.stage import master_episode, prepare_all  # noqa: E402
from tests.master.synth import write_clip  # noqa: E402

HOSTS = {"Ada": (22050, 190.0, -18.0), "Ben": (24000, 115.0, -28.0)}
RESULTS = ROOT / "bench" / "results" / "master.json"


T = TypeVar("T")


def build_clips(folder: Path, minutes: float, seed: int = 7) -> list[Clip]:
    """Turns of 2 to 30 words (~0.3 s a word) until `minutes` of speech; a section every 20."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clips: list[Clip] = []
    total = 0.0
    while total < minutes * 60:
        i = len(clips)
        speaker = "Ada" if i % 2 == 0 else "Ben"
        words = int(rng.choice([2, 3, 4])) if rng.random() < 0.2 else int(rng.integers(8, 31))
        clip = write_clip(folder, i, speaker, f"s{i // 20}", words, *HOSTS[speaker])
        clips.append(clip)
        total += clip.duration_s
    return clips


def joined_wav(clips: list[Clip], dest: Path, rate: int) -> float:
    """The clips resampled and simply concatenated (no processing); returns seconds."""
    parts = []
    for clip in clips:
        x, src = sf.read(clip.path, dtype="float32")
        parts.append(to_working(x, src, rate)[0])
    joined = np.concatenate(parts)
    sf.write(dest, joined, rate, subtype="PCM_16")
    return len(joined) / rate


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def plain_encode(src: Path, dest: Path, kbps: int) -> None:
    cmd = [find_tool("ffmpeg"), "-v", "error", "-y", "-i", str(src), "-c:a", "libmp3lame"]
    subprocess.run([*cmd, "-b:a", f"{kbps}k", str(dest)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="speech to build (minutes)")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="JSON lines file to append to"
    )
    args = parser.parse_args()
    audio = AudioSettings()
    tags = EpisodeTags(title="Bench", artist="Ada & Ben", album="Bench", date=dt.date.today())
    with tempfile.TemporaryDirectory(prefix="castwright-bench-") as tmp:
        work = Path(tmp)
        clips, build_s = timed(build_clips, work / "clips", args.minutes)
        titles = {c.section: f"Section {c.section}" for c in clips}
        _, prepare_s = timed(prepare_all, clips, audio.sample_rate, audio.fade_ms)
        result, master_s = timed(  # an empty store: the whole master is measured, nothing reused
            master_episode, clips, titles, tags, audio, work / "out", "bench", store=Store(work)
        )
        _, measure_s = timed(measure, result.mp3)
        seconds = joined_wav(clips, work / "joined.wav", audio.sample_rate)
        _, encode_s = timed(
            plain_encode, work / "joined.wav", work / "plain.mp3", audio.bitrate_kbps
        )
    record = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "minutes": round(result.duration_s / 60, 2), "clips": len(clips),
        "joined_minutes": round(seconds / 60, 2), "master_s": round(master_s, 2),
        "plain_encode_s": round(encode_s, 2), "ratio": round(master_s / encode_s, 2),
        "prepare_clips_s": round(prepare_s, 2), "ebur128_measure_s": round(measure_s, 2),
        "build_clips_s": round(build_s, 2), "integrated_lufs": result.integrated_lufs,
        "true_peak_dbtp": result.true_peak_dbtp, "lra": result.lra,
        "cpus": os.cpu_count(), "machine": platform.machine(),
    }  # fmt: skip
    print(
        f"master_episode {master_s:.1f} s vs one plain MP3 encode {encode_s:.1f} s "
        f"(ratio {record['ratio']}) for {record['minutes']} min of audio, {len(clips)} clips; "
        f"(clip preparation alone {prepare_s:.1f} s, one ebur128 pass {measure_s:.1f} s); "
        f"result {result.integrated_lufs} LUFS, {result.true_peak_dbtp} dBTP"
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    with args.results.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
