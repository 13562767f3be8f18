"""Length control: estimate the episode's minutes, then expand or condense toward the target.

The estimate is what the master stage will produce: each host's words (counted in words of
average length: English by its syllables, castwright.core.text.speech_words) at its voice's speaking
rate (`words_per_minute` in voices/*.yaml, else the show's `script.words_per_minute`), plus
the pauses it inserts (`audio.pause_ms` between turns, `audio.section_pause_ms` at a section
change). Outside `script.length_tolerance` of the target:
- too short: up to `script.length_passes` expand passes, each asking the LLM for more discussion
  of every section (questions and answers about its facts, checked like every gap line), in
  proportion to what is missing;
- too long: a condense step drops LLM-written lines (reactions and discussion; never the news
  or a comment), the longest first, from the section with the most of them, until it fits.
"""

from __future__ import annotations

import functools
import logging
import math
from typing import TYPE_CHECKING

from castwright.core.config import ShowConfig, mean_rate, speaking_rates
from castwright.core.models import Newsletter, Script
from castwright.core.text import speech_words
from tasks.script.normalize import speak_numbers
from tasks.script.skeleton import Line, discussion_gaps

if TYPE_CHECKING:
    from tasks.script.writer import Writer

log = logging.getLogger("tasks.script")

WORDS_PER_GAP = 14  # until the model has written a line, assume it writes this many words
MAX_GAPS_PER_SECTION = 10


@functools.lru_cache(maxsize=8192)
def spoken_words(text: str, language: str) -> float:
    """`text` (numbers in digits or words) in words of average length, as the voices say it."""
    return speech_words(speak_numbers(text, language), language)


def _minutes(spoken: list[tuple[str, float]], sections: int, show: ShowConfig) -> float:
    """`spoken`: (host, words of average length: castwright.core.text.speech_words) per turn,
    each host at its voice's speaking rate."""
    rates = speaking_rates(show)
    default = show.script.words_per_minute
    speech = sum(words / rates.get(host, default) for host, words in spoken)
    audio = show.audio
    pauses_ms = max(0, len(spoken) - 1) * audio.pause_ms
    pauses_ms += max(0, sections - 1) * max(0, audio.section_pause_ms - audio.pause_ms)
    return speech + pauses_ms / 60_000


def estimate_minutes(script: Script, show: ShowConfig) -> float:
    """Minutes the mastered episode of `script` will last."""
    sections = len({t.section for t in script.turns})
    spoken = [(t.speaker, spoken_words(t.text, show.language)) for t in script.turns]
    return _minutes(spoken, sections, show)


def _lines_minutes(sections: list[tuple[str, list[Line]]], show: ShowConfig) -> float:
    spoken = [(line.speaker, spoken_words(line.text, show.language))
              for _, ls in sections for line in ls]  # fmt: skip
    return _minutes(spoken, len(sections), show)


def length_error(minutes: float, show: ShowConfig) -> float:
    """(estimate - target) / target: negative when short."""
    return (minutes - show.script.target_minutes) / show.script.target_minutes


def _insert_at(lines: list[Line]) -> int:
    """New discussion goes after the news and its reactions, before the comments."""
    first_opinion = next((i for i, ln in enumerate(lines) if ln.kind == "opinion"), None)
    if first_opinion is not None:
        return first_opinion
    return next((i for i, ln in enumerate(lines) if ln.kind == "close"), len(lines))


def expand(
    writer: Writer, newsletter: Newsletter, sections: list[tuple[str, list[Line]]], words: int
) -> list[tuple[str, list[Line]]]:
    """One expand pass: about `words` more words of discussion, shared by news length."""
    sizes = [len(s.body.split()) + 1 for s in newsletter.sections]
    written = [len(ln.text.split()) for _, lines in sections for ln in lines if not ln.fixed]
    per_gap = sum(written) / len(written) if written else WORDS_PER_GAP  # this model's habit
    grown = []
    for position, (section, (sid, lines)) in enumerate(
        zip(newsletter.sections, sections, strict=True), 1
    ):
        share = words * sizes[position - 1] / sum(sizes)
        n = min(MAX_GAPS_PER_SECTION, max(1, math.ceil(share / per_gap)))
        at = _insert_at(lines)
        before = lines[at - 1].speaker if at else writer.hosts[1]
        asker = next(h for h in writer.hosts if h != before)
        with_gaps = lines[:at] + discussion_gaps(asker, writer.hosts, n) + lines[at:]
        filled = writer.fill_gaps(section, with_gaps)
        for line in filled:
            line.original = line.original or line.text
        grown.append((sid, filled))
    return grown


def condense(
    sections: list[tuple[str, list[Line]]], show: ShowConfig
) -> list[tuple[str, list[Line]]]:
    """Drop LLM-written lines, longest first, until the estimate is within tolerance."""
    tolerance = show.script.length_tolerance
    while length_error(_lines_minutes(sections, show), show) > tolerance:
        droppable = [(len(ln.text.split()), si, li) for si, (_, lines) in enumerate(sections)
                     for li, ln in enumerate(lines) if not ln.fixed]  # fmt: skip
        if not droppable:
            break
        _, si, li = max(droppable)
        sid, lines = sections[si]
        sections[si] = (sid, lines[:li] + lines[li + 1 :])
    return sections


def fit_length(
    writer: Writer, newsletter: Newsletter, sections: list[tuple[str, list[Line]]]
) -> list[tuple[str, list[Line]]]:
    show = writer.show
    tolerance = show.script.length_tolerance
    for attempt in range(show.script.length_passes):
        minutes = _lines_minutes(sections, show)
        error = length_error(minutes, show)
        if error >= -tolerance:
            break
        missing = round(-error * show.script.target_minutes * mean_rate(show))
        log.info("script: about %.1f of %.1f minutes; expand pass %d asks for ~%d more words",
                 minutes, show.script.target_minutes, attempt + 1, missing)  # fmt: skip
        sections = expand(writer, newsletter, sections, missing)
    if length_error(_lines_minutes(sections, show), show) > tolerance:
        log.info("script: longer than the target; dropping discussion lines to fit")
        sections = condense(sections, show)
    return sections
