"""The embedded LLM server and TTS worker start with a minimal environment: no secret of
castwright's own environment reaches them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from castwright.clients.local import _child, minimal_env

PARENT = {
    "PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
    "OPENAI_API_KEY": "sk-secret", "RUNPOD_API_KEY": "rp-secret", "AWS_SECRET_ACCESS_KEY": "aws",
    "AWS_ACCESS_KEY_ID": "AKIA", "CASTWRIGHT_LLM_BASE_URL": "https://user:key@llm.example/v1",
    "PREFECT_API_KEY": "pnu_secret", "WORKER_REFERENCE_HOSTS": "cdn.example.com",
}  # fmt: skip


def test_the_gpu_worker_settings_are_passed_on() -> None:
    gpu = {"QWEN3_MODEL_ROOT": "/opt/castwright", "CUDA_VISIBLE_DEVICES": "0"}
    assert minimal_env({**PARENT, **gpu}).items() >= gpu.items()


def test_only_the_basics_and_worker_settings_are_passed_on() -> None:
    env = minimal_env(PARENT, WORKER_ENGINES="piper")
    assert env == {"PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
                   "WORKER_REFERENCE_HOSTS": "cdn.example.com", "WORKER_ENGINES": "piper"}  # fmt: skip


def test_a_child_sees_exactly_that_environment(tmp_path: Path) -> None:
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    with _child([sys.executable, "-c", code], tmp_path / "child.log", minimal_env(PARENT)) as proc:
        proc.wait(timeout=60)
    seen = json.loads((tmp_path / "child.log").read_text())
    assert not {k for k in seen if "KEY" in k or k.startswith(("AWS_", "CASTWRIGHT_", "PREFECT_"))}
