"""Fakes of the network services that cannot run here (OpenAI, RunPod's cloud), wired in through
the same environment variables production uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from castwright.core.paths import DEFAULT_SHOW
from tests.fakes.audio import speech_output
from tests.fakes.http import FakeServer
from tests.fakes.openai_api import fake_openai, gap_filler
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.prefect_server import PrefectServer
from tests.flows.prefect_server import prefect_server as start_prefect_server

DUMMY_OPENAI_KEY = "sk-DUMMY-openai-7f3e9a"
DUMMY_RUNPOD_KEY = "rp-DUMMY-runpod-51c2d8"


def lenient_show(folder: Path) -> Path:
    """The example show with its script gate relaxed, for tests that voice a few hand-made turns
    (the gate itself is tested on whole scripts in tests/script/test_gate.py and test_gate_flow)."""
    show = yaml.safe_load(DEFAULT_SHOW.read_text(encoding="utf-8"))
    show["cover"] = str((DEFAULT_SHOW.parent / show["cover"]).resolve())
    show["script"]["gate"] = {"min_coverage": 0, "opinions_kept": False, "max_length_error": 10,
                              "allow_labels": True, "allow_repeats": True}  # fmt: skip
    path = folder / "lenient-show.yaml"
    path.write_text(yaml.safe_dump(show, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Services:
    runpod: FakeRunPod
    runpod_server: FakeServer
    llm_server: FakeServer
    work: Path
    out: Path


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Services]:
    fake = FakeRunPod(output=speech_output, api_key=DUMMY_RUNPOD_KEY)
    with fake_runpod(fake) as runpod_server, fake_openai([], default=gap_filler) as llm_server:
        env = {
            "CASTWRIGHT_TTS_URL": runpod_server.base_url, "RUNPOD_API_KEY": DUMMY_RUNPOD_KEY,
            "CASTWRIGHT_LLM_BASE_URL": f"{llm_server.base_url}/v1", "OPENAI_API_KEY": DUMMY_OPENAI_KEY,
            "CASTWRIGHT_LLM_MODEL": "fake-model", "CASTWRIGHT_WORK_DIR": str(tmp_path / "work"),
            "CASTWRIGHT_PUBLIC_BASE_URL": "http://127.0.0.1:8000/",
        }  # fmt: skip
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield Services(fake, runpod_server, llm_server, tmp_path / "work", tmp_path / "public")


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[PrefectServer]:
    """A real `prefect server start` for one test; its log must have no ERROR line at the end."""
    with start_prefect_server(tmp_path) as server:
        yield server
