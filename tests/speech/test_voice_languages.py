"""Voices declare the languages they speak; a show whose host voice cannot speak the show's
language fails at load, naming the voice."""

from pathlib import Path

import pytest
import yaml

from castwright.core.config import TTSSettings, VoiceProfile, host_voice, load_show, load_voice
from castwright.core.errors import ConfigError
from castwright.core.models import Turn
from castwright.core.paths import DEFAULT_SHOW
from tasks.speech.stage import job_input


def _show(tmp_path: Path, language: str, voices: tuple[str, str]) -> Path:
    data = yaml.safe_load(DEFAULT_SHOW.read_text())
    data.pop("cover")
    data["language"] = language
    for host, voice in zip(data["hosts"], voices, strict=True):
        host["voice"] = voice
    path = tmp_path / "show.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_english_only_voice_on_a_pt_br_show_fails_at_load_naming_it(tmp_path: Path) -> None:
    path = _show(tmp_path, "pt-BR", ("kokoro-pt-nezumi", "joe"))
    with pytest.raises(ConfigError) as err:
        load_show(path)
    message = str(err.value)
    assert "Marvin's voice 'joe' speaks en, not the show's language 'pt-BR'" in message
    assert "kokoro-pt-kumo" in message  # a voice that does speak it is suggested
    assert "voices/joe.yaml" in message


def test_pt_br_voices_load_for_a_pt_br_show_and_send_pt_br_jobs(tmp_path: Path) -> None:
    show = load_show(_show(tmp_path, "pt-BR", ("kokoro-pt-nezumi", "kokoro-pt-kumo")))
    voices = [host_voice(show, h) for h in show.hosts]
    assert [v.voice for v in voices] == ["jf_nezumi", "jm_kumo"]
    turn = Turn(id="t1", speaker="Ada", text="Olá.", section="s")
    assert job_input(turn, voices[0], TTSSettings())["language"] == "pt-BR"


def test_a_pt_br_voice_on_an_english_show_fails_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Ada's voice 'kokoro-pt-nezumi' speaks pt-BR"):
        load_show(_show(tmp_path, "en", ("kokoro-pt-nezumi", "joe")))


def test_english_jobs_keep_their_language_and_clip_keys() -> None:
    show = load_show(DEFAULT_SHOW)
    voice = host_voice(show, show.hosts[1])
    assert voice == load_voice("joe") and voice.language == "en"


def test_primary_language_covers_its_regions_and_the_older_field_still_loads() -> None:
    profile = VoiceProfile.model_validate(
        {"name": "x", "engine": "qwen3", "voice": "Serena", "language": "pt"}
    )
    assert profile.languages == ["pt"] and profile.speaks("pt-BR") and not profile.speaks("en")
    assert profile.speaking("pt-BR").language == "pt-BR"
    with pytest.raises(ConfigError, match="speaks pt, not 'en'"):
        profile.speaking("en")


@pytest.mark.parametrize("name", ["qwen3-pt-serena", "qwen3-pt-aiden"])
def test_production_qwen3_voices_speak_portuguese(name: str) -> None:
    """The GPU worker's Portuguese profiles: qwen3 preset speakers sent language pt-BR (the worker
    maps it to Qwen3-TTS's "Portuguese", tests/worker/test_worker_qwen3.py)."""
    profile = load_voice(name)
    assert profile.engine == "qwen3" and profile.speaks("pt-BR")
    turn = Turn(id="t1", speaker="Ada", text="Olá.", section="s")
    payload = job_input(turn, profile.speaking("pt-BR"), TTSSettings())
    assert (payload["engine"], payload["language"], payload["mode"]) == ("qwen3", "pt-BR", "preset")
