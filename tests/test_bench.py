"""The benchmarks still fit the code they measure (two once did not: the mastering bench crashed
after the store joined the master's signature, the rerun bench's script was refused by the script
gate). The mastering bench runs here (a short one); the rerun bench's show is loaded and checked.

Figures only: nothing here is timed; a bench's own output is checked for a real result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.rerun_bench import _ungated_show
from castwright.core.config import load_show
from castwright.core.paths import DEFAULT_SHOW, PROJECT_ROOT


def test_the_mastering_bench_masters_its_clips(tmp_path: Path) -> None:
    results = tmp_path / "master.json"
    cmd = [sys.executable, str(PROJECT_ROOT / "bench" / "master_bench.py"), "--minutes", "0.3",
           "--results", str(results)]  # fmt: skip
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(results.read_text().splitlines()[-1])
    assert record["clips"] > 0 and record["master_s"] > 0 and record["plain_encode_s"] > 0
    assert abs(record["integrated_lufs"] - -14.0) <= 1.0
    assert record["true_peak_dbtp"] <= -1.0


def test_the_rerun_bench_show_is_the_example_with_its_gate_open(tmp_path: Path) -> None:
    show = load_show(_ungated_show(DEFAULT_SHOW, tmp_path / "show.yaml"))
    example = load_show(DEFAULT_SHOW)
    gate = show.script.gate
    assert (gate.min_coverage, gate.opinions_kept, gate.allow_repeats) == (0, False, True)
    assert show.hosts == example.hosts and show.cover == example.cover


def test_the_conversation_bench_reports_conversation_mode_on_the_recorded_replies() -> None:
    from bench.conversation_bench import bench_conversation, table

    figures = bench_conversation("--modes=conversation", "--examples=newsletter")
    result = figures["newsletter/conversation"]
    assert result["written_as"] == ["conversation"] * 4 and result["gate"] == "passed"
    assert result["verbatim_share"] <= 0.2 and result["stock_share"] <= 0.1
    assert table(figures)[2].startswith("| newsletter/conversation |")
