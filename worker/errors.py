"""The worker's exceptions. Only the handler turns them into RunPod's {"error": ...}.

Each carries a stable `code` and optional machine-readable `details`; the handler sends them as
the error string, JSON-encoded: {"code": ..., "message": ..., **details} (see worker/README.md).
"""

from __future__ import annotations

from typing import Any


class WorkerError(Exception):
    """An expected failure; the message says what is wrong and how to fix it."""

    code: str = "worker_error"
    #: ask RunPod to replace this worker after the job (its state may be unusable)
    refresh_worker: bool = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = details

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self), **self.details}


class InvalidInputError(WorkerError):
    """The job input does not match the schema, or names something this worker lacks."""

    code = "invalid_input"


class EngineUnavailableError(WorkerError):
    """The requested engine is unknown, not loaded here, or cannot serve the request."""

    code = "engine_unavailable"


class ReferenceAudioError(InvalidInputError):
    """The reference clip cannot be read, fetched or prepared."""

    code = "reference_audio_invalid"


class NoCandidatePassedError(WorkerError):
    """Every candidate failed the clip check (its words, or its voice)."""

    code = "clip_check_failed"


class GenerationTimeoutError(WorkerError):
    """Generation ran past the job's absolute time limit."""

    code = "generation_timeout"
    refresh_worker = True  # the stuck generation thread still holds the model
