"""Attacks on the worker's reference fetch and castwright's newsletter fetch, inside private user, network and mount namespaces
(no root needed where unprivileged user namespaces are allowed):

    unshare -r -n -m python -m tests.worker.netns_fetch

The namespace has only its loopback device, which also carries one public address
(93.184.216.34), and its own /etc/hosts (bind-mounted), so names resolve as a test needs while
nothing outside is reached. Two real HTTPS servers (one certificate, trusted through
SSL_CERT_FILE): the "public" one on 93.184.216.34:443 and an "internal" one on 127.0.0.1:443 that
no job may ever reach. Prints one JSON object: scenario -> {"error"|"body", "internal_hits"}.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import worker.reference as reference
from tasks.newsletter.fetch import download
from tests.fakes.raw_http import drip, endless, send, serve_routes

PUBLIC_IP = "93.184.216.34"
HOSTS = f"""127.0.0.1 localhost
{PUBLIC_IP} audio.example.com
{PUBLIC_IP} rebind.example.com
100.100.100.200 metadata.example.com
::ffff:127.0.0.1 mapped.example.com
"""
MAX_BYTES = 4096
DEADLINE_S = 3.0


def sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def setup_namespace(folder: Path) -> Path:
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "addr", "add", f"{PUBLIC_IP}/32", "dev", "lo")
    hosts = folder / "hosts"
    hosts.write_text(HOSTS)
    sh("mount", "--bind", str(hosts), "/etc/hosts")
    cert, key = folder / "cert.pem", folder / "key.pem"
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
       "-keyout", str(key), "-out", str(cert), "-subj", "/CN=audio.example.com",
       "-addext", "subjectAltName=DNS:audio.example.com,DNS:rebind.example.com,"
       "DNS:localhost,IP:127.0.0.1")  # fmt: skip
    os.environ["SSL_CERT_FILE"] = str(cert)
    return hosts


_REAL_LOOKUP = socket.getaddrinfo


def rebinding_resolver(hosts: Path) -> None:
    """After the first lookup of rebind.example.com, the name points at 127.0.0.1 (a rebinding
    DNS server with TTL 0): patched at the resolver boundary, the only place a test can."""
    real = _REAL_LOOKUP

    def lookup(host: str, *args: object, **kwargs: object) -> object:
        answer = real(host, *args, **kwargs)  # type: ignore[arg-type]
        if host == "rebind.example.com":
            hosts.write_text(HOSTS.replace(f"{PUBLIC_IP} rebind", "127.0.0.1 rebind"))
        return answer

    socket.getaddrinfo = lookup  # type: ignore[assignment]


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    hosts = setup_namespace(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    public = {"/voice.wav": send(200, b"public audio"), "/big": endless, "/drip": drip(100, 0.2),
              "/redirect": send(302, Location="https://localhost/secret"), "*": send(404)}  # fmt: skip
    with (
        serve_routes(public, PUBLIC_IP, 443, tls),
        serve_routes({"*": send(200, b"internal secret")}, "127.0.0.1", 443, tls) as (_, hits),
    ):
        print(json.dumps(run_scenarios(hosts, hits)))
    return 0


def run_scenarios(hosts: Path, internal_hits: list[str]) -> dict[str, dict[str, object]]:
    reference.FETCH_DEADLINE_S = DEADLINE_S
    scenarios = {
        "plain": "https://audio.example.com/voice.wav",
        "redirect": "https://audio.example.com/redirect",
        "unbounded": "https://audio.example.com/big",
        "drip": "https://audio.example.com/drip",
        "metadata": "https://metadata.example.com/latest/meta-data",
        "mapped": "https://mapped.example.com/secret",
        "rebind": "https://rebind.example.com/voice.wav",
    }
    fetchers: dict[str, Callable[[str], bytes]] = {
        "worker": lambda url: reference.fetch_https(url, MAX_BYTES),
        "newsletter": lambda url: download(url, MAX_BYTES, deadline_s=DEADLINE_S)[0],
    }
    results: dict[str, dict[str, object]] = {}
    for name, url in scenarios.items():
        for side, fetch in fetchers.items():
            hosts.write_text(HOSTS)
            if name == "rebind":
                rebinding_resolver(hosts)
            started, before = time.monotonic(), len(internal_hits)
            try:
                outcome: dict[str, object] = {"body": fetch(url).decode()}
            except Exception as exc:  # noqa: BLE001 (reported to the test, which asserts on it)
                outcome = {"error": f"{type(exc).__name__}: {exc}"}
            outcome["seconds"] = round(time.monotonic() - started, 1)
            outcome["internal_hits"] = len(internal_hits) - before
            results[f"{side}:{name}"] = outcome
    return results


if __name__ == "__main__":
    sys.exit(main())
