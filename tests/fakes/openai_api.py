"""A fake OpenAI-compatible chat-completions endpoint that returns scripted message contents.

It answers `POST /v1/chat/completions` with the documented response shape (choices, message,
finish_reason, usage), so the real `openai` SDK and our client code run unchanged against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, serve


def completion(
    content: str, finish_reason: str = "stop", refusal: str | None = None
) -> dict[str, Any]:
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


def echo_dialogue(body: dict[str, Any]) -> str:
    """A well-behaved model: returns the 'Host: text' lines of the last user message as turns."""
    prompt = body["messages"][-1]["content"]
    lines = re.findall(r"^(?:- )?(Ada|Marvin): (.+)$", prompt, re.M)
    return (
        turns_json(*lines) if lines else turns_json(("Ada", "Welcome back."), ("Marvin", "Hello."))
    )


def gap_filler(body: dict[str, Any]) -> str:
    """A well-behaved model for castwright's draft pass: one line per [GAP n], by the host the gap
    names, about a word of the section's news; other prompts (refine) are echoed."""
    prompt = body["messages"][-1]["content"]
    gaps = re.findall(r"^\[GAP (\d+)\] (Ada|Marvin) ", prompt, re.M)
    if not gaps:
        return echo_dialogue(body)
    news = prompt.split("News:", 1)[1].split("\n\n", 1)[0]
    words = sorted({w for w in re.findall(r"[A-Za-z][a-z]{5,}", news)}) or ["story"]
    offset = len(re.findall(r"^(?:Ada|Marvin): ", prompt, re.M))  # differs from call to call
    lines = []
    for n, speaker in gaps:
        word = words[(int(n) + offset) % len(words)]
        tag = "".join(chr(97 + int(d)) for d in f"{n}{offset}")  # unique, and no digits
        lines.append((speaker, f"Wait, {word}? Tell me more about {word}, {tag}."))
    return turns_json(*lines)


Scripted = Reply | str | Callable[[dict[str, Any]], str]


@contextmanager
def fake_openai(replies: list[Scripted], default: Scripted | None = None) -> Iterator[FakeServer]:
    """Each chat request gets the next reply (a message content, a function of the request body,
    or a raw Reply); when the list is used up, `default` answers (else HTTP 500)."""
    queue = list(replies)

    def route(request: Request) -> Reply:
        if request.path.rstrip("/") != "/v1/chat/completions":
            return Reply(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        item = queue.pop(0) if queue else default
        if item is None:
            return Reply(500, {"error": {"message": "no scripted reply"}})
        if callable(item):
            item = item(request.body)
        return Reply(200, completion(item)) if isinstance(item, str) else item

    with serve(route) as server:
        yield server
