"""Typed data passed between pipeline stages.

Every stage takes and returns these objects (never raw dicts), so a newcomer can read the
pipeline's data flow from this one file: Newsletter -> Script -> Clip list -> MasteredEpisode
-> published Episode.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- newsletter -----------------------------------------------------------------------------


class Link(Strict):
    text: str
    url: str


class Comment(Strict):
    """One host's own opinion on a section, as the author wrote it."""

    host: str
    text: str


class Section(Strict):
    id: str
    title: str
    body: str
    links: list[Link] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    #: the section as written, when the selection tells only part of it (`body`): a capable model
    #: condenses from it to the section's budget; what it says must be grounded in it
    full_body: str = ""


class LeftOut(Strict):
    """A part of the source the episode does not tell: what it is, where, and its first words."""

    kind: str = Field(description="code block, html, image, link, section, sentences, ...")
    section: str = Field("", description="The section's title ('' before the first heading)")
    first_words: str
    words: int = 0


class Newsletter(Strict):
    title: str
    date: dt.date | None = None
    sections: list[Section]
    source_sha256: str
    #: the issue's own id at its source (feed entry GUID or link, file name, URL): the catalog
    #: records it so the weekly run knows what is already published
    source_id: str | None = None
    format: str = Field("markdown", description="markdown, html or text: how it was parsed")
    #: who wrote it (front matter author, authors or by): the welcome names them, so that the
    #: news's "I", which the hosts retell as "they", has someone to refer to
    authors: list[str] = Field(default_factory=list)
    #: parts of the source left out at parse time (code, images, HTML comments, bare links)
    left_out: list[LeftOut] = Field(default_factory=list)
    #: what the parse noticed and the run must say (prose the sections do not hold, ...)
    warnings: list[str] = Field(default_factory=list)

    @property
    def comment_count(self) -> int:
        return sum(len(s.comments) for s in self.sections)

    @property
    def prose_words(self) -> int:
        """Words of the sections' news and comments (what an episode can tell)."""
        return sum(
            len(s.body.split()) + sum(len(c.text.split()) for c in s.comments)
            for s in self.sections
        )


# --- the show's memory ----------------------------------------------------------------------


class PastTopic(Strict):
    """One section of an earlier episode, as the show's history keeps it."""

    title: str
    summary: str = Field(description="The news's first sentence")
    stances: dict[str, str] = Field(default_factory=dict, description="Host name -> their comment")


class PastEpisode(Strict):
    title: str
    date: dt.date
    topics: list[PastTopic]


# --- script ---------------------------------------------------------------------------------


class Turn(Strict):
    id: str
    speaker: str
    text: str = Field(min_length=1)
    section: str

    @field_validator("text")
    @classmethod
    def _one_line(cls, text: str) -> str:
        """Whitespace collapsed: a line break in a turn (an edited script) is a pause, never a
        new transcript cue; a turn of only whitespace is refused."""
        collapsed = " ".join(text.split())
        if not collapsed:
            raise ValueError("the turn's text is empty")
        return collapsed

    def words(self) -> int:
        return len(self.text.split())


class Script(Strict):
    turns: list[Turn]

    def words(self) -> int:
        return sum(t.words() for t in self.turns)


# --- voices ---------------------------------------------------------------------------------


class Clip(Strict):
    """One synthesized, checked dialogue turn on disk."""

    turn_id: str
    speaker: str
    section: str
    text: str
    path: Path
    duration_s: float
    sample_rate: int
    score: float
    attempts: int
    engine: str
    voice: str
    worker_ms: int = Field(0, description="Generation + check time the worker spent (GPU time).")
    cached: bool = False
    rephrased_from: str | None = Field(
        None, description="The script's text, when the voice needed other words"
    )


# --- master ---------------------------------------------------------------------------------


class Chapter(Strict):
    title: str
    start_s: float
    end_s: float


class Cue(Strict):
    """A transcript cue: one turn's text at its place in the final audio."""

    speaker: str
    text: str
    start_s: float
    end_s: float


class EpisodeTags(Strict):
    title: str
    artist: str
    album: str
    date: dt.date
    description: str = ""
    cover: Path | None = None
    language: str = "en"  # the show's language tag: ID3 COMM/TLAN get its ISO 639-2 code


class MasteredEpisode(Strict):
    mp3: Path
    duration_s: float
    integrated_lufs: float
    true_peak_dbtp: float
    lra: float
    chapters: list[Chapter] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)
    transcript_vtt: Path | None = None
    transcript_srt: Path | None = None
    chapters_json: Path | None = None
