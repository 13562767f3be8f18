"""A loopback HTTP(S) server whose routes write raw responses (headers, encodings, a body that
drips or never ends): for tests of clients under hostile servers."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


@contextlib.contextmanager
def serve_routes(
    routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> Iterator[tuple[int, list[str]]]:  # fmt: skip
    """Serve `routes` (by path without query; "*" for any other); yields (port, paths hit)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            route = routes.get(self.path.split("?")[0]) or routes["*"]
            with contextlib.suppress(OSError):  # the client gave up (deadline, cap): expected
                route(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def send(status: int, body: bytes = b"", **headers: str) -> Route:
    """A plain response; header names with '_' for '-' (Content_Encoding="gzip")."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name.replace("_", "-"), value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def drip(total: int, every_s: float) -> Route:
    """Announce `total` bytes, then send one every `every_s` seconds."""

    def route(h: BaseHTTPRequestHandler) -> None:
        import time

        h.send_response(200)
        h.send_header("Content-Length", str(total))
        h.end_headers()
        for _ in range(total):
            h.wfile.write(b"\0")
            h.wfile.flush()
            time.sleep(every_s)

    return route


def endless(h: BaseHTTPRequestHandler) -> None:
    """A body with no Content-Length that never stops."""
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    while True:
        h.wfile.write(b"\0" * 1024)


def drip_headers(count: int, every_s: float) -> Route:
    """A status line, then one header byte every `every_s` seconds (`count` of them): a server
    that never finishes its headers, so no per-read timeout ever fires."""

    def route(h: BaseHTTPRequestHandler) -> None:
        import time

        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(count):
            h.wfile.write(b"a")
            h.wfile.flush()
            time.sleep(every_s)

    return route
