"""Loudness in numpy: BS.1770 gated loudness, a compressor and a true-peak limiter, on blocks.

All of it works on per-block arrays (1/300 s each, see `audio_dsp`): K-weighted energy (sum of
squares) and true peak (linear). Solving for the episode gain is then a few passes over ~540k
numbers for a 30-minute episode instead of passes over its 79M samples. Gains change linearly
in dB from block to block (attack before a peak, release after it), so nothing clicks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tasks.master.dsp import BLOCKS_PER_SECOND

SUB = BLOCKS_PER_SECOND // 10  # blocks per 100 ms loudness sub-block
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
# dynamics, in blocks of 3.33 ms: a gentle RMS compressor, then a true-peak limiter
COMP_WINDOW = 4  # +-4 blocks: 30 ms RMS
COMP_THRESHOLD_LU = -3.0  # relative to the speech level: only the louder syllables
COMP_RATIO = 3.0
COMP_ATTACK_DB, COMP_RELEASE_DB = 1.0, 0.1  # per block: 6 dB in 20 ms, back in 200 ms
LIMIT_ATTACK_DB, LIMIT_RELEASE_DB = 5.0, 0.6  # per block: 6 dB in 4 ms, back in 33 ms


def _lufs(mean_square: np.ndarray | float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square)


def mean_loudness(energy: np.ndarray, block: int) -> float:
    """Ungated loudness (LUFS) of a stretch shorter than one 400 ms gating block."""
    if len(energy) == 0:
        return -math.inf
    return float(_lufs(energy.sum() / (len(energy) * block)))


def gated_loudness(energy: np.ndarray, block: int) -> float:
    """Integrated loudness (LUFS, BS.1770-4 gating) from per-block K-weighted energies.

    400 ms gating blocks overlap by 75% (one 100 ms sub-block hop); -70 LUFS absolute gate,
    -10 LU relative gate. Returns -inf when nothing passes the absolute gate.
    """
    n_sub = len(energy) // SUB
    if n_sub < 4:
        return mean_loudness(energy, block)
    sub = energy[: n_sub * SUB].reshape(n_sub, SUB).sum(axis=1)
    z = (sub[:-3] + sub[1:-2] + sub[2:-1] + sub[3:]) / (4 * SUB * block)
    level = _lufs(z)
    kept = z[level > ABSOLUTE_GATE_LUFS]
    if len(kept) == 0:
        return -math.inf
    threshold = float(_lufs(kept.mean())) + RELATIVE_GATE_LU
    return float(_lufs(z[level > threshold].mean()))


def moving_mean(a: np.ndarray, k: int, edge: float = 1.0) -> np.ndarray:
    """Centered running mean over 2k+1 values; `edge` pads both ends."""
    padded = np.pad(a.astype(np.float64), (k + 1, k), constant_values=edge)
    c = np.cumsum(padded)
    return (c[2 * k + 1 :] - c[: -2 * k - 1]) / (2 * k + 1)


def ramp_envelope(need_db: np.ndarray, attack_db: float, release_db: float) -> np.ndarray:
    """The smallest envelope >= `need_db` that rises at most `attack_db` and falls at most
    `release_db` per block (dB): linear-in-dB attack (look-ahead) and release ramps, O(n)."""
    idx = np.arange(len(need_db), dtype=np.float64)
    release = np.maximum.accumulate(need_db + release_db * idx) - release_db * idx
    attack = np.maximum.accumulate((need_db - attack_db * idx)[::-1])[::-1] + attack_db * idx
    return np.maximum(release, attack)


def compressor_gain(energy: np.ndarray, block: int, threshold_lufs: float) -> np.ndarray:
    """Per-block gain (<= 1) of a look-ahead RMS compressor (30 ms window, ratio COMP_RATIO)."""
    mean_square = moving_mean(energy, COMP_WINDOW, edge=0.0) / block
    over = np.maximum(_lufs(np.maximum(mean_square, 1e-20)) - threshold_lufs, 0.0)
    reduction = ramp_envelope(over * (1 - 1 / COMP_RATIO), COMP_ATTACK_DB, COMP_RELEASE_DB)
    return np.power(10.0, -reduction / 20)


def limiter_gain(peak: np.ndarray, ceiling: float) -> np.ndarray:
    """Per-block gain (<= 1) keeping every true peak under `ceiling` (linear).

    Each block's need also binds the next block, because samples in a block are scaled by a
    ramp between the two blocks' gains; so the ramped gain never lets a peak through.
    """
    need = np.maximum(20 * np.log10(np.maximum(peak, 1e-12) / ceiling), 0.0)
    need[1:] = np.maximum(need[1:], need[:-1])
    return np.power(10.0, -ramp_envelope(need, LIMIT_ATTACK_DB, LIMIT_RELEASE_DB) / 20)


@dataclass(frozen=True)
class Dynamics:
    """The solved gains: speech gets makeup * speech[block], the music bed limiter[block]."""

    makeup: float  # linear make-up gain on speech
    speech: np.ndarray  # per-block compressor x limiter gain on speech
    limiter: np.ndarray  # per-block limiter gain, shared by the bed


def fit_gain(
    energy: np.ndarray, peak: np.ndarray, bed_energy: np.ndarray, bed_peak: np.ndarray,
    block: int, target_lufs: float, ceiling: float,
) -> Dynamics:  # fmt: skip
    """Compressor, make-up gain and limiter so speech + bed measure `target_lufs` under `ceiling`.

    `energy`/`peak` describe the speech, already at about `target_lufs`; the bed arrives at its
    final level and passes only through the limiter. The limiter is re-solved as the make-up
    gain changes, since limiting takes back some of the loudness.
    """
    comp = compressor_gain(energy, block, target_lufs + COMP_THRESHOLD_LU)
    comp_next = np.maximum(comp, np.append(comp[1:], comp[-1]))
    energy = energy * comp**2
    g = 10 ** ((target_lufs - gated_loudness(energy + bed_energy, block)) / 20)
    limit = np.ones_like(comp)
    for _ in range(40):
        limit = limiter_gain(peak * g * comp_next + bed_peak, ceiling)
        error = target_lufs - gated_loudness((energy * g**2 + bed_energy) * limit**2, block)
        if abs(error) < 0.005:
            break
        g *= 10 ** (error / 20)
    return Dynamics(float(g), comp * limit, limit)


def gain_curve(gains: np.ndarray, block: int) -> np.ndarray:
    """Per-sample gain (float32): linear ramps from each block's gain to the next one's."""
    nxt = np.append(gains[1:], gains[-1])
    frac = (np.arange(block) / block).astype(np.float32)
    start = gains.astype(np.float32)[:, None]
    return (start + (nxt.astype(np.float32) - start[:, 0])[:, None] * frac).ravel()
