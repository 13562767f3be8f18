from pathlib import Path

import numpy as np
import soundfile as sf

from tasks.speech.voices import check_voices
from worker.refaudio import leading_silence_ms


def _speechlike(seconds: float, rate: int, lead_s: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    syllables = (np.sin(2 * np.pi * 4 * t) > 0).astype(np.float32)
    voice = 0.4 * np.sin(2 * np.pi * 140 * t) * np.maximum(syllables, t > seconds - 0.1)
    return np.concatenate([np.zeros(int(lead_s * rate)), voice]).astype(np.float32)


def _clone_voice(tmp_path: Path, lead_s: float) -> Path:
    sf.write(tmp_path / "host.wav", _speechlike(5.0, 24000, lead_s), 24000)
    (tmp_path / "host.yaml").write_text(
        "engine: qwen3\nmode: clone\nvoice: host\nreference_audio: host.wav\n"
        "reference_text: Hello, this is my reference recording.\n"
    )
    return tmp_path / "host.wav"


def test_short_leading_silence_is_flagged_then_fixed(tmp_path: Path) -> None:
    wav = _clone_voice(tmp_path, lead_s=0.05)
    lines = check_voices(voices_dir=tmp_path)
    assert any(line.startswith("ERROR host") and "leading silence" in line for line in lines)
    fixed = check_voices(fix=True, voices_dir=tmp_path)
    assert any(line.startswith("fixed host") for line in fixed)
    samples, rate = sf.read(wav, dtype="float32")
    assert leading_silence_ms(samples, rate) >= 300
    assert (tmp_path / "host.orig.wav").is_file()
    assert check_voices(voices_dir=tmp_path) == ["ok    host: host.wav"]


def test_good_reference_and_shipped_voices_pass(tmp_path: Path) -> None:
    _clone_voice(tmp_path, lead_s=0.5)
    assert check_voices(voices_dir=tmp_path) == ["ok    host: host.wav"]
    shipped = check_voices()
    assert shipped and not any(line.startswith("ERROR") for line in shipped)


def test_invalid_profile_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("engine: espeak\nvoice: x\n")
    assert check_voices(voices_dir=tmp_path)[0].startswith("ERROR bad:")
