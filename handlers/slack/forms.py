"""Opening modals without holding a listener thread, within the trigger_id's 3 seconds.

A ``views.open`` waits for Slack. On Bolt's listener threads a slow Slack made new acks queue
behind it, so users saw Slack's timeout. Here each form gets its own small pool and a client with
a short timeout and no retries; a form that cannot open in time is answered through the
response_url in Danish, with the one-line command that does the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot import texts
from bot.service.inbound import Once
from handlers.slack.blocks import mrkdwn
from handlers.slack.client import respond
from handlers.slack.common import Background

log = logging.getLogger("klimanet.forms")

# Slack's trigger_id lives 3 s from when Slack sent it; a call started later than this after we
# received it is more likely to fail than to open, so the user gets the answer at once.
TRIGGER_BUDGET = 2.5


@dataclass(frozen=True)
class Modal:
    """One command's chance to open a modal: its trigger_id, until its deadline."""

    client: WebClient
    trigger_id: str
    response_url: str | None
    deadline: float  # time.monotonic()

    def open(self, view: View | dict[str, Any], one_line: str) -> bool:
        """Open ``view``; if Slack does not, say so and suggest ``one_line``."""
        if time.monotonic() >= self.deadline:
            log.warning("the trigger_id expired before the form could be opened")
        else:
            try:
                self.client.views_open(trigger_id=self.trigger_id, view=view)
                return True
            except SlackApiError as error:
                log.warning("views.open failed: %s", error.response.get("error"))
            except Exception as error:  # noqa: BLE001 - a timeout or a dropped connection
                log.warning("views.open failed (%s)", type(error).__name__)
        if self.response_url:
            message = {
                "response_type": "ephemeral",
                "text": mrkdwn(texts.edge.form_unavailable(one_line)),
            }
            respond(self.response_url, message)
        return False


class Forms:
    """A pool for the commands that answer with a modal, and the client they open it with."""

    def __init__(self, client: WebClient, workers: int, budget: float = TRIGGER_BUDGET) -> None:
        self._client = client
        self._budget = budget
        self._pool = Background(workers, name="form")

    def modal(self, request: Mapping[str, Any]) -> Modal:
        """Call when the request arrives: the trigger's time runs from then."""
        url = request.get("response_url")
        return Modal(
            self._client,
            str(request.get("trigger_id") or ""),
            url if isinstance(url, str) and url else None,
            time.monotonic() + self._budget,
        )

    def run(
        self,
        where: str,
        response_url: str | None,
        work: Callable[[], None],
        once: Once | None = None,
    ) -> None:
        self._pool.run(where, response_url, work, once)

    def shutdown(self) -> None:
        self._pool.shutdown()
