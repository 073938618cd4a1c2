"""Socket Mode: Slack redelivers an envelope it thinks we did not ack; it is acted on once.

The memory is the database's (``InboundMemory``), so a redelivery to another replica's
connection is recognised too. Payloads get the same shape checks as in HTTP mode.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.service.inbound import InboundMemory
from handlers.slack.edge import command_problem, event_problem, interaction_problem

log = logging.getLogger("klimanet.edge")


def envelope_problem(request: SocketModeRequest) -> str | None:
    payload: Any = request.payload
    if not isinstance(payload, dict):
        return "the payload is not an object"
    if request.type == "slash_commands":
        return command_problem(payload)
    if request.type == "interactive":
        return interaction_problem(payload)
    if request.type == "events_api":
        return event_problem(payload)
    return f"unknown envelope type {request.type!r}"[:80]


class OnceSocketModeHandler(SocketModeHandler):
    def __init__(self, app: App, app_token: str, memory: InboundMemory, **kwargs: Any) -> None:
        super().__init__(app, app_token, **kwargs)
        self._memory = memory

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        try:
            first = self._memory.first_time(f"envelope:{req.envelope_id}")
        except Exception as error:  # noqa: BLE001 - no ack: Slack delivers the envelope again
            log.error("could not check the envelope against replays (%s)", type(error).__name__)
            return
        if not first:
            log.info("ignored a redelivered Socket Mode envelope")
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        problem = envelope_problem(req)
        if problem is not None:
            log.warning("refused a malformed Socket Mode envelope: %s", problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        super().handle(client, req)
