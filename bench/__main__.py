"""castwright's benchmarks: `uv run python -m bench [orchestration|mastering|rerun|script|conversation|ttfa ...]`.

A bench's own options follow its name in `--name=value` form: `python -m bench script --sections=2`.

Figures only, never pass/fail. Each bench prints its figures and all are written to
bench/results/latest.json and latest.md (the README quotes the latter).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

Figures = dict[str, Any]


@contextmanager
def env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _script(turns: int, words: int = 18) -> Any:
    from castwright.core.models import Script, Turn

    return Script(turns=[
        Turn(id=f"t{i:03d}", speaker=("Ada", "Marvin")[i % 2], section="s1",
             text=" ".join(f"word{i}x{j}" for j in range(words)) + ".")
        for i in range(1, turns + 1)
    ])  # fmt: skip


def _orchestrate(turns: int, workers: int, scale: float) -> Figures:
    from prefect import flow
    from prefect.task_runners import ThreadPoolTaskRunner

    from bench.sim_runpod import SimEndpoint, serve
    from castwright.clients.factory import open_clients
    from castwright.core.config import load_show
    from castwright.core.paths import DEFAULT_SHOW
    from castwright.core.settings import settings_from_env
    from castwright.core.store import Store
    from tasks.speech.stage import voice_stage

    sim = SimEndpoint(workers=workers, scale=scale)
    show, script = load_show(DEFAULT_SHOW), _script(turns)
    with serve(sim) as server, tempfile.TemporaryDirectory() as work, env(
        CASTWRIGHT_TTS_URL=server.base_url, RUNPOD_API_KEY=sim.api_key, CASTWRIGHT_WORK_DIR=work,
        CASTWRIGHT_TTS_POLL_S=str(2.0 / scale),
    ):  # fmt: skip

        @flow(task_runner=ThreadPoolTaskRunner(max_workers=20))  # type: ignore[arg-type]
        def voices() -> int:
            settings = settings_from_env()
            with open_clients(settings, Path(work)) as clients:
                return len(voice_stage(script, show, clients, Store(settings.work_dir), []))

        sim.started = time.monotonic()
        real = time.perf_counter()
        voices()
        real = time.perf_counter() - real
    jobs = list(sim.jobs.values())[1:] if len(sim.jobs) > turns else list(sim.jobs.values())
    total = sum(j["service"] for j in jobs)
    lower = sim.cold_start[0] + max(max(j["service"] for j in jobs), total / workers)
    makespan = max(j["end"] for j in jobs) - min(j["submitted"] for j in jobs)
    observed = real * scale
    return {
        "turns": turns, "workers": workers, "time_scale": scale,
        "gpu_seconds_total": round(total, 1), "simulated_makespan_s": round(makespan, 1),
        "observed_makespan_s": round(observed, 1), "lower_bound_s": round(lower, 1),
        "ratio_observed_to_bound": round(observed / lower, 2),
        "orchestration_overhead_ms_per_turn": round(1000 * max(0.0, real - makespan / scale) / turns, 1),
    }  # fmt: skip


def bench_orchestration() -> Figures:
    """300 turns on a simulated endpoint: 20 workers in real time, and 5 (time x4) to show the cap.

    The time scale speeds up the simulated GPU work only; Prefect's own per-task cost stays real,
    so scaled runs overstate orchestration overhead. 20 workers run unscaled (about 2 minutes)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        return {"w20": _orchestrate(300, 20, 1.0), "w5": _orchestrate(300, 5, 4.0)}


def bench_mastering(minutes: float = 30.0) -> Figures:
    """Mastering 30 minutes of speech-like clips against one plain MP3 encode (bench/master_bench.py)."""
    cmd = [sys.executable, str(BENCH / "master_bench.py"), "--minutes", str(minutes)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    last = (RESULTS / "master.json").read_text().strip().splitlines()[-1]
    data = json.loads(last)
    keys = (
        "joined_minutes",
        "master_s",
        "plain_encode_s",
        "ratio",
        "integrated_lufs",
        "true_peak_dbtp",
    )
    return {k: data[k] for k in keys}


def bench_rerun() -> Figures:
    """The embedded pipeline on a scripted episode: first run, unchanged rerun, one edited turn
    (bench/rerun_bench.py)."""
    from bench.rerun_bench import bench_rerun as run

    return run()


def bench_script(*options: str) -> Figures:
    """Each installed small GGUF model writing the example's script (bench/script_bench.py)."""
    from bench.script_bench import bench_script as run

    return run(*options)


def bench_conversation(*options: str) -> Figures:
    """How each example's script sounds, per mode, and its time per section
    (bench/conversation_bench.py)."""
    from bench.conversation_bench import bench_conversation as run

    return run(*options)


def bench_ttfa(*options: str) -> Figures:
    """Time to first audio and to playback of `castwright listen` (bench/ttfa_bench.py)."""
    from bench.ttfa_bench import bench_ttfa as run

    return run(*options)


def bench_document(*options: str) -> Figures:
    """A real document end to end on the CPU defaults (bench/document_bench.py)."""
    from bench.document_bench import bench_document as run

    return run(*options)


def bench_corpus(*options: str) -> Figures:
    """Each real-world corpus document end to end on its example show (bench/document_bench.py)."""
    from bench.document_bench import bench_corpus as run

    return run(*options)


BENCHES: dict[str, Callable[..., Figures]] = {
    "orchestration": bench_orchestration,
    "mastering": bench_mastering,
    "rerun": bench_rerun,
    "script": bench_script,
    "conversation": bench_conversation,
    "ttfa": bench_ttfa,
    "document": bench_document,
    "corpus": bench_corpus,
}
ON_REQUEST = {"document", "corpus"}  # a 30-minute episode: only when named
MERGED_BY_KEY = {
    "script",
    "conversation",
}  # a run of some models updates only those models' figures


def summary(results: dict[str, Figures]) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores ({platform.machine()}), no GPU.",
        "",
    ]
    if "orchestration" in results:
        lines += [
            "| orchestration (simulated RunPod, 300 turns) | makespan | lower bound | ratio |",
            "|---|---|---|---|",
        ]
        for o in results["orchestration"].values():
            lines.append(
                f"| {o['workers']} workers | {o['observed_makespan_s']:.0f} s | {o['lower_bound_s']:.0f} s | {o['ratio_observed_to_bound']} |"
            )
        lines.append("")
    if "mastering" in results:
        m = results["mastering"]
        lines += [f"Mastering {m['joined_minutes']:.0f} min of speech: {m['master_s']} s vs one plain MP3 encode "
                  f"{m['plain_encode_s']} s (ratio {m['ratio']}); result {m['integrated_lufs']} LUFS, "
                  f"{m['true_peak_dbtp']} dBTP.", ""]  # fmt: skip
    if "rerun" in results:
        lines += ["| embedded pipeline, scripted episode | wall s | clips voiced | audio min | wall s per audio min | by stage (s) |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for label, r in results["rerun"].items():
            stages = ", ".join(f"{k} {v}" for k, v in r["stage_s"].items())
            lines.append(
                f"| {label} | {r['wall_s']} | {r['clips_synthesized']} | {r['audio_min']} | {r['wall_s_per_audio_min']} | {stages} |"
            )
        first = results["rerun"]["first"]
        lines += [
            "",
            f"Voices stage wall time / engine time (synthesis + Whisper check): {first['voices_wall_to_engine']}; "
            f"{first.get('voices_wall_to_engine_after_start', '-')} without the embedded worker's "
            f"start ({first.get('worker_start_s', '-')} s).",
        ]
    if results.get("script"):
        from bench.script_bench import table

        lines += ["", "Script stage on the example newsletter, per model (wall time includes both LLM "
                  "passes; tok/s = completion tokens / wall time):", "", *table(results["script"])]  # fmt: skip
    if results.get("conversation"):
        from bench.conversation_bench import table as talk_table

        lines += ["", "How each example's script sounds (the conversation report), per mode; "
                  "conversation mode runs on recorded capable-model replies, so its seconds are "
                  "castwright's own work, not a model's:", "", *talk_table(results["conversation"])]  # fmt: skip
    if results.get("corpus"):
        from bench.document_bench import corpus_table

        lines += ["", "The real-world corpus end to end, each document on its example show:", "",
                  *corpus_table(results["corpus"])]  # fmt: skip
    if results.get("ttfa"):
        from bench.ttfa_bench import table as ttfa_table

        lines += ["", *ttfa_table(results["ttfa"])]
    return "\n".join(lines) + "\n"


def parse(argv: list[str]) -> list[tuple[str, list[str]]]:
    """Bench names, each with the `--option=value` arguments that follow it."""
    chosen: list[tuple[str, list[str]]] = []
    for arg in argv:
        if arg.startswith("-") and chosen:
            chosen[-1][1].append(arg)
        elif arg in BENCHES:
            chosen.append((arg, []))
        else:
            sys.exit(f"unknown bench {arg!r}; choose from {', '.join(BENCHES)}")
    return chosen


def main(argv: list[str]) -> None:
    chosen = parse(argv) if argv else [(n, []) for n in BENCHES if n not in ON_REQUEST]
    results: dict[str, Figures] = {}
    for name, options in chosen:
        doc = BENCHES[name].__doc__ or ""
        print(f"== {name}: {doc.splitlines()[0] if doc else ''}", flush=True)
        results[name] = BENCHES[name](*options)
        print(json.dumps(results[name], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    latest = RESULTS / "latest.json"
    if argv and latest.is_file():  # a partial run updates the figures it measured
        previous = json.loads(latest.read_text())
        for name in MERGED_BY_KEY & results.keys() & previous.keys():
            results[name] = {**previous[name], **results[name]}
        results = {**previous, **results}
    latest.write_text(json.dumps(results, indent=1))
    text = summary(results)
    (RESULTS / "latest.md").write_text(text)
    print("\n" + text)


if __name__ == "__main__":
    main(sys.argv[1:])
