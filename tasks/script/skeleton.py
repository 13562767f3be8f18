"""The shape of each section, owned by the code so that no model can break it.

A section's skeleton is a list of lines. The code writes the *fixed* ones: the transition into the
section (a welcome before the first, a goodbye after the last), the news itself (the body's
sentences, told by the section's presenter; presenters alternate from section to section) and
each host's own comment, said by that host. Between them are *gaps* for the LLM's draft pass:
the other host's reactions, questions and follow-ups, which make it a conversation.

The fixed phrases are per language in `prompts/skeleton/<language>.yaml`.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel

from castwright.core.config import ShowConfig
from castwright.core.errors import ConfigError
from castwright.core.models import Section
from castwright.core.paths import PROMPTS_DIR
from tasks.script.facts import news_sentences

Kind = Literal["open", "news", "opinion", "react", "discuss", "close"]
NEWS_CHUNK_WORDS = 45


class Line(BaseModel):
    """One line of a section: written by the code (`fixed`) or a gap for the LLM to fill."""

    speaker: str
    kind: Kind
    text: str = ""
    fixed: bool = True
    about: str = ""  # for a gap: what the line should do (shown to the LLM)
    original: str = ""  # the text before refine: what a repair goes back to


class Phrases(BaseModel):
    language: str
    welcome: list[str]
    first: list[str]
    next: list[str]
    goodbye: list[str]


@cache
def load_phrases(language: str) -> Phrases:
    path = PROMPTS_DIR / "skeleton" / f"{language}.yaml"
    if not path.is_file():
        raise ConfigError(f"no skeleton phrases for language {language!r}: add {path}")
    return Phrases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def news_chunks(section: Section, max_words: int = NEWS_CHUNK_WORDS) -> list[str]:
    """The body's sentences, packed into turns of at most `max_words` (one sentence may exceed)."""
    chunks: list[str] = []
    for sentence in news_sentences(section):
        if chunks and len(chunks[-1].split()) + len(sentence.split()) <= max_words:
            chunks[-1] = f"{chunks[-1]} {sentence}"
        else:
            chunks.append(sentence)
    return chunks


def _opening(show: ShowConfig, issue_title: str, section: Section, position: int) -> list[str]:
    phrases = load_phrases(show.language)
    fill = {"show": show.title, "issue": issue_title, "title": section.title.rstrip(".")}
    if position == 1:
        return [phrases.welcome[0].format(**fill), phrases.first[0].format(**fill)]
    return [phrases.next[(position - 2) % len(phrases.next)].format(**fill)]


def build_skeleton(
    section: Section, position: int, count: int, show: ShowConfig, issue_title: str
) -> list[Line]:
    """The section's lines in order: opening, news with reaction gaps, each comment by its host
    with a reply gap, and the goodbye after the last section."""
    hosts = show.host_names
    presenter, other = hosts[(position - 1) % 2], hosts[position % 2]
    lines = [Line(speaker=hosts[0] if position == 1 else presenter, kind="open", text=t)
             for t in _opening(show, issue_title, section, position)]  # fmt: skip
    for chunk in news_chunks(section):
        lines.append(Line(speaker=presenter, kind="news", text=chunk))
        lines.append(Line(speaker=other, kind="react", fixed=False,
                          about="reacts to this news or asks about it"))  # fmt: skip
    for comment in section.comments:
        lines.append(Line(speaker=comment.host, kind="opinion", text=comment.text))
        replier = next(h for h in hosts if h != comment.host)
        lines.append(Line(speaker=replier, kind="react", fixed=False,
                          about=f"answers {comment.host}'s opinion in a few words"))  # fmt: skip
    if position == count:
        goodbye = load_phrases(show.language).goodbye[0].format(show=show.title)
        lines.append(Line(speaker=hosts[0], kind="close", text=goodbye))
    return lines


def discussion_gaps(first_speaker: str, hosts: list[str], n: int) -> list[Line]:
    """`n` more gaps for an expand pass: a question, its answer, and so on, hosts alternating."""
    second = next(h for h in hosts if h != first_speaker)
    return [
        Line(speaker=first_speaker if i % 2 == 0 else second, kind="discuss", fixed=False,
             about="asks a question about a fact of this news" if i % 2 == 0
             else "answers it with a detail or an example from this news")
        for i in range(n)
    ]  # fmt: skip
