"""Where castwright's own files live (prompts, voices, examples), found from the code."""

import os
from pathlib import Path

from castwright import CHECKOUT
from castwright.core.errors import ConfigError

PROJECT_ROOT = Path(CHECKOUT)
PROMPTS_DIR = PROJECT_ROOT / "prompts"
VOICES_DIR = PROJECT_ROOT / "voices"
EXAMPLES_DIR = PROJECT_ROOT / "examples"
DEFAULT_SHOW = EXAMPLES_DIR / "show.yaml"
DEFAULT_NEWSLETTER = EXAMPLES_DIR / "newsletter.md"


def checkout_pythonpath() -> str:
    """PYTHONPATH for a child process that runs one of the checkout's packages, which are not
    installed (`python -m worker.handler` started from any directory): the checkout, then the rest."""
    rest = os.environ.get("PYTHONPATH")
    return os.pathsep.join([CHECKOUT, rest] if rest else [CHECKOUT])


def require_checkout() -> None:
    """castwright runs from its checkout; an install without one (a bare wheel) says so plainly."""
    missing = [
        d
        for d in ("flows", "tasks", "worker", "prompts", "voices")
        if not (PROJECT_ROOT / d).is_dir()
    ]
    if missing:
        raise ConfigError(
            f"castwright runs from its checkout, and {PROJECT_ROOT} has no {', '.join(missing)}/: "
            "clone the castwright repository and run `make setup` there (README, Quick start)"
        )
