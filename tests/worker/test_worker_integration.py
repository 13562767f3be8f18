"""Real engines and real Whisper through `handler()`, and the SDK's local API in a process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.worker.worker_testkit import REPO_ROOT, decode_output_audio, median_pitch_hz
from worker.engines.kokoro import KokoroEngine
from worker.engines.piper import PiperEngine
from worker.handler import handler, install
from worker.runtime import Worker
from worker.scoring import ClipChecker

LINE = "Good morning, and welcome to this week's episode."


@pytest.fixture(scope="module")
def outputs(
    piper_engine: PiperEngine, kokoro_engine: KokoroEngine, checker: ClipChecker
) -> dict[str, dict[str, Any]]:
    install(Worker({"piper": piper_engine, "kokoro": kokoro_engine}, checker))
    return {
        engine: handler({"id": f"it-{engine}", "input": {"text": LINE, "engine": engine}})
        for engine in ("piper", "kokoro")
    }


@pytest.mark.parametrize(("engine", "sample_rate"), [("piper", 22_050), ("kokoro", 24_000)])
def test_real_engine_passes_the_check(
    outputs: dict[str, dict[str, Any]], engine: str, sample_rate: int
) -> None:
    out = outputs[engine]
    assert "error" not in out, out
    assert out["score"] >= 75.0, out["transcript"]
    assert out["sample_rate"] == sample_rate
    samples, sr = decode_output_audio(out["audio_base64"])
    assert sr == sample_rate and samples.ndim == 1
    assert out["duration_s"] == pytest.approx(samples.size / sr, abs=1e-3)
    assert 1.5 < out["duration_s"] < 6.0  # 8 words, ~3 s
    assert out["metadata"]["engine"] == engine and out["metadata"]["attempts"] == 1


def test_the_two_voices_differ_in_pitch(outputs: dict[str, dict[str, Any]]) -> None:
    joe = median_pitch_hz(*decode_output_audio(outputs["piper"]["audio_base64"]))
    alpha = median_pitch_hz(*decode_output_audio(outputs["kokoro"]["audio_base64"]))
    assert 70 < joe < 160, joe  # a male voice
    assert alpha > 1.4 * joe, (joe, alpha)  # a clearly higher (female) voice


# --- the runpod SDK's local API, as the main app's client sees it --------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


@pytest.fixture(scope="module")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log_path = tmp_path_factory.mktemp("local-api") / "worker.log"
    env = {**os.environ, "WORKER_ENGINES": "piper", "WORKER_WARMUP": "0"}
    command = [sys.executable, "-m", "worker.handler", "--rp_serve_api"]
    command += ["--rp_api_host", "127.0.0.1", "--rp_api_port", str(port)]
    log_file = log_path.open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(f"{base}/docs", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        if process.poll() is not None:
            pytest.fail(f"worker exited at start: {log_path.read_text()[-2000:]}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log_file.close()


def test_local_api_runsync_completes_and_fails_in_runpod_shapes(local_api: str) -> None:
    done = _post(f"{local_api}/runsync", {"input": {"text": LINE, "engine": "piper"}})
    assert done["status"] == "COMPLETED" and done["id"]
    assert done["output"]["score"] >= 75.0 and done["output"]["sample_rate"] == 22_050
    failed = _post(f"{local_api}/runsync", {"input": {"text": LINE, "engine": "kokoro"}})
    assert failed["status"] == "FAILED"
    error = json.loads(failed["error"])
    assert error["code"] == "engine_unavailable"
    assert "engine: 'kokoro' is not loaded in this worker (loaded: piper)" in error["message"]
    invalid = _post(
        f"{local_api}/runsync", {"input": {"text": LINE, "engine": "piper", "speed": 7}}
    )
    assert invalid["status"] == "FAILED" and "speed: " in json.loads(invalid["error"])["message"]
