"""The script gate: one quality report of the script, and no voices paid for a script that fails.

The report measures what a listener would notice: is each section's news told (coverage), does
each host say their own comment (opinions), is the length near the target, are speaker labels read
aloud, is a sentence said twice. It runs on every script, written by the LLM or edited by hand
(`--script`), and is written next to the episode (`script-report.md`, `script-report.json`), shown
as a flow-run artifact and logged. The show's `script.gate` settings relax each rule.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from castwright.core.config import ShowConfig
from castwright.core.errors import ScriptGateError
from castwright.core.models import LeftOut, Newsletter, Script
from castwright.core.store import atomic_json, atomic_write
from castwright.core.text import markdown_escape
from tasks.script import conversation
from tasks.script.checks import labelled_turns, repeated_sentences
from tasks.script.conversation import ConversationReport, SectionMode
from tasks.script.facts import SectionCoverage, section_coverage
from tasks.script.length import estimate_minutes, length_error
from tasks.script.opinions import OpinionRow, check_opinions, report_markdown
from tasks.script.persona import persona_markers

if TYPE_CHECKING:
    from tasks.newsletter.select import Selection

log = logging.getLogger("tasks.script")

#: spend caps, checked before any TTS job and never waived by a reviewer's approval: a script
#: this many times its target (words at the show's rate), or with this many turns per target
#: minute, is refused (a newsletter telling the model to "output 10000 turns" must not cost hours)
MAX_LENGTH_FACTOR = 3.0
MAX_TURNS_PER_MINUTE = 40


class ScriptReport(BaseModel):
    coverage: list[SectionCoverage]
    opinions: list[OpinionRow]
    estimated_minutes: float
    target_minutes: float
    length_error: float
    labelled_turns: list[str]
    repeated_sentences: list[str]
    conversation: ConversationReport | None = None
    failures: list[str]
    warnings: list[str] = []
    #: what the episode does not tell of its source (tasks/newsletter/select.py) and the share
    #: of the source's key facts it tells
    left_out: list[LeftOut] = []
    source_facts: int = 0
    facts_told: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def mean_coverage(self) -> float:
        return (
            sum(c.percent for c in self.coverage) / len(self.coverage) if self.coverage else 100.0
        )


def _failures(
    cov: list[SectionCoverage], opinions: list[OpinionRow], error: float, labels: list[str],
    repeats: list[str], show: ShowConfig,
) -> list[str]:  # fmt: skip
    gate, failures = show.script.gate, []
    for c in cov:
        if c.percent < gate.min_coverage:
            failures.append(f"section {c.section}: {c.percent:.0f}% of its news told "
                            f"(needs {gate.min_coverage:.0f}%); missing: {', '.join(c.missing)}")  # fmt: skip
    if gate.opinions_kept:
        failures += [f"{r.host}'s comment is {r.status} in {r.section}: {r.comment}"
                     for r in opinions if r.status != "kept"]  # fmt: skip
    if abs(error) > gate.max_length_error and (error > 0 or gate.strict_length):
        failures.append(
            f"length {error:+.0%} off the target (allowed ±{gate.max_length_error:.0%})"
        )
    if labels and not gate.allow_labels:
        failures.append(f"speaker labels read aloud in {', '.join(labels)}")
    if repeats and not gate.allow_repeats:
        failures.append(f"{len(repeats)} sentence(s) said twice, e.g. {repeats[0]!r}")
    return failures


def _length_warnings(error: float, show: ShowConfig) -> list[str]:
    gate = show.script.gate
    if error < -gate.max_length_error and not gate.strict_length:
        return [f"length {error:+.0%} off the target: a shorter episode (the source holds less; "
                "script.gate.strict_length refuses it)"]  # fmt: skip
    return []


def with_selection(report: ScriptReport, selection: Selection) -> ScriptReport:
    """The report with what the episode leaves out of its source and the facts it tells."""
    told = sum(len(c.facts) - len(c.missing) for c in report.coverage)
    return report.model_copy(update={
        "left_out": selection.left_out, "source_facts": selection.source_facts,
        "facts_told": told, "warnings": [*selection.warnings, *report.warnings],
    })  # fmt: skip


def _conversation_failures(talk: ConversationReport, show: ShowConfig) -> list[str]:
    """The conversation bars the show sets (`script.gate`; unset bars only report)."""
    gate, failures = show.script.gate, []
    bars = [
        (gate.max_stock_share, talk.stock_share, "of the turns are stock lines"),
        (gate.max_handover_share, talk.handover_share, "of the comments follow a hand-over question"),
        (gate.max_verbatim_share, talk.verbatim_share, "of the news sentences are read word for word"),
    ]  # fmt: skip
    for bar, value, what in bars:
        if bar is not None and value > bar:
            failures.append(f"{value:.0%} {what} (allowed {bar:.0%})")
    if gate.max_phrase_repeats is not None and talk.top_phrase_count > gate.max_phrase_repeats:
        failures.append(f'"{talk.top_phrase}" said {talk.top_phrase_count} times '
                        f"(allowed {gate.max_phrase_repeats})")  # fmt: skip
    if gate.max_run_words is not None and talk.longest_run_words > gate.max_run_words:
        failures.append(f"{talk.longest_run_host} speaks {talk.longest_run_words} words in a row "
                        f"(allowed {gate.max_run_words})")  # fmt: skip
    if gate.markers_in_sections:
        failures += [f"{d.host} uses none of the persona's markers in {', '.join(d.sections_without)}"
                     for d in talk.delivery if d.sections_without]  # fmt: skip
    return failures


def spend_limits(script: Script, show: ShowConfig) -> list[str]:
    """What puts `script` over the spend caps (empty when within them)."""
    target = show.script.target_minutes
    words_cap = MAX_LENGTH_FACTOR * target * show.script.words_per_minute
    turns_cap = MAX_TURNS_PER_MINUTE * MAX_LENGTH_FACTOR * target
    over = []
    if script.words() > words_cap:
        over.append(f"spend cap: {script.words():,} words, over {words_cap:,.0f} "
                    f"({MAX_LENGTH_FACTOR:g}x the {target:g}-minute target at "
                    f"{show.script.words_per_minute} words per minute)")  # fmt: skip
    if len(script.turns) > turns_cap:
        over.append(f"spend cap: {len(script.turns):,} turns, over {turns_cap:,.0f} for a "
                    f"{target:g}-minute target")  # fmt: skip
    return over


def check_script(
    newsletter: Newsletter, script: Script, show: ShowConfig, modes: list[SectionMode] | None = None
) -> ScriptReport:
    """Measure `script` against its newsletter and the show's gate settings (`modes`: how the
    writer wrote each section, for the report)."""
    cov = [section_coverage(s, script.turns, show.language) for s in newsletter.sections]
    opinions = check_opinions(newsletter, script, show.host_names, show.language)
    personas = {h.name: h.persona for h in show.hosts}
    talk = conversation.conversation_report(
        newsletter, script, personas, opinions, show.language, modes
    )
    minutes = estimate_minutes(script, show)
    error = length_error(minutes, show)
    labels = labelled_turns(script.turns, show.host_names)
    repeats = repeated_sentences(
        script.turns, [m for h in show.hosts for m in persona_markers(h.persona)]
    )
    return ScriptReport(
        coverage=cov, opinions=opinions, estimated_minutes=round(minutes, 2),
        target_minutes=show.script.target_minutes, length_error=round(error, 3),
        labelled_turns=labels, repeated_sentences=repeats, conversation=talk,
        failures=_failures(cov, opinions, error, labels, repeats, show)
        + _conversation_failures(talk, show) + spend_limits(script, show),
        warnings=_length_warnings(error, show),
    )  # fmt: skip


def report_summary(report: ScriptReport) -> str:
    kept = sum(r.status == "kept" for r in report.opinions)
    return (
        f"coverage {report.mean_coverage:.0f}% (lowest {min((c.percent for c in report.coverage), default=100):.0f}%), "
        f"opinions {kept}/{len(report.opinions)} kept, length {report.estimated_minutes:.1f} of "
        f"{report.target_minutes:g} min ({report.length_error:+.0%}), "
        f"{len(report.labelled_turns)} labelled turn(s), {len(report.repeated_sentences)} repeat(s)"
        + (f"; facts told {report.facts_told}/{report.source_facts} of the source's "
           f"({report.facts_told / report.source_facts:.0%}), {len(report.left_out)} part(s) "
           "left out" if report.source_facts else "")
        + (f"; {conversation.summary(report.conversation)}" if report.conversation else "")
    )  # fmt: skip


#: how a reviewer hears the script before it is voiced (the file sits next to this report)
LISTEN_HINT = (
    "Hear it before it is voiced, each line as it renders: "
    "`castwright listen --script script.yaml` in this folder (`--serve` plays it in a browser)."
)


def report_markdown_text(report: ScriptReport) -> str:
    rows = "\n".join(
        f"| {c.section} | {c.percent:.0f}% | {markdown_escape(', '.join(c.missing)) or '-'} |"
        for c in report.coverage
    )
    verdict = (
        "passed"
        if report.passed
        else "FAILED:\n" + "\n".join(f"- {markdown_escape(f)}" for f in report.failures)
    )
    notes = "".join(f"- {markdown_escape(w)}\n" for w in report.warnings)
    return (
        f"# Script report\n\n{report_summary(report)}\n\nGate: {verdict}\n\n"
        + (f"Warnings:\n{notes}\n" if notes else "")
        + left_out_markdown(report.left_out)
        + f"## Coverage of each section's news\n\n| section | told | missing facts |\n|---|---|---|\n"
        f"{rows}\n\n## Opinions\n\n{report_markdown(report.opinions)}\n\n"
        + (conversation.markdown(report.conversation) + "\n" if report.conversation else "")
        + "How facts are picked and scored: tasks/script/facts.py; opinions: "
        "tasks/script/opinions.py; the conversation: tasks/script/conversation.py.\n"
        f"\n{LISTEN_HINT}\n"
    )


def left_out_markdown(left_out: list[LeftOut]) -> str:
    """What the episode does not tell of its source, part by part."""
    if not left_out:
        return ""
    rows = "\n".join(f"| {o.kind} | {markdown_escape(o.section) or '-'} | "
                     f"{markdown_escape(o.first_words)} | {o.words} |" for o in left_out)  # fmt: skip
    return (f"## Left out of the episode ({len(left_out)})\n\n| part | section | first words "
            f"| words |\n|---|---|---|---|\n{rows}\n\n")  # fmt: skip


def write_report(report: ScriptReport, episode_dir: Path) -> Path:
    atomic_json(episode_dir / "script-report.json", report.model_dump(mode="json"))
    return atomic_write(episode_dir / "script-report.md", report_markdown_text(report))


def gate_script(
    newsletter: Newsletter, script: Script, show: ShowConfig, episode_dir: Path, approved: bool,
    modes: list[SectionMode] | None = None, selection: Selection | None = None,
) -> ScriptReport:  # fmt: skip
    """Report on the script; raise ScriptGateError when it fails (unless a reviewer approved it).
    With the `selection` that chose what the episode tells, the report lists what it leaves out."""
    from prefect.artifacts import create_markdown_artifact

    report = check_script(newsletter, script, show, modes)
    report = with_selection(report, selection) if selection else report
    for warning in report.warnings:
        log.warning("script gate: %s", warning)
    write_report(report, episode_dir)
    create_markdown_artifact(key="script-report", markdown=report_markdown_text(report),
                             description="Script quality gate")  # fmt: skip
    log.info("script gate: %s", report_summary(report))
    enforce(report, spend_limits(script, show), episode_dir, approved)
    return report


def enforce(report: ScriptReport, over_spend: list[str], episode_dir: Path, approved: bool) -> None:
    """Raise ScriptGateError for a failed report, unless approved and within the spend caps."""
    if report.passed or (approved and not over_spend):
        return
    raise ScriptGateError(
        "the script failed the quality gate, so nothing was voiced:\n  - "
        + "\n  - ".join(report.failures)
        + f"\nReport: {episode_dir / 'script-report.md'}. To go on: edit "
        f"{episode_dir / 'script.yaml'} and run again with --script (flow parameter "
        "script_file), or run with review=true to approve it by hand; the show file's "
        "script.gate settings relax each rule (never the spend caps: shorten the script or "
        "raise the target minutes)."
    )
