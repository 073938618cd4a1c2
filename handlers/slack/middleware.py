"""Global middleware: one workspace, and each event processed once (in HTTP and Socket Mode)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App, BoltResponse

from bot import texts
from bot.service.inbound import InboundMemory
from handlers.slack.client import respond
from handlers.slack.common import Background
from handlers.slack.edge import INTERACTION_TYPES

log = logging.getLogger("klimanet.edge")

# What comes from a person or their workspace: a command (which has no "type"), these.
INBOUND_TYPES = INTERACTION_TYPES | {"event_callback"}


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
            status=200, body={"response_type": "ephemeral", "text": texts.OTHER_WORKSPACE}
        )
    if body.get("type") == "view_submission":
        block_id = first_input_block(body.get("view") or {})
        if block_id:
            errors = {block_id: texts.OTHER_WORKSPACE}
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    url = body.get("response_url")
    if isinstance(url, str) and url:
        message: dict[str, Any] = {
            "response_type": "ephemeral",
            "replace_original": False,
            "text": texts.OTHER_WORKSPACE,
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
    def once_per_event(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        # Slack retries an event it thinks we missed; the first delivery was (or is being)
        # processed, by this replica or another.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not memory.first_time(f"event:{event_id}"):
            log.info("ignored a repeated event")
            return BoltResponse(status=200, body="")
        return next()
