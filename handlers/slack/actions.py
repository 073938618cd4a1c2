"""Buttons and selects on the bot's messages. They carry ids only: each click re-reads the state
in the service's transaction, so stale and double clicks get a clear answer."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.replies import (
    ACTION_ATTEND_NO,
    ACTION_ATTEND_YES,
    ACTION_OFFER_ACCEPT,
    ACTION_OFFER_DECLINE,
    ACTION_OFFER_WITHDRAW,
    ACTION_PICK_SUBSTITUTE,
    ACTION_RELEASE_CANCEL,
    ACTION_RELEASE_CONFIRM,
    ACTION_REQUEST_APPROVE,
    ACTION_REQUEST_REJECT,
)
from bot.service.klimanet import Klimanet
from handlers.slack.blocks import reply_message
from handlers.slack.client import respond
from handlers.slack.common import Background, actor_from_body

ACTIONS = (
    ACTION_RELEASE_CONFIRM,
    ACTION_RELEASE_CANCEL,
    ACTION_OFFER_ACCEPT,
    ACTION_OFFER_DECLINE,
    ACTION_OFFER_WITHDRAW,
    ACTION_REQUEST_APPROVE,
    ACTION_REQUEST_REJECT,
    ACTION_ATTEND_YES,
    ACTION_ATTEND_NO,
    ACTION_PICK_SUBSTITUTE,
)


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.action(re.compile("^(" + "|".join(ACTIONS) + ")$"))
    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        action_id = str(action.get("action_id") or "")
        # A select carries what it is for in its block id; a button in its value.
        value = str(
            action.get("block_id")
            if action_id == ACTION_PICK_SUBSTITUTE
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
