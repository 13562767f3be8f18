from pathlib import Path

import pytest
import yaml

from castwright.core.config import load_show, load_voice
from castwright.core.errors import ConfigError
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.settings import settings_from_env


def _write_show(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(DEFAULT_SHOW.read_text())
    data.pop("cover")
    data.update(changes)
    path = tmp_path / "show.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_example_show_is_valid() -> None:
    show = load_show(DEFAULT_SHOW)
    assert show.host_names == ["Ada", "Marvin"]
    assert show.cover is not None and show.cover.is_file()


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    path = _write_show(tmp_path, colour="red")
    with pytest.raises(ConfigError, match=r"show\.yaml.*\n.*colour: Extra inputs"):
        load_show(path)


def test_bad_nested_value_names_the_field(tmp_path: Path) -> None:
    path = _write_show(tmp_path, audio={"target_lufs": 3})
    with pytest.raises(ConfigError, match="audio.target_lufs"):
        load_show(path)


def test_unknown_voice_lists_known_ones(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_SHOW.read_text())
    data["hosts"][0]["voice"] = "nobody"
    with pytest.raises(ConfigError, match="known voices: joe, kokoro-alpha"):
        load_show(_write_show(tmp_path, hosts=data["hosts"]))


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", "UPPER", ""])
def test_voice_names_cannot_escape_voices_dir(name: str) -> None:
    with pytest.raises(ConfigError, match="slug"):
        load_voice(name)


def test_settings_precedence_and_secrets() -> None:
    env = {
        "RUNPOD_ENDPOINT_ID": "abc123",
        "RUNPOD_API_KEY": "rp-secret",
        "OPENAI_API_KEY": "sk-secret",
    }
    settings = settings_from_env(env, public_base_url="https://cdn.example.com/")
    assert settings.tts_url == "https://api.runpod.ai/v2/abc123"
    assert settings.public_base_url == "https://cdn.example.com/"
    assert "secret" not in repr(settings) and "secret" not in settings.model_dump_json()
    assert settings_from_env({}).tts_url is None


def test_configuration_reference_is_current() -> None:
    from castwright.core.paths import PROJECT_ROOT
    from castwright.docs import configuration_markdown

    doc = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    assert doc == configuration_markdown(), "run `make docs` to regenerate docs/configuration.md"
