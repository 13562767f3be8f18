"""The one store every rerun reuses, and the one atomic write every work file goes through."""

from __future__ import annotations

import multiprocessing
import resource
import signal
from collections.abc import Callable
from pathlib import Path

from castwright.core.models import Script, Turn
from castwright.core.store import Store, atomic_write, content_key

SCRIPT = Script(turns=[Turn(id="t001", speaker="Ada", text="Hi.", section="s")])


def test_stored_result_is_reused_only_for_the_same_inputs(tmp_path: Path) -> None:
    store = Store(tmp_path)
    key = content_key(["newsletter-sha", SCRIPT, Path("/x"), 1.5], "1")
    assert key == content_key(["newsletter-sha", SCRIPT, Path("/x"), 1.5], "1")
    assert key != content_key(["newsletter-sha", SCRIPT, Path("/x"), 1.5], "2")
    store.put_model("scripts", key, SCRIPT)
    assert store.get_model("scripts", key, Script) == SCRIPT
    assert store.get_model("scripts", content_key(["other"], "1"), Script) is None
    assert store.get_model("masters", key, Script) is None


def test_corrupt_stored_result_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "k.json").write_text("{not json")
    assert store.get_model("scripts", "k", Script) is None
    (tmp_path / "scripts" / "k.json").write_text('{"turns": "no"}')
    assert store.get_model("scripts", "k", Script) is None


def _on_a_full_disk(room: int, write: Callable[[], object]) -> str:
    """Run `write` in a child process whose files cannot grow past `room` bytes (RLIMIT_FSIZE):
    the write fails part-way with a real OS error, as on a full disk. Returns the error text."""
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()

    def child() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG, not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, resource.RLIM_INFINITY))
        try:
            write()
        except OSError as exc:
            errors.put(f"{type(exc).__name__}: {exc}")
        else:
            errors.put("")

    proc = ctx.Process(target=child)
    proc.start()
    proc.join(timeout=30)
    return str(errors.get(timeout=5))


def test_full_disk_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "episodes" / "e1" / "manifest.json"
    atomic_write(target, '{"old": true}')
    error = _on_a_full_disk(64, lambda: atomic_write(target, '{"new": "' + "x" * 10_000 + '"}'))
    assert "File too large" in error
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_full_disk_on_a_first_write_leaves_no_file_at_all(tmp_path: Path) -> None:
    store = Store(tmp_path)
    big = Script(turns=[Turn(id=f"t{i:03d}", speaker="Ada", text="Hi. " * 50, section="s")
                        for i in range(1, 50)])  # fmt: skip
    error = _on_a_full_disk(1024, lambda: store.put_model("scripts", "k", big))
    assert "File too large" in error
    assert list((tmp_path / "scripts").iterdir()) == []
    assert store.get_model("scripts", "k", Script) is None
