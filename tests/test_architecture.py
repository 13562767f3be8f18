"""The layering in docs/architecture.md, checked on the source with `ast`.

Every import (also the ones inside functions) must point to the same layer or one below it; the
GPU worker shares no import with the rest; clients are constructed in one module; the episode flow
reads as a table of contents; no module grows past 400 lines.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from castwright.core.paths import PROJECT_ROOT

#: lower number = lower layer. The longest matching prefix names a module's layer.
LAYERS = {
    "castwright.core": 0,
    "castwright.clients": 1,
    "tasks": 2,
    "flows": 3,
    "castwright.cli": 4,
    "castwright.docs": 4,
    "castwright.doctor": 4,
}
PRODUCT = ("castwright", "tasks", "flows")
CLIENT_CLASSES = {"OpenAI", "LLMClient", "RunPodClient", "LocalStorage", "S3Storage"}
FACTORY = "castwright.clients.factory"
MAX_MODULE_LINES = 400
MAX_FLOW_BODY_LINES = 40


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (PROJECT_ROOT / pkg).rglob("*.py"))


def layer(module: str) -> int | None:
    matches = [k for k in LAYERS if module == k or module.startswith(k + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def back_edges(paths: list[Path]) -> list[str]:
    edges = []
    for path in paths:
        here = module_name(path)
        own = layer(here)
        for line, target in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            there = layer(target)
            if own is not None and there is not None and there > own:
                edges.append(f"{here}:{line} imports {target} (layer {there} > {own})")
    return edges


def test_every_product_module_has_a_layer() -> None:
    unplaced = [module_name(p) for p in source_files(*PRODUCT) if layer(module_name(p)) is None]
    assert unplaced in ([], ["castwright"])  # the package's own __init__ (finds the checkout)


def test_no_import_points_up_a_layer() -> None:
    assert back_edges(source_files(*PRODUCT)) == []


def test_the_check_finds_a_back_edge(tmp_path: Path) -> None:
    """The walker itself: a core module importing a stage is reported."""
    bad = PROJECT_ROOT / "castwright" / "core" / "_probe_back_edge.py"
    bad.write_text("def f():\n    from tasks.script.stage import script_stage\n")
    try:
        assert back_edges([bad]) == [
            "castwright.core._probe_back_edge:2 imports tasks.script.stage (layer 2 > 0)"
        ]
    finally:
        bad.unlink()


def test_the_worker_shares_no_import_with_the_rest() -> None:
    outside = [
        f"{module_name(p)}:{line} imports {target}"
        for p in source_files(*PRODUCT, "bench")
        for line, target in imported_modules(ast.parse(p.read_text(encoding="utf-8")))
        if target == "worker" or target.startswith("worker.")
    ]
    inside = [
        f"{module_name(p)}:{line} imports {target}"
        for p in source_files("worker")
        for line, target in imported_modules(ast.parse(p.read_text(encoding="utf-8")))
        if target.split(".")[0] in PRODUCT
    ]
    assert outside == [] and inside == []


def _constructed_classes(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLIENT_CLASSES:
                names.add(name)
    return names


def test_clients_are_constructed_in_one_module() -> None:
    builders = {
        module_name(p)
        for p in source_files(*PRODUCT, "bench")
        if _constructed_classes(ast.parse(p.read_text(encoding="utf-8")))
    }
    assert builders == {FACTORY}


@pytest.mark.parametrize("path", source_files(*PRODUCT, "worker", "bench"), ids=module_name)
def test_no_module_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_episode_flow_reads_as_a_table_of_contents() -> None:
    tree = ast.parse((PROJECT_ROOT / "flows" / "episode.py").read_text(encoding="utf-8"))
    (flow,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "episode_flow"]
    body = flow.body[1:] if isinstance(flow.body[0], ast.Expr) else flow.body  # skip docstring
    lines = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
    assert lines <= MAX_FLOW_BODY_LINES


#: what a process finds, started outside the checkout with no PYTHONPATH (-I): before and after
#: importing castwright, and where `tasks` then comes from
_INSTALLED_PROBE = """
import importlib.util as u
ours = ("castwright", "flows", "tasks", "worker", "bench")
print([n for n in ours if u.find_spec(n)])
import castwright, tasks
print(tasks.__file__)
"""


def test_what_installs_is_castwright_alone(tmp_path: Path) -> None:
    """No package named flows, tasks or worker lands in the environment, where another project's
    could collide with it; castwright finds them in its checkout once imported."""
    done = subprocess.run([sys.executable, "-I", "-c", _INSTALLED_PROBE], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found, tasks_file = done.stdout.strip().splitlines()
    assert found == "['castwright']"
    assert Path(tasks_file) == PROJECT_ROOT / "tasks" / "__init__.py"


def test_an_install_without_its_checkout_says_how_to_get_one(tmp_path: Path) -> None:
    """What a bare wheel holds (the castwright package alone): the command names what is missing."""
    shutil.copytree(PROJECT_ROOT / "castwright", tmp_path / "castwright")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from castwright.cli import main; sys.exit(main(['doctor']))"
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert "castwright runs from its checkout" in done.stderr
    assert "no flows, tasks, worker, prompts, voices/" in done.stderr
    assert "Traceback" not in done.stderr
