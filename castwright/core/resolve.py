"""One run's configuration, resolved once at its start; the precedence is written here only.

    command-line flag or flow parameter  >  environment variable  >  show file  >  built-in default

The flags a run takes are the show file (`--show`, `show`) and the length target (`--minutes`,
`target_minutes`); the environment holds endpoints, storage and secrets (`settings.py`), and the
show file everything about the show (`config.py`). Every stage receives the resolved values; none
reads the environment or the show file again. `RunConfig.record()` is what the manifest keeps:
each value with where it came from, never a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from castwright.core.config import ShowConfig, load_show
from castwright.core.settings import Settings, settings_from_env

SECRETS = {"llm_api_key", "runpod_api_key", "notify_url"}


@dataclass(frozen=True)
class RunConfig:
    settings: Settings
    show: ShowConfig
    #: where each value came from: "flag", "env", "show file" or "default"
    origins: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The resolved values for the manifest (secrets left out)."""
        settings = self.settings.model_dump(mode="json", exclude=SECRETS)
        return {"origins": self.origins, "settings": settings,
                "show": self.show.model_dump(mode="json")}  # fmt: skip


def resolve_config(
    show_file: str | Path | None = None,
    target_minutes: float | None = None,
    env: Mapping[str, str] | None = None,
) -> RunConfig:
    """Resolve a run's configuration: flags, then the environment, the show file, the defaults."""
    env = os.environ if env is None else env
    settings = settings_from_env(env, show_file=Path(show_file) if show_file else None)
    show = load_show(settings.show_file)
    origins = {"show_file": _origin(show_file, bool(env.get("CASTWRIGHT_SHOW")))}
    origins |= {f"settings.{name}": "env" if value != _default(name) else "default"
                for name, value in settings if name not in SECRETS | {"show_file"}}  # fmt: skip
    if target_minutes:
        script = show.script.model_copy(update={"target_minutes": target_minutes})
        show = show.model_copy(update={"script": script})
    origins |= {f"show.{group}.{name}": _show_origin(show, group, name)
                for group, name in [("script", "target_minutes"), ("tts", "concurrency")]}  # fmt: skip
    if target_minutes:
        origins["show.script.target_minutes"] = "flag"
    return RunConfig(settings, show, origins)


def _origin(flag: object, from_env: bool) -> str:
    return "flag" if flag else "env" if from_env else "default"


def _default(name: str) -> Any:
    return Settings.model_fields[name].get_default(call_default_factory=True)


def _show_origin(show: ShowConfig, group: str, name: str) -> str:
    section: BaseModel = getattr(show, group)
    given = group in show.model_fields_set and name in section.model_fields_set
    return "show file" if given else "default"
