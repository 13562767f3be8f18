"""The embedded pipeline (local worker, Piper + Kokoro, Whisper) on a scripted episode: a first run,
an unchanged rerun and a rerun with one turn edited, each a real `castwright run` process.

    python -m bench rerun
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from castwright.clients.local import local_worker
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW, PROJECT_ROOT
from tasks.newsletter.stage import load_newsletter

Figures = dict[str, Any]


def _run(args: list[str], work: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "castwright.cli", "run", *args]
    run_env = {**os.environ, "CASTWRIGHT_WORK_DIR": str(work)}
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=run_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"castwright run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - started
    manifest = json.loads(next(work.glob("episodes/*/manifest.json")).read_text())
    return wall, manifest


def _ungated_show(show: Path, dest: Path) -> Path:
    """The example show with its script gate open: the rerun bench voices a fixed synthetic script
    (the same 40 turns every time, not a whole telling of the news), to time voicing, not judge it."""
    data = yaml.safe_load(show.read_text(encoding="utf-8"))
    data["cover"] = str(show.parent / data["cover"])
    data["script"]["gate"] = {"min_coverage": 0, "opinions_kept": False, "max_length_error": 10,
                              "allow_repeats": True}  # fmt: skip
    dest.write_text(yaml.safe_dump(data), encoding="utf-8")
    return dest


def bench_rerun(turns: int = 40) -> Figures:
    """The embedded pipeline (local worker, Piper + Kokoro, Whisper) on a scripted episode: first
    run, unchanged rerun, one edited turn. Wall seconds per minute of audio, by stage."""
    issue = load_newsletter(DEFAULT_NEWSLETTER, ["Ada", "Marvin"])
    sections = [s.id for s in issue.sections]
    sentences = [c.text for s in issue.sections for c in s.comments] + [
        s.body for s in issue.sections
    ]
    rows = [{"id": f"t{i:03d}", "speaker": ("Ada", "Marvin")[i % 2], "section": sections[i * len(sections) // turns],
             "text": f"Part {i + 1}. " + sentences[i % len(sentences)].split("\n")[0][:300]}
            for i in range(turns)]  # fmt: skip
    figures: Figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        work, script = Path(tmp) / "work", Path(tmp) / "script.yaml"
        script.write_text(yaml.safe_dump({"turns": rows}))
        show = _ungated_show(DEFAULT_SHOW, Path(tmp) / "show.yaml")
        args = [str(DEFAULT_NEWSLETTER), "--show", str(show), "--script", str(script),
                "--out", str(Path(tmp) / "public")]  # fmt: skip
        for label, edit in (("first", None), ("unchanged", None), ("one_edited", 3)):
            if edit is not None:
                rows[edit]["text"] = "This one turn was edited by a person before the rerun."
                script.write_text(yaml.safe_dump({"turns": rows}))
            wall, manifest = _run(args, work)
            minutes = manifest["audio"]["duration_s"] / 60
            figures[label] = {
                "wall_s": round(wall, 1), "clips_synthesized": manifest["clips_synthesized"],
                "audio_min": round(minutes, 2), "stage_s": manifest["timings_s"],
                "engine_s": manifest["engine_s"], "wall_s_per_audio_min": round(wall / minutes, 1),
            }  # fmt: skip
    first = figures["first"]
    voices, engine = first["stage_s"]["voices"], max(first["engine_s"], 1e-6)
    first["worker_start_s"] = _worker_start_s()
    first["voices_wall_to_engine"] = round(voices / engine, 2)
    first["voices_wall_to_engine_after_start"] = round(
        (voices - first["worker_start_s"]) / engine, 2
    )
    return figures


def _worker_start_s() -> float:
    """Seconds the embedded TTS worker takes to load its models and answer: part of the voices
    stage's wall time (the worker starts when the first turn needs it), none of the engines'."""
    with tempfile.TemporaryDirectory() as logs:
        started = time.perf_counter()
        with local_worker(Path(logs)):
            return round(time.perf_counter() - started, 1)
