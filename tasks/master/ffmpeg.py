"""The ffmpeg side of mastering: decode a music file, encode the MP3, measure the result.

ffmpeg runs as a subprocess; every failure becomes an `AudioError` that carries the tail of
ffmpeg's stderr and says what to do about it. Samples cross the pipe as mono float32 (`f32le`).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, PIPE
from typing import IO

import numpy as np

from castwright.core.errors import AudioError

STDERR_TAIL_CHARS = 1500
INSTALL_HINT = "install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)"


@dataclass(frozen=True)
class Loudness:
    """An EBU R128 measurement: integrated LUFS, true peak in dBTP, loudness range in LU."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra: float


def find_tool(name: str = "ffmpeg") -> str:
    """The absolute path of `ffmpeg` or `ffprobe` on PATH, or an AudioError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise AudioError(f"{name} was not found on PATH; mastering needs it: {INSTALL_HINT}")
    return path


def run_ffmpeg(args: list[str], what: str, stdin: bytes | memoryview | None = None) -> str:
    """Run ffmpeg with `args`; return its stderr. `what` names the step for the error message."""
    quiet_stdin = ["-nostdin"] if stdin is None else []
    cmd = [find_tool("ffmpeg"), "-hide_banner", "-y", *quiet_stdin, *args]
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise AudioError(f"{what}: could not start ffmpeg ({exc}); {INSTALL_HINT}") from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        tail = stderr[-STDERR_TAIL_CHARS:].strip()
        raise AudioError(
            f"{what}: ffmpeg exited with status {done.returncode}. Check that the input exists and "
            f"is a readable audio file, and that this ffmpeg has libmp3lame "
            f"(`ffmpeg -encoders | grep mp3`).\nffmpeg said:\n{tail}"
        )
    return stderr


def decode_audio(path: Path, rate: int, max_seconds: float | None = None) -> np.ndarray:
    """Decode any audio file ffmpeg reads into mono float32 samples at `rate` Hz."""
    if not path.is_file():
        raise AudioError(f"audio file {path} not found; check the path you passed")
    limit = ["-t", f"{max_seconds:.3f}"] if max_seconds else []
    cmd = [find_tool("ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), *limit]
    cmd += ["-vn", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-STDERR_TAIL_CHARS:].strip()
        raise AudioError(f"decoding {path} failed: is it an audio file ffmpeg can read?\n{tail}")
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float32)


def _mp3_args(rate: int, bitrate_kbps: int) -> list[str]:
    pcm_in = ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-map", "0:a"]
    return [*pcm_in, "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k", "-ar", str(rate), "-ac", "1"]


def _pcm(samples: np.ndarray) -> memoryview:
    return np.ascontiguousarray(samples, dtype="<f4").data.cast("B")  # no copy


def encode_mp3(samples: np.ndarray, rate: int, bitrate_kbps: int, dest: Path) -> None:
    """Encode mono float32 `samples` (at `rate` Hz) to a CBR MP3 at `dest`, with no ID3 tag.

    A LAME "Info" header is written so decoders trim the encoder delay (sample-exact timing).
    """
    mp3 = ["-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(dest)]
    run_ffmpeg(
        ["-v", "error", *_mp3_args(rate, bitrate_kbps), *mp3],
        f"encoding {dest.name}",
        _pcm(samples),
    )


def _check(proc: subprocess.Popen[bytes], stderr: IO[bytes], what: str) -> str:
    stderr.seek(0)
    text = stderr.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AudioError(
            f"{what}: ffmpeg exited with status {proc.returncode}; check free disk space and that "
            f"this ffmpeg has libmp3lame.\nffmpeg said:\n{text[-STDERR_TAIL_CHARS:].strip()}"
        )
    return text


def encode_and_measure(samples: np.ndarray, rate: int, bitrate_kbps: int, dest: Path) -> Loudness:
    """Encode `dest` (as `encode_mp3` does) and measure that same MP3 stream while it is made.

    ffmpeg's tee muxer writes the file and a copy of the stream to a second ffmpeg running
    `ebur128=peak=true`, so the measurement costs no extra wall time on a second core. ffmpeg
    runs in dest's folder with a plain file name, so no path needs escaping for the tee.
    """
    ffmpeg = find_tool("ffmpeg")
    tee = f"[f=mp3:id3v2_version=0:write_xing=1]{dest.name}|[f=mp3:id3v2_version=0]pipe:1"
    enc = [
        ffmpeg,
        "-hide_banner",
        "-v",
        "error",
        "-y",
        *_mp3_args(rate, bitrate_kbps),
        "-f",
        "tee",
        tee,
    ]
    meter = [ffmpeg, "-hide_banner", "-nostats", "-f", "mp3", "-i", "pipe:0", *_METER]
    with tempfile.TemporaryFile() as enc_err, tempfile.TemporaryFile() as meter_err:
        encoder = subprocess.Popen(enc, stdin=PIPE, stdout=PIPE, stderr=enc_err, cwd=dest.parent)
        reader = subprocess.Popen(meter, stdin=encoder.stdout, stdout=DEVNULL, stderr=meter_err)
        assert encoder.stdin is not None and encoder.stdout is not None
        encoder.stdout.close()  # the meter owns the read end now
        with contextlib.suppress(BrokenPipeError):  # a failed encoder is reported below
            encoder.stdin.write(_pcm(samples))
        encoder.stdin.close()
        encoder.wait(), reader.wait()
        _check(encoder, enc_err, f"encoding {dest.name}")
        return parse_ebur128(_check(reader, meter_err, f"measuring {dest.name}"))


def mp3_level_loss_db(
    samples: np.ndarray, rate: int, bitrate_kbps: int, seconds: float = 20.0
) -> float:
    """How many dB quieter (RMS) LAME makes this audio at `bitrate_kbps`, from one short excerpt.

    LAME's quantizer loses level evenly across the band (about 0.3 dB at 192 kbps, 0.45 at 128,
    none at 320); encoding a middle excerpt first lets the full encode land on the target.
    """
    n = min(len(samples), int(seconds * rate))
    lo = (len(samples) - n) // 2
    excerpt = samples[lo : lo + n]
    with tempfile.TemporaryDirectory(prefix="castwright-mp3-") as tmp:
        path = Path(tmp) / "excerpt.mp3"
        encode_mp3(excerpt, rate, bitrate_kbps, path)
        decoded = decode_audio(path, rate)
    before = float(np.mean(np.square(excerpt, dtype=np.float64)))
    after = float(np.mean(np.square(decoded, dtype=np.float64)))
    return 0.0 if before <= 0 or after <= 0 else 10 * np.log10(before / after)


_METER = ["-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"]
_VALUE = {
    "integrated_lufs": re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS"),
    "lra": re.compile(r"LRA:\s+(-?[\d.]+) LU"),
    "true_peak_dbtp": re.compile(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS"),
}


def parse_ebur128(stderr: str) -> Loudness:
    """Read the last Summary block that ffmpeg's `ebur128=peak=true` prints (ffmpeg 5 prints an
    empty one first, from a filter graph it configures and discards)."""
    at = stderr.rfind("Summary:")
    found = {k: p.search(stderr, at) if at >= 0 else None for k, p in _VALUE.items()}
    missing = [k for k, m in found.items() if m is None]
    if missing:
        tail = stderr[-STDERR_TAIL_CHARS:]
        raise AudioError(f"ffmpeg's ebur128 summary lacks {missing}; its output ends:\n{tail}")
    return Loudness(**{k: float(m.group(1)) for k, m in found.items() if m is not None})


def measure(path: Path) -> Loudness:
    """Measure a finished file with ffmpeg's EBU R128 meter (true peak at 4x oversampling)."""
    args = ["-nostats", "-i", str(path), "-vn", *_METER]
    return parse_ebur128(run_ffmpeg(args, f"measuring {path.name}"))
