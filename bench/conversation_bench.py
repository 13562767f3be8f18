"""The conversation bench: how much each example newsletter's script sounds like two people, and
how long the script stage takes per section in each mode.

- skeleton mode (the embedded default): the real script stage with the embedded llama.cpp server
  and SmolLM2 (castwright.clients.factory.open_llm), on each example newsletter with its show;
- conversation mode (production, a capable API model): the real script stage against a local
  OpenAI-compatible server that answers with the recorded capable-model replies of
  tests/data/recorded/ (only examples/newsletter.md has them). Its time per section is castwright's
  own work (two passes' HTTP round trips, the checks), not a model's latency: no capable model
  runs here.

For each: the conversation report (tasks/script/conversation.py) and the gate's verdict.
`python -m bench conversation [--examples=newsletter,energy,pt] [--modes=skeleton,conversation]`
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import yaml

from castwright.clients.factory import open_llm
from castwright.clients.llm import LLMClient
from castwright.core.config import ShowConfig, load_show
from castwright.core.models import Newsletter
from castwright.core.paths import EXAMPLES_DIR, PROJECT_ROOT
from castwright.core.settings import Settings
from tasks.newsletter.stage import load_newsletter
from tasks.script.gate import check_script
from tasks.script.writer import write_script

Figures = dict[str, Any]
RESULTS = Path(__file__).resolve().parent / "results"
EXAMPLES = {
    "newsletter": ("newsletter.md", "show.yaml"),
    "energy": ("newsletter-energy.md", "show.yaml"),
    "pt": ("newsletter-pt.md", "show-pt.yaml"),
}
RECORDED = PROJECT_ROOT / "tests" / "data" / "recorded" / "weekly-signal.yaml"


def _example(name: str) -> tuple[Newsletter, ShowConfig]:
    newsletter, show_file = EXAMPLES[name]
    show = load_show(EXAMPLES_DIR / show_file)
    return load_newsletter(EXAMPLES_DIR / newsletter, show.host_names), show


def _figures(issue: Newsletter, show: ShowConfig, llm: LLMClient, mode: str) -> Figures:
    started = time.perf_counter()
    result = write_script(issue, show, llm, mode=mode)
    wall = time.perf_counter() - started
    report = check_script(issue, result.script, show, result.sections)
    talk = report.conversation
    assert talk is not None
    return {
        "mode": mode, "sections": len(issue.sections), "wall_s": round(wall, 1),
        "s_per_section": round(wall / len(issue.sections), 1),
        "written_as": [m.mode for m in result.sections],
        "stock_share": talk.stock_share, "top_phrase": talk.top_phrase,
        "top_phrase_count": talk.top_phrase_count, "handover_share": talk.handover_share,
        "verbatim_share": talk.verbatim_share, "longest_run_words": talk.longest_run_words,
        "markers_per_100_words": {d.host: d.per_100_words for d in talk.delivery},
        "sections_without_markers": {d.host: d.sections_without for d in talk.delivery},
        "coverage_min": min((c.percent for c in report.coverage), default=100.0),
        "opinions_kept": f"{sum(r.status == 'kept' for r in report.opinions)}/{len(report.opinions)}",
        "estimated_minutes": report.estimated_minutes, "target_minutes": report.target_minutes,
        "gate": "passed" if report.passed else "failed: " + "; ".join(report.failures)[:300],
        "load_avg": os.getloadavg()[0],
    }  # fmt: skip


def _skeleton(name: str, work: Path) -> Figures:
    issue, show = _example(name)
    with open_llm(Settings(), work / "logs") as llm:  # the embedded llama.cpp server
        return _figures(issue, show, llm, "skeleton")


def _conversation(name: str) -> Figures | None:
    """Conversation mode on the recorded replies (examples/newsletter.md only)."""
    if name != "newsletter":
        return None
    from tests.fakes.openai_api import fake_openai, turns_json  # a local OpenAI-compatible server

    recorded = yaml.safe_load(RECORDED.read_text(encoding="utf-8"))["good"]
    issue, show = _example(name)
    ids = {s.title: s.id for s in issue.sections}

    def reply(body: dict[str, Any]) -> str:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        step = "refine" if system.startswith("You edit one section") else "draft"
        title = next(t for t in ids if f": {t}\n" in user or f": {t} (" in user)
        return turns_json(*map(tuple, recorded[ids[title]][step]))

    with fake_openai([], default=reply) as server:
        settings = Settings(llm_base_url=f"{server.base_url}/v1", llm_model="recorded",
                            llm_json_mode="json_schema")  # fmt: skip
        with open_llm(settings, RESULTS / "conversation") as llm:
            return _figures(issue, show, llm, "conversation")


def bench_conversation(*options: str) -> Figures:
    parser = argparse.ArgumentParser(prog="python -m bench conversation")
    parser.add_argument("--examples", default=",".join(EXAMPLES))
    parser.add_argument("--modes", default="skeleton,conversation")
    args = parser.parse_args(list(options))
    work = RESULTS / "conversation"
    work.mkdir(parents=True, exist_ok=True)
    figures: Figures = {}
    for name in args.examples.split(","):
        if "skeleton" in args.modes:
            print(f"-- {name}: skeleton mode (embedded SmolLM2)", flush=True)
            figures[f"{name}/skeleton"] = _skeleton(name, work)
        if "conversation" in args.modes and (found := _conversation(name)):
            figures[f"{name}/conversation"] = found
    return figures


def table(results: dict[str, Figures]) -> list[str]:
    lines = [
        "| example / mode | s per section | stock | top phrase x | after hand-over | verbatim "
        "| longest run | markers /100 words | coverage min | opinions | minutes | gate |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in results.items():
        marks = ", ".join(f"{h} {v}" for h, v in f["markers_per_100_words"].items())
        lines.append(
            f"| {name} | {f['s_per_section']} | {f['stock_share']:.0%} | {f['top_phrase_count']} | "
            f"{f['handover_share']:.0%} | {f['verbatim_share']:.0%} | {f['longest_run_words']} | "
            f"{marks} | {f['coverage_min']:.0f}% | {f['opinions_kept']} | "
            f"{f['estimated_minutes']} of {f['target_minutes']:g} | {f['gate'][:40]} |"
        )
    return lines
