"""The LLM behind one small interface: any OpenAI-compatible chat API through the `openai` SDK.

Two JSON modes differ only in `response_format`:
- `json_schema`: OpenAI structured outputs (`{"type": "json_schema", "json_schema": {..., "strict": true}}`).
- `json_object`: llama.cpp's server, which rejects `json_schema` but constrains generation to
  `{"type": "json_object", "schema": {...}}`.
"""

from __future__ import annotations

from typing import Any, Literal

import openai
from pydantic import BaseModel

from castwright.core.errors import ServiceError, TransientServiceError
from castwright.core.spend import SpendMeter

JsonMode = Literal["json_schema", "json_object"]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Reply(BaseModel):
    text: str
    usage: Usage
    finish_reason: str | None = None


def response_format(schema: dict[str, Any], mode: JsonMode) -> dict[str, Any]:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "script", "schema": schema, "strict": True},
        }
    return {"type": "json_object", "schema": schema}


class LLMClient:
    """Chat completions with JSON output constrained by a schema."""

    def __init__(
        self, client: openai.OpenAI, default_model: str, json_mode: JsonMode,
        meter: SpendMeter | None = None,
    ) -> None:  # fmt: skip
        self.client = client
        self.default_model = default_model
        self.json_mode = json_mode
        self.meter = meter  # every call's tokens go on the episode's spend ledger

    def complete_json(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        *,
        temperature: float,
        max_tokens: int,
        model: str | None = None,
        seed: int | None = None,
    ) -> Reply:
        try:
            response = self.client.chat.completions.create(  # type: ignore[call-overload]
                model=model or self.default_model,
                messages=messages,
                temperature=temperature,
                max_tokens=max_tokens,
                response_format=response_format(schema, self.json_mode),
                seed=seed if seed is not None else openai.omit,
            )
        except (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError) as exc:
            raise TransientServiceError(
                f"LLM endpoint unavailable ({exc}); retrying may help"
            ) from exc
        except openai.InternalServerError as exc:
            raise TransientServiceError(f"LLM endpoint error {exc.status_code}: {exc}") from exc
        except openai.APIStatusError as exc:
            raise ServiceError(
                f"LLM endpoint refused the request ({exc.status_code}): {exc.message}. "
                "Check CASTWRIGHT_LLM_MODEL and the API key."
            ) from exc
        choice = response.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        usage = Usage(
            prompt_tokens=response.usage.prompt_tokens if response.usage else 0,
            completion_tokens=response.usage.completion_tokens if response.usage else 0,
        )
        if self.meter is not None:
            self.meter.add("llm_call", prompt_tokens=usage.prompt_tokens,
                           completion_tokens=usage.completion_tokens)  # fmt: skip
        text = choice.message.content or ""
        if refusal:
            text = ""
        return Reply(text=text, usage=usage, finish_reason=choice.finish_reason)
