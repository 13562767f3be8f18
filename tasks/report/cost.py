"""What an episode really cost, across every run that worked on it, priced as the services bill.

The billing model (show file `prices`):
- **LLM**: tokens, prompt and completion at their own price (every call, repairs included).
- **RunPod serverless**: a worker is billed per second from the moment it starts until it stops:
  its **cold start** (container start and model load; measured as the time the run waited for a
  worker), each **job** it runs (RunPod's `executionTime`, else the job's wall time), **warm-up
  jobs** (`prices.warmup_job_s` each) and the **idle timeout** it stays up after its last job
  before scaling down (`prices.idle_timeout_s`, RunPod's default 5 s), once per worker a run used
  (at most `tts.concurrency`). Failed jobs are billed like the rest. Active (always-on) workers
  are billed whether used or not and are not counted here.
- **Storage**: GB-months of the episode's published files (`prices.storage_per_gb_month`).

Where a service ran locally (the embedded llama.cpp server, the embedded worker, the output
folder), nothing is billed: `billed_usd` says so, and the other figures say what the same work
would cost at the configured prices. Where the default prices come from: `Prices` in
castwright/core/config.py and docs/configuration.md.

Each run appends what it spent to `episodes/<slug>/spend.jsonl` (castwright/core/spend.py), so a
run that failed halfway counts as much as the one that finished the episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from castwright.core.config import Prices, ShowConfig, host_voice
from castwright.core.errors import CostCapError
from castwright.core.models import MasteredEpisode, Script
from castwright.core.spend import LLM_KINDS, SpendEntry, read_spend
from castwright.core.store import Store
from tasks.speech.stage import is_stored

SPEND_FILE = "spend.jsonl"


class CostReport(BaseModel):
    """Every figure is at the configured prices (`prices` in the show file), whether or not a
    service billed it; `billed_usd` is what was really billed: nothing for a line spent on an
    embedded local service (`local` names those parts), nor for files in a local folder.

    A job on the local worker ran on a CPU, so its seconds say nothing about a GPU's: it is
    priced as RunPod would bill it, its speech seconds x `prices.gpu_s_per_audio_s`, and each
    run that voiced locally adds the cold start (`prices.cold_start_s`) and warm-up job the
    endpoint would have needed (`local_speech_seconds` and `local_job_seconds` keep what was
    measured)."""

    runs: int
    llm_prompt_tokens: int
    llm_completion_tokens: int
    llm_usd: float
    tts_jobs: int
    job_seconds: float
    warmup_jobs: int
    cold_start_seconds: float
    idle_seconds: float
    billed_gpu_seconds: float
    gpu_usd: float
    storage_bytes: int
    storage_usd_per_month: float
    total_usd: float
    billed_usd: float
    local: list[str]
    local_speech_seconds: float
    local_job_seconds: float


@dataclass(frozen=True)
class _Gpu:
    """GPU seconds of some ledger lines, as RunPod would bill them."""

    jobs: float
    warmups: int
    cold: float
    idle: float

    def total(self, prices: Prices) -> float:
        return self.jobs + self.warmups * prices.warmup_job_s + self.cold + self.idle


def _llm_usd(entries: Sequence[SpendEntry], prices: Prices) -> float:
    prompt = sum(e.prompt_tokens for e in entries)
    completion = sum(e.completion_tokens for e in entries)
    return (prompt * prices.llm_input_per_mtok + completion * prices.llm_output_per_mtok) / 1e6


def _gpu(entries: Sequence[SpendEntry], prices: Prices, concurrency: int) -> _Gpu:
    """Jobs (RunPod's executionTime; a local job: its speech x gpu_s_per_audio_s), warm-ups,
    cold starts (a run that voiced locally: the expected one) and the idle timeout after each
    run's last job, once per worker the run used."""
    jobs = [e for e in entries if e.kind == "tts_job"]
    per_run: dict[str | None, int] = {}
    for job in jobs:
        per_run[job.run] = per_run.get(job.run, 0) + 1
    local_runs = len({e.run for e in jobs if e.local})
    return _Gpu(
        jobs=sum(e.audio_seconds * prices.gpu_s_per_audio_s if e.local else e.seconds
                 for e in jobs),
        warmups=sum(e.kind == "warmup_job" for e in entries) + local_runs,
        cold=sum(e.seconds for e in entries if e.kind == "cold_start")
        + local_runs * prices.cold_start_s,
        idle=sum(min(concurrency, n) for n in per_run.values()) * prices.idle_timeout_s,
    )  # fmt: skip


def _local_parts(entries: Sequence[SpendEntry], storage_local: bool) -> list[str]:
    parts = {"llm" if e.kind in LLM_KINDS else "tts" for e in entries if e.local}
    return sorted(parts) + (["storage"] if storage_local else [])


def price(
    entries: Sequence[SpendEntry], prices: Prices, concurrency: int, storage_bytes: int = 0,
    storage_local: bool = False,
) -> CostReport:  # fmt: skip
    """Price the ledger lines of one run or of every run."""
    llm = _llm_usd(entries, prices)
    gpu = _gpu(entries, prices, concurrency)
    gpu_usd = gpu.total(prices) * prices.gpu_per_hour / 3600
    storage = storage_bytes / 1e9 * prices.storage_per_gb_month
    remote = [e for e in entries if not e.local]
    really = (_llm_usd(remote, prices) + _gpu(remote, prices, concurrency).total(prices)
              * prices.gpu_per_hour / 3600 + (0.0 if storage_local else storage))  # fmt: skip
    local_jobs = [e for e in entries if e.kind == "tts_job" and e.local]
    return CostReport(
        runs=len({e.run for e in entries}), llm_prompt_tokens=sum(e.prompt_tokens for e in entries),
        llm_completion_tokens=sum(e.completion_tokens for e in entries), llm_usd=round(llm, 4),
        tts_jobs=sum(e.kind == "tts_job" for e in entries), job_seconds=round(gpu.jobs, 1),
        warmup_jobs=gpu.warmups, cold_start_seconds=round(gpu.cold, 1),
        idle_seconds=round(gpu.idle, 1), billed_gpu_seconds=round(gpu.total(prices), 1),
        gpu_usd=round(gpu_usd, 4), storage_bytes=storage_bytes,
        storage_usd_per_month=round(storage, 5), total_usd=round(llm + gpu_usd + storage, 4),
        billed_usd=round(really, 4), local=_local_parts(entries, storage_local),
        local_speech_seconds=round(sum(e.audio_seconds for e in local_jobs), 1),
        local_job_seconds=round(sum(e.seconds for e in local_jobs), 1),
    )  # fmt: skip


def episode_cost(
    episode_dir: Path, run_id: str | None, show: ShowConfig, storage_bytes: int = 0,
    storage_local: bool = False,
) -> tuple[CostReport, CostReport]:  # fmt: skip
    """(this run, the whole episode across its runs); `storage_local`: the files are published
    to a local folder, which nobody bills."""
    entries = read_spend(episode_dir / SPEND_FILE)
    mine = [e for e in entries if e.run == run_id]
    concurrency = show.tts.concurrency
    return price(mine, show.prices, concurrency), price(
        entries, show.prices, concurrency, storage_bytes, storage_local
    )


def _parts(cost: CostReport, prices: Prices) -> str:
    """What a figure is made of: GPU seconds (jobs, cold start, idle) and LLM tokens."""
    jobs = f"jobs {cost.job_seconds:.1f} s"
    if cost.local_speech_seconds:
        jobs += (f" ({cost.local_speech_seconds:.1f} s of speech x {prices.gpu_s_per_audio_s:g} "
                 "GPU s per speech s; the local worker's CPU time is not a GPU's)")  # fmt: skip
    gpu = (f"GPU {cost.billed_gpu_seconds:.1f} s = {jobs} + cold start "
           f"{cost.cold_start_seconds:.1f} s + idle {cost.idle_seconds:.1f} s + "
           f"{cost.warmup_jobs} warm-up job(s) of {prices.warmup_job_s:g} s, at "
           f"${prices.gpu_per_hour:g}/h: ${cost.gpu_usd:.4f}")  # fmt: skip
    llm = (f"LLM {cost.llm_prompt_tokens:,} + {cost.llm_completion_tokens:,} tokens at "
           f"{prices.llm_model}'s ${prices.llm_input_per_mtok:g} / ${prices.llm_output_per_mtok:g} "
           f"per million: ${cost.llm_usd:.4f}")  # fmt: skip
    storage = f"storage ${cost.storage_usd_per_month:.5f}/month" if cost.storage_bytes else ""
    return "; ".join(p for p in (gpu, llm, storage) if p)


_LOCAL_NAMES = {"llm": "the embedded LLM", "tts": "the embedded TTS worker",
                "storage": "the local output folder"}  # fmt: skip


def cost_line(run: CostReport, episode: CostReport, prices: Prices) -> str:
    """The run's cost as a person should read it: what was billed, and, where services ran
    locally, what the episode would cost at the configured prices, with its parts."""
    runs = f"{episode.runs} run(s)"
    if episode.local and episode.billed_usd == 0:
        head = ("cost: $0 (local); at the configured RunPod prices this episode would cost "
                f"${episode.total_usd:.4f} over {runs}")  # fmt: skip
    elif episode.local:
        free = ", ".join(_LOCAL_NAMES[p] for p in episode.local)
        head = (f"cost: ${run.billed_usd:.4f} billed this run, ${episode.billed_usd:.4f} for the "
                f"episode over {runs} (not billed: {free}); at the configured prices the episode "
                f"would cost ${episode.total_usd:.4f}")  # fmt: skip
    else:
        head = (f"cost: ${run.total_usd:.4f} this run; ${episode.total_usd:.4f} for the episode "
                f"over {runs}")  # fmt: skip
    return f"{head}: {_parts(episode, prices)} (prices: the show file's `prices`)"


def published_bytes(mastered: MasteredEpisode) -> int:
    """The size of the episode's files in storage: the MP3, transcripts and chapters."""
    files = [mastered.mp3, mastered.transcript_vtt, mastered.transcript_srt, mastered.chapters_json]
    return sum(p.stat().st_size for p in files if p is not None and p.is_file())


def estimate_run_usd(
    script: Script, show: ShowConfig, store: Store, spent: Sequence[SpendEntry]
) -> float:
    """Before any TTS: what this run has spent (LLM) plus what voicing the turns not yet stored
    will cost (speech seconds x GPU seconds per speech second, a cold start, warm-up, idle)."""
    voices = {h.name: host_voice(show, h) for h in show.hosts}
    todo = [t for t in script.turns if not is_stored(t, voices[t.speaker], show.tts, store)]
    so_far = price(spent, show.prices, show.tts.concurrency).total_usd
    if not todo:
        return so_far
    speech_s = sum(len(t.text.split()) for t in todo) / show.script.words_per_minute * 60
    p = show.prices
    gpu_s = (speech_s * p.gpu_s_per_audio_s + p.cold_start_s + p.warmup_job_s
             + min(show.tts.concurrency, len(todo)) * p.idle_timeout_s)  # fmt: skip
    return round(so_far + gpu_s * p.gpu_per_hour / 3600, 4)


def check_cost_cap(
    script: Script, show: ShowConfig, store: Store, spent: Sequence[SpendEntry]
) -> float:
    """Raise before any TTS when the run's estimate is over `prices.max_run_usd`."""
    estimate = estimate_run_usd(script, show, store, spent)
    cap = show.prices.max_run_usd
    if cap is not None and estimate > cap:
        raise CostCapError(
            f"this run would cost about ${estimate:.4f}, over the show's cap of ${cap:.4f} "
            "(prices.max_run_usd); nothing was voiced. Raise the cap, shorten the episode "
            "(script.target_minutes), or voice an edited, shorter script with --script"
        )
    return estimate


def cost_markdown(run: CostReport, episode: CostReport) -> str:
    rows = [
        ("LLM tokens (prompt + completion)",
         f"{run.llm_prompt_tokens} + {run.llm_completion_tokens}",
         f"{episode.llm_prompt_tokens} + {episode.llm_completion_tokens}"),
        ("LLM USD", f"{run.llm_usd:.4f}", f"{episode.llm_usd:.4f}"),
        ("TTS jobs (s)", f"{run.tts_jobs} ({run.job_seconds:.1f})",
         f"{episode.tts_jobs} ({episode.job_seconds:.1f})"),
        ("warm-up jobs", str(run.warmup_jobs), str(episode.warmup_jobs)),
        ("cold start s", f"{run.cold_start_seconds:.1f}", f"{episode.cold_start_seconds:.1f}"),
        ("idle s", f"{run.idle_seconds:.1f}", f"{episode.idle_seconds:.1f}"),
        ("billed GPU s", f"{run.billed_gpu_seconds:.1f}", f"{episode.billed_gpu_seconds:.1f}"),
        ("GPU USD", f"{run.gpu_usd:.4f}", f"{episode.gpu_usd:.4f}"),
        ("storage USD / month", "", f"{episode.storage_usd_per_month:.5f}"),
        ("total USD at the configured prices", f"{run.total_usd:.4f}", f"{episode.total_usd:.4f}"),
        ("billed USD", f"{run.billed_usd:.4f}", f"{episode.billed_usd:.4f}"),
        ("ran locally (not billed)", ", ".join(run.local) or "-", ", ".join(episode.local) or "-"),
    ]  # fmt: skip
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    return (f"# Cost\n\n| item | this run | episode ({episode.runs} run(s)) |\n|---|---|---|\n"
            f"{table}\n\nBilling model: tasks/report/cost.py.\n")  # fmt: skip
