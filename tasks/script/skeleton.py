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

Kind = Literal["open", "news", "segue", "ask", "opinion", "react", "reply", "discuss", "close"]
NEWS_CHUNK_WORDS = 30  # a sentence or two per news line, so the other host can come in


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
    rundown: str
    outro: str = ""
    and_word: str
    segues: list[str]
    ask: list[str]
    replies: list[str]


@cache
def load_phrases(language: str) -> Phrases:
    path = PROMPTS_DIR / "skeleton" / f"{language}.yaml"
    if not path.is_file():
        raise ConfigError(f"no skeleton phrases for language {language!r}: add {path}")
    return Phrases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def fallback(language: str, kind: Kind, used: set[str]) -> str | None:
    """A short fixed line for a gap the LLM could not fill ("Go on." before the next news, "Fair
    enough." after a comment): the first one of its kind not yet said in the episode."""
    phrases = load_phrases(language)
    options = phrases.segues if kind == "segue" else phrases.replies if kind == "reply" else []
    return next((p for p in options if p not in used), None)


def other_filler(text: str, language: str, said: set[str]) -> str | None:
    """For a segue or reply the voice cannot say, another of its kind not yet `said`; None for a
    line that is neither (it carries content: only a rephrasing that keeps it may replace it)."""
    phrases = load_phrases(language)
    line = text.strip()
    kinds: tuple[tuple[Kind, list[str]], ...] = (
        ("segue", phrases.segues),
        ("reply", phrases.replies),
    )
    for kind, options in kinds:
        if line in options:
            return fallback(language, kind, said | {line})
    return None


def _listing(items: list[str], and_word: str) -> str:
    items = [i.rstrip(".") for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {and_word} {items[-1]}"


def news_chunks(section: Section, max_words: int = NEWS_CHUNK_WORDS) -> list[str]:
    """The body's sentences, packed into turns of at most `max_words` (one sentence may exceed)."""
    chunks: list[str] = []
    for sentence in news_sentences(section):
        if chunks and len(chunks[-1].split()) + len(sentence.split()) <= max_words:
            chunks[-1] = f"{chunks[-1]} {sentence}"
        else:
            chunks.append(sentence)
    return chunks


def _opening(
    show: ShowConfig, issue_title: str, section: Section, position: int, topics: list[str]
) -> list[tuple[int, str]]:
    """(host index, line): the lead host welcomes, the other gives the rundown, the lead starts
    the first story (one voice reading three lines in a row sounded like a list, not a show)."""
    phrases = load_phrases(show.language)
    fill = {"show": show.title, "issue": issue_title, "title": section.title.rstrip("."),
            "topics": _listing(topics, phrases.and_word)}  # fmt: skip
    if position == 1:
        opening = [(0, phrases.welcome[0].format(**fill))]
        opening += [(1, phrases.rundown.format(**fill))] if len(topics) > 1 else []
        return [*opening, (0, phrases.first[0].format(**fill))]
    return [((position - 1) % 2, phrases.next[(position - 2) % len(phrases.next)].format(**fill))]


def build_skeleton(
    section: Section, position: int, count: int, show: ShowConfig, issue_title: str,
    topics: list[str] | None = None,
) -> list[Line]:  # fmt: skip
    """The section's lines in order: opening (the welcome and a rundown of the `topics` before the
    first), the news with gaps for the other host, each comment by its host (asked for by the
    other, with a reply gap after it), and a recap and the goodbye after the last section."""
    hosts, phrases = show.host_names, load_phrases(show.language)
    topics = topics or [section.title]
    presenter, other = hosts[(position - 1) % 2], hosts[position % 2]
    lines = [Line(speaker=hosts[h], kind="open", text=t)
             for h, t in _opening(show, issue_title, section, position, topics)]  # fmt: skip
    chunks = news_chunks(section)
    for i, chunk in enumerate(chunks):
        if i:  # the other host asks the way into the next piece of news
            lines.append(Line(speaker=other, kind="segue", fixed=False,
                              about="asks a short question that leads to the next line"))  # fmt: skip
        lines.append(Line(speaker=presenter, kind="news", text=chunk))
    lines.append(Line(speaker=other, kind="react", fixed=False,
                      about="reacts to this news or asks about it"))  # fmt: skip
    for i, comment in enumerate(section.comments):
        asker = next(h for h in hosts if h != comment.host)
        ask = phrases.ask[(2 * (position - 1) + i) % len(phrases.ask)].format(host=comment.host)
        lines.append(Line(speaker=asker, kind="ask", text=ask))
        lines.append(Line(speaker=comment.host, kind="opinion", text=comment.text))
        lines.append(Line(speaker=asker, kind="reply", fixed=False,
                          about=f"answers {comment.host}'s opinion in a few words"))  # fmt: skip
    if position == count:
        if len(topics) > 1 and phrases.outro:
            outro = phrases.outro.format(topics=_listing(topics, phrases.and_word))
            lines.append(Line(speaker=hosts[0], kind="close", text=outro))
        goodbye = phrases.goodbye[0].format(show=show.title)
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
