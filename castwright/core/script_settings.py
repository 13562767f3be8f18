"""The show file's `script` settings: length, the two LLM passes, the mode and the script gate."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from castwright.core.models import Strict  # the one strict base (extra fields refused)


class LLMPass(Strict):
    model: str | None = Field(None, description="Model name; None uses the backend's default.")
    temperature: float = Field(0.4, ge=0.0, le=2.0, description="Sampling temperature.")
    max_tokens: int = Field(2048, ge=64, le=32768, description="Completion token cap per call.")
    seed: int | None = Field(
        None, description="Sampling seed, for repeatable scripts where supported."
    )


class GateSettings(Strict):
    """The script gate: a script that breaks one of these rules is not voiced (no TTS is paid)."""

    min_coverage: float = Field(
        90.0, ge=0, le=100, description="Key facts of each section's news that must be told (%)."
    )
    opinions_kept: bool = Field(
        True, description="Every host comment must be kept, by its own host."
    )
    max_length_error: float = Field(
        0.25, ge=0, le=10, description="Largest allowed |estimate - target| / target."
    )
    allow_labels: bool = Field(False, description="Allow speaker labels inside a turn's text.")
    allow_repeats: bool = Field(False, description="Allow a sentence said twice in the script.")
    strict_length: bool = Field(
        False,
        description="Refuse a script shorter than the target by more than max_length_error "
        "(off: a short source makes a shorter episode, with a warning).",
    )
    # bars on the conversation report (tasks/script/conversation.py); unset: reported, not gated
    max_stock_share: float | None = Field(
        None, ge=0, le=1, description="Largest share of stock turns (no word of their section)."
    )
    max_phrase_repeats: int | None = Field(
        None, ge=1, description="Most times one phrase (host names masked) may be said."
    )
    max_handover_share: float | None = Field(
        None, ge=0, le=1, description="Largest share of comments right after a hand-over question."
    )
    max_verbatim_share: float | None = Field(
        None, ge=0, le=1, description="Largest share of news sentences said word for word."
    )
    max_run_words: int | None = Field(
        None, ge=10, description="Most words one host may say in consecutive turns."
    )
    markers_in_sections: bool = Field(
        False,
        description="Each host whose persona quotes markers uses one in every section where it "
        "has 3 or more turns.",
    )


#: the episode length target's bounds, in this one place (show file, flow parameter, CLI flag)
MAX_TARGET_MINUTES = 180
TargetMinutes = Annotated[
    float, Field(gt=0, le=MAX_TARGET_MINUTES, description="Episode length target.")
]


ScriptMode = Literal["auto", "conversation", "skeleton"]


class ScriptSettings(Strict):
    mode: ScriptMode = Field(
        "auto",
        description="conversation: the LLM writes each section's whole exchange, checked and "
        "repaired by code (for a capable model); skeleton: the code lays out each section and the "
        "LLM fills gaps (for the small embedded model); auto: conversation when an API model is "
        "configured (CASTWRIGHT_LLM_BASE_URL), else skeleton.",
    )
    target_minutes: TargetMinutes = 30.0
    words_per_minute: int = Field(
        150, ge=60, le=250, description="Speaking rate: turns minutes into a word budget."
    )
    length_tolerance: float = Field(
        0.10, ge=0.01, le=1.0, description="Expand or condense until within this of the target."
    )
    length_passes: int = Field(
        2, ge=0, le=5, description="Most expand/condense LLM passes to reach the target length."
    )
    draft: LLMPass = LLMPass(temperature=0.3)
    refine: LLMPass = LLMPass(temperature=0.6)
    gate: GateSettings = GateSettings()
