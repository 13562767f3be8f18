"""The metadata a document carries before its text: YAML front matter (`---`), TOML front matter
(`+++`, Hugo and Zola), or a header block of `Key: value` lines (Pelican, MultiMarkdown:
`Title: ...` / `Date: ...` up to the first blank line).

YAML is read safely: no anchors or aliases (a few bytes of aliases expand to megabytes) and no
implicit timestamps (a date is read as text, then checked with a clear message).
"""

from __future__ import annotations

import re
import tomllib

import yaml

from castwright.core.errors import NewsletterError

_YAML = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.S)
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,20})[ \t]*:[ \t]+(\S.*)$")
#: a header block must name one of these first, so that a first line like "Ada: I agree" or
#: "Problem 1: ..." is never taken for metadata
_KEYS = (
    "title date author authors category categories tags slug summary number status lang modified"
)
HEADER_KEYS = frozenset(_KEYS.split())


class _FrontMatterLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: object, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise NewsletterError(
                "the YAML front matter uses an anchor or alias (& or *); write the values out"
            )
        return super().compose_node(parent, index)  # type: ignore[arg-type]


def _mapping(meta: object, kind: str) -> dict[str, object]:
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise NewsletterError(f"the {kind} front matter must be a mapping (key: value lines)")
    return {str(k).lower(): v for k, v in meta.items()}


def _yaml(text: str) -> dict[str, object]:
    try:
        meta = yaml.load(text, Loader=_FrontMatterLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise NewsletterError(f"the YAML front matter is invalid: {exc}") from exc
    return _mapping(meta, "YAML")


def _toml(text: str) -> dict[str, object]:
    try:
        return _mapping(tomllib.loads(text), "TOML")
    except tomllib.TOMLDecodeError as exc:
        raise NewsletterError(f"the TOML front matter (+++) is invalid: {exc}") from exc


def _header_block(text: str) -> tuple[dict[str, object], str]:
    """`Key: value` lines at the very top, up to a blank line, when the first key is known."""
    lines = text.split("\n")
    meta: dict[str, object] = {}
    for n, line in enumerate(lines):
        match = _HEADER_LINE.match(line)
        if not line.strip():
            return (meta, "\n".join(lines[n + 1 :])) if meta else ({}, text)
        if not match or (not meta and match.group(1).lower() not in HEADER_KEYS):
            return {}, text
        meta[match.group(1).lower()] = match.group(2).strip()
    return {}, text  # a document of only `Key: value` lines is text, not a header


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """(metadata with lower-case keys, the text after it); ({}, text) when there is none."""
    for pattern, read in ((_YAML, _yaml), (_TOML, _toml)):
        match = pattern.match(text)
        if match:
            return read(match.group(1)), text[match.end() :]
    return _header_block(text)
