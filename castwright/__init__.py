"""castwright: newsletter in, podcast out.

castwright runs from its checkout: its prompts, voices and templates are read there, and so are
its stage packages, the design card's top-level folders `flows/`, `tasks/` and `worker/`. What
installs into an environment is this one package (pyproject.toml), so no package named `flows`,
`tasks` or `worker` lands on a user's path where another project's could; importing castwright
puts its own checkout first on `sys.path`, which is how its processes find those folders.
"""

import sys
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parent.parent)
if (
    Path(CHECKOUT) / "flows"
).is_dir() and CHECKOUT not in sys.path:  # a checkout, not site-packages
    sys.path.insert(0, CHECKOUT)
