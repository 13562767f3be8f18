"""Voice prints in numpy: is this clip in the voice it was asked for?

A print summarizes the voiced frames of a clip (resampled to 16 kHz):

- pitch: median and inter-quartile range of F0, in semitones above 55 Hz, from a normalized
  autocorrelation per 40 ms frame (60-500 Hz);
- timbre: the mean of 12 mel-cepstral coefficients (c1..c12 of a 26-band log-mel spectrum,
  c0 left out so loudness does not count), and the median spectral centroid.

`distance(a, b)` weighs each difference by how much it varies between sentences of one voice
(measured on the CPU voices; see worker/README.md): ~1 or less is the same voice, several units
another one. Clips with too few voiced frames give no print (the check is skipped, not failed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worker.audio import FloatArray, resample

SR = 16_000
FRAME = 640  # 40 ms: two periods of a 50 Hz voice
HOP = 160  # 10 ms
N_FFT = 1024
N_MELS = 26
N_CEPS = 12
F0_MIN, F0_MAX = 60.0, 500.0
F0_REF_HZ = 55.0
MIN_VOICED_FRAMES = 40  # 0.4 s of voiced speech
VOICING_THRESHOLD = 0.45  # autocorrelation peak a voiced frame must reach

#: the distance's units: about 1.5x the spread of each feature between sentences of one voice,
#: pooled over the six CPU voices (joe and five Kokoro styles, 12 sentences each)
PITCH_SCALE_ST = 0.75
CENTROID_SCALE_HZ = 40.0
CEPS_SCALES = (1.1, 0.85, 0.95, 0.7, 0.4, 0.4, 0.4, 0.25, 0.35, 0.3, 0.25, 0.25)


@dataclass(frozen=True)
class VoicePrint:
    f0_median_st: float  # semitones above 55 Hz
    f0_iqr_st: float
    cepstrum: tuple[float, ...]
    centroid_hz: float
    voiced_s: float

    @property
    def f0_median_hz(self) -> float:
        return float(F0_REF_HZ * 2.0 ** (self.f0_median_st / 12.0))

    def to_dict(self) -> dict[str, object]:
        return {
            "f0_median_hz": round(self.f0_median_hz, 1),
            "f0_iqr_st": round(self.f0_iqr_st, 2),
            "cepstrum": [round(c, 3) for c in self.cepstrum],
            "centroid_hz": round(self.centroid_hz, 1),
            "voiced_s": round(self.voiced_s, 2),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> VoicePrint:
        f0 = float(data["f0_median_hz"])  # type: ignore[arg-type]
        cepstrum = data["cepstrum"]
        if not isinstance(cepstrum, list | tuple) or len(cepstrum) != N_CEPS:
            raise ValueError(f"cepstrum must be a list of {N_CEPS} numbers")
        return cls(
            f0_median_st=float(12.0 * np.log2(f0 / F0_REF_HZ)),
            f0_iqr_st=float(data["f0_iqr_st"]),  # type: ignore[arg-type]
            cepstrum=tuple(float(c) for c in cepstrum),
            centroid_hz=float(data["centroid_hz"]),  # type: ignore[arg-type]
            voiced_s=float(data.get("voiced_s", 0.0)),  # type: ignore[arg-type]
        )


def _frames(samples: FloatArray) -> FloatArray:
    n = 1 + (samples.size - FRAME) // HOP
    if n <= 0:
        return np.zeros((0, FRAME))
    index = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
    return samples.astype(np.float64)[index]


def _pitch(frames: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(F0 in Hz, autocorrelation peak) per frame, by normalized autocorrelation."""
    centered = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centered * np.hanning(FRAME), n=2 * N_FFT)
    corr = np.fft.irfft(np.abs(spectrum) ** 2)[:, :FRAME]
    window_corr = np.fft.irfft(np.abs(np.fft.rfft(np.hanning(FRAME), n=2 * N_FFT)) ** 2)[:FRAME]
    corr = corr / np.maximum(corr[:, :1], 1e-12) / np.maximum(window_corr / window_corr[0], 1e-3)
    lo, hi = int(SR / F0_MAX), int(SR / F0_MIN)
    lag = lo + np.argmax(corr[:, lo:hi], axis=1)
    peak = corr[np.arange(len(lag)), lag]
    # parabolic interpolation around the peak for sub-sample lags
    left, right = corr[np.arange(len(lag)), lag - 1], corr[np.arange(len(lag)), lag + 1]
    denom = left - 2 * peak + right
    shift = np.where(
        np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0
    )
    return SR / (lag + np.clip(shift, -1, 1)), peak


def _mel_filters() -> FloatArray:
    def mel(hz: FloatArray) -> FloatArray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges_mel = np.linspace(mel(np.array(60.0)), mel(np.array(7600.0)), N_MELS + 2)
    edges = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SR)
    filters = np.zeros((N_MELS, bins.size))
    for m in range(N_MELS):
        left, centre, right = edges[m], edges[m + 1], edges[m + 2]
        rising = (bins - left) / (centre - left)
        falling = (right - bins) / (right - centre)
        filters[m] = np.clip(np.minimum(rising, falling), 0.0, None)
    return filters


def _dct_matrix() -> FloatArray:
    n = np.arange(N_MELS)
    k = np.arange(1, N_CEPS + 1)[:, None]
    return np.sqrt(2.0 / N_MELS) * np.cos(np.pi * k * (2 * n + 1) / (2 * N_MELS))


_MEL = _mel_filters()
_DCT = _dct_matrix()


def voice_print(samples: FloatArray, sr: int) -> VoicePrint | None:
    """The print of a clip's voiced frames, or None when it has too little voiced speech."""
    audio = resample(np.asarray(samples, dtype=np.float32), sr, SR)
    frames = _frames(audio)
    if len(frames) < MIN_VOICED_FRAMES:
        return None
    energy = np.sqrt(np.mean(frames**2, axis=1))
    loud = energy >= 0.1 * np.percentile(energy, 95)
    f0, peak = _pitch(frames)
    voiced = loud & (peak >= VOICING_THRESHOLD)
    if int(voiced.sum()) < MIN_VOICED_FRAMES:
        return None
    semitones = 12.0 * np.log2(f0[voiced] / F0_REF_HZ)
    q25, q50, q75 = np.percentile(semitones, [25, 50, 75])
    power = np.abs(np.fft.rfft(frames[voiced] * np.hanning(FRAME), n=N_FFT)) ** 2
    log_mel = np.log(power @ _MEL.T + 1e-10)
    cepstrum = (log_mel @ _DCT.T).mean(axis=0)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SR)
    centroid = float(np.median((power @ freqs) / np.maximum(power.sum(axis=1), 1e-12)))
    return VoicePrint(
        f0_median_st=float(q50),
        f0_iqr_st=float(q75 - q25),
        cepstrum=tuple(float(c) for c in cepstrum),
        centroid_hz=centroid,
        voiced_s=float(voiced.sum() * HOP / SR),
    )


def distance_parts(a: VoicePrint, b: VoicePrint) -> tuple[float, float, float]:
    """(pitch, timbre, brightness) differences, each in units of one voice's spread."""
    pitch = abs(a.f0_median_st - b.f0_median_st) / PITCH_SCALE_ST
    ceps = (np.asarray(a.cepstrum) - np.asarray(b.cepstrum)) / np.asarray(CEPS_SCALES)
    timbre = float(np.sqrt(np.mean(ceps**2)))
    brightness = abs(a.centroid_hz - b.centroid_hz) / CENTROID_SCALE_HZ
    return pitch, timbre, brightness


def distance(a: VoicePrint, b: VoicePrint) -> float:
    """How different two prints are: the RMS of `distance_parts`."""
    return float(np.sqrt(np.mean(np.square(distance_parts(a, b)))))
