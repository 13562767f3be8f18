"""`castwright listen` on the embedded streaming worker (Piper): audio is written, and a browser
receives it, before the text is fully synthesized."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import soundfile as sf

from castwright.cli import main
from castwright.core.paths import DEFAULT_SHOW
from flows.listen import listen_page, listen_to, listen_turns

LONG = (
    "Three open speech models shipped this week, and two of them run on a laptop. "
    "The third needs a data-center GPU, and its authors say a smaller version is coming soon. "
    "Ada thinks the laptop models are good enough for a weekly show. Marvin is not so sure: "
    "he wants to hear how they handle numbers, names and long sentences before he switches. "
    "Both agree that the price of a minute of speech has fallen by half since last spring, "
    "and that the next test is a whole episode read by the smallest of the three."
)


@pytest.fixture(autouse=True)
def work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASTWRIGHT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.delenv("CASTWRIGHT_TTS_STREAM_URL", raising=False)


def test_listen_writes_audio_before_the_text_is_synthesized(tmp_path: Path) -> None:
    out = tmp_path / "turn.wav"
    result = listen_to(listen_turns(LONG, None, "joe", DEFAULT_SHOW), "fast", out)
    (done_at,) = result.synthesis_done_at
    assert result.first_write_at is not None and result.first_write_at < done_at
    assert result.first_audio_s is not None and result.pieces >= 6
    samples, sr = sf.read(out)
    assert sr == 24_000 and samples.size / sr == pytest.approx(result.audio_s, abs=0.01)
    assert result.audio_s > 20.0  # the whole text, not just its first chunk


def test_the_listen_command_writes_a_wav(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hello.wav"
    code = main(["listen", "--text", "Hello from castwright.", "--voice", "joe",
                 "--profile", "cinematic", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert f"of audio to {out}: first audio after" in printed and "(cinematic profile)" in printed
    samples, sr = sf.read(out)
    assert sr == 48_000 and 0.8 < samples.size / sr < 5.0


def test_a_browser_receives_the_stream_before_synthesis_ends(tmp_path: Path) -> None:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed: make setup-test (apt-get install -y chromium)")
    turns = listen_turns(LONG, None, "joe", DEFAULT_SHOW)
    with listen_page(turns, "fast") as server:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio",
               "--autoplay-policy=no-user-gesture-required",
               f"--user-data-dir={tmp_path / 'profile'}", server.url]  # fmt: skip
        browser = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not (server.results and server.events):
                time.sleep(0.2)
        finally:
            browser.terminate()
            browser.wait(timeout=20)
    assert server.results, "the browser never fetched the whole stream"
    names = [name for name, _ in server.events]
    assert "loadeddata" in names, names
    received = min(t for name, t in server.events if name == "loadeddata")
    (done_at,) = server.results[0].synthesis_done_at
    assert received < done_at  # the page had audio before the worker finished the text
