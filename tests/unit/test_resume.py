from pathlib import Path

from castwright.models import Script, Turn
from tasks.resume import load_stage, save_stage, stage_key

SCRIPT = Script(turns=[Turn(id="t001", speaker="Ada", text="Hi.", section="s")])


def test_saved_stage_is_reused_only_for_the_same_inputs(tmp_path: Path) -> None:
    key = stage_key("newsletter-sha", SCRIPT, Path("/x"), 1.5)
    assert key == stage_key("newsletter-sha", SCRIPT, Path("/x"), 1.5)
    save_stage(tmp_path, "script", key, SCRIPT)
    assert load_stage(tmp_path, "script", key, Script) == SCRIPT
    assert load_stage(tmp_path, "script", stage_key("other"), Script) is None
    assert load_stage(tmp_path, "master", key, Script) is None


def test_corrupt_saved_stage_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "script.stage.json").write_text("{not json")
    assert load_stage(tmp_path, "script", "k", Script) is None
