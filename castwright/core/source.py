"""Where the weekly run finds its issue: the show file's `source` (a feed, a folder or one issue)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
        description="A folder of markdown issues, or a glob such as 'issues/*.md' (relative to "
        "the show file); the newest by front-matter date, else by modification time.",
    )
    issue: str | None = Field(None, description="One issue: a markdown file or an http(s) URL.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts on a private network the source may be read from (an intranet feed); "
        "otherwise only public addresses are fetched.",
    )

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
        """Local paths made absolute against `base` (the show file's folder); URLs unchanged."""
        field = next(k for k in ("feed", "folder", "issue") if getattr(self, k))
        if is_url(self.location) or Path(self.location).is_absolute():
            return self
        return self.model_copy(update={field: str(base / self.location)})


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))
