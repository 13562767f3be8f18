"""`castwright voices check`: validate every voice profile and its reference audio, fix on request.

A cloning reference needs >= 300 ms of leading silence (else every generation clips its first
syllable), one channel, a sane length and no long trailing silence. The preparation rules are the
worker's own: each clip is checked by running `python -m worker.check_reference` (the worker's
command, speaking JSON), so what passes here passes there and nothing here imports the worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from castwright.core.config import VoiceProfile, load_voice
from castwright.core.errors import ConfigError
from castwright.core.paths import VOICES_DIR, checkout_pythonpath

CHECK_TIMEOUT_S = 120


def worker_check(clip: Path, write: Path | None = None) -> dict[str, object]:
    """The worker's verdict on a reference clip: {"fixes": [...]} or {"error": "..."}."""
    cmd = [sys.executable, "-m", "worker.check_reference", str(clip)]
    cmd += ["--write", str(write)] if write else []
    env = os.environ | {"PYTHONPATH": checkout_pythonpath()}  # the worker is not installed
    done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=CHECK_TIMEOUT_S, check=False)  # fmt: skip
    try:
        verdict = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"the worker's reference check failed: {done.stderr.strip()[-500:]}"}
    return verdict if isinstance(verdict, dict) else {"error": f"unexpected answer {verdict!r}"}


def check_reference(profile: VoiceProfile, fix: bool) -> list[str]:
    path = profile.reference_audio
    if path is None:
        return []
    if not path.is_file():
        return [f"ERROR {profile.name}: reference_audio {path} not found"]
    fixed = path.with_name(f".{path.stem}.fixed{path.suffix}") if fix else None
    verdict = worker_check(path, fixed)
    if "error" in verdict:
        return [f"ERROR {profile.name}: {path.name}: {verdict['error']}"]
    fixes = [str(f) for f in verdict.get("fixes", [])]  # type: ignore[attr-defined]
    if not fixes:
        return [f"ok    {profile.name}: {path.name}"]
    if fixed is None:
        return [
            f"{_severity(f)} {profile.name}: {path.name} needs fixing: {f} (run `castwright voices check --fix`)"
            for f in fixes
        ]
    backup = path.with_suffix(".orig" + path.suffix)
    if not backup.exists():
        shutil.copy2(path, backup)
    fixed.replace(path)
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
