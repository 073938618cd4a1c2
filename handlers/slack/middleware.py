"""Global middleware: one workspace, and each request acted on once (in HTTP and Socket Mode).

Acting once costs the ack nothing: the middleware only names the request's key (its signature,
its Socket Mode envelope, or its event id) and hands it to the work in Bolt's context; the work's
own transaction remembers it (``bot.service.inbound.Once``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot import texts
from bot.service.inbound import InboundMemory, Once
from handlers.slack.blocks import mrkdwn, plain_text
from handlers.slack.client import respond
from handlers.slack.common import ONCE, Background
from handlers.slack.edge import INTERACTION_TYPES

log = logging.getLogger("klimanet.edge")

# What comes from a person or their workspace: a command (which has no "type"), these.
INBOUND_TYPES = INTERACTION_TYPES | {"event_callback"}
# Socket Mode has no signature: the envelope id (which a redelivery repeats) stands in for it.
ENVELOPE_HEADER = "x-klimanet-envelope-id"


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []
    value = values[0] if values else None
    return value if isinstance(value, str) and value else None


def once_of(memory: InboundMemory, request: BoltRequest, body: Mapping[str, Any]) -> Once | None:
    """The key this request is acted on under, or None when it has none."""
    # Slack retries an event with a new signature (and envelope) and the same event id.
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if isinstance(event_id, str) and event_id:
        return memory.once(f"event:{event_id}")
    signature = _header(request, "x-slack-signature")
    timestamp = _header(request, "x-slack-request-timestamp")
    if signature is not None and timestamp is not None and timestamp.isdigit():
        # The edge checked both; the timestamp may lie ahead of our clock (see Once).
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
        return memory.once("sig:" + signature, valid_from=signed_at)
    envelope = _header(request, ENVELOPE_HEADER)
    if envelope is not None:
        return memory.once("envelope:" + envelope)
    return None


def teams_of(body: Mapping[str, Any]) -> set[str]:
    """Every team id a request names: the command's, the interaction's and the user's."""
    team = body.get("team")
    user = body.get("user")
    found = {
        body.get("team_id"),
        team.get("id") if isinstance(team, Mapping) else None,
        user.get("team_id") if isinstance(user, Mapping) else None,
    }
    return {str(t) for t in found if t}


def refusal(body: Mapping[str, Any], background: Background) -> BoltResponse:
    """Tell the person, in Danish, where they can; do nothing else."""
    if "command" in body:
        return BoltResponse(
            status=200,
            body={"response_type": "ephemeral", "text": mrkdwn(texts.edge.OTHER_WORKSPACE)},
        )
    if body.get("type") == "view_submission":
        block_id = first_input_block(body.get("view") or {})
        if block_id:
            errors = {block_id: plain_text(texts.edge.OTHER_WORKSPACE)}
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    url = body.get("response_url")
    if isinstance(url, str) and url:
        message: dict[str, Any] = {
            "response_type": "ephemeral",
            "replace_original": False,
            "text": mrkdwn(texts.edge.OTHER_WORKSPACE),
        }

        def tell() -> None:
            respond(url, message)

        background.run("other workspace", None, tell)
    return BoltResponse(status=200, body="")


def first_input_block(view: Mapping[str, Any]) -> str | None:
    for block in view.get("blocks") or []:
        if isinstance(block, Mapping) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def register(app: App, memory: InboundMemory, home_team: str, background: Background) -> None:
    @app.middleware
    def one_workspace(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if not ("command" in body or body.get("type") in INBOUND_TYPES):
            return next()
        teams = teams_of(body)
        if teams == {home_team}:
            return next()
        named = [team[:24] for team in sorted(teams)]
        log.warning("refused a request from another workspace (teams %s)", named)
        if body.get("type") == "event_callback":
            return BoltResponse(status=200, body="")  # events from elsewhere are ignored
        return refusal(body, background)

    @app.middleware
    def acted_on_once(
        request: BoltRequest,
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        # No database here: the key goes with the work, whose transaction remembers it.
        context[ONCE] = once_of(memory, request, body)
        return next()
