"""castwright's exceptions. Each message says what is wrong and how to fix it."""


class CastwrightError(Exception):
    """Base class: a failure with a message meant for the operator."""


class ConfigError(CastwrightError):
    """A show file, voice profile or setting is missing or invalid."""


class NewsletterError(CastwrightError):
    """The newsletter cannot be read or holds nothing to make an episode from."""


class ScriptError(CastwrightError):
    """The LLM did not produce a valid script, even after repair attempts."""


class ScriptGateError(ScriptError):
    """The script failed the quality gate; nothing was voiced."""


class ServiceError(CastwrightError):
    """An external service (LLM server, TTS endpoint) failed or cannot be reached."""


class TransientServiceError(ServiceError):
    """A fault worth retrying: timeout, HTTP 429/5xx, a crashed worker."""


class SynthesisError(CastwrightError):
    """A turn could not be voiced with an acceptable clip."""


class ClipCheckFailedError(SynthesisError):
    """The worker voiced the turn but no clip passed its check (worker error code
    `clip_check_failed`); `details` holds the worker's figures (best_score, transcript, ...)."""

    def __init__(self, message: str, details: dict[str, object]) -> None:
        super().__init__(message)
        self.details = details


class AudioError(CastwrightError):
    """ffmpeg or an audio check failed while mastering."""


class PublishError(CastwrightError):
    """The episode or feed could not be published; the previous feed is left as it was."""


class CostCapError(CastwrightError):
    """The run's cost estimate is over the show's cap (prices.max_run_usd); nothing was voiced."""
