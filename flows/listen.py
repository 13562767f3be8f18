"""`castwright listen`: the application side of hearing a turn or a script as it renders.

It resolves what to say and in which voices, opens the streaming TTS client (the configured
streaming endpoint, or the embedded stream server with only the engines those voices need) and
streams into the chosen output: a WAV file, the speakers, or a page served over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from castwright.clients.factory import open_stream_tts
from castwright.core.config import VoiceProfile, host_voice, load_voice
from castwright.core.errors import ConfigError
from castwright.core.profiles import StreamProfile, stream_profile
from castwright.core.resolve import resolve_config
from castwright.core.settings import settings_from_env
from tasks.listen.sinks import PlayerSink, Sink, WavFileSink, player_command
from tasks.listen.stage import ListenResult, Stream, listen
from tasks.listen.web import ListenServer, serve_listen
from tasks.script.files import load_script

Turns = list[tuple[str, VoiceProfile]]


def listen_turns(
    text: str | None, script: Path | None, voice: str, show_file: Path | None
) -> Turns:
    """One turn from --text in --voice, or every turn of a script file in its host's voice."""
    if text is not None and script is None:
        if not text.strip():
            raise ConfigError("listen: --text is empty; give the words to say")
        return [(text.strip(), load_voice(voice))]
    if script is None or text is not None:
        raise ConfigError("listen: give either --text or --script, not both")
    show = resolve_config(show_file).show  # --show > CASTWRIGHT_SHOW > the example
    voices = {h.name: host_voice(show, h) for h in show.hosts}
    return [(t.text, voices[t.speaker]) for t in load_script(script, show).turns]


@contextmanager
def streaming(turns: Turns) -> Iterator[Stream]:
    settings = settings_from_env()
    engines = ",".join(sorted({v.engine for _, v in turns}))
    with open_stream_tts(settings, settings.work_dir / "logs", engines) as client:
        yield client.stream


def listen_to(turns: Turns, profile_name: str, out: Path | None) -> ListenResult:
    """Stream into a WAV file (`out`) or to the speakers."""
    profile = stream_profile(profile_name)
    sink: Sink = (
        WavFileSink(out, profile.sample_rate)
        if out is not None
        else PlayerSink(player_command(profile.sample_rate), profile.sample_rate)
    )
    with streaming(turns) as stream:
        return listen(stream, turns, profile, sink)


@contextmanager
def listen_page(
    turns: Turns, profile_name: str, host: str = "127.0.0.1", port: int = 0
) -> Iterator[ListenServer]:
    """Serve the listen page (and its streamed audio) while the block runs."""
    profile: StreamProfile = stream_profile(profile_name)
    with streaming(turns) as stream, serve_listen(stream, turns, profile, host, port) as server:
        yield server
