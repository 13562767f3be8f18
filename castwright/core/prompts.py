"""Render the Jinja templates in prompts/ with StrictUndefined.

Each template declares the variables it needs on its first line (`{#- variables: a, b -#}`);
rendering checks that every undeclared name it uses is declared and that the caller passed them
all, so a typo fails loudly instead of producing a silently weaker prompt.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from castwright.core.errors import ConfigError
from castwright.core.paths import PROMPTS_DIR

_DECLARATION = re.compile(r"\{#-?\s*variables:\s*(.*?)\s*-?#\}")


@cache
def environment(root: Path = PROMPTS_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def declared_variables(source: str) -> set[str]:
    match = _DECLARATION.search(source)
    if not match:
        return set()
    names = {v.strip() for v in match.group(1).split(",")}
    return {n for n in names if n and n != "none"}


def render(name: str, root: Path = PROMPTS_DIR, **variables: Any) -> str:
    env = environment(root)
    source = (root / name).read_text(encoding="utf-8")
    declared = declared_variables(source)
    used = meta.find_undeclared_variables(env.parse(source))
    if used - declared:
        raise ConfigError(f"prompts/{name} uses undeclared variables: {sorted(used - declared)}")
    missing = declared - variables.keys()
    if missing:
        raise ConfigError(f"prompts/{name} needs variables {sorted(missing)}")
    return env.get_template(name).render(**variables).strip()


def prompts_sha256(root: Path = PROMPTS_DIR) -> str:
    """One hash of every prompt file, for the episode manifest."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
