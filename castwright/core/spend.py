"""What an episode's runs spent, as it happens: one JSON line per LLM call, TTS job, warm-up job
and cold start, appended to `episodes/<slug>/spend.jsonl` (every run of the episode, also a failed
one, adds its lines). The clients report into the run's `SpendMeter`; `tasks/report/cost.py`
prices the lines. Nothing here is an estimate: seconds are RunPod's `executionTime` when the
endpoint reports it, else the job's wall time seen by the client.

A line spent on an embedded, local service (the llama.cpp server, the local worker) is marked
`local`: nobody bills it, and the cost report prices it only as what it would have cost.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["llm_call", "tts_job", "warmup_job", "cold_start"]
LLM_KINDS: frozenset[Kind] = frozenset({"llm_call"})


class SpendEntry(BaseModel):
    run: str | None = None
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    kind: Kind
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    audio_seconds: float = 0.0  # speech a TTS job returned (prices a local job as a GPU one)
    local: bool = False  # spent on an embedded local service: not billed


class SpendMeter:
    """Thread-safe. Lines recorded before `attach` (the episode is not known yet) are kept and
    written when it is. `local_llm` / `local_tts`: that service is the embedded local one, so its
    lines are marked `local`."""

    def __init__(self, local_llm: bool = False, local_tts: bool = False) -> None:
        self._local_llm, self._local_tts = local_llm, local_tts
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._run: str | None = None
        self._pending: list[SpendEntry] = []

    def attach(self, path: Path, run_id: str | None) -> None:
        with self._lock:
            self._path, self._run = path, run_id
            pending, self._pending = self._pending, []
        for entry in pending:
            self._write(path, entry.model_copy(update={"run": run_id}))

    def add(self, kind: Kind, seconds: float = 0.0, prompt_tokens: int = 0,
            completion_tokens: int = 0, audio_seconds: float = 0.0) -> None:  # fmt: skip
        local = self._local_llm if kind in LLM_KINDS else self._local_tts
        entry = SpendEntry(run=self._run, kind=kind, seconds=round(seconds, 3), local=local,
                           prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                           audio_seconds=round(audio_seconds, 3))  # fmt: skip
        with self._lock:
            path = self._path
            if path is None:
                self._pending.append(entry)
                return
        self._write(path, entry)

    def _write(self, path: Path, entry: SpendEntry) -> None:
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(entry.model_dump_json() + "\n")

    @property
    def run_id(self) -> str | None:
        return self._run


def read_spend(path: Path) -> list[SpendEntry]:
    """Every line of an episode's ledger (a line cut short by a killed process is skipped)."""
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(SpendEntry.model_validate_json(line))
        except ValueError:
            continue  # only the last line of a killed run can be partial
    return entries
