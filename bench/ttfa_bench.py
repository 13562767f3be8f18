"""Time to first audio and to playback of `castwright listen`, per profile and engine, on the
embedded streaming worker (worker/stream_server.py started by castwright, as `listen` does).

From the request (the client's POST /run): `first_audio_s` until the first audio item reaches
the client, `playback_s` until the first audible sample (-40 dBFS) is handed to the output after
the profile's pre-buffer. One untimed run per engine first (the worker's warm-up does the rest);
then `--runs=N` timed runs per profile and engine (default 5), median and worst reported, with
the machine's load average before and after.

    python -m bench ttfa [--runs=5] [--engines=piper,kokoro]
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import numpy as np

from castwright.core.config import load_voice
from castwright.core.profiles import PROFILES
from flows.listen import streaming
from tasks.listen.stage import listen

Figures = dict[str, Any]
LINE = (
    "Three open speech models shipped this week, and two of them run on a laptop. The third "
    "needs a data-center GPU; its authors say a smaller version is coming soon."
)
VOICES = {"piper": "joe", "kokoro": "kokoro-alpha"}


class Discard:
    """An output that takes the audio and drops it (the timing stops at the hand-over)."""

    def write(self, samples: np.ndarray) -> None:
        pass

    def close(self) -> None:
        pass


def _options(options: tuple[str, ...]) -> dict[str, str]:
    return dict(o.removeprefix("--").split("=", 1) for o in options)


def bench_ttfa(*options: str) -> Figures:
    chosen = _options(options)
    runs = int(chosen.get("runs", 5))
    engines = [e for e in chosen.get("engines", "piper,kokoro").split(",") if e]
    voices = {e: load_voice(VOICES[e]) for e in engines}
    figures: Figures = {
        "cpu_cores": os.cpu_count(),
        "runs": runs,
        "load_before": os.getloadavg()[0],
    }
    with streaming([(LINE, v) for v in voices.values()]) as stream:
        for engine, voice in voices.items():
            listen(stream, [(LINE, voice)], PROFILES["fast"], Discard())  # untimed
            for profile in PROFILES.values():
                results = [listen(stream, [(LINE, voice)], profile, Discard()) for _ in range(runs)]
                first = [r.first_audio_s or 0.0 for r in results]
                play = [r.playback_s or 0.0 for r in results]
                figures[f"{engine}/{profile.name}"] = {
                    "first_audio_s": round(statistics.median(first), 3),
                    "first_audio_worst_s": round(max(first), 3),
                    "playback_s": round(statistics.median(play), 3),
                    "playback_worst_s": round(max(play), 3),
                    "total_s": round(statistics.median(r.total_s for r in results), 3),
                    "audio_s": round(results[0].audio_s, 2),
                }  # fmt: skip
    figures["load_after"] = os.getloadavg()[0]
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return figures


def table(figures: Figures) -> list[str]:
    lines = [
        f"Time to first audio of `castwright listen` on the embedded streaming worker, "
        f"{figures['cpu_cores']} CPU cores, load average {figures['load_before']:.1f} before and "
        f"{figures['load_after']:.1f} after (median of {figures['runs']} runs; worst in brackets):",
        "",
        "| engine / profile | first audio byte s | first audible sample s | whole line s | audio s |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for key, f in figures.items():
        if isinstance(f, dict):
            lines.append(
                f"| {key} | {f['first_audio_s']} [{f['first_audio_worst_s']}] | "
                f"{f['playback_s']} [{f['playback_worst_s']}] | {f['total_s']} | {f['audio_s']} |"
            )
    return lines
