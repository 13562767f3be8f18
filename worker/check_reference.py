"""Check (and optionally fix) a cloning reference clip with the worker's own rules, as a command.

    python -m worker.check_reference CLIP [--write FIXED.wav]

Prints one JSON object: {"fixes": [...]} (what `prepare_reference` changed, empty when the clip is
fine) or {"error": "..."} when the clip is unusable. With --write, the prepared clip is saved as
16-bit WAV. The orchestration side (`castwright voices check`) calls this instead of importing the
worker, so the rules live in one place and the worker stays deployable alone.
"""

from __future__ import annotations

import argparse
import json
import sys

import soundfile as sf

from worker.errors import ReferenceAudioError
from worker.refaudio import check_header, prepare_reference


def check(path: str, write: str | None) -> dict[str, object]:
    try:
        info = sf.info(path)
        check_header(info.samplerate, info.channels, info.frames)  # before decoding anything
        samples, rate = sf.read(path, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as exc:
        return {"error": f"not readable audio ({exc})"}
    except ReferenceAudioError as exc:
        return {"error": str(exc)}
    try:
        prepared, prepared_rate, fixes = prepare_reference(samples, rate)
    except ReferenceAudioError as exc:
        return {"error": str(exc)}
    if write and fixes:
        sf.write(write, prepared, prepared_rate, subtype="PCM_16")
    return {"fixes": fixes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.check_reference")
    parser.add_argument("clip")
    parser.add_argument("--write", help="save the prepared clip here (only when something changed)")
    args = parser.parse_args(argv)
    result = check(args.clip, args.write)
    print(json.dumps(result))
    return 0 if "fixes" in result else 2


if __name__ == "__main__":
    sys.exit(main())
