"""The streaming job mode through the runpod SDK's own local API (`--rp_serve_api`), read by the
same client code that reads RunPod: the SDK runs the generator to its end, then POST
/stream/{id} answers with every item, and /runsync with the aggregated list."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import soundfile as sf

from castwright.clients.local import free_port
from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.errors import ServiceError

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Three open speech models shipped this week. Two of them run on a laptop."


@pytest.fixture(scope="module")
def sdk_local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("sdk-stream") / "worker.log"
    env = {**os.environ, "WORKER_ENGINES": "piper", "WORKER_WARMUP": "0"}
    cmd = [sys.executable, "-m", "worker.streaming", "--rp_serve_api", "--rp_api_host",
           "127.0.0.1", "--rp_api_port", str(port)]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
        try:
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    httpx.get(f"{base}/docs", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.25)
            if proc.poll() is not None or time.monotonic() >= deadline:
                pytest.fail(f"the streaming worker did not start: {log_path.read_text()[-2000:]}")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_sdk_local_api_streams_through_the_runpod_client(sdk_local_api: str) -> None:
    client = RunPodClient(sdk_local_api, local=True, policy=JobPolicy(stream_poll_s=0.05))
    *audio, done = list(client.stream({"text": TEXT, "engine": "piper"}))
    assert done["done"] is True and done["pieces"] == len(audio) >= 3
    assert audio[0]["text"] == "Three open speech models"
    for item in audio:
        samples, sr = sf.read(io.BytesIO(base64.b64decode(item["audio_base64"])))
        assert sr == item["sample_rate"] == 22_050 and len(samples) > 0


def test_the_sdk_local_api_aggregates_runsync_and_reports_errors(sdk_local_api: str) -> None:
    body = {"input": {"text": TEXT, "engine": "piper", "first_chunk_chars": 100}}
    answer = httpx.post(f"{sdk_local_api}/runsync", json=body, timeout=120).json()
    assert answer["status"] == "COMPLETED" and isinstance(answer["output"], list)
    assert answer["output"][-1]["done"] is True and answer["output"][0]["index"] == 0
    client = RunPodClient(sdk_local_api, local=True, policy=JobPolicy(stream_poll_s=0.05))
    with pytest.raises(ServiceError, match="'kokoro' is not loaded in this worker"):
        list(client.stream({"text": TEXT, "engine": "kokoro"}))
