"""Engines by name. Real engines and test engines register through the same door:

    registry = default_registry()
    registry.register("flaky", lambda settings: FlakyEngine())
    engines = registry.load(["flaky"], settings)

Factories import their heavy modules only when called, so building a registry is cheap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from worker.engines.base import Engine, SamplingParams, SynthesisRequest
from worker.errors import EngineUnavailableError
from worker.settings import WorkerSettings

__all__ = [
    "Engine",
    "EngineFactory",
    "EngineRegistry",
    "SamplingParams",
    "SynthesisRequest",
    "default_registry",
]

log = logging.getLogger(__name__)

EngineFactory = Callable[[WorkerSettings], Engine]


class EngineRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, EngineFactory] = {}

    def register(self, name: str, factory: EngineFactory) -> None:
        self._factories[name] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def load(self, names: Iterable[str], settings: WorkerSettings) -> dict[str, Engine]:
        """Build each named engine once, logging its load time."""
        engines: dict[str, Engine] = {}
        for name in names:
            if name not in self._factories:
                raise EngineUnavailableError(
                    f"WORKER_ENGINES: unknown engine {name!r}; known: {', '.join(self.names())}"
                )
            started = time.perf_counter()
            engines[name] = self._factories[name](settings)
            log.info("engine %s loaded in %.2f s", name, time.perf_counter() - started)
        return engines


def _piper(settings: WorkerSettings) -> Engine:
    from worker.engines.piper import PiperEngine

    return PiperEngine(voice_dir=settings.piper_voice_dir)


def _kokoro(settings: WorkerSettings) -> Engine:
    from worker.engines.kokoro import KokoroEngine

    return KokoroEngine(cache_dir=settings.kokoro_cache)


def _qwen3(settings: WorkerSettings) -> Engine:
    from worker.engines.qwen3 import load_qwen3_engine

    return load_qwen3_engine(
        settings.qwen3_models, settings.voices_dir, settings.qwen3_attn,
        settings.qwen3_dtype, settings.qwen3_clear_cache_s,
    )  # fmt: skip


def default_registry() -> EngineRegistry:
    registry = EngineRegistry()
    registry.register("piper", _piper)
    registry.register("kokoro", _kokoro)
    registry.register("qwen3", _qwen3)
    return registry
