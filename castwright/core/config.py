"""The show configuration file and voice profiles, validated at the edge.

A show file is YAML; paths inside it (cover image, persona files) are relative to the file.
Secrets never live here: see `castwright.core.settings` for what comes from the environment.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AnyHttpUrl,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from castwright.core.categories import category_problem, split_category
from castwright.core.errors import ConfigError
from castwright.core.models import Strict  # the one strict base (extra fields refused)
from castwright.core.paths import VOICES_DIR
from castwright.core.script_settings import (  # noqa: F401 (re-exported: the show's script part)
    MAX_TARGET_MINUTES,
    GateSettings,
    LLMPass,
    ScriptMode,
    ScriptSettings,
    TargetMinutes,
)
from castwright.core.source import NewsletterSource

Name = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9 .'_-]*$")]
VoiceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Owner(Strict):
    name: str = Field(description="Feed owner's name (itunes:owner).")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Feed owner's e-mail.")


class Host(Strict):
    name: Name
    persona: str = Field(min_length=20, description="Delivery rules for this host's lines.")
    voice: VoiceName = Field(description="A voice profile in voices/, e.g. 'joe'.")


class AudioSettings(Strict):
    sample_rate: Literal[44100, 48000] = Field(44100, description="MP3 sample rate (Hz).")
    bitrate_kbps: Literal[128, 160, 192, 256, 320] = Field(192, description="MP3 CBR bitrate.")
    target_lufs: float = Field(
        -14.0, ge=-24.0, le=-10.0, description="Integrated loudness (-16: Apple)."
    )
    true_peak_dbtp: float = Field(-1.0, ge=-3.0, le=0.0, description="True-peak ceiling (dBTP).")
    pause_ms: int = Field(350, ge=0, le=3000, description="Silence between turns.")
    section_pause_ms: int = Field(900, ge=0, le=5000, description="Silence at a section change.")
    fade_ms: int = Field(15, ge=0, le=200, description="Fade in/out at each join.")


MAX_TTS_CONCURRENCY = 200


class TTSSettings(Strict):
    concurrency: int = Field(
        20,
        ge=1,
        le=MAX_TTS_CONCURRENCY,
        description="TTS jobs in flight at once (every entry point).",
    )
    min_score: float = Field(
        80.0,
        ge=0,
        le=100,
        description="Whisper check score a clip needs (numbers and acronyms normalized first).",
    )
    max_attempts: int = Field(
        3, ge=1, le=10, description="Generation attempts per clip before the turn fails."
    )
    n_candidates: int = Field(
        1, ge=1, le=8, description="Candidates generated per attempt; the best is kept."
    )
    chunk_first_words: int = Field(
        30, ge=5, le=200,
        description="Words in a long turn's first chunk. A sentence of under eight words is never "
        "a chunk alone: it joins its neighbour, up to chunk_max_words.",
    )  # fmt: skip
    chunk_words: int = Field(45, ge=5, le=200, description="Words in its later chunks.")
    chunk_max_words: int = Field(60, ge=5, le=200, description="Hard maximum per generation.")
    crossfade_ms: int = Field(30, ge=0, le=500, description="Crossfade between a turn's chunks.")


class Prices(Strict):
    """Prices for the run's cost report and cap (USD). The defaults, read December 2026: OpenAI's
    price list for gpt-4o-mini ($0.15 / $0.60 per million input / output tokens) and RunPod's
    serverless pricing page (docs.runpod.io/serverless/pricing) for a flex worker on a 24 GB GPU
    (L4, A5000, 3090: $0.00019 per second, $0.684 an hour; the GPU worker needs >= 24 GB, see
    worker/README.md). Prices change: set the ones you pay here."""

    llm_model: str = Field(
        "gpt-4o-mini",
        min_length=1,
        description="The LLM whose prices these are (named in reports).",
    )
    llm_input_per_mtok: float = Field(
        0.15, ge=0, description="USD per million prompt tokens (default: OpenAI's gpt-4o-mini)."
    )
    llm_output_per_mtok: float = Field(
        0.60, ge=0, description="USD per million completion tokens (default: gpt-4o-mini)."
    )
    gpu_per_hour: float = Field(
        0.684,
        ge=0,
        description="USD per hour of serverless GPU time (default: RunPod's flex price for a "
        "24 GB GPU, $0.00019/s, docs.runpod.io/serverless/pricing, read December 2026).",
    )
    idle_timeout_s: float = Field(
        5.0, ge=0, le=3600, description="The endpoint's idle timeout: billed after each burst."
    )
    warmup_job_s: float = Field(2.0, ge=0, description="GPU seconds of one warm-up job.")
    storage_per_gb_month: float = Field(
        0.015, ge=0, description="USD per GB-month of published files (R2; S3 is 0.023)."
    )
    gpu_s_per_audio_s: float = Field(
        0.5, ge=0, description="GPU seconds per second of speech, for the pre-TTS estimate."
    )
    cold_start_s: float = Field(
        60.0, ge=0, description="Expected cold start of a worker, for the pre-TTS estimate."
    )
    max_run_usd: float | None = Field(
        None, gt=0, description="Cap on one run's cost: over it, the run stops before any TTS."
    )


class ShowConfig(Strict):
    title: str = Field(min_length=1, max_length=200, description="Show title (feed, ID3 album).")
    description: str = Field(min_length=1, description="Show description (feed, page, ID3).")
    author: str = Field(description="itunes:author.")
    owner: Owner
    language: Literal["en", "pt-BR"] = Field(
        "en", description="Script, speech rules and feed language."
    )
    category: str = Field(
        "Technology",
        description="itunes:category from Apple's list (castwright/core/categories.py): "
        "'Technology' or 'Parent > Subcategory', e.g. 'News > Tech News'.",
    )
    explicit: bool = Field(False, description="itunes:explicit.")
    website: AnyHttpUrl | None = Field(None, description="Show website (feed link).")
    cover: Path | None = Field(None, description="Square JPEG/PNG, >= 1400 px, for feed and ID3.")
    hosts: list[Host] = Field(min_length=2, max_length=2, description="Exactly two hosts.")
    audio: AudioSettings = AudioSettings()
    script: ScriptSettings = ScriptSettings()
    tts: TTSSettings = TTSSettings()
    prices: Prices = Prices()
    source: NewsletterSource | None = Field(
        None, description="Where the weekly run finds the newest issue (none: name one per run)."
    )

    @field_validator("category")
    @classmethod
    def _apple_category(cls, value: str) -> str:
        problem = category_problem(*split_category(value))
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _distinct_hosts(self) -> ShowConfig:
        names = [h.name.casefold() for h in self.hosts]
        if len(set(names)) != len(names):
            raise ValueError("the two hosts need different names")
        return self

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name.casefold() == name.casefold():
                return h
        raise KeyError(name)

    @property
    def host_names(self) -> list[str]:
        return [h.name for h in self.hosts]


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid show configuration"]
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - {field}: {e['msg']}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid UTF-8 YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a YAML mapping of settings at the top level")
    return data


def load_show(path: Path) -> ShowConfig:
    """Read and validate a show file; relative paths inside it resolve against its folder.

    A file is read once per process while it is unchanged (same size and modification time):
    the CLI's pre-flight check and the flow it starts share one load."""
    try:
        stat = path.stat()
    except OSError:
        return _load_show(path)  # reports the missing file
    return _load_show_once(path.resolve(), stat.st_mtime_ns, stat.st_size).model_copy(deep=True)


@functools.lru_cache(maxsize=8)
def _load_show_once(path: Path, mtime_ns: int, size: int) -> ShowConfig:
    return _load_show(path)


def _load_show(path: Path) -> ShowConfig:
    data = _read_yaml(path)
    try:
        show = ShowConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from exc
    if show.cover is not None and not show.cover.is_absolute():
        show = show.model_copy(update={"cover": (path.parent / show.cover).resolve()})
    if show.cover is not None and not show.cover.is_file():
        raise ConfigError(f"{path}: cover: file {show.cover} not found")
    if show.source is not None:
        try:
            source = show.source.resolved(path.parent.resolve())
        except ValueError as exc:
            raise ConfigError(f"{path}: source: {exc}") from exc
        show = show.model_copy(update={"source": source})
    for host in show.hosts:  # fail now, not after the LLM passes
        voice = load_voice(host.voice)
        if not voice.speaks(show.language):
            raise ConfigError(_wrong_language(path, show, host, voice))
    return show


def _wrong_language(path: Path, show: ShowConfig, host: Host, voice: VoiceProfile) -> str:
    speakers = []
    for candidate in sorted(VOICES_DIR.glob("*.yaml")):
        try:
            if load_voice(candidate.stem).speaks(show.language):
                speakers.append(candidate.stem)
        except ConfigError:
            continue
    return (
        f"{path}: hosts: {host.name}'s voice {voice.name!r} speaks "
        f"{', '.join(voice.languages)}, not the show's language {show.language!r}; give "
        f"{host.name} a voice that speaks it ({', '.join(speakers) or 'none in voices/'}), or add "
        f"{show.language} to `languages` in voices/{voice.name}.yaml if its engine speaks it"
    )


def host_voice(show: ShowConfig, host: Host) -> VoiceProfile:
    """The host's voice profile, speaking the show's language (the TTS jobs' language)."""
    return load_voice(host.voice).speaking(show.language)


def speaking_rates(show: ShowConfig) -> dict[str, float]:
    """Words a minute each host speaks: the host voice's measured rate, else the show's."""
    return {h.name: load_voice(h.voice).words_per_minute or show.script.words_per_minute
            for h in show.hosts}  # fmt: skip


def mean_rate(show: ShowConfig) -> float:
    """The rate of the hosts speaking equal shares of the words (their harmonic mean)."""
    rates = list(speaking_rates(show).values())
    return len(rates) / sum(1 / r for r in rates)


class VoiceProfile(Strict):
    """How one host sounds: which engine, which voice, which sampling mode."""

    name: VoiceName
    engine: Literal["piper", "kokoro", "qwen3"] = Field(description="TTS engine on the worker.")
    mode: Literal["preset", "clone", "fine-tuned"] = Field("preset", description="Voice mode.")
    voice: str = Field(description="Engine voice id: a Piper model, Kokoro style, Qwen speaker.")
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Languages the voice speaks, e.g. [en] or [pt-BR] ('pt' covers 'pt-BR'); "
        "a show whose language is not among its hosts' voices' fails at load.",
    )
    speed: float = Field(1.0, ge=0.5, le=2.0, description="Speaking speed (CPU engines).")
    words_per_minute: float | None = Field(
        None, gt=0, le=400,
        description="This voice's measured speaking rate (trimmed speech); the script's length "
        "estimate uses it for this host's words (unset: the show's script.words_per_minute).",
    )  # fmt: skip
    reference_audio: Path | None = Field(None, description="Clone mode: WAV next to the profile.")
    reference_text: str | None = Field(None, description="Clone mode: its exact transcript.")
    sampling: dict[str, float] = Field(
        default_factory=dict, description="Overrides of the mode's sampling preset."
    )

    @field_validator("reference_text")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() if v else v

    @model_validator(mode="before")
    @classmethod
    def _one_language(cls, data: object) -> object:
        """`language: en` (one language, the older form) is `languages: [en]`."""
        if isinstance(data, dict) and "language" in data and "languages" not in data:
            data = {**data, "languages": [data["language"]]}
            del data["language"]
        return data

    @property
    def language(self) -> str:
        """The language its TTS jobs are sent in: the first declared (see `speaking`)."""
        return self.languages[0]

    def speaks(self, language: str) -> bool:
        return language in self.languages or language.split("-")[0] in self.languages

    def speaking(self, language: str) -> VoiceProfile:
        """This profile sending its jobs in `language` (which it must speak)."""
        if not self.speaks(language):
            raise ConfigError(
                f"voice {self.name!r} speaks {', '.join(self.languages)}, not {language!r}"
            )
        return self.model_copy(update={"languages": [language]})

    @model_validator(mode="after")
    def _clone_needs_reference(self) -> VoiceProfile:
        if self.mode == "clone" and not (self.reference_audio and self.reference_text):
            raise ValueError("mode 'clone' needs reference_audio and reference_text")
        return self


def load_voice(name: str, voices_dir: Path = VOICES_DIR) -> VoiceProfile:
    """Load voices/<name>.yaml. Names are plain slugs, so no path can escape voices/."""
    try:
        VoiceProfile.model_validate({"name": name, "engine": "piper", "voice": "x"})
    except ValidationError as exc:
        raise ConfigError(f"voice name {name!r} is not a plain lowercase slug") from exc
    path = voices_dir / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in voices_dir.glob("*.yaml"))
        raise ConfigError(f"voice {name!r}: no file {path}; known voices: {', '.join(known)}")
    data = _read_yaml(path)
    try:
        profile = VoiceProfile.model_validate({"name": name, **data})
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from exc
    if profile.reference_audio and not profile.reference_audio.is_absolute():
        profile = profile.model_copy(
            update={"reference_audio": voices_dir / profile.reference_audio}
        )
    return profile
