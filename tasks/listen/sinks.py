"""Where streamed audio goes: a WAV file written as it comes, a player's stdin (the speakers), or
an HTTP response. Each takes float32 mono blocks at one sample rate and 16-bit PCM out."""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Protocol

import numpy as np

from castwright.core.errors import ConfigError

log = logging.getLogger(__name__)

UNKNOWN_SIZE = 0xFFFFFFFF  # a streamed WAV's sizes: "until the end of the stream"


class ByteOut(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class Sink(Protocol):
    def write(self, samples: np.ndarray) -> None: ...

    def close(self) -> None: ...


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def wav_header(sample_rate: int, data_bytes: int | None = None) -> bytes:
    """A 44-byte PCM WAV header (mono, 16 bit); without a size, one for a stream."""
    data = UNKNOWN_SIZE if data_bytes is None else data_bytes
    riff = UNKNOWN_SIZE if data_bytes is None else 36 + data_bytes
    return (
        b"RIFF" + struct.pack("<I", riff) + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
        + b"data" + struct.pack("<I", data)
    )  # fmt: skip


class WavFileSink:
    """A WAV file that grows as audio comes (readable while it is written: its header says
    "streaming" until `close` writes the real sizes)."""

    def __init__(self, path: Path, sample_rate: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")
        self._file.write(wav_header(sample_rate))
        self._sample_rate = sample_rate
        self._bytes = 0

    def write(self, samples: np.ndarray) -> None:
        data = pcm16(samples)
        self._file.write(data)
        self._file.flush()
        self._bytes += len(data)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.seek(0)
        self._file.write(wav_header(self._sample_rate, self._bytes))
        self._file.close()


class StreamSink:
    """16-bit PCM to a byte stream (a player's stdin, an HTTP body), optionally after a
    streaming WAV header."""

    def __init__(self, out: ByteOut, sample_rate: int, header: bool = True) -> None:
        self._out = out
        if header:
            self._out.write(wav_header(sample_rate))

    def write(self, samples: np.ndarray) -> None:
        self._out.write(pcm16(samples))
        self._out.flush()

    def close(self) -> None:
        self._out.flush()


def player_command(sample_rate: int) -> list[str]:
    """A command that plays raw mono 16-bit PCM from stdin on the speakers."""
    if shutil.which("ffplay"):
        return ["ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "-f", "s16le",
                "-ar", str(sample_rate), "-ac", "1", "-i", "-"]  # fmt: skip
    if shutil.which("aplay"):
        return ["aplay", "-q", "-f", "S16_LE", "-r", str(sample_rate), "-c", "1"]
    raise ConfigError(
        "no audio player found for the speakers: install ffmpeg (ffplay) or alsa-utils (aplay), "
        "or write to a file with --out"
    )


class PlayerSink:
    """The speakers, through a player process reading PCM on its stdin."""

    def __init__(self, command: list[str], sample_rate: int) -> None:
        self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        if self._proc.stdin is None:
            raise ConfigError(f"could not open the stdin of {command[0]}")
        self._pipe = StreamSink(self._proc.stdin, sample_rate, header=False)
        self.command = command

    def write(self, samples: np.ndarray) -> None:
        try:
            self._pipe.write(samples)
        except BrokenPipeError as exc:
            raise ConfigError(f"the audio player stopped: {self._stderr()}") from exc

    def _stderr(self) -> str:
        self._proc.wait(timeout=10)
        err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        return f"{' '.join(self.command[:1])} exited {self._proc.returncode}: {err[-500:]}"

    def close(self) -> None:
        if self._proc.stdin and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:  # the player died: its exit status below says why
                log.debug("the audio player closed its input early")
        if self._proc.wait() != 0:
            raise ConfigError(f"the audio player failed: {self._stderr()}")
