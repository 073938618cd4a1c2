"""Buttons and selects on the bot's messages. They carry ids only: each click re-reads the state
in the service's transaction, so stale and double clicks get a clear answer."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.replies import (
    Action,
)
from bot.service.klimanet import Klimanet
from handlers.slack.blocks import ACTION_SUFFIX, reply_message
from handlers.slack.client import respond
from handlers.slack.common import Background, actor_from_body


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.action(re.compile("^(" + "|".join(Action) + ")(" + ACTION_SUFFIX + "[0-9]+)?$"))
    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        action_id = str(action.get("action_id") or "").split(ACTION_SUFFIX, 1)[0]
        # A select carries what it is for in its block id; a button in its value.
        value = str(
            action.get("block_id")
            if action_id == Action.PICK_SUBSTITUTE
            else action.get("value") or ""
        )
        url = body.get("response_url")

        def work() -> None:
            reply = service.click(
                actor_from_body(body), action_id, value, action.get("selected_user")
            )
            if url:
                respond(url, reply_message(reply))

        background.run(action_id, url, work)
