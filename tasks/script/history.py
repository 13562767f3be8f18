"""The show's memory: does a section of this issue repeat a topic an earlier episode covered?

A section repeats an earlier topic when their titles name the same thing, or when most of the
distinctive words of the shorter side (title and the news's first sentence: stemmed content words
of four letters or more) are shared. Lexical, like the coverage check: "GPU prices" and
"graphics-card costs" are not matched. A repeat is reported (log, manifest, artifact), not
blocked: a story may well continue, and the draft prompt already tells the hosts what was said.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from castwright.core.models import Newsletter, PastEpisode, PastTopic, Section
from castwright.core.text import markdown_escape
from tasks.script.facts import news_sentences, tokens
from tasks.script.lexicon import lexicon

MIN_SHARED = 3  # distinctive words in common, at least
MIN_OVERLAP = 0.5  # of the smaller side's distinctive words


class RepeatedTopic(BaseModel):
    section: str
    title: str
    earlier_episode: str
    earlier_date: str
    earlier_topic: str
    shared_words: list[str]


def distinctive(text: str, language: str) -> set[str]:
    stop = lexicon(language).stop_words
    return {w for w in tokens(text, language) if len(w) >= 4 and w not in stop}


def _section_words(section: Section, language: str) -> set[str]:
    first = next(iter(news_sentences(section)), "")
    return distinctive(f"{section.title} {first}", language)


def _topic_words(topic: PastTopic, language: str) -> set[str]:
    return distinctive(f"{topic.title} {topic.summary}", language)


def _repeats(a: set[str], b: set[str], same_title: bool) -> bool:
    shared = a & b
    smaller = min(len(a), len(b)) or 1
    return same_title or (len(shared) >= MIN_SHARED and len(shared) / smaller >= MIN_OVERLAP)


def repeated_topics(
    issue: Newsletter, history: Sequence[PastEpisode], language: str = "en"
) -> list[RepeatedTopic]:
    """Every section of `issue` that covers a topic of an earlier episode (the newest match)."""
    found = []
    for section in issue.sections:
        words = _section_words(section, language)
        title = " ".join(tokens(section.title, language))
        for episode in history:
            match = next((t for t in episode.topics if _repeats(
                words, _topic_words(t, language), title == " ".join(tokens(t.title, language)))), None)  # fmt: skip
            if match is not None:
                shared = sorted(words & _topic_words(match, language))
                found.append(RepeatedTopic(section=section.id, title=section.title,
                                           earlier_episode=episode.title, earlier_date=str(episode.date),
                                           earlier_topic=match.title, shared_words=shared))  # fmt: skip
                break
    return found


def repeats_markdown(repeats: list[RepeatedTopic], history: Sequence[PastEpisode]) -> str:
    lines = [f"# Show history: {len(history)} earlier episode(s) in the draft prompt", ""]
    lines += [f"- {e.date} {markdown_escape(e.title)}: "
              f"{', '.join(markdown_escape(t.title) for t in e.topics)}" for e in history]  # fmt: skip
    lines += ["", f"## Repeated topics: {len(repeats)}", ""]
    lines += [f"- **{markdown_escape(r.title)}** repeats *{markdown_escape(r.earlier_topic)}* "
              f"({markdown_escape(r.earlier_episode)}, {r.earlier_date});"
              f" shared words: {', '.join(r.shared_words) or 'the title'}" for r in repeats]  # fmt: skip
    return "\n".join(lines)
