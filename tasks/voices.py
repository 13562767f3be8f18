"""`castwright voices check`: validate every voice profile and its reference audio, fix on request.

A cloning reference needs >= 300 ms of leading silence (else every generation clips its first
syllable), one channel, a sane length and no long trailing silence. The preparation rules are the
worker's own (worker.refaudio), so what passes here passes there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import soundfile as sf

from castwright.config import VoiceProfile, load_voice
from castwright.errors import ConfigError
from castwright.paths import VOICES_DIR
from worker.errors import ReferenceAudioError
from worker.refaudio import prepare_reference


def check_reference(profile: VoiceProfile, fix: bool) -> list[str]:
    path = profile.reference_audio
    if path is None:
        return []
    if not path.is_file():
        return [f"ERROR {profile.name}: reference_audio {path} not found"]
    try:
        samples, rate = sf.read(str(path), dtype="float32")
        prepared, prepared_rate, fixes = prepare_reference(samples, rate)
    except (sf.LibsndfileError, RuntimeError) as exc:
        return [f"ERROR {profile.name}: {path.name} is not readable audio ({exc})"]
    except ReferenceAudioError as exc:
        return [f"ERROR {profile.name}: {path.name}: {exc}"]
    if not fixes:
        return [f"ok    {profile.name}: {path.name}"]
    if not fix:
        return [
            f"{_severity(f)} {profile.name}: {path.name} needs fixing: {f} (run `castwright voices check --fix`)"
            for f in fixes
        ]
    backup = path.with_suffix(".orig" + path.suffix)
    if not backup.exists():
        shutil.copy2(path, backup)
    sf.write(str(path), prepared, prepared_rate, subtype="PCM_16")
    return [
        f"fixed {profile.name}: {path.name}: {f} (original kept as {backup.name})" for f in fixes
    ]


def _severity(fix: str) -> str:
    """A missing silence pad clips every generation: an error. Format fixes only warn."""
    return "ERROR" if "leading silence" in fix else "warn "


def check_voices(fix: bool = False, voices_dir: Path = VOICES_DIR) -> list[str]:
    """One line per finding; lines starting with ERROR mean the voice cannot be used as is."""
    lines: list[str] = []
    for path in sorted(voices_dir.glob("*.yaml")):
        try:
            profile = load_voice(path.stem, voices_dir)
        except ConfigError as exc:
            lines.append(f"ERROR {path.stem}: {exc}")
            continue
        lines += check_reference(profile, fix) or [
            f"ok    {profile.name}: {profile.engine} {profile.mode} {profile.voice}"
        ]
    return lines or [f"ERROR no voice profiles in {voices_dir}"]
