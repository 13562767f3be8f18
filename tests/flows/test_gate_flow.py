"""A script that fails the gate is never voiced: the run ends with one clear message, no TTS job
is sent (not even the endpoint's warm-up), nothing is published, and no traceback is printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from castwright.core.paths import DEFAULT_NEWSLETTER, PROJECT_ROOT
from tests.flows.conftest import Services
from tests.script.test_gate import ISSUE, faithful_script


def _write(script_turns: list[dict[str, str]], folder: Path) -> Path:
    path = folder / "bad-script.yaml"
    path.write_text(yaml.safe_dump({"turns": script_turns}, sort_keys=False), encoding="utf-8")
    return path


def test_a_wrong_host_script_is_blocked_before_any_tts_job(services: Services) -> None:
    ada = ISSUE.sections[0].comments[0].text
    turns = [t.model_dump() for t in faithful_script().turns]
    for turn in turns:
        if turn["text"] == ada:
            turn["speaker"] = "Marvin"
    script = _write(turns, services.work.parent)
    cmd = [sys.executable, "-m", "castwright.cli", "run", str(DEFAULT_NEWSLETTER),
           "--out", str(services.out), "--script", str(script), "--minutes", "2.3"]  # fmt: skip
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    assert done.returncode == 1
    assert "castwright: error: the script failed the quality gate" in done.stderr
    assert "Ada's comment is wrong-host" in done.stderr and "--script" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert services.runpod.jobs == {}  # no job at all, not even the warm-up
    assert not (services.out / "feed.xml").exists()
    report = next(services.work.glob("episodes/*/script-report.md")).read_text()
    assert "FAILED" in report and "wrong-host" in report
