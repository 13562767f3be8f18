"""The episode timeline: speech layers summed into one signal, the music bed kept apart.

Each layer arrives with its own K-weighted energy and true peak per block, so the episode's
loudness and peaks come from adding those arrays (`analyse`, cheap), not from measuring the
mixed signal again. Energies add exactly for uncorrelated layers; peaks add as an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tasks.master.loudness import Dynamics, gain_curve

CHUNK_BLOCKS = 30_000  # blocks rendered at a time (100 s): bounds the temporary arrays


@dataclass(frozen=True)
class Layer:
    """Audio placed on the timeline from block `start`, with its per-block analysis."""

    start: int
    audio: np.ndarray  # float32 samples, a whole number of blocks
    energy: np.ndarray  # K-weighted energy per block (sum of squares)
    peak: np.ndarray  # true peak per block (linear)


@dataclass(frozen=True)
class Mix:
    """Summed speech, per-block speech and bed analysis, and the bed layers, at `block`."""

    audio: np.ndarray
    energy: np.ndarray
    peak: np.ndarray
    block: int
    bed: list[Layer] = field(default_factory=list)
    bed_energy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bed_peak: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _span(layer: Layer, blocks: int) -> tuple[int, int, int]:
    """(first block, last block + 1, offset into the layer) of `layer` within the timeline."""
    lo = max(layer.start, 0)
    hi = min(layer.start + len(layer.energy), blocks)
    return lo, max(hi, lo), lo - layer.start


def analyse(layers: list[Layer], gains: list[float], blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-block energy and peak of the layers at `gains` (linear), without touching audio."""
    energy, peak = np.zeros(blocks), np.zeros(blocks)
    for layer, gain in zip(layers, gains, strict=True):
        lo, hi, off = _span(layer, blocks)
        energy[lo:hi] += layer.energy[off : off + hi - lo] * gain**2
        peak[lo:hi] += layer.peak[off : off + hi - lo] * gain
    return energy, peak


def mix(speech: list[Layer], gains: list[float], bed: list[Layer], blocks: int, block: int) -> Mix:
    """Sum the `speech` layers at `gains` onto `blocks` blocks; analyse the `bed` layers."""
    audio = np.zeros(blocks * block, np.float32)
    for layer, gain in zip(speech, gains, strict=True):
        lo, hi, off = _span(layer, blocks)
        src = layer.audio[off * block : (off + hi - lo) * block]
        audio[lo * block : hi * block] += src * np.float32(gain)
    energy, peak = analyse(speech, gains, blocks)
    bed_energy, bed_peak = analyse(bed, [1.0] * len(bed), blocks)
    return Mix(audio, energy, peak, block, bed, bed_energy, bed_peak)


def _curve(gains: np.ndarray, lo: int, hi: int, block: int) -> np.ndarray:
    """Per-sample gain for blocks lo..hi-1, ramping into block hi's gain at the end."""
    ramp_to = gains[hi] if hi < len(gains) else gains[hi - 1]
    return gain_curve(np.append(gains[lo:hi], ramp_to), block)[: (hi - lo) * block]


def render(m: Mix, dyn: Dynamics) -> np.ndarray:
    """Speech times make-up and its per-block gains, plus the bed through the limiter."""
    out = np.empty_like(m.audio)
    n = len(dyn.speech)
    for lo in range(0, n, CHUNK_BLOCKS):
        hi = min(lo + CHUNK_BLOCKS, n)
        seg = slice(lo * m.block, hi * m.block)
        curve = _curve(dyn.speech, lo, hi, m.block) * np.float32(dyn.makeup)
        np.multiply(m.audio[seg], curve, out=out[seg])
    for layer in m.bed:
        lo, hi, off = _span(layer, n)
        audio = layer.audio[off * m.block : (off + hi - lo) * m.block]
        out[lo * m.block : hi * m.block] += audio * _curve(dyn.limiter, lo, hi, m.block)
    return out
