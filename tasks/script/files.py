"""The script on disk: the editable `script.yaml` a person can change and voice with `--script`,
and the opinion and normalization reports written next to it."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml
from pydantic import ValidationError

from castwright.core.config import ShowConfig
from castwright.core.errors import ScriptError
from castwright.core.models import Script
from castwright.core.store import atomic_json, atomic_write
from tasks.script.normalize import normalize_script
from tasks.script.opinions import report_markdown
from tasks.script.writer import ScriptResult

log = logging.getLogger("tasks.script")


def save_script(script: Script, path: Path) -> None:
    """Write the script as editable YAML (one entry per turn); `castwright run --script` reads it."""
    data = {"turns": [t.model_dump() for t in script.turns]}
    header = "# castwright script: edit any turn's text or speaker, then voice it with\n# castwright run NEWSLETTER --script THIS_FILE\n"
    atomic_write(
        path, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    )


def load_script(path: Path, show: ShowConfig) -> Script:
    """Read an edited script file, validating speakers and turns against the show."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        script = Script.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: not a valid script file: {exc}") from exc
    unknown = {t.speaker for t in script.turns} - set(show.host_names)
    if unknown:
        raise ScriptError(
            f"{path}: unknown speaker(s) {sorted(unknown)}; the hosts are {show.host_names}"
        )
    if not script.turns:
        raise ScriptError(f"{path}: the script has no turns")
    normalized, replacements = normalize_script(script, show.language)
    for r in replacements:
        log.info("script file: %s said as %r in %s", r.found, r.spoken, r.turn_id)
    return normalized


def save_script_reports(result: ScriptResult, episode_dir: Path) -> list[Path]:
    """Write the opinion report and the normalization report next to the episode."""
    flagged = sum(r.status != "kept" for r in result.opinions)
    repairs = "".join(f"- {line}\n" for line in result.repairs) or "none\n"
    opinions = atomic_write(
        episode_dir / "opinions.md",
        f"# Opinion check\n\n{len(result.opinions)} comments, {flagged} flagged.\n\n"
        f"{report_markdown(result.opinions)}\n\nRepaired by code after the LLM passes:\n"
        f"{repairs}\nScoring: see tasks/script/opinions.py.\n",
    )
    replacements = atomic_json(
        episode_dir / "normalization.json", [r.model_dump() for r in result.replacements]
    )
    return [opinions, replacements]
