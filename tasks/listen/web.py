"""Listen in a browser: a page whose <audio> element plays a turn while it renders.

GET /           the page: the text and a player (autoplay where the browser allows it)
GET /audio.wav  the audio as it is synthesized: a streaming WAV (sizes "unknown") sent with
                chunked transfer encoding, one HTTP chunk per audio block
GET /event?name=playing   the page reports its player's events (loadeddata, playing, ended)
Each GET of /audio.wav streams the turns anew.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from castwright.core.config import VoiceProfile
from castwright.core.profiles import StreamProfile
from tasks.listen.sinks import StreamSink
from tasks.listen.stage import ListenResult, Stream, listen

log = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>castwright listen</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto}}</style></head>
<body><h1>castwright listen</h1>
<audio id="player" controls autoplay preload="auto" src="/audio.wav"></audio>
<p id="status">waiting for the first audio ({profile} profile)</p>
<ol>{turns}</ol>
<script>
const player = document.getElementById("player"), status = document.getElementById("status");
for (const name of ["loadeddata", "playing", "ended", "error"]) {{
  player.addEventListener(name, () => {{
    status.textContent = name;
    fetch("/event?name=" + name).catch(() => {{}});
  }}, {{once: true}});
}}
</script></body></html>
"""


@dataclass
class ListenServer:
    url: str
    events: list[tuple[str, float]] = field(default_factory=list)  # (name, wall clock)
    results: list[ListenResult] = field(default_factory=list)


class ChunkedBody:
    """An HTTP/1.1 chunked body over the handler's socket file."""

    def __init__(self, wfile: Any) -> None:
        self._wfile = wfile

    def write(self, data: bytes, /) -> int:
        if data:
            self._wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        return len(data)

    def flush(self) -> None:
        self._wfile.flush()

    def end(self) -> None:
        self._wfile.write(b"0\r\n\r\n")
        self._wfile.flush()


def page(turns: list[tuple[str, VoiceProfile]], profile: StreamProfile) -> bytes:
    items = "".join(f"<li>{html.escape(text)} <small>({html.escape(v.name)})</small></li>"
                    for text, v in turns)  # fmt: skip
    return PAGE.format(profile=html.escape(profile.name), turns=items).encode()


@contextmanager
def serve_listen(
    stream: Stream,
    turns: list[tuple[str, VoiceProfile]],
    profile: StreamProfile,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[ListenServer]:
    """Serve the page and the streamed audio until the block ends."""
    state = ListenServer(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlparse(self.path)
            routes: dict[str, Callable[[], None]] = {
                "/": self._page, "/audio.wav": self._audio,
                "/event": lambda: self._event(parse_qs(url.query).get("name", ["?"])[0]),
            }  # fmt: skip
            routes.get(url.path, self._missing)()

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _page(self) -> None:
            self._send(200, page(turns, profile), "text/html; charset=utf-8")

        def _missing(self) -> None:
            self._send(404, b"not found", "text/plain")

        def _event(self, name: str) -> None:
            state.events.append((name, time.time()))
            log.info("browser player: %s", name)
            self._send(204, b"", "text/plain")

        def _audio(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            body = ChunkedBody(self.wfile)
            try:
                state.results.append(
                    listen(stream, turns, profile, StreamSink(body, profile.sample_rate))
                )
                body.end()
            except (BrokenPipeError, ConnectionResetError):
                log.info("the browser closed the audio stream")
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    state.url = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
