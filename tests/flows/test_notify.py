"""A failed run, or a script the gate blocks, is posted once to the failure webhook (a local
HTTP receiver here) with the reason and the flow run's link, in the webhook's own shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from castwright.clients.notify import Notice, Notifier, guess_style, notice_payload
from flows.episode import episode_flow
from tests.fakes.http import FakeServer, Reply, Request, serve
from tests.flows.conftest import Services
from tests.script.test_gate import ISSUE, faithful_script


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    def route(request: Request) -> Reply:
        return Reply(200, {"ok": True}) if request.path == "/hook" else Reply(404, {})

    with serve(route) as server:
        monkeypatch.setenv("CASTWRIGHT_NOTIFY_URL", f"{server.base_url}/hook")
        yield server


def test_a_failed_run_posts_one_notification_with_reason_and_link(
    prefect_harness: None, receiver: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASTWRIGHT_WORK_DIR", str(tmp_path / "work"))
    missing = tmp_path / "no-such-issue.md"
    state = episode_flow(newsletter=str(missing), out=str(tmp_path / "public"), return_state=True)
    assert state.is_failed()
    (posted,) = receiver.requests
    body = posted.body
    assert body["event"] == "run_failed" and body["flow"] == "castwright-episode"
    assert str(missing) in body["reason"] and "file not found" in body["reason"]
    run_id = str(state.state_details.flow_run_id)
    assert body["flow_run_id"] == run_id
    assert body["flow_run_url"].endswith(f"/flow-runs/flow-run/{run_id}")


def test_a_blocked_script_posts_a_slack_message_before_any_tts(
    prefect_harness: None, services: Services, receiver: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASTWRIGHT_NOTIFY_FORMAT", "slack")
    turns = [t.model_dump() for t in faithful_script().turns]
    for turn in turns:
        if turn["text"] == ISSUE.sections[0].comments[0].text:
            turn["speaker"] = "Marvin"  # Ada's opinion given to the other host
    script = services.work.parent / "bad-script.yaml"
    script.write_text(yaml.safe_dump({"turns": turns}, sort_keys=False), encoding="utf-8")
    from castwright.core.paths import DEFAULT_NEWSLETTER

    state = episode_flow(newsletter=str(DEFAULT_NEWSLETTER), script_file=str(script),
                         out=str(services.out), target_minutes=2.3, return_state=True)  # fmt: skip
    assert state.is_failed()
    (posted,) = receiver.requests
    text = posted.body["text"]
    assert set(posted.body) == {"text"}
    assert "blocked by the quality gate" in text and "wrong-host" in text
    assert f"/flow-runs/flow-run/{state.state_details.flow_run_id}|flow run>" in text
    assert services.runpod.jobs == {}


def test_a_failed_keepalive_posts_a_discord_message(
    prefect_harness: None, receiver: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.keepalive import keepalive_flow

    monkeypatch.setenv("CASTWRIGHT_NOTIFY_FORMAT", "discord")
    monkeypatch.setenv("CASTWRIGHT_TTS_URL", "http://127.0.0.1:9/v2/nothing-listens-here")
    state = keepalive_flow(return_state=True)
    assert state.is_failed()
    (posted,) = receiver.requests
    assert set(posted.body) == {"content"}
    assert posted.body["content"].startswith("**castwright: castwright-keepalive run failed**")


def test_payload_shapes_and_a_receiver_that_is_down() -> None:
    notice = Notice(event="run_failed", reason="x" * 5000, flow_run_id="abc",
                    flow_run_url="http://127.0.0.1:4200/flow-runs/flow-run/abc")  # fmt: skip
    discord = notice_payload(notice, "discord")["content"]
    assert len(discord) == 2000 and discord.endswith("/flow-runs/flow-run/abc")
    assert guess_style("https://hooks.slack.com/services/T/B/x") == "slack"
    assert guess_style("https://discord.com/api/webhooks/1/x") == "discord"
    assert guess_style("https://example.com/hook") == "generic"
    down = Notifier(SecretStr("http://127.0.0.1:9/hook"), "generic")
    assert down.send(notice) is False  # logged as a warning; the run's own failure stands
    assert "127.0.0.1:9" not in repr(down)
