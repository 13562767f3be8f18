"""Length by selection: choose what the episode tells so that it fits the show's target.

Runs between the parse and the script. Every sentence of the news is ranked by its centrality in
the issue (TF-IDF vectors of the sentences, scikit-learn; a sentence's score is its mean cosine
similarity to all the others, as in LexRank), a section's opening sentence counts more, and a
sentence from a central section more than one from a marginal section. The hosts' comments are
always kept, so a section with a comment is always told. Sentences are taken best first while
the episode's estimate stays within the target: the words at the show's speaking rate, plus the
lines the script stage adds around them (transitions, reactions, the questions before each
comment) and the pauses between turns; a section's first sentence brings its section's lines
too. What each section gets is its word budget; the rest is left out and listed, section by
section with its first words.

Shorter than the target, everything is kept: a shorter episode, with a warning (the script gate
refuses it only when the show sets `script.gate.strict_length`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer

from castwright.core.config import ShowConfig, mean_rate
from castwright.core.models import LeftOut, Newsletter, Section
from tasks.newsletter.blocks import first_words
from tasks.script.facts import key_facts, news_sentences
from tasks.script.length import spoken_words
from tasks.script.lexicon import lexicon
from tasks.script.normalize import spoken_title

log = logging.getLogger(__name__)

#: words the script stage says around the news (tasks/script/skeleton.py and its phrases):
#: the welcome and rundown, a transition per section, a reaction gap per section, a question
#: between two pieces of news, the question before each comment and the reply after it.
#: Measured on the embedded model: most question gaps between news lines end up empty (each fixed
#: fallback is said once per episode; the 30-minute run from go-open-source.md wrote 25.0 minutes
#: where every gap was counted), so a gap counts as SEGUE_SHARE of a short turn; a longer
#: script is cheap to fix (the script stage drops its own lines), a shorter one costs LLM passes
OPENING_WORDS, TRANSITION_WORDS, REACT_WORDS = 10, 4, 8
SEGUE_WORDS, ASK_WORDS, REPLY_WORDS = 5, 5, 6
SEGUE_SHARE = 0.2
GOODBYE_WORDS = 12
NEWS_CHUNK_WORDS = 30  # a news line holds about this many words (tasks/script/skeleton.py)
LEAD_BOOST = 1.6  # a section's first sentence says what the section is about
POSITION_WEIGHT = 0.6  # the last section counts this much less than the first
SAMENESS_WEIGHT = 4.0  # how much a templated list of lines lowers its section's rank
REDUNDANCY = 0.7  # how much a sentence's likeness to one already chosen lowers its rank
#: the news a section needs to be worth its transition and reactions: a 4-minute episode at
#: 190 words a minute tells about 6 sections, a 30-minute one up to about 50
MIN_SECTION_WORDS = 120


class Selection(BaseModel):
    """What the episode tells of the issue, and what it leaves out."""

    issue: Newsletter = Field(description="The issue as the episode tells it")
    left_out: list[LeftOut] = Field(default_factory=list)
    source_words: int
    kept_words: int
    estimated_minutes: float
    target_minutes: float
    budgets: dict[str, int] = Field(default_factory=dict, description="Section id -> words")
    source_facts: int = 0
    chosen_facts: int = 0
    warnings: list[str] = Field(default_factory=list)


@dataclass
class Candidate:
    section: int
    position: int
    text: str
    score: float = 0.0
    repeat: bool = False  # the same sentence came earlier in the issue

    @property
    def words(self) -> int:
        return len(self.text.split())


def similarities(texts: list[str], language: str) -> np.ndarray:
    """Cosine similarities of the texts' TF-IDF vectors (the show's language's stop words out)."""
    if len(texts) < 2:
        return np.ones((len(texts), len(texts)))
    stop = sorted(lexicon(language).stop_words)
    vectorizer = TfidfVectorizer(
        stop_words=stop, sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_]{2,}\b"
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # only stop words
        return np.eye(len(texts))
    return np.asarray((matrix @ matrix.T).toarray())


def centrality(similarity: np.ndarray, groups: list[int]) -> np.ndarray:
    """Each text's mean similarity to the texts of the other groups (sections): how central it
    is to the whole issue; a list of near-identical lines (event dates, changelog entries) is
    only central to itself. With one group, the mean similarity to the others in it."""
    n = len(similarity)
    if n < 2:
        return np.ones(n)
    group = np.asarray(groups)
    other = group[:, None] != group[None, :]
    if not other.any():
        other = ~np.eye(n, dtype=bool)
    counts = np.maximum(other.sum(axis=1), 1)
    return np.asarray((similarity * other).sum(axis=1) / counts)


def _sameness(similarity: np.ndarray, groups: list[int], count: int) -> list[float]:
    """Per section, the mean similarity between its own sentences: high for a list of lines
    made from one template (event dates, changelog entries), low for prose."""
    group = np.asarray(groups)
    out = []
    for i in range(count):
        idx = np.flatnonzero(group == i)
        n = len(idx)
        block = similarity[np.ix_(idx, idx)]
        out.append(float((block.sum() - np.trace(block)) / (n * (n - 1))) if n > 1 else 0.0)
    return out


def _candidates(
    issue: Newsletter, language: str
) -> tuple[list[Candidate], np.ndarray, list[float]]:
    """The news sentences scored, their similarities, and each section's importance: its best
    sentences' centrality, earlier sections a little more (editors lead with what matters)."""
    found = [Candidate(i, n, text) for i, s in enumerate(issue.sections)
             for n, text in enumerate(news_sentences(s))]  # fmt: skip
    similarity = similarities([c.text for c in found], language)
    scores = centrality(similarity, [c.section for c in found])
    top = float(scores.max()) if len(scores) and scores.max() > 0 else 1.0
    by_section: dict[int, list[float]] = {i: [] for i in range(len(issue.sections))}
    for c, score in zip(found, scores, strict=True):
        c.score = float(score) / top
        by_section[c.section].append(c.score)
    count = max(1, len(issue.sections))
    sameness = _sameness(similarity, [c.section for c in found], count)
    importance = [
        (sum(sorted(v)[-3:]) / min(3, len(v)) if v else 0.0)
        * (1 - POSITION_WEIGHT * i / count)
        / (1 + SAMENESS_WEIGHT * sameness[i])
        for i, v in by_section.items()
    ]
    seen: set[str] = set()
    for c in found:
        c.score *= (LEAD_BOOST if c.position == 0 else 1.0) * (0.5 + importance[c.section])
        key = " ".join(c.text.casefold().split())
        c.repeat = key in seen  # a sentence said twice is told once
        seen.add(key)
    return found, similarity, importance


def _chunks(sentences: list[float]) -> int:
    """News lines for sentences of these word counts, packed as the script stage packs them."""
    chunks, size = 0, NEWS_CHUNK_WORDS + 1.0
    for words in sentences:
        if size + words <= NEWS_CHUNK_WORDS:
            size += words
        else:
            chunks, size = chunks + 1, words
    return chunks


def estimate_minutes(
    sections: list[tuple[list[float], list[float]]], titles: list[float], show: ShowConfig
) -> float:
    """Minutes of an episode telling, per section, sentences of these word counts, with
    comments of these word counts; `titles` are the sections' title words."""
    words: float = OPENING_WORDS + sum(titles) + GOODBYE_WORDS
    turns: float = 2 + (len(sections) > 1)
    for (news, comments), title in zip(sections, titles, strict=True):
        chunks = _chunks(news)
        words += TRANSITION_WORDS + title + sum(news) + REACT_WORDS
        words += sum(comments) + len(comments) * (ASK_WORDS + REPLY_WORDS)
        segues = SEGUE_SHARE * max(0, chunks - 1)
        words += SEGUE_WORDS * segues
        turns += 1 + chunks + segues + 1 + 3 * len(comments)
    audio = show.audio
    pauses_ms = max(0, turns - 1) * audio.pause_ms
    pauses_ms += max(0, len(sections) - 1) * max(0, audio.section_pause_ms - audio.pause_ms)
    return words / mean_rate(show) + pauses_ms / 60_000


class _Plan:
    """The sentences chosen so far, per section, and the estimate they make."""

    def __init__(self, issue: Newsletter, show: ShowConfig) -> None:
        self.issue, self.show = issue, show
        self.chosen: dict[int, list[Candidate]] = {
            i: [] for i, s in enumerate(issue.sections) if s.comments
        }

    def minutes(self, extra: Candidate | None = None) -> float:
        chosen = {i: list(cs) for i, cs in self.chosen.items()}
        if extra is not None:
            chosen.setdefault(extra.section, []).append(extra)
        for cs in chosen.values():
            cs.sort(key=lambda c: c.position)
        order = sorted(chosen)
        lang = self.show.language  # lengths in words as the voices say them (speech_words)
        sections = [([spoken_words(c.text, lang) for c in chosen[i]],
                     [spoken_words(m.text, lang) for m in self.issue.sections[i].comments]) for i in order]  # fmt: skip
        titles = [spoken_words(spoken_title(self.issue.sections[i].title), lang) for i in order]
        return estimate_minutes(sections, titles, self.show)


def _pick(plan: _Plan, pool: list[int], candidates: list[Candidate], similarity: np.ndarray,
          target: float) -> None:  # fmt: skip
    """Add sentences of `pool` best first while the estimate stays within the target; a
    sentence like one already chosen counts less (maximal marginal relevance)."""
    closest = np.zeros(len(candidates))
    for picked in (id(c) for cs in plan.chosen.values() for c in cs):
        k = next(k for k, c in enumerate(candidates) if id(c) == picked)
        closest = np.maximum(closest, similarity[k])
    chosen = {id(c) for cs in plan.chosen.values() for c in cs}
    left = {k for k in pool if not candidates[k].repeat and id(candidates[k]) not in chosen}
    while left:
        ranked = sorted(left, key=lambda k: (-(candidates[k].score - REDUNDANCY * closest[k]), k))
        fitting = next((k for k in ranked if plan.minutes(candidates[k]) <= target), None)
        if fitting is None:
            return
        c = candidates[fitting]
        plan.chosen.setdefault(c.section, []).append(c)
        closest = np.maximum(closest, similarity[fitting])
        left.discard(fitting)


def select(issue: Newsletter, show: ShowConfig) -> Selection:
    """The issue as an episode of the show's target length can tell it."""
    target = show.script.target_minutes
    candidates, similarity, importance = _candidates(issue, show.language)
    everything = _Plan(issue, show)
    everything.chosen = {i: told for i, s in enumerate(issue.sections)
                         if (told := [c for c in candidates if c.section == i and not c.repeat])
                         or s.comments}  # fmt: skip
    if everything.minutes() <= target * (1 + show.script.length_tolerance):  # it fits as it is
        return _result(issue, show, candidates, everything)
    plan = _Plan(issue, show)
    for c in candidates:  # a comment is never heard without the news it is about
        if c.position == 0 and c.section in plan.chosen:
            plan.chosen[c.section].append(c)
    room = max(1, int(target * show.script.words_per_minute / MIN_SECTION_WORDS))
    ranked = sorted(range(len(issue.sections)), key=lambda i: -importance[i])
    first = set(plan.chosen) | set(ranked[: max(0, room - len(plan.chosen))])
    inside = [k for k, c in enumerate(candidates) if c.section in first]
    _pick(plan, inside, candidates, similarity, target)
    rest = [k for k in range(len(candidates)) if k not in set(inside)
            and (candidates[k].score > 0 or candidates[k].section in plan.chosen)]  # fmt: skip
    _pick(plan, rest, candidates, similarity, target)  # never a new section that shares no word
    return _result(issue, show, candidates, plan)


def _chosen_issue(issue: Newsletter, plan: _Plan) -> Newsletter:
    sections: list[Section] = []
    for i, section in enumerate(issue.sections):
        if i not in plan.chosen:
            continue
        told = sorted(plan.chosen[i], key=lambda c: c.position)
        if len(told) == len(news_sentences(section)):  # all of it: the section as written
            sections.append(section)
            continue
        body = " ".join(c.text for c in told)  # one line: never mistaken for a bare link's text
        links = [k for k in section.links if k.text.strip().casefold() != body.casefold()]
        sections.append(
            section.model_copy(update={"body": body, "links": links, "full_body": section.body})
        )
    return issue.model_copy(update={"sections": sections})


def _left_out(issue: Newsletter, candidates: list[Candidate], plan: _Plan) -> list[LeftOut]:
    """Each section left out whole, and each run of sentences left out of a told section."""
    kept = {id(c) for cs in plan.chosen.values() for c in cs}
    out: list[LeftOut] = []
    for i, section in enumerate(issue.sections):
        mine = [c for c in candidates if c.section == i]
        if i not in plan.chosen:
            text = " ".join(c.text for c in mine)
            out.append(LeftOut(kind="section", section=section.title,
                               first_words=first_words(text), words=len(text.split())))  # fmt: skip
            continue
        run: list[Candidate] = []
        for c in [*mine, None]:
            if c is not None and id(c) not in kept:
                run.append(c)
            elif run:
                text = " ".join(r.text for r in run)
                out.append(LeftOut(kind="sentences", section=section.title,
                                   first_words=first_words(text), words=len(text.split())))  # fmt: skip
                run = []
    return out


def _facts(issue: Newsletter, language: str) -> int:
    return sum(len(key_facts(s, language)) for s in issue.sections)


def _result(
    issue: Newsletter, show: ShowConfig, candidates: list[Candidate], plan: _Plan
) -> Selection:
    chosen = _chosen_issue(issue, plan)
    minutes = plan.minutes()
    target = show.script.target_minutes
    warnings = list(issue.warnings)
    if minutes < target * (1 - show.script.gate.max_length_error):
        warnings.append(f"the source holds about {minutes:.1f} minutes of news for the "
                        f"{target:g}-minute target: the episode will be shorter")  # fmt: skip
    for w in warnings:
        log.warning("selection: %s", w)
    budgets = {issue.sections[i].id: sum(c.words for c in cs) for i, cs in plan.chosen.items()}
    return Selection(
        issue=chosen, left_out=[*_left_out(issue, candidates, plan), *issue.left_out],
        source_words=issue.prose_words, kept_words=chosen.prose_words,
        estimated_minutes=round(minutes, 2), target_minutes=target, budgets=budgets,
        source_facts=_facts(issue, show.language), chosen_facts=_facts(chosen, show.language),
        warnings=warnings,
    )  # fmt: skip


def summary(selection: Selection) -> str:
    """One line: how much of the source the episode tells."""
    told = len(selection.issue.sections)
    total = told + sum(o.kind == "section" for o in selection.left_out)
    share = selection.chosen_facts / selection.source_facts if selection.source_facts else 1.0
    return (f"told {told} of {total} sections, {selection.kept_words:,} of "
            f"{selection.source_words:,} prose words, {share:.0%} of the source's facts; "
            f"{len(selection.left_out)} part(s) left out")  # fmt: skip


def left_out_lines(selection: Selection, limit: int = 12) -> list[str]:
    """What the episode does not tell, one line per part (the first `limit`)."""
    lines = [f"{o.kind} ({o.words} words) in {o.section or 'the opening'!r}: {o.first_words}"
             for o in selection.left_out[:limit]]  # fmt: skip
    more = len(selection.left_out) - limit
    return lines + ([f"... and {more} more (script-report.md)"] if more > 0 else [])


@task(name="select-what-to-tell", cache_policy=NO_CACHE)
def select_task(issue: Newsletter, show: ShowConfig) -> Selection:
    selection = select(issue, show)
    log.info("selection: %s (about %.1f of %g minutes)", summary(selection),
             selection.estimated_minutes, selection.target_minutes)  # fmt: skip
    return selection
