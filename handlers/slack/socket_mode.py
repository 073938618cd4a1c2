"""Socket Mode: Slack redelivers an envelope it thinks we did not ack; it is acted on once.

The envelope id goes to Bolt as a header; the middleware makes it the request's key, which the
transaction acting on the request remembers in the database (``bot.service.inbound.Once``), so a
redelivery to another replica's connection is refused too, and the ack waits for no database.
Payloads get the same shape checks as in HTTP mode.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from handlers.slack.edge import command_problem, event_problem, interaction_problem
from handlers.slack.middleware import ENVELOPE_HEADER

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
    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        problem = envelope_problem(req)
        if problem is not None:
            log.warning("refused a malformed Socket Mode envelope: %s", problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        # Bolt's own run_bolt_app, with the envelope id beside the retry headers it mirrors.
        headers: dict[str, Any] = dict(build_headers(req) or {})
        headers[ENVELOPE_HEADER] = str(req.envelope_id)
        request = BoltRequest(mode="socket_mode", body=req.payload, headers=headers)
        send_response(client, req, self.app.dispatch(request), started)
