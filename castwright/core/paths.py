"""Where castwright's own files live (prompts, voices, examples), found from the code."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = PROJECT_ROOT / "prompts"
VOICES_DIR = PROJECT_ROOT / "voices"
EXAMPLES_DIR = PROJECT_ROOT / "examples"
DEFAULT_SHOW = EXAMPLES_DIR / "show.yaml"
DEFAULT_NEWSLETTER = EXAMPLES_DIR / "newsletter.md"
