"""A fake OpenAI-compatible chat-completions endpoint that returns scripted message contents.

It answers `POST /v1/chat/completions` with the documented response shape (choices, message,
finish_reason, usage), so the real `openai` SDK and our client code run unchanged against it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, serve


def completion(content: str, finish_reason: str = "stop", refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def turns_json(*turns: tuple[str, str]) -> str:
    return json.dumps({"turns": [{"speaker": s, "text": t} for s, t in turns]})


@contextmanager
def fake_openai(replies: list[Reply | str]) -> Iterator[FakeServer]:
    """Each chat request gets the next reply: a message content string or a raw Reply."""
    queue = list(replies)

    def route(request: Request) -> Reply:
        if request.path.rstrip("/") != "/v1/chat/completions":
            return Reply(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        item = queue.pop(0) if queue else Reply(500, {"error": {"message": "no scripted reply"}})
        return Reply(200, completion(item)) if isinstance(item, str) else item

    with serve(route) as server:
        yield server
