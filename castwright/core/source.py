"""Where the weekly run finds its issue: the show file's `source` (a feed, a folder or one issue)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator


class NewsletterSource(BaseModel):
    """Where the weekly run finds its issue: give exactly one of `feed`, `folder` or `issue`.

    The run voices the newest issue unless the catalog already holds it (by the feed entry's GUID
    or link, or the file's name), and otherwise ends saying "nothing new"."""

    model_config = ConfigDict(extra="forbid")

    feed: str | None = Field(
        None,
        description="RSS/Atom feed of the newsletter (Substack, Ghost, Buttondown, Beehiiv): "
        "each entry's full HTML (content:encoded), else the post it links to.",
    )
    folder: str | None = Field(
        None,
        description="A folder of markdown issues, or a glob such as 'issues/*.md', inside the "
        "show file's folder (relative to it); the newest by front-matter date, else by "
        "modification time. Files linking out of the show's folder are skipped.",
    )
    issue: str | None = Field(None, description="One issue: a markdown file or an http(s) URL.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts on a private network the source may be read from (an intranet feed); "
        "otherwise only public addresses are fetched.",
    )

    _root: Path | None = PrivateAttr(None)  # the show file's folder: a folder source stays in it

    @property
    def root(self) -> Path | None:
        """The folder a `folder` source may not leave (the show file's), once resolved."""
        return self._root

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.allow_hosts)

    @model_validator(mode="after")
    def _exactly_one(self) -> NewsletterSource:
        given = [k for k in ("feed", "folder", "issue") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(f"give exactly one of feed, folder or issue (got {given or 'none'})")
        return self

    @property
    def location(self) -> str:
        return next(v for v in (self.feed, self.folder, self.issue) if v)

    def resolved(self, base: Path) -> NewsletterSource:
        """Local paths made absolute against `base` (the show file's folder); URLs unchanged.
        A `folder` (or glob) must stay inside `base`: ValueError names the way out it takes."""
        field = next(k for k in ("feed", "folder", "issue") if getattr(self, k))
        location = self.location
        if not is_url(location) and not Path(location).is_absolute():
            location = str(base / location)
        copy = self.model_copy(update={field: location})
        if self.folder:
            _check_inside(self.folder, Path(location), base)
            copy._root = base.resolve()
        return copy


def _check_inside(given: str, pattern: Path, base: Path) -> None:
    """Refuse a folder or glob whose fixed part (before any wildcard) leaves `base`, by `..`, an
    absolute path or a symbolic link."""
    fixed = Path(*_fixed_parts(pattern))
    real, root = Path(os.path.realpath(fixed)), base.resolve()
    if real != root and root not in real.parents:
        raise ValueError(
            f"folder {given!r} leads outside the show file's folder {root} (to {real}); keep the "
            "issues in a folder next to the show file, named relative to it (e.g. issues/)"
        )


def _fixed_parts(pattern: Path) -> list[str]:
    parts: list[str] = []
    for part in pattern.parts:
        if any(c in part for c in "*?["):
            break
        parts.append(part)
    return parts


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))
