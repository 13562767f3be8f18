"""Real models for the worker tests, loaded once per test session (they are read-only)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.worker.worker_testkit import REPO_ROOT, SENTENCE
from worker.engines.base import SynthesisRequest
from worker.engines.kokoro import KokoroEngine
from worker.engines.piper import PiperEngine
from worker.scoring import ClipChecker
from worker.settings import WorkerSettings
from worker.transcribe import WhisperTranscriber


@pytest.fixture(scope="session")
def settings() -> WorkerSettings:
    return WorkerSettings.from_env(env={}, cwd=REPO_ROOT)


@pytest.fixture(scope="session")
def whisper() -> WhisperTranscriber:
    return WhisperTranscriber.load()


@pytest.fixture(scope="session")
def whisper_base_model(tmp_path_factory: pytest.TempPathFactory) -> WhisperTranscriber:
    """Whisper base, assembled from its two PyPI packages (the multilingual model)."""
    return WhisperTranscriber.load_multilingual(None, tmp_path_factory.mktemp("whisper"), "cpu")


@pytest.fixture(scope="session")
def checker(whisper: WhisperTranscriber) -> ClipChecker:
    return ClipChecker(whisper)


@pytest.fixture(scope="session")
def piper_engine(settings: WorkerSettings) -> PiperEngine:
    return PiperEngine(voice_dir=settings.piper_voice_dir)


@pytest.fixture(scope="session")
def kokoro_engine(settings: WorkerSettings) -> KokoroEngine:
    return KokoroEngine(cache_dir=settings.kokoro_cache)


@pytest.fixture(scope="session")
def piper_clip(piper_engine: PiperEngine) -> tuple[np.ndarray, int]:
    """Real speech for SENTENCE, for test engines that need a good clip."""
    return piper_engine.synthesize(SynthesisRequest(text=SENTENCE, language="en"))
