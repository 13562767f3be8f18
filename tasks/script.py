"""Stage 2: the script. Two LLM passes, section by section, with validated structured output.

Draft decides who says what and in which order (content unchanged); refine makes it sound like a
conversation, per host persona. Each pass sees the speech rules; the final script is normalized
again in code (tasks.normalize). A section's reply that does not validate gets a bounded repair
retry with the validation error fed back, then a clear ScriptError.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import yaml
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field, ValidationError

from castwright.config import LLMPass, ShowConfig
from castwright.errors import ScriptError
from castwright.llm import LLMClient, Usage
from castwright.models import Comment, Newsletter, Script, Section, Turn
from castwright.prompts import prompts_sha256, render
from castwright.services import open_llm
from castwright.settings import Settings
from castwright.text import pack, speech_units
from tasks.normalize import Replacement, load_rules, normalize_script
from tasks.opinions import OpinionRow, check_opinions, check_section, feedback, report_markdown
from tasks.resume import load_stage, save_stage, stage_key

log = logging.getLogger(__name__)

REPAIR_ATTEMPTS = 2
OPINION_RETRIES = 1
CONTEXT_TURNS = 4
MAX_TURN_WORDS = 60
MIN_SECTION_WORDS = 40


class ScriptResult(BaseModel):
    script: Script
    draft_usage: Usage
    refine_usage: Usage
    replacements: list[Replacement] = Field(default_factory=list)
    opinions: list[OpinionRow] = Field(default_factory=list)
    restored_opinions: list[str] = Field(default_factory=list, description="Said verbatim by code")
    estimated_minutes: float
    reused: bool = False


def turns_schema(hosts: list[str]) -> dict[str, Any]:
    """The JSON schema both passes must answer with (speakers limited to the show's hosts)."""
    turn = {
        "type": "object",
        "properties": {
            "speaker": {"type": "string", "enum": hosts},
            "text": {"type": "string", "minLength": 1},
        },
        "required": ["speaker", "text"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"turns": {"type": "array", "items": turn, "minItems": 1}},
        "required": ["turns"],
        "additionalProperties": False,
    }


class _ReplyTurn(BaseModel):
    speaker: str
    text: str


class _Reply(BaseModel):
    turns: list[_ReplyTurn] = Field(min_length=1)


def _without_repeats(text: str, seen: set[str]) -> str:
    """Drop sentences already said in this reply: a small model that loops repeats itself."""
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        key = re.sub(r"\W+", " ", sentence).strip().casefold()
        if key and key not in seen:
            seen.add(key)
            kept.append(sentence)
    return " ".join(kept)


def parse_turns(raw: str, hosts: list[str]) -> list[_ReplyTurn]:
    """Validate one LLM reply; raises ValueError with a message fit to send back for repair."""
    try:
        reply = _Reply.model_validate(
            json.loads(raw, strict=False)
        )  # raw newlines in strings are fine
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"the answer is not valid JSON ({exc.msg} at character {exc.pos})"
        ) from exc
    except ValidationError as exc:
        raise ValueError(f"the JSON does not match the shape: {exc.errors()[0]['msg']}") from exc
    by_name = {h.casefold(): h for h in hosts}
    turns: list[_ReplyTurn] = []
    seen: set[str] = set()
    for i, turn in enumerate(reply.turns, 1):
        speaker = by_name.get(turn.speaker.strip().casefold())
        if speaker is None:
            raise ValueError(
                f"turn {i} has speaker {turn.speaker!r}; use only {' or '.join(hosts)}"
            )
        text = _without_repeats(" ".join(turn.text.split()), seen)
        if text:
            turns.append(_ReplyTurn(speaker=speaker, text=text))
    if not turns:
        raise ValueError("every turn was empty; write what each host says")
    return turns


def salvage_truncated(raw: str) -> str | None:
    """The complete turns of an answer cut off at max_tokens, as valid JSON (None if none)."""
    start = raw.find("[", raw.find('"turns"'))
    if start < 0:
        return None
    decoder, items, pos = json.JSONDecoder(strict=False), [], start + 1
    while True:
        while pos < len(raw) and raw[pos] in " \t\r\n,":
            pos += 1
        try:
            item, pos = decoder.raw_decode(raw, pos)
        except json.JSONDecodeError:
            break
        if isinstance(item, dict):
            items.append(item)
    return json.dumps({"turns": items}) if items else None


def _reply_json(text: str, finish_reason: str | None) -> str:
    if finish_reason != "length":
        return text
    salvaged = salvage_truncated(text)
    if salvaged is None:
        return text
    log.warning("the LLM answer was cut off at max_tokens; keeping its complete turns")
    return salvaged


def ask_for_turns(
    llm: LLMClient, messages: list[dict[str, str]], hosts: list[str], params: LLMPass,
    must_speak: list[Comment] | None = None,
) -> tuple[list[_ReplyTurn], Usage]:  # fmt: skip
    """One pass over one section, with up to REPAIR_ATTEMPTS repair retries.

    Invalid replies are repaired or fail with ScriptError. A valid reply in which a host with an
    opinion in this section never speaks is sent back too; if it stays so, it is kept with a
    warning (the opinion report flags it) rather than failing the episode.
    """
    usage, schema, error = Usage(), turns_schema(hosts), ""
    usable: list[_ReplyTurn] | None = None
    for attempt in range(REPAIR_ATTEMPTS + 1):
        reply = llm.complete_json(
            messages,
            schema,
            temperature=params.temperature,
            max_tokens=params.max_tokens,
            model=params.model,
            seed=params.seed,
        )
        usage += reply.usage
        try:
            turns = parse_turns(_reply_json(reply.text, reply.finish_reason), hosts)
        except ValueError as exc:
            error = (
                str(exc)
                if reply.finish_reason != "length"
                else f"{exc} (the answer was cut off: be shorter)"
            )
        else:
            silent = [c for c in (must_speak or []) if c.host not in {t.speaker for t in turns}]
            if not silent:
                return turns, usage
            usable = turns
            error = "; ".join(
                f'{c.host} never speaks: add a turn where {c.host} says "{c.text}"' for c in silent
            )
        log.warning("LLM reply invalid (attempt %d): %s", attempt + 1, error)
        messages = [*messages, {"role": "assistant", "content": reply.text[:4000]},
                    {"role": "user", "content": render("repair.user.j2", error=error)}]  # fmt: skip
    if usable is not None:
        log.warning("keeping a reply where %s", error)
        return usable, usage
    raise ScriptError(
        f"the LLM gave no valid script after {REPAIR_ATTEMPTS + 1} attempts (last error: {error}). "
        "Try a larger model (CASTWRIGHT_LLM_MODEL) or a lower temperature in the show file."
    )


def word_budgets(newsletter: Newsletter, target_words: int) -> list[int]:
    """Share the episode's word budget among sections in proportion to their source length."""
    sizes = [
        len(s.body.split()) + sum(len(c.text.split()) for c in s.comments)
        for s in newsletter.sections
    ]
    total = sum(sizes) or 1
    return [max(MIN_SECTION_WORDS, round(target_words * n / total)) for n in sizes]


def _system(name: str, show: ShowConfig) -> dict[str, str]:
    rules = load_rules(show.language)
    return {"role": "system", "content": render(name, show=show, hosts=show.hosts, rules=rules)}


def draft_section(
    llm: LLMClient, show: ShowConfig, section: Section, position: int, count: int,
    previous: list[Turn], target_words: int,
) -> tuple[list[_ReplyTurn], Usage]:  # fmt: skip
    user = render(
        "draft.user.j2", section=section, position=position, section_count=count,
        previous=previous[-CONTEXT_TURNS:], target_words=target_words,
    )  # fmt: skip
    messages = [_system("draft.system.j2", show), {"role": "user", "content": user}]
    return ask_for_turns(llm, messages, show.host_names, show.script.draft, section.comments)


def refine_section(
    llm: LLMClient,
    show: ShowConfig,
    section: Section,
    turns: list[Turn],
    feedback: list[str] | None = None,
) -> tuple[list[_ReplyTurn], Usage]:
    user = render("refine.user.j2", section=section, turns=turns, feedback=feedback or [])
    messages = [_system("refine.system.j2", show), {"role": "user", "content": user}]
    return ask_for_turns(llm, messages, show.host_names, show.script.refine, section.comments)


def split_sentences(text: str, max_words: int = MAX_TURN_WORDS) -> list[str]:
    """Split a long turn at sentence ends (then clauses) so no piece exceeds max_words."""
    return pack(speech_units(text, max_words), lambda _: max_words)


def number_turns(section_turns: list[tuple[str, list[_ReplyTurn]]]) -> Script:
    turns: list[Turn] = []
    for section_id, replies in section_turns:
        for reply in replies:
            for piece in split_sentences(reply.text):
                turns.append(
                    Turn(
                        id=f"t{len(turns) + 1:03d}",
                        speaker=reply.speaker,
                        text=piece,
                        section=section_id,
                    )
                )
    return Script(turns=turns)


def refine_checked(
    llm: LLMClient, show: ShowConfig, section: Section, draft: list[Turn]
) -> tuple[list[_ReplyTurn], Usage]:
    """Refine a section; when an opinion is flagged, refine again with that feedback (bounded)."""
    replies, usage = refine_section(llm, show, section, draft)
    flagged = _flags(section, replies, show)
    for _ in range(OPINION_RETRIES):
        if not flagged:
            break
        log.info(
            "script: %d opinion(s) flagged in %r; refining again with feedback",
            len(flagged),
            section.title,
        )
        retry, used = refine_section(llm, show, section, draft, feedback(flagged))
        usage += used
        retry_flagged = _flags(section, retry, show)
        if len(retry_flagged) < len(flagged):
            replies, flagged = retry, retry_flagged
    return replies, usage


def _flags(section: Section, replies: list[_ReplyTurn], show: ShowConfig) -> list[OpinionRow]:
    turns = number_turns([(section.id, replies)]).turns
    rows = check_section(section.comments, section.id, turns, show.host_names)
    return [r for r in rows if r.status != "kept"]


def restore_missing_opinions(
    section: Section, replies: list[_ReplyTurn], show: ShowConfig
) -> tuple[list[_ReplyTurn], list[str]]:
    """The last line of the opinion rule: a comment the LLM still dropped is said verbatim by its
    host at the end of the section, and reported."""
    missing = [r for r in _flags(section, replies, show) if r.status == "missing"]
    for row in missing:
        log.warning(
            "script: restoring %s's dropped opinion verbatim in %r", row.host, section.title
        )
    restored = [_ReplyTurn(speaker=r.host, text=r.comment) for r in missing]
    return replies + restored, [f"{r.host}: {r.comment}" for r in missing]


def write_script(newsletter: Newsletter, show: ShowConfig, llm: LLMClient) -> ScriptResult:
    """Draft and refine every section, then normalize the final script for speech."""
    budgets = word_budgets(
        newsletter, round(show.script.target_minutes * show.script.words_per_minute)
    )
    count = len(newsletter.sections)
    draft_usage = refine_usage = Usage()
    drafted: list[Turn] = []
    refined: list[tuple[str, list[_ReplyTurn]]] = []
    restored: list[str] = []
    for i, (section, budget) in enumerate(zip(newsletter.sections, budgets, strict=True), 1):
        log.info("script: section %d/%d %r (draft, ~%d words)", i, count, section.title, budget)
        replies, used = draft_section(llm, show, section, i, count, drafted, budget)
        draft_usage += used
        replies, _ = restore_missing_opinions(section, replies, show)
        section_draft = number_turns([(section.id, replies)]).turns
        drafted += section_draft
        log.info("script: section %d/%d (refine)", i, count)
        replies, used = refine_checked(llm, show, section, section_draft)
        refine_usage += used
        replies, put_back = restore_missing_opinions(section, replies, show)
        restored += put_back
        refined.append((section.id, replies))
    script, replacements = normalize_script(number_turns(refined), show.language)
    opinions = check_opinions(newsletter, script, show.host_names)
    minutes = script.words() / show.script.words_per_minute
    log.info("script: %d turns, %d words, about %.1f minutes (target %.1f)",
             len(script.turns), script.words(), minutes, show.script.target_minutes)  # fmt: skip
    for row in opinions:
        level = logging.INFO if row.status == "kept" else logging.WARNING
        log.log(
            level, "opinion %-10s %3.0f  %s: %s", row.status, row.score, row.host, row.comment[:70]
        )
    return ScriptResult(
        script=script, draft_usage=draft_usage, refine_usage=refine_usage,
        replacements=replacements, opinions=opinions, restored_opinions=restored,
        estimated_minutes=round(minutes, 2),
    )  # fmt: skip


@task(name="write-script", cache_policy=NO_CACHE)
def write_script_task(newsletter: Newsletter, show: ShowConfig, llm: LLMClient) -> ScriptResult:
    return write_script(newsletter, show, llm)


def save_script(script: Script, path: Path) -> None:
    """Write the script as editable YAML (one entry per turn); `castwright run --script` reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"turns": [t.model_dump() for t in script.turns]}
    header = "# castwright script: edit any turn's text or speaker, then voice it with\n# castwright run NEWSLETTER --script THIS_FILE\n"
    path.write_text(
        header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )


def load_script(path: Path, show: ShowConfig) -> Script:
    """Read an edited script file, validating speakers and turns against the show."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        script = Script.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: not a valid script file: {exc}") from exc
    unknown = {t.speaker for t in script.turns} - set(show.host_names)
    if unknown:
        raise ScriptError(
            f"{path}: unknown speaker(s) {sorted(unknown)}; the hosts are {show.host_names}"
        )
    if not script.turns:
        raise ScriptError(f"{path}: the script has no turns")
    normalized, replacements = normalize_script(script, show.language)
    for r in replacements:
        log.info("script file: %s said as %r in %s", r.found, r.spoken, r.turn_id)
    return normalized


def save_script_reports(result: ScriptResult, episode_dir: Path) -> list[Path]:
    """Write the opinion report and the normalization report next to the episode."""
    episode_dir.mkdir(parents=True, exist_ok=True)
    opinions = episode_dir / "opinions.md"
    flagged = sum(r.status != "kept" for r in result.opinions)
    restored = "".join(f"- {line}\n" for line in result.restored_opinions) or "none\n"
    opinions.write_text(
        f"# Opinion check\n\n{len(result.opinions)} comments, {flagged} flagged.\n\n"
        f"{report_markdown(result.opinions)}\n\nRestored verbatim after the LLM dropped them:\n"
        f"{restored}\nScoring: see tasks/opinions.py.\n",
        encoding="utf-8",
    )
    replacements = episode_dir / "normalization.json"
    replacements.write_text(
        json.dumps([r.model_dump() for r in result.replacements], indent=1, ensure_ascii=False)
    )
    return [opinions, replacements]


def script_stage_key(issue: Newsletter, show: ShowConfig, settings: Settings) -> str:
    """Everything that shapes the script: source, prompts, hosts, script settings, the LLM."""
    llm = (settings.llm_base_url or "embedded", settings.llm_model)
    return stage_key(
        issue.source_sha256, prompts_sha256(), show.hosts, show.script, show.language, llm
    )


def script_stage(
    issue: Newsletter, show: ShowConfig, settings: Settings, episode_dir: Path, force: bool = False
) -> tuple[Script, ScriptResult]:
    """Write the script, or reuse the last run's when its inputs are unchanged."""
    key = script_stage_key(issue, show, settings)
    saved = None if force else load_stage(episode_dir, "script", key, ScriptResult)
    if saved is not None:
        log.info("script: inputs unchanged since the last run; reusing it (force_script redoes it)")
        return saved.script, saved.model_copy(update={"reused": True})
    with open_llm(settings, settings.work_dir / "logs") as llm:
        result = write_script_task(issue, show, llm)
    save_stage(episode_dir, "script", key, result)
    save_script_reports(result, episode_dir)
    return result.script, result
