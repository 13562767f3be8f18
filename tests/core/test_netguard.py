"""castwright's side of the address rule, and URLs fit to log or record."""

from __future__ import annotations

import pytest

from castwright.clients.local import free_port
from castwright.clients.tts import RunPodClient
from castwright.core.config import load_show
from castwright.core.errors import ServiceError
from castwright.core.netguard import AddressRefused, is_public, pinned_address, redact_url
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.settings import settings_from_env
from tasks.report.manifest import models_used


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "100.64.0.1", "100.100.100.200", "169.254.169.254", "::1",
     "::ffff:127.0.0.1", "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:80ff:fffe", "64:ff9b::a00:1"],
)  # fmt: skip
def test_internal_addresses_and_their_wrappers_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_a_name_resolving_anywhere_internal_is_refused() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]  # one public answer does not make it safe

    with pytest.raises(AddressRefused, match=r"non-public address \(10.0.0.7\)"):
        pinned_address("mixed.example", 443, resolver=resolver)
    assert (
        pinned_address("mixed.example", 443, frozenset({"mixed.example"}), resolver)
        == "93.184.216.34"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:sk-KEY@llm.example.com/v1", "https://llm.example.com/v1"),
        ("https://api.example.com:8443/v2/ep?token=sk-SECRET#x", "https://api.example.com:8443/v2/ep?…"),
        ("http://[::1]:8000/run", "http://[::1]:8000/run"),
        ("embedded local worker", "embedded local worker"),
    ],
)  # fmt: skip
def test_urls_lose_credentials_and_queries(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_manifest_records_endpoints_without_secrets() -> None:
    settings = settings_from_env({"CASTWRIGHT_LLM_BASE_URL": "https://me:sk-LLM-1@llm.example/v1",
                                  "CASTWRIGHT_TTS_URL": "https://tts.example/v2/ep?token=rp-TTS-2"})  # fmt: skip
    recorded = str(models_used(settings, load_show(DEFAULT_SHOW)))
    assert "sk-LLM-1" not in recorded and "rp-TTS-2" not in recorded
    assert "https://llm.example/v1" in recorded and "https://tts.example/v2/ep?…" in recorded


def test_tts_errors_name_the_endpoint_without_its_token() -> None:
    client = RunPodClient(f"http://127.0.0.1:{free_port()}/v2/ep?token=rp-TTS-3")
    with pytest.raises(ServiceError) as caught:
        client.health()
    assert "rp-TTS-3" not in str(caught.value) and "rp-TTS-3" not in repr(client)
