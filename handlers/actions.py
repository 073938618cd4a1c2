"""Buttons on the bot's messages. Each click re-reads state in the service's transaction."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.replies import ACTION_RELEASE_CANCEL, ACTION_RELEASE_CONFIRM
from bot.service import Klimanet
from bot.slack.blocks import reply_message
from bot.slack.client import respond
from handlers.common import Background, actor_from_body


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.action(ACTION_RELEASE_CONFIRM)
    def release_confirm(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        url = body.get("response_url")
        background.run(
            ACTION_RELEASE_CONFIRM,
            url,
            lambda: respond(url, reply_message(service.confirm_release(actor_from_body(body)))),
        )

    @app.action(ACTION_RELEASE_CANCEL)
    def release_cancel(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        url = body.get("response_url")
        background.run(
            ACTION_RELEASE_CANCEL,
            url,
            lambda: respond(url, reply_message(service.cancel_release())),
        )
