"""An optional intro/outro music bed, ducked under the first and last turns.

The music plays alone for `INTRO_S` seconds, dips by `DUCK_DB` as the first host starts, holds
under the first words and fades out; at the end it comes in ducked under the last words, rises
once they end and fades out `OUTRO_S` seconds later. The bed's level is set from its measured
loudness relative to the speech level (`BED_LU`), so any track sits at the same place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tasks.master.dsp import (
    BLOCKS_PER_SECOND,
    block_energy,
    block_size,
    cut,
    to_working,
    true_peak_blocks,
)
from tasks.master.ffmpeg import decode_audio
from tasks.master.loudness import gated_loudness
from tasks.master.mix import Layer

INTRO_S = 5.0  # music alone before the first turn
OUTRO_S = 6.0  # music after the last turn
BED_LU = -4.0  # full bed loudness relative to the speech level
DUCK_DB = -15.0  # how far the bed dips under speech
# (seconds relative to the first onset / last offset, envelope 0..1, with d = ducked level)
_INTRO_KEYS = (
    (-INTRO_S, 0.0),
    (-INTRO_S + 0.02, 1.0),
    (-0.5, 1.0),
    (0.0, "d"),
    (2.5, "d"),
    (5.0, 0.0),
)
_OUTRO_KEYS = (
    (-3.0, 0.0),
    (-2.0, "d"),
    (0.3, "d"),
    (1.0, 1.0),
    (OUTRO_S - 3.0, 1.0),
    (OUTRO_S, 0.0),
)


def _envelope(keys: tuple[tuple[float, float | str], ...], n: int, rate: int) -> np.ndarray:
    duck = 10 ** (DUCK_DB / 20)
    times = np.array([k[0] - keys[0][0] for k in keys])
    values = np.array([duck if k[1] == "d" else float(k[1]) for k in keys])
    return np.interp(np.arange(n) / rate, times, values).astype(np.float32)


def _bed(music: np.ndarray, weighted: np.ndarray, keys: tuple, start: int, rate: int) -> Layer:
    """Cut the music under one envelope and analyse it; `start` is a block index."""
    block = block_size(rate)
    n = round((keys[-1][0] - keys[0][0]) * BLOCKS_PER_SECOND) * block
    env = _envelope(keys, n, rate)
    audio, k = cut(music, 0, n) * env, cut(weighted, 0, n) * env
    return Layer(start, audio, block_energy(k, block), true_peak_blocks(audio, block))


def music_layers(path: Path, rate: int, speech_lufs: float, first: int, last: int) -> list[Layer]:
    """The intro and outro beds for speech that starts at block `first` and ends at `last`.

    The timeline must start INTRO_S before `first` and end OUTRO_S after `last`.
    """
    seconds = max(keys[-1][0] - keys[0][0] for keys in (_INTRO_KEYS, _OUTRO_KEYS))
    music = decode_audio(path, rate, max_seconds=seconds + 1.0)
    music, weighted = to_working(music, rate, rate)
    block = block_size(rate)
    whole = cut(weighted, 0, len(weighted) // block * block)
    level = gated_loudness(block_energy(whole, block), block)
    gain = np.float32(10 ** ((speech_lufs + BED_LU - level) / 20)) if np.isfinite(level) else 0.0
    music, weighted = music * gain, weighted * gain
    outro_start = last + round(_OUTRO_KEYS[0][0] * BLOCKS_PER_SECOND)
    intro_start = first + round(_INTRO_KEYS[0][0] * BLOCKS_PER_SECOND)
    return [
        _bed(music, weighted, _INTRO_KEYS, intro_start, rate),
        _bed(music, weighted, _OUTRO_KEYS, outro_start, rate),
    ]
