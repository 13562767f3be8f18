"""A run's configuration is resolved once, in one order: flag > environment > show file > default;
the record the manifest keeps says where each value came from and holds no secret."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from castwright.core.config import load_show
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.resolve import resolve_config


def write_show(folder: Path, **script: object) -> Path:
    data = yaml.safe_load(DEFAULT_SHOW.read_text(encoding="utf-8"))
    data["cover"] = str((DEFAULT_SHOW.parent / data["cover"]).resolve())
    data["script"] = script
    data.pop("tts")
    path = folder / "show.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_flag_beats_env_beats_show_file_beats_default(tmp_path: Path) -> None:
    env_show = write_show(tmp_path, target_minutes=7)
    flag_dir = tmp_path / "flag"
    flag_dir.mkdir()
    flag_show = write_show(flag_dir, target_minutes=9)
    env = {"CASTWRIGHT_SHOW": str(env_show), "CASTWRIGHT_TTS_URL": "http://127.0.0.1:9/v2/x",
           "RUNPOD_API_KEY": "rp-SECRET-1234"}  # fmt: skip

    from_env = resolve_config(env=env)
    assert from_env.settings.show_file == env_show and from_env.show.script.target_minutes == 7
    assert from_env.origins["show_file"] == "env"
    assert from_env.origins["show.script.target_minutes"] == "show file"
    assert from_env.origins["show.tts.concurrency"] == "default"
    assert from_env.origins["settings.tts_url"] == "env"
    assert from_env.origins["settings.s3_bucket"] == "default"

    from_flags = resolve_config(flag_show, target_minutes=2.5, env=env)
    assert (
        from_flags.settings.show_file == flag_show and from_flags.show.script.target_minutes == 2.5
    )
    assert from_flags.origins["show_file"] == "flag"
    assert from_flags.origins["show.script.target_minutes"] == "flag"

    default = resolve_config(env={})
    assert default.settings.show_file == DEFAULT_SHOW and default.origins["show_file"] == "default"

    record = json.dumps(from_flags.record())
    assert "rp-SECRET" not in record and "runpod_api_key" not in record
    assert json.loads(record)["show"]["script"]["target_minutes"] == 2.5


def test_a_show_file_is_read_once_while_it_is_unchanged(tmp_path: Path) -> None:
    path = write_show(tmp_path, target_minutes=4)
    first, second = load_show(path), load_show(path)
    assert first == second and first is not second  # one read, independent copies
    from castwright.core.config import _load_show_once

    hits = _load_show_once.cache_info().hits
    load_show(path)
    assert _load_show_once.cache_info().hits == hits + 1
    path.write_text(path.read_text().replace("target_minutes: 4", "target_minutes: 12"))
    assert load_show(path).script.target_minutes == 12  # a changed file is read again
