"""Per-clip signal work in numpy: read, resample, K-weight, trim, fade, true-peak.

Everything here works on mono float32 arrays at the episode rate (the "working format"). Time is
counted in blocks of `rate // 300` samples (3.33 ms at 44.1 and 48 kHz): 30 blocks make one
100 ms loudness sub-block, so clip analyses can be placed on the episode timeline and reused
without measuring the episode again.
"""

from __future__ import annotations

from functools import cache, lru_cache
from math import gcd

import numpy as np
import soundfile as sf

from castwright.core.errors import AudioError

BLOCKS_PER_SECOND = 300
_FFT_TAIL = 4096  # zero samples appended before an FFT so the filter tail does not wrap around


def block_size(rate: int) -> int:
    """Samples per analysis block (1/300 s); `rate` must be a multiple of 300 (44.1k, 48k do)."""
    if rate % BLOCKS_PER_SECOND:
        raise AudioError(f"episode sample rate {rate} Hz is not a multiple of 300; use 44100/48000")
    return rate // BLOCKS_PER_SECOND


def read_mono(path: object) -> tuple[np.ndarray, int]:
    """Read a WAV (or any libsndfile format) as mono float32; return (samples, rate in Hz)."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError(f"cannot read clip {path}: {exc}; re-synthesize the turn") from exc
    if len(data) == 0:
        raise AudioError(f"clip {path} holds no samples; re-synthesize the turn")
    return data.mean(axis=1, dtype=np.float32), int(rate)


def _fft_length(n: int, multiple: int) -> int:
    """The smallest `multiple * c * 2**k` >= n with c in 8..15 (7-smooth): FFT-friendly, and
    coarse enough that clips of similar length share one cached K-weighting response."""
    best = None
    for c in (8, 9, 10, 12, 14, 15):
        size = multiple * c
        while size < n:
            size *= 2
        best = size if best is None else min(best, size)
    return int(best or multiple)


def _biquad(z1: np.ndarray, b: tuple[float, ...], a: tuple[float, ...]) -> np.ndarray:
    z2 = z1 * z1
    return (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)


def k_weighting(freqs_hz: np.ndarray, rate: int) -> np.ndarray:
    """Complex response of the ITU-R BS.1770 K-weighting filter (libebur128's design)."""
    w = 2 * np.pi * freqs_hz / rate
    z1 = np.cos(w) - 1j * np.sin(w)
    k = np.tan(np.pi * 1681.974450955533 / rate)
    q, vh = 0.7071752369554196, 10 ** (3.999843853973347 / 20)
    vb, a0 = vh**0.4996667741545416, 1 + k / q + k * k
    s1, s2 = vb * k / q, k * k
    shelf_b = ((vh + s1 + s2) / a0, 2 * (s2 - vh) / a0, (vh - s1 + s2) / a0)
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    k, q = np.tan(np.pi * 38.13547087602444 / rate), 0.5003270373238773
    a0 = 1 + k / q + k * k
    hp_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return _biquad(z1, shelf_b, shelf_a) * _biquad(z1, (1.0, -2.0, 1.0), hp_a)


@cache
def _k_table(rate: int, points: int = 1 << 16) -> np.ndarray:
    return k_weighting(np.linspace(0, rate / 2, points + 1), rate)


@lru_cache(maxsize=64)
def k_weighting_bins(n_fft: int, rate: int) -> np.ndarray:
    """K-weighting response at the rfft bins of an `n_fft`-point FFT (complex64), interpolated
    from a cached 0.34 Hz table: ten times cheaper than evaluating the biquads per clip."""
    table = _k_table(rate)
    pos = np.arange(n_fft // 2 + 1) * ((len(table) - 1) * 2 / n_fft)
    grid = np.arange(len(table))
    out = np.interp(pos, grid, table.real) + 1j * np.interp(pos, grid, table.imag)
    return out.astype(np.complex64)


def to_working(x: np.ndarray, src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample `x` from `src` to `dst` Hz (band-limited, zero-phase, via one FFT).

    Returns (audio, K-weighted audio), both float32 at `dst` Hz and sample-aligned: sample i of
    the output sits at time i/dst s, exactly where the input had it.
    """
    g = gcd(src, dst)
    up, down = dst // g, src // g
    n_in = _fft_length(len(x) + _FFT_TAIL, down)
    n_out = n_in * up // down
    spec = np.fft.rfft(x, n_in)
    bins = n_out // 2 + 1
    if len(spec) < bins:
        spec = np.concatenate([spec, np.zeros(bins - len(spec), spec.dtype)])
    spec = spec[:bins]
    spec *= n_out / n_in
    length = round(len(x) * up / down)
    audio = x if src == dst else np.fft.irfft(spec, n_out)[:length].astype(np.float32)
    weights = k_weighting_bins(n_out, dst)
    weighted = np.fft.irfft(spec * weights, n_out)[:length].astype(np.float32)
    return audio, weighted


def speech_blocks(x: np.ndarray, block: int, rel_db: float, floor_db: float) -> tuple[int, int]:
    """First and one-past-last block whose RMS is above the clip's loudest block + `rel_db`
    (and above `floor_db` dBFS). A block containing any onset energy counts as speech."""
    n = -(-len(x) // block) * block
    frames = np.pad(x, (0, n - len(x))).reshape(-1, block).astype(np.float64)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)
    active = np.flatnonzero(level > max(level.max() + rel_db, floor_db))
    if len(active) == 0:
        return 0, 0
    return int(active[0]), int(active[-1]) + 1


def cut(x: np.ndarray, start: int, stop: int) -> np.ndarray:
    """x[start:stop] as a new float32 array, zero-filled where the range leaves `x`."""
    out = np.zeros(stop - start, np.float32)
    lo, hi = max(start, 0), min(stop, len(x))
    if hi > lo:
        out[lo - start : hi - start] = x[lo:hi]
    return out


def fade_ends(x: np.ndarray, n: int) -> None:
    """Raised-cosine fade-in over the first `n` samples, fade-out over the last `n` (in place)."""
    if n <= 0:
        return
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)
    x[:n] *= ramp
    x[-n:] *= ramp[::-1]


def _tp_kernels(half: int = 8) -> np.ndarray:
    """Windowed-sinc taps (3 x 2*half) giving the samples at +1/4, +1/2, +3/4 sample."""
    taps = np.arange(-half + 1, half + 1)
    rows = []
    for p in (0.25, 0.5, 0.75):
        t = p - taps
        h = np.sinc(t) * (0.5 + 0.5 * np.cos(np.pi * t / (half + 0.5)))
        rows.append(h / h.sum())
    return np.asarray(rows, dtype=np.float32)


_TP = _tp_kernels()


def true_peak_blocks(x: np.ndarray, block: int) -> np.ndarray:
    """Per-block true peak (linear, 4x oversampled, BS.1770 style); len(x) % block == 0."""
    n, half = len(x), _TP.shape[1] // 2
    padded = np.pad(x, (half - 1, half))
    peak, acc, tmp = np.abs(x), np.empty(n, np.float32), np.empty(n, np.float32)
    for kernel in _TP:
        acc.fill(0.0)
        for j, h in enumerate(kernel):
            np.multiply(padded[j : j + n], h, out=tmp)
            acc += tmp
        np.maximum(peak, np.abs(acc, out=acc), out=peak)
    return peak.reshape(-1, block).max(axis=1)


def block_energy(x: np.ndarray, block: int) -> np.ndarray:
    """Sum of squares per block (float64); len(x) % block == 0."""
    return np.square(x.reshape(-1, block), dtype=np.float64).sum(axis=1)
