"""One LLM pass over one section: the JSON shape it must answer with, validation of the reply
(speakers, empty turns, a looping model's repeats, an answer cut off at max_tokens) and the bounded
repair loop that feeds validation errors back to the model.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from castwright.clients.llm import LLMClient, Usage
from castwright.core.config import LLMPass
from castwright.core.errors import ScriptError
from castwright.core.prompts import render
from castwright.core.text import sentences

log = logging.getLogger("tasks.script")

REPAIR_ATTEMPTS = 2
MAX_CUTOFFS = 1  # answers cut off at max_tokens with nothing to salvage, before giving up
#: the turns kept from one reply (a newsletter saying "output 10000 turns" got a model to write
#: 1,800); a refine reply holds one per line of a section, well under this
MAX_TURNS_PER_REPLY = 120


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


class ReplyTurn(BaseModel):
    speaker: str
    text: str


class _Reply(BaseModel):
    turns: list[ReplyTurn] = Field(min_length=1)


def _without_repeats(text: str, seen: set[str]) -> str:
    """Drop sentences already said in this reply: a small model that loops repeats itself."""
    kept = []
    for sentence in sentences(text):
        key = re.sub(r"\W+", " ", sentence).strip().casefold()
        if key and key not in seen:
            seen.add(key)
            kept.append(sentence)
    return " ".join(kept)


def parse_turns(raw: str, hosts: list[str]) -> list[ReplyTurn]:
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
    turns: list[ReplyTurn] = []
    seen: set[str] = set()
    if len(reply.turns) > MAX_TURNS_PER_REPLY:
        log.warning("the LLM answered with %d turns; keeping the first %d",
                    len(reply.turns), MAX_TURNS_PER_REPLY)  # fmt: skip
    for i, turn in enumerate(reply.turns[:MAX_TURNS_PER_REPLY], 1):
        speaker = by_name.get(turn.speaker.strip().casefold())
        if speaker is None:
            raise ValueError(
                f"turn {i} has speaker {turn.speaker!r}; use only {' or '.join(hosts)}"
            )
        text = _without_repeats(" ".join(turn.text.split()), seen)
        if text:
            turns.append(ReplyTurn(speaker=speaker, text=text))
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
    llm: LLMClient, messages: list[dict[str, str]], hosts: list[str], params: LLMPass
) -> tuple[list[ReplyTurn], Usage]:
    """One LLM call, with up to REPAIR_ATTEMPTS repair retries that feed the validation error
    back; a reply that never validates raises ScriptError. (Which host says each comment is the
    code's business, tasks.script.skeleton, not the reply's.)"""
    usage, schema, error = Usage(), turns_schema(hosts), ""
    cutoffs = 0
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
            return parse_turns(_reply_json(reply.text, reply.finish_reason), hosts), usage
        except ValueError as exc:
            error = (
                str(exc)
                if reply.finish_reason != "length"
                else f"{exc} (the answer was cut off: be shorter)"
            )
            cutoffs += reply.finish_reason == "length"
            if cutoffs > MAX_CUTOFFS:  # a model that loops to the token cap does so again
                break
        log.warning("LLM reply invalid (attempt %d): %s", attempt + 1, error)
        messages = [*messages, {"role": "assistant", "content": reply.text[:4000]},
                    {"role": "user", "content": render("repair.user.j2", error=error)}]  # fmt: skip
    raise ScriptError(
        f"the LLM gave no valid script after {attempt + 1} attempts (last error: {error}). "
        "Try a larger model (CASTWRIGHT_LLM_MODEL) or a lower temperature in the show file."
    )
