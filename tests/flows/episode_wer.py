"""The word error rate of a published episode, heard by the multilingual Whisper (not a test).

    uv run python -m tests.flows.episode_wer EPISODE_DIR [--language pt-BR]

The language defaults to the show's, as the episode's manifest.json recorded it.

EPISODE_DIR is `.castwright/episodes/<slug>/` (its script.yaml and <slug>.mp3, or give --mp3).
The whole MP3 is transcribed by Whisper base with the language forced, and compared with the
script's text after the clip check's own normalization (worker.textnorm: numbers, acronyms,
punctuation, accents), so the figure is the listener's view of the whole episode: every turn,
the joins between them, the mastering.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import numpy as np
import yaml

from worker.scoring import word_error_rate
from worker.textnorm import join_compounds, normalize_words
from worker.transcribe import WhisperTranscriber

REPO_ROOT = Path(__file__).resolve().parents[2]


def decode_16k(mp3: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "f32le", "-ac", "1", "-ar", "16000", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32)


def script_text(script_yaml: Path) -> str:
    turns = yaml.safe_load(script_yaml.read_text(encoding="utf-8"))["turns"]
    return " ".join(t["text"] for t in turns)


def episode_wer(mp3: Path, text: str, language: str) -> tuple[float, str]:
    """(WER of the whole episode against `text`, the transcript)."""
    whisper = WhisperTranscriber.load_multilingual(None, REPO_ROOT / ".castwright/cache/whisper")
    heard = whisper.transcribe(decode_16k(mp3), language).text
    reference, hypothesis = join_compounds(
        normalize_words(text, language), normalize_words(heard, language)
    )
    return word_error_rate(reference, hypothesis), heard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("episode_dir", type=Path)
    parser.add_argument("--language", help="default: the show's language in manifest.json")
    parser.add_argument("--mp3", type=Path)
    args = parser.parse_args()
    mp3 = args.mp3 or next(args.episode_dir.glob("*.mp3"))
    language = args.language or _show_language(args.episode_dir / "manifest.json")
    wer, heard = episode_wer(mp3, script_text(args.episode_dir / "script.yaml"), language)
    print(heard)
    print(f"WER {wer:.3f} ({mp3.name}, {language}, Whisper base)")


def _show_language(manifest: Path) -> str:
    """The show's language as the run recorded it (it once defaulted to pt-BR for every show)."""
    return str(json.loads(manifest.read_text())["configuration"]["show"]["language"])


if __name__ == "__main__":
    main()
