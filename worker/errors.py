"""The worker's exceptions. Only the handler turns them into RunPod's {"error": ...}."""

from __future__ import annotations


class WorkerError(Exception):
    """An expected failure; the message says what is wrong and how to fix it."""

    #: ask RunPod to replace this worker after the job (its state may be unusable)
    refresh_worker: bool = False


class InvalidInputError(WorkerError):
    """The job input does not match the schema, or names something this worker lacks."""


class EngineUnavailableError(WorkerError):
    """The requested engine is unknown, not loaded here, or cannot serve the request."""


class ReferenceAudioError(InvalidInputError):
    """The reference clip cannot be read, fetched or prepared."""


class NoCandidatePassedError(WorkerError):
    """Every candidate failed the clip check."""


class GenerationTimeoutError(WorkerError):
    """Generation ran past the job's absolute time limit."""

    refresh_worker = True  # the stuck generation thread still holds the model
