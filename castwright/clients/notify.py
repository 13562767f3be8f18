"""Tell a person when a run fails: one JSON POST to a webhook (generic, Slack or Discord).

    generic   {"event", "title", "reason", "flow_run_id", "flow_run_url", "flow", "at"}
    slack     {"text": "..."}      (Slack incoming webhook; mrkdwn link to the flow run)
    discord   {"content": "..."}   (Discord webhook; at most 2,000 characters)

The style follows the URL (hooks.slack.com, discord.com/api/webhooks) unless
CASTWRIGHT_NOTIFY_FORMAT names one. A notification that cannot be delivered is logged as a
warning: it never hides the failure it was about, which the run reports itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, SecretStr

log = logging.getLogger(__name__)

Style = Literal["generic", "slack", "discord"]
DISCORD_LIMIT = 2000


class Notice(BaseModel):
    event: Literal["run_failed", "gate_blocked"]
    reason: str
    flow: str = "castwright-episode"
    flow_run_id: str | None = None
    flow_run_url: str | None = None
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    @property
    def title(self) -> str:
        what = (
            "script blocked by the quality gate" if self.event == "gate_blocked" else "run failed"
        )
        return f"castwright: {self.flow} {what}"


def guess_style(url: str) -> Style:
    if "hooks.slack.com" in url:
        return "slack"
    if "discord.com/api/webhooks" in url or "discordapp.com/api/webhooks" in url:
        return "discord"
    return "generic"


def notice_payload(notice: Notice, style: Style) -> dict[str, Any]:
    """The JSON body each kind of webhook expects."""
    if style == "generic":
        return {"title": notice.title, **notice.model_dump(mode="json")}
    link = notice.flow_run_url or f"flow run {notice.flow_run_id or '(none)'}"
    if style == "slack":
        run = f"<{notice.flow_run_url}|flow run>" if notice.flow_run_url else link
        return {"text": f"*{notice.title}*\n{notice.reason}\n{run}"}
    head, tail = f"**{notice.title}**\n", f"\n{link}"
    room = DISCORD_LIMIT - len(head) - len(tail)
    reason = notice.reason if len(notice.reason) <= room else notice.reason[: room - 1] + "…"
    return {"content": f"{head}{reason}{tail}"}


class Notifier:
    def __init__(self, url: SecretStr, style: Style, http: httpx.Client | None = None) -> None:
        self._url = url
        self.style = style
        self.http = http or httpx.Client(timeout=10.0)

    def __repr__(self) -> str:  # the URL holds the webhook's token: never show it
        return f"Notifier(style={self.style!r})"

    def send(self, notice: Notice) -> bool:
        """POST the notice; True when the webhook accepted it (any 2xx)."""
        try:
            response = self.http.post(
                self._url.get_secret_value(), json=notice_payload(notice, self.style)
            )
        except httpx.HTTPError as exc:
            log.warning("could not send the failure notification (%s)", type(exc).__name__)
            return False
        if not response.is_success:
            log.warning("the notification webhook answered %d", response.status_code)
            return False
        log.info("failure notification sent (%s)", self.style)
        return True
