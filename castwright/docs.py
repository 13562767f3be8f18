"""docs/configuration.md, generated from the validated models so it cannot drift from the code.

Regenerate with `uv run python -m castwright.docs > docs/configuration.md` (`make docs`).
"""

from __future__ import annotations

from types import UnionType
from typing import Literal, Union, get_args, get_origin

from pydantic import BaseModel

from castwright.core.config import ShowConfig, VoiceProfile
from castwright.core.settings import ENV_DOC

HEADER = """# Configuration reference

Precedence: command-line flag > environment variable > show file > default. Unknown fields are
errors, and the message names the file and the field. Paths in a show file are relative to it.
Secrets (API keys) are read from the environment only.
"""


def _type_name(annotation: object) -> str:
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    name = getattr(annotation, "__name__", None) or str(annotation)
    return str(name).replace("typing.", "").replace("pathlib.", "").replace("|", "or")


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def field_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    rows: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        options = get_args(annotation) if get_origin(annotation) in (UnionType, Union) else ()
        nested = [a for a in (annotation, *options) if _is_model(a)]
        if nested:  # a settings group, also an optional one (`source`)
            rows += field_rows(nested[0], f"{prefix}{name}.")
            continue
        default = (
            "required"
            if field.is_required()
            else f"`{field.get_default(call_default_factory=True)!r}`"
        )
        meaning = (field.description or "").replace("|", "/")
        rows.append(f"| `{prefix}{name}` | {_type_name(annotation)} | {default} | {meaning} |")
    return rows


def configuration_markdown() -> str:
    table = "| field | type | default | meaning |\n|---|---|---|---|\n"
    voice_rows = [r for r in field_rows(VoiceProfile) if not r.startswith("| `name`")]
    env = "\n".join(f"| `{k}` | {v} |" for k, v in ENV_DOC.items())
    return (
        f"{HEADER}\n## Show file (see `examples/show.yaml`)\n\n{table}"
        + "\n".join(field_rows(ShowConfig))
        + "\n\nEach of the two `hosts` has `name`, `persona` (delivery rules shown to both LLM passes)"
        " and `voice` (a profile in `voices/`).\n\n## Voice profile (`voices/NAME.yaml`)\n\n"
        + table
        + "\n".join(voice_rows)
        + f"\n\n## Environment\n\n| variable | meaning |\n|---|---|\n{env}\n"
    )


if __name__ == "__main__":
    print(configuration_markdown(), end="")
