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


def test_the_corpus_bench_runs_every_corpus_document_on_its_languages_example_show() -> None:
    import yaml

    from bench.document_bench import _refusal, corpus_table

    corpus = PROJECT_ROOT / "tests" / "fixtures" / "realworld"
    documents = yaml.safe_load((corpus / "sources.yaml").read_text())["documents"]
    assert all((corpus / d["file"]).is_file() for d in documents)
    assert {d["language"] for d in documents} <= {"en", "pt-BR"}  # an example show for each
    log = "11:00:01 INFO    selection: told 3 of 8 sections\ncastwright: error: script gate refused it\n"
    assert _refusal(log) == "castwright: error: script gate refused it"
    rows = {"documents": [{"doc": "a.md", "format": "markdown", "selection": "told 3 of 8 sections",
                           "wall_s": 300.0, "refusal": "castwright: error: x"}]}  # fmt: skip
    assert (
        corpus_table(rows)[-1]
        == "| a.md | markdown | told 3 of 8 sections | 5.0 min | - | refused: castwright: error: x |"
    )
