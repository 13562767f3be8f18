"""The script writer, in one of two modes (the show's `script.mode`, tasks.script.stage):

- **conversation** (a capable API model): the LLM writes each section's whole exchange and the
  code verifies it, with feedback rounds and a per-section fallback to the skeleton
  (tasks.script.exchange);
- **skeleton** (the small embedded model): the code lays out each section so that it already
  sounds like two people (tasks.script.skeleton: both hosts tell the news, comments by their
  hosts, persona markers) and the LLM writes around it. The *draft* pass fills the gaps
  (questions, answers to a comment), each with the code's own line as its fallback; the *refine*
  pass rewrites every line in its host's manner. Every LLM-written line is checked before it
  enters (tasks.script.checks): labels cut, repeats dropped, grounded in the section, no invented
  numbers, no opinion given to the wrong host; a rewritten line must also keep its own facts and,
  for a comment, its substance and stance, or the line stays as it was.

In skeleton mode each section is then checked as a whole and repaired, each repair re-checked:
- opinions (tasks.script.opinions): a flagged comment gets one more refine with feedback, then the
  deterministic fix: the comment said verbatim by its own host, the other host's line that
  carried it taken out;
- coverage (tasks.script.facts): below the gate's minimum, one more refine with the missing facts
  fed back, then the news lines go back to the newsletter's own sentences.
Last, the length loop (tasks.script.length, skeleton mode) and the speech normalization
(tasks.script.normalize).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import BaseModel, Field

from castwright.clients.llm import LLMClient, Usage
from castwright.core.config import LLMPass, ShowConfig
from castwright.core.errors import ScriptError
from castwright.core.models import Newsletter, PastEpisode, Script, Section, Turn
from castwright.core.prompts import render
from tasks.script import checks
from tasks.script.conversation import SectionMode
from tasks.script.exchange import write_exchange
from tasks.script.facts import SectionCoverage, is_told, key_facts, section_coverage, tokens
from tasks.script.gate import check_script
from tasks.script.length import estimate_minutes, fit_length
from tasks.script.normalize import Replacement, load_rules, normalize_script
from tasks.script.opinions import (
    KEPT,
    OpinionRow,
    adds_hedge,
    check_section,
    coverage,
    feedback,
    judge,
    stance_changed,
)
from tasks.script.replies import ReplyTurn, ask_for_turns
from tasks.script.skeleton import (
    Line,
    Rotation,
    build_skeleton,
    fallback,
    load_phrases,
    number_turns,
)

log = logging.getLogger("tasks.script")

OPINION_RETRIES = 1
COVERAGE_RETRIES = 1
MIN_REWRITE_RATIO, MAX_REWRITE_RATIO = 0.5, 2.0


class ScriptResult(BaseModel):
    script: Script
    draft_usage: Usage
    refine_usage: Usage
    replacements: list[Replacement] = Field(default_factory=list)
    opinions: list[OpinionRow] = Field(default_factory=list)
    coverage: list[SectionCoverage] = Field(default_factory=list)
    repairs: list[str] = Field(default_factory=list, description="Deterministic fixes made by code")
    sections: list[SectionMode] = Field(
        default_factory=list, description="How each section was written, and any fallback's reason"
    )
    estimated_minutes: float
    reused: bool = False


class Writer:
    """The state of one script being written: the LLM, the show, and what has been said."""

    def __init__(
        self, llm: LLMClient, show: ShowConfig, history: Sequence[PastEpisode] = ()
    ) -> None:
        self.llm, self.show, self.hosts = llm, show, show.host_names
        self.history = list(history)  # earlier episodes: the draft prompt's memory
        self.language = show.language
        self.said = checks.Said()
        self.draft_usage = Usage()
        self.refine_usage = Usage()
        self.repairs: list[str] = []
        self.valid_calls = self.failed_calls = 0
        self.last_error = ""

    def _messages(self, system: str, user: str) -> list[dict[str, str]]:
        rules = load_rules(self.language)
        return [
            {"role": "system", "content": render(system, show=self.show, hosts=self.show.hosts, rules=rules,
                                                 history=self.history)},
            {"role": "user", "content": user},
        ]  # fmt: skip

    # --- draft: fill the gaps ---------------------------------------------------------------

    def fill_gaps(self, section: Section, lines: list[Line]) -> list[Line]:
        """Ask for every empty gap at once; keep the gap lines that pass the checks."""
        gaps = [line for line in lines if not line.fixed and not line.text]
        if not gaps:
            return lines
        user = render("draft.user.j2", section=section, lines=lines, gaps=len(gaps))
        replies = self._ask("draft.system.j2", user, self.show.script.draft, "draft")
        for gap, reply in _assign(gaps, replies):
            gap.text = self._accept(reply.text, gap.speaker, section, bool(gap.fallback)) or ""
        for gap in gaps:
            if not gap.text and gap.fallback:  # the code's own line, built from the text
                gap.text = self.said.fresh(gap.fallback)
                self.said.add(gap.text)
            if not gap.text:  # a short stock line keeps the turn-taking ("Go on.")
                gap.text = self._fallback(gap) or ""
        return [line for line in lines if line.fixed or line.text]

    def _ask(self, system: str, user: str, params: LLMPass, kind: str) -> list[ReplyTurn]:
        """One LLM call. A reply that stays invalid after its repairs costs only what it would
        have added (the lines stay as they are); a model with no valid reply at all fails the
        script at the end (`check_model`)."""
        try:
            replies, used = ask_for_turns(
                self.llm, self._messages(system, user), self.hosts, params
            )
        except ScriptError as exc:
            self.failed_calls, self.last_error = self.failed_calls + 1, str(exc)
            log.warning("script: a %s call gave nothing usable; the lines stay as they are", kind)
            return []
        if kind == "draft":
            self.draft_usage += used
        else:
            self.refine_usage += used
        self.valid_calls += 1
        return replies

    def ask_turns(self, system: str, user: str, kind: str) -> list[tuple[str, str]]:
        """One pass's (speaker, text) turns, labels cut (conversation mode)."""
        params = self.show.script.draft if kind == "draft" else self.show.script.refine
        return [(r.speaker, checks.without_labels(r.text, r.speaker, self.hosts))
                for r in self._ask(system, user, params, kind)]  # fmt: skip

    def check_model(self) -> None:
        if self.failed_calls and not self.valid_calls:
            raise ScriptError(self.last_error)

    def _fallback(self, gap: Line) -> str | None:
        phrases = load_phrases(self.language)
        used = {p for p in [*phrases.segues, *phrases.replies]
                if any(checks.sentence_key(x) in self.said.keys for x in checks.sentences(p))}  # fmt: skip
        phrase = fallback(self.language, gap.kind, used)
        if phrase:
            self.said.add(phrase)
        return phrase

    def _accept(
        self, raw: str, speaker: str, section: Section, needs_content: bool = False
    ) -> str | None:
        """The LLM's line for a gap when it passes the checks; with `needs_content` (a gap whose
        own fallback names the news) it must also name a word of the section: a stock reaction
        ("Interesting!") would be worse than the fallback."""
        text = self.said.fresh(checks.without_labels(raw, speaker, self.hosts))
        problem = checks.line_problem(text, speaker, section, self.hosts, self.language)
        if (
            not problem
            and needs_content
            and not checks.names_the_section(text, section, self.language)
        ):
            problem = "names nothing of the section"
        if problem:
            log.debug("script: dropped %s's line %r: %s", speaker, raw[:80], problem)
            return None
        self.said.add(text)
        return text

    # --- refine: rewrite every line in its host's manner --------------------------------------

    def refine(
        self, section: Section, lines: list[Line], notes: list[str] | None = None
    ) -> list[Line]:
        turns = _as_turns(section, lines)
        user = render("refine.user.j2", section=section, turns=turns, feedback=notes or [])
        replies = self._ask("refine.system.j2", user, self.show.script.refine, "refine")
        kept = 0
        for line, reply in zip(lines, replies, strict=False):
            if reply.speaker == line.speaker and (new := self._rewrite(line, reply.text, section)):
                line.text, kept = new, kept + 1
        log.info("script: %r refined, %d of %d lines rewritten", section.title, kept, len(lines))
        return lines

    def _rewrite(self, line: Line, raw: str, section: Section) -> str | None:
        text = " ".join(checks.without_labels(raw, line.speaker, self.hosts).split())
        if not text or text == line.text:
            return None
        ratio = len(text.split()) / max(1, len(line.text.split()))
        if not MIN_REWRITE_RATIO <= ratio <= MAX_REWRITE_RATIO:
            return None
        if checks.line_problem(
            text, line.speaker, section, self.hosts, self.language, line.original
        ):
            return None
        if not self._keeps_meaning(line, text, section):
            return None
        others = checks.Said()
        others.keys = self.said.keys - {checks.sentence_key(s) for s in checks.sentences(line.text)}
        if others.fresh(text) != " ".join(checks.sentences(text)):
            return None  # it would repeat something already said
        self.said.add(text)
        return text

    def _keeps_meaning(self, line: Line, text: str, section: Section) -> bool:
        spoken = tokens(text, self.language)
        facts = key_facts(Section(id="line", title="", body=line.text), self.language)
        if not all(is_told(f, spoken, self.language) for f in facts):
            return False
        if line.kind != "opinion":
            return True
        whole = line.comment or line.original
        if line.part:  # a part of a split comment: the same claims, no hedge
            return not stance_changed(line.original, text, self.language) and not adds_hedge(
                line.original, text, self.language
            )
        comment = next(c for c in section.comments if c.host == line.speaker and c.text == whole)
        other = next(h for h in self.hosts if h != line.speaker)
        turn = Turn(id="x", speaker=line.speaker, text=text, section=section.id)
        return judge(comment, section.id, [turn], other, self.language).status == "kept"

    # --- section repairs ----------------------------------------------------------------------

    def enforce_opinions(self, section: Section, lines: list[Line]) -> list[Line]:
        """Refine again with feedback when a comment is flagged; then fix it in code."""
        flagged = self.flagged_opinions(section, lines)
        for _ in range(OPINION_RETRIES):
            if not flagged:
                return lines
            log.info("script: %d opinion(s) flagged in %r; refining again with feedback",
                     len(flagged), section.title)  # fmt: skip
            lines = self.refine(section, lines, feedback(flagged))
            flagged = self.flagged_opinions(section, lines)
        for row in flagged:
            lines = self._restore_opinion(row, section, lines)
        if flagged and (still := self.flagged_opinions(section, lines)):
            log.warning(
                "script: opinions still flagged after repair: %s", [r.comment for r in still]
            )
        return lines

    def flagged_opinions(self, section: Section, lines: list[Line]) -> list[OpinionRow]:
        rows = check_section(
            section.comments, section.id, _as_turns(section, lines), self.hosts, self.language
        )
        return [r for r in rows if r.status != "kept"]

    def _restore_opinion(self, row: OpinionRow, section: Section, lines: list[Line]) -> list[Line]:
        kept = []
        for line in lines:
            said = line.comment or line.original
            if line.kind == "opinion" and line.speaker == row.host and said == row.comment:
                line.text = line.original
            elif (
                line.speaker != row.host and coverage(row.comment, line.text, self.language) >= KEPT
            ):
                if line.fixed:
                    line.text = line.original  # a fixed line of the other host: its own text
                else:
                    continue  # a gap line that carried the other host's comment goes
            kept.append(line)
        self.repairs.append(f"{row.host}'s comment said as written ({row.status}): {row.comment}")
        log.warning(
            "script: %s's comment in %r was %s; said as written",
            row.host,
            section.title,
            row.status,
        )
        return kept

    def enforce_coverage(self, section: Section, lines: list[Line]) -> list[Line]:
        """Below the minimum coverage: refine with the missing facts, then the news as written."""
        minimum = self.show.script.gate.min_coverage
        for _ in range(COVERAGE_RETRIES):
            cov = section_coverage(section, _as_turns(section, lines), self.language)
            if cov.percent >= minimum:
                return lines
            note = f"These facts of the news are missing; tell them: {', '.join(cov.missing)}."
            lines = self.refine(section, lines, [note])
        if section_coverage(section, _as_turns(section, lines), self.language).percent < minimum:
            for line in lines:
                if line.kind == "news":
                    line.text = line.original
            self.repairs.append(f"{section.title}: the news said as the newsletter wrote it")
            log.warning("script: %r told too little of its news; using the newsletter's sentences",
                        section.title)  # fmt: skip
        return lines

    def section(
        self, skeleton: list[Line], section: Section, position: int, count: int
    ) -> list[Line]:
        log.info("script: section %d/%d %r (draft)", position, count, section.title)
        lines = self.fill_gaps(section, skeleton)
        for line in lines:
            line.original = line.text
        log.info("script: section %d/%d (refine)", position, count)
        lines = self.refine(section, lines)
        lines = self.enforce_opinions(section, lines)
        return self.enforce_coverage(section, lines)


def _assign(gaps: list[Line], replies: list[ReplyTurn]) -> list[tuple[Line, ReplyTurn]]:
    """Pair each gap with the next reply turn by the same speaker, in order."""
    pairs, start = [], 0
    for gap in gaps:
        for i in range(start, len(replies)):
            if replies[i].speaker == gap.speaker:
                pairs.append((gap, replies[i]))
                start = i + 1
                break
    return pairs


def _as_turns(section: Section, lines: list[Line]) -> list[Turn]:
    return [
        Turn(id=f"l{i:03d}", speaker=line.speaker, text=line.text, section=section.id)
        for i, line in enumerate(lines, 1)
        if line.text
    ]


def _write_section(
    writer: Writer, newsletter: Newsletter, section: Section, skeleton: list[Line], position: int,
    mode: str,
) -> tuple[list[Line], SectionMode]:  # fmt: skip
    """One section in the script's mode; a conversation that fails its checks falls back to the
    skeleton for this section alone."""
    count = len(newsletter.sections)
    if mode != "conversation":
        return writer.section(skeleton, section, position, count), SectionMode(
            section=section.id, mode="skeleton"
        )
    lines, how = write_exchange(writer, newsletter, section, position)
    if lines is None:
        lines = writer.section(skeleton, section, position, count)
        writer.repairs.append(
            f"{section.title}: written the skeleton's way ({how.fallback_reason})"
        )
    for line in lines:
        writer.said.add(line.text)
    return lines, how


def write_script(
    newsletter: Newsletter, show: ShowConfig, llm: LLMClient, history: Sequence[PastEpisode] = (),
    mode: str = "skeleton",
) -> ScriptResult:  # fmt: skip
    """Write every section in `mode` ("conversation": the LLM writes each exchange, checked by
    code; "skeleton": the code lays it out, the LLM fills gaps), fit the length, then normalize
    for speech. The draft prompt carries the recent `history` so the hosts may call back to
    earlier episodes."""
    writer = Writer(llm, show, history)
    topics = [s.title for s in newsletter.sections]
    rotation = Rotation(show, newsletter.sections)  # the phrases, spread over the episode
    count = len(newsletter.sections)
    skeletons: list[list[Line]] = []
    for i, s in enumerate(newsletter.sections, 1):
        last = skeletons[-1][-1].speaker if skeletons and skeletons[-1] else None
        skeletons.append(build_skeleton(s, i, count, show, newsletter.title, topics, rotation,
                                        last, newsletter.authors))  # fmt: skip
    if mode != "conversation":  # the fixed lines of the whole episode are "said" up front
        for line in (line for lines in skeletons for line in lines):
            writer.said.add(line.text)
    written = [
        _write_section(writer, newsletter, s, lines, i, mode)
        for i, (s, lines) in enumerate(zip(newsletter.sections, skeletons, strict=True), 1)
    ]
    sections = [(s.id, lines) for s, (lines, _) in zip(newsletter.sections, written, strict=True)]
    modes = [how for _, how in written]
    writer.check_model()
    if mode != "conversation":  # a conversation keeps each section to its budget itself
        sections = fit_length(writer, newsletter, sections)
    script, replacements = normalize_script(number_turns(sections), show.language)
    report = check_script(newsletter, script, show, modes)
    log.info("script: %d turns, %d words, about %.1f minutes (target %.1f)", len(script.turns),
             script.words(), report.estimated_minutes, show.script.target_minutes)  # fmt: skip
    return ScriptResult(
        script=script, draft_usage=writer.draft_usage, refine_usage=writer.refine_usage,
        replacements=replacements, opinions=report.opinions, coverage=report.coverage,
        repairs=writer.repairs, estimated_minutes=round(estimate_minutes(script, show), 2),
        sections=modes,
    )  # fmt: skip
