"""The shape of each section, owned by the code so that no model can break it, and laid out so
that even with no usable LLM line it sounds like two people talking about the news.

A section's skeleton is a list of lines. The code writes the *fixed* ones:
- the transition into the section (a welcome and the rundown before the first, a goodbye after
  the last), said by the host who opens the story (presenters alternate from section to section);
- the news, told by BOTH hosts (the author's "I" retold as "they": tasks.script.person): the
  body's sentences in groups of a sentence or two; after a group with a number the other host
  asks about it ("Wait, forty percent?") and the teller goes on, otherwise the other host takes
  over the telling ("I read that ...");
- each host's own comment, said by that host; a hand-over question only where that host has just
  spoken, otherwise the comment simply follows; in a comment of several sentences the other host
  may pick up its point between them ("The deadline, how so?");
- each host's delivery markers, quoted in the persona ("Well,", "Look,"), at the start of one of
  the host's lines in every section.
Between them are *gaps* for the LLM's draft pass (a question about the news, the answer to the
last comment), each with a line built from the text as its fallback (tasks.script.echo).

The fixed phrases are per language in `prompts/skeleton/<language>.yaml`; a `Rotation` hands out
the least-used one each time and never the same rendered line twice, so a stock line (a hand-over,
"Go on.") comes back only after all of its kind; a lead-in ("I read that") comes back about
once every ten take-overs, always before other news.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache, partial
from typing import Literal

import yaml
from pydantic import BaseModel

from castwright.core.config import ShowConfig
from castwright.core.errors import ConfigError
from castwright.core.models import Script, Section, Turn
from castwright.core.paths import PROMPTS_DIR
from castwright.core.text import pack, sentences, speech_units
from tasks.script.echo import (
    capital,
    continue_sentence,
    key_span,
    lead_ins_for,
    number_echo,
    opens_with_link,
    section_names,
    with_byline,
    with_marker,
)
from tasks.script.facts import (
    news_groups,
    news_sentences,
    section_texts,
    sentence_key,
    without_title,
)
from tasks.script.normalize import one_stop, spoken_title
from tasks.script.person import retold
from tasks.script.persona import marker_forms

Kind = Literal["open", "news", "segue", "ask", "opinion", "react", "reply", "discuss", "close"]
MAX_TURN_WORDS = 60  # a longer line is voiced as several turns, split at sentence ends


class Line(BaseModel):
    """One line of a section: written by the code (`fixed`) or a gap for the LLM to fill."""

    speaker: str
    kind: Kind
    text: str = ""
    fixed: bool = True
    about: str = ""  # for a gap: what the line should do (shown to the LLM)
    fallback: str = ""  # for a gap: the code's own line, when the LLM writes nothing usable
    original: str = ""  # the text before refine: what a repair goes back to
    comment: str = ""  # for an opinion line: the whole comment it says (or says part of)
    part: bool = False  # an opinion line that says one part of its comment
    plain: str = ""  # for news a host takes over: the news without the lead-in ("I read that")


class Phrases(BaseModel):
    language: str
    welcome: list[str]
    first: list[str]
    next: list[str]
    goodbye: list[str]
    #: words by which a goodbye a model wrote is recognized (conversation mode verifies it)
    goodbye_cues: list[str]
    rundown: str
    outro: str = ""
    byline: str = ""  # after the issue's title in the welcome ({author}: its authors)
    and_word: str
    segues: list[str]
    ask: list[str]
    replies: list[str]
    takes: list[str]
    echoes: list[str]
    pickups: list[str]
    acknowledgements: list[str]
    #: the other host's answer to news that no comment follows ({span}: a few of its words)
    notes: list[str]


@cache
def load_phrases(language: str) -> Phrases:
    path = PROMPTS_DIR / "skeleton" / f"{language}.yaml"
    if not path.is_file():
        raise ConfigError(f"no skeleton phrases for language {language!r}: add {path}")
    return Phrases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Rotation:
    """The fixed phrases and persona markers used so far in the episode: each pick is the least
    used of its list (in the list's order), so a phrase comes back only after all the others."""

    def __init__(self, show: ShowConfig, sections: list[Section] | None = None) -> None:
        self.counts: Counter[str] = Counter()
        self.markers = {h.name: list(marker_forms(h.persona)) for h in show.hosts}
        #: the issue's names: "Google" inside a sentence of any section keeps its capital
        self.names = section_names([t for s in sections or [] for t in section_texts(s)])

    def pick(self, options: list[str]) -> str:
        choice = min(options, key=lambda o: (self.counts[o], options.index(o)))
        self.counts[choice] += 1
        return choice

    def fill(self, options: list[str], **values: str) -> str:
        """The least used of `options` filled with `values` whose result has not been said yet
        in the episode ("" when every one has)."""
        for option in sorted(options, key=lambda o: (self.counts[o], options.index(o))):
            text = capital(option.format(**values))
            if text not in self.counts:
                self.counts[option] += 1
                self.counts[text] += 1
                return text
        return ""

    def marker(self, host: str, fits: Callable[[str], bool] = lambda _: True) -> str | None:
        """The host's least used persona marker of those that `fits` the line."""
        forms = [m for m in self.markers.get(host) or [] if fits(m)]
        return self.pick(forms) if forms else None


def fallback(language: str, kind: Kind, used: set[str]) -> str | None:
    """A short stock line for a gap that has no line of its own ("Go on." before the next news,
    "Fair enough." after a comment): the first one of its kind not yet said in the episode."""
    phrases = load_phrases(language)
    options = phrases.segues if kind == "segue" else phrases.replies if kind == "reply" else []
    return next((p for p in options if p not in used), None)


def other_filler(text: str, language: str, said: set[str]) -> str | None:
    """For a line without news of its own that the voice cannot say, a stock line of its kind
    not yet `said`: a segue or reply, or one of the code's questions and answers built from the
    text ("Wait, did you say two large apps?" repeats what was just said; "Go on." loses
    nothing). None for a line with content: only a rephrasing that keeps it may replace it."""
    phrases = load_phrases(language)
    line = text.strip()
    kinds: tuple[tuple[Kind, list[str]], ...] = (
        ("segue", [*phrases.segues, *phrases.echoes, *phrases.pickups]),
        ("reply", [*phrases.replies, *phrases.acknowledgements]),
    )
    for kind, options in kinds:
        if any(_matches(option, line) for option in options):
            return fallback(language, kind, said | {line})
    return None


def _matches(template: str, line: str) -> bool:
    """Whether `line` is `template` with its {fact} or {span} filled in."""
    pattern = re.sub(r"\\\{(?:fact|span)\\\}", "(.+)", re.escape(template))
    return bool(re.fullmatch(pattern, line, re.IGNORECASE))


def _listing(items: list[str], and_word: str) -> str:
    items = [spoken_title(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {and_word} {items[-1]}"


def _opening(
    show: ShowConfig, issue_title: str, section: Section, position: int, topics: list[str],
    presenter: int, authors: list[str],
) -> list[tuple[int, str]]:  # fmt: skip
    """(host index, line): the lead host welcomes, the other gives the rundown, the lead starts
    the first story (one voice reading three lines in a row sounded like a list, not a show)."""
    phrases = load_phrases(show.language)
    topics = [t for t in topics if sentence_key(t) != sentence_key(issue_title)] or topics  # said
    by = phrases.byline.format(author=_listing(authors, phrases.and_word)) if authors else ""
    fill = {"show": show.title, "issue": with_byline(spoken_title(issue_title), by), "title": spoken_title(section.title),
            "topics": _listing(topics, phrases.and_word)}  # fmt: skip
    if position == 1:
        opening = [(0, phrases.welcome[0].format(**fill))]
        opening += [(1, phrases.rundown.format(**fill))] if len(topics) > 1 else []
        opening += [(0, phrases.first[0].format(**fill))]
    else:
        opening = [(presenter, phrases.next[(position - 2) % len(phrases.next)].format(**fill))]
    return [(host, one_stop(line)) for host, line in opening]


class _Layout:
    """One section being laid out: its hosts, phrases, names and the episode's rotation."""

    def __init__(self, section: Section, show: ShowConfig, rotation: Rotation) -> None:
        self.section, self.show, self.rotation = section, show, rotation
        self.language = show.language
        self.phrases = load_phrases(show.language)
        self.hosts = show.host_names
        self.names = rotation.names or section_names(section_texts(section))
        self.intro: Line | None = None  # the news line that also carries the transition

    def other(self, host: str) -> str:
        return next(h for h in self.hosts if h != host)

    def continued(self, text: str) -> str:
        return continue_sentence(text, self.names)

    def taken(self, news: str) -> str:
        """`news` as the other host takes it up ("Plus, ..."); as written when it opens with
        its own link ("But why open source Go?" takes no "What's more,")."""
        takes = lead_ins_for(news, self.phrases.takes, self.language)
        return capital(self.rotation.pick(takes).format(news=self.continued(news)))

    def moves(self, groups: list[str], presenter: str) -> list[str]:
        """For each group after the first: "ask" (the other host asks about the number just told,
        the teller goes on) or "take" (the other host tells it). The last group is told by the
        host who does not comment first, so that comment can simply follow."""
        moves: list[str] = []
        for i in range(1, len(groups)):
            asks = number_echo(groups[i - 1], self.language) and moves[-1:] != ["ask"]
            moves.append("ask" if asks else "take")
        first = self.section.comments[0].host if self.section.comments else None
        if moves and self._teller(presenter, moves) == first:
            flipped = "take" if moves[-1] == "ask" else "ask"
            if flipped == "take" or number_echo(groups[-2], self.language):
                moves[-1] = flipped
        return moves

    def _teller(self, presenter: str, moves: list[str]) -> str:
        teller = presenter
        for move in moves:
            teller = teller if move == "ask" else self.other(teller)
        return teller

    def news(self, presenter: str, intro: Line) -> list[Line]:
        groups = news_groups(self.section)
        if len(groups) == 1 and not self.section.comments:  # both hosts tell even a short story
            groups = news_sentences(self.section)
        groups = [retold(g, self.language) for g in without_title(groups, self.section.title)]
        if not groups:
            return [intro]
        moves = self.moves(groups, presenter)
        first = self.section.comments[0].host if self.section.comments else None
        if self._teller(presenter, moves) == first:  # the presenter announces, the other tells
            teller = self.other(presenter)
            lines = [intro, Line(speaker=teller, kind="news", plain=groups[0],
                                 text=self.taken(groups[0]))]  # fmt: skip
        else:
            teller = presenter
            lines = [Line(speaker=presenter, kind="news", text=f"{intro.text} {groups[0]}")]
            self.intro = lines[0]
        for group, move in zip(groups[1:], moves, strict=True):
            if move == "ask":
                asker = self.other(teller)
                fact = number_echo(lines[-1].text, self.language) or ""
                question = self.rotation.fill(self.phrases.echoes, fact=fact)
                lines.append(Line(speaker=asker, kind="segue", fixed=False, fallback=question,
                                  about="asks a short question about the number just said"))  # fmt: skip
                lines.append(Line(speaker=teller, kind="news", text=group))
            else:
                teller = self.other(teller)
                lines.append(Line(speaker=teller, kind="news", plain=group,
                                  text=self.taken(group)))  # fmt: skip
        return lines

    def comments(self, before: str, position: int) -> list[Line]:
        lines: list[Line] = []
        for i, comment in enumerate(self.section.comments):
            host, other = comment.host, self.other(comment.host)
            if (lines[-1].speaker if lines else before) == host:  # a hand-over only when needed
                ask = self.rotation.pick(self.phrases.ask).format(host=host)
                lines.append(Line(speaker=other, kind="ask", text=ask))
            parts = sentences(comment.text)
            span = key_span(parts[0], self.language) if len(parts) > 1 else None
            if (span and i % 2 == position % 2  # the other host picks up its point in between
                    and (pickup := self.rotation.fill(self.phrases.pickups,
                                                      span=self.continued(span)))):  # fmt: skip
                lines += [
                    Line(speaker=host, kind="opinion", text=parts[0], comment=comment.text,
                         part=True),
                    Line(speaker=other, kind="react", text=pickup),
                    Line(speaker=host, kind="opinion", text=" ".join(parts[1:]),
                         comment=comment.text, part=True),
                ]  # fmt: skip
            else:
                lines.append(Line(speaker=host, kind="opinion", text=comment.text,
                                  comment=comment.text))  # fmt: skip
        if lines:
            lines.append(self.reply(lines[-1]))
        return lines

    def note(self, said: Line) -> Line:
        """The other host's answer to news that no comment follows."""
        last = [retold(s, self.language) for s in news_sentences(self.section)][-1:]
        span = key_span(last[0], self.language, loose=True) if last else None
        text = self.rotation.fill(self.phrases.notes, span=self.continued(span)) if span else ""
        return Line(speaker=self.other(said.speaker), kind="reply", fixed=False, fallback=text,
                    about="reacts to this news in a few words")  # fmt: skip

    def reply(self, said: Line) -> Line:
        """The other host's answer to the last comment: its point picked up in a few words."""
        span = key_span(said.text, self.language, loose=True)
        text = ""
        if span:
            text = self.rotation.fill(self.phrases.acknowledgements, span=self.continued(span))
        return Line(speaker=self.other(said.speaker), kind="reply", fixed=False, fallback=text,
                    about=f"answers {said.speaker}'s opinion in a few words")  # fmt: skip

    def place_markers(self, lines: list[Line]) -> None:
        """Each host's first line of its own in the section (not the opening, not the line that
        carries the transition, unless that is the host's only news) starts with the next of its
        persona's markers that fits: a lead-in never stacks on the transition's colon ("Here is
        the thing: next: ...") and goes before a sentence's own link ("Well, but ...") only when
        no later line of the host's takes one; a marker that stands alone ("Right.") fits all."""
        for host in self.hosts:
            news = [ln for ln in lines if ln.speaker == host and ln.fixed
                    and ln.kind in ("news", "opinion")]  # fmt: skip
            mine = [ln for ln in news if ln is not self.intro] or news
            for line, strict in ((ln, strict) for strict in (True, False) for ln in mine):
                if marker := self.rotation.marker(host, partial(self._fits, line, strict)):
                    leads = not marker.endswith((".", "!", "?"))  # "Well," for "I read that"
                    text = (line.plain or line.text) if leads else line.text
                    line.text = with_marker(text, marker, self.names)
                    break

    def _fits(self, line: Line, strict: bool, marker: str) -> bool:
        if marker.endswith((".", "!", "?")):
            return True
        if marker.endswith(":") and line is self.intro:
            return False
        linked = opens_with_link(line.plain or line.text, self.language)
        return not linked or not (strict or marker.endswith(":"))


def build_skeleton(
    section: Section, position: int, count: int, show: ShowConfig, issue_title: str,
    topics: list[str] | None = None, rotation: Rotation | None = None,
    last_speaker: str | None = None, authors: list[str] | None = None,
) -> list[Line]:  # fmt: skip
    """The section's lines in order: opening (the welcome and a rundown of the `topics` before the
    first), the news told by both hosts, each comment by its host, the other host's answer to the
    last one, and the goodbye after the last section. `rotation` carries the episode's phrase
    choices from section to section; `last_speaker` (who ended the section before) does not
    present this one, so one voice never runs on from one story into the next."""
    layout = _Layout(section, show, rotation or Rotation(show))
    hosts, phrases = show.host_names, layout.phrases
    presenter = hosts[(position - 1) % 2]
    if position > 1 and last_speaker == presenter:  # the host who just spoke does not go on
        presenter = layout.other(presenter)
    opening = [Line(speaker=hosts[h], kind="open", text=t) for h, t in
               _opening(show, issue_title, section, position, topics or [section.title],
                        hosts.index(presenter), authors or [])]  # fmt: skip
    lines = opening[:-1] + layout.news(presenter, opening[-1])
    lines += layout.comments(lines[-1].speaker, position)
    if not section.comments and len({ln.speaker for ln in lines if ln.kind != "open"}) < 2:
        lines.append(layout.note(lines[-1]))
    layout.place_markers(lines)
    if position == count:
        if len(topics or []) > 1 and phrases.outro:
            outro = phrases.outro.format(topics=_listing(topics or [], phrases.and_word))
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


def split_sentences(text: str, max_words: int = MAX_TURN_WORDS) -> list[str]:
    """Split a long turn at sentence ends (then clauses) so no piece exceeds max_words."""
    return pack(speech_units(text, max_words), lambda _: max_words)


def number_turns(sections: list[tuple[str, list[Line]]]) -> Script:
    turns: list[Turn] = []
    for section_id, lines in sections:
        for line in lines:
            for piece in split_sentences(line.text):
                turns.append(Turn(id=f"t{len(turns) + 1:03d}", speaker=line.speaker, text=piece,
                                  section=section_id))  # fmt: skip
    return Script(turns=turns)
