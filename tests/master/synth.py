"""Speech-like test signals: voiced syllables (harmonic tones under a syllable envelope)
separated by short gaps, with silence and a faint noise floor around them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from castwright.core.models import Clip

ATTACK_S = 0.005  # syllables start fast, so a cut first syllable would show


def speech_like(rate: int, seconds: float, f0: float, level_dbfs: float, seed: int,
                lead_s: float = 0.25, tail_s: float = 0.3) -> np.ndarray:  # fmt: skip
    """`seconds` of syllables (RMS `level_dbfs` while voiced) between quiet lead and tail."""
    rng = np.random.default_rng(seed)
    n = int(rate * (lead_s + seconds + tail_s))
    t = np.arange(n) / rate
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 4 * t))) / rate
    harmonics = [h for h in range(1, 40) if f0 * h < min(6000.0, rate / 2 - 1000)]
    voice = sum(np.sin(h * phase + rng.uniform(0, 6)) / h for h in harmonics)
    env = np.zeros(n)
    pos = lead_s
    while pos < lead_s + seconds - 0.1:
        dur = min(rng.uniform(0.12, 0.26), lead_s + seconds - pos)
        i0, i1 = int(pos * rate), int((pos + dur) * rate)
        k = np.arange(i1 - i0) / rate
        shape = np.minimum(1, k / ATTACK_S) * np.minimum(1, (dur - k) / 0.02) * (1 - 0.4 * k / dur)
        env[i0:i1] = shape * rng.uniform(0.6, 1.0)
        pos += dur + rng.uniform(0.03, 0.08)
    x = voice * env
    voiced = env > 0.05
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x[voiced] ** 2))
    return (x + 10 ** (-75 / 20) * rng.standard_normal(n)).astype(np.float32)


def write_clip(folder: Path, i: int, speaker: str, section: str, words: int, rate: int,
               f0: float, level_dbfs: float) -> Clip:  # fmt: skip
    """A WAV clip of roughly 0.3 s per word, wrapped in a `Clip`."""
    x = speech_like(rate, max(0.4, 0.3 * words), f0, level_dbfs, seed=i)
    path = folder / f"clip{i:03d}.wav"
    sf.write(path, x, rate, subtype="PCM_16")
    text = " ".join(["word"] * words)
    return Clip(turn_id=f"t{i}", speaker=speaker, section=section, text=text, path=path,
                duration_s=len(x) / rate, sample_rate=rate, score=100.0, attempts=1,
                engine="synthetic", voice=speaker.lower())  # fmt: skip
