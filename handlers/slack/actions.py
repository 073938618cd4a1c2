"""Buttons and selects on the bot's messages. They carry ids only: each click re-reads the state
in the service's transaction, so stale and double clicks get a clear answer."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.replies import (
    Action,
)
from bot.service.klimanet import Klimanet
from handlers.slack.blocks import ACTION_SUFFIX, answers_an_item, reply_message
from handlers.slack.client import respond
from handlers.slack.common import Background, actor_from_body, once_in
from handlers.slack.forms import Forms
from handlers.slack.home import SlackHome


def on_home(body: dict[str, Any]) -> bool:
    """A click on the App Home: there is no message to answer in, only the view."""
    view = body.get("view") or {}
    return isinstance(view, dict) and view.get("type") == "home"


def register(
    app: App, service: Klimanet, background: Background, forms: Forms, home: SlackHome
) -> None:
    @app.action(re.compile("^(" + "|".join(Action) + ")(" + ACTION_SUFFIX + "[0-9]+)?$"))
    def clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        action_id = str(action.get("action_id") or "").split(ACTION_SUFFIX, 1)[0]
        # A select carries what it is for in its block id; a button in its value.
        value = str(
            action.get("block_id")
            if action_id == Action.PICK_SUBSTITUTE
            else action.get("value") or ""
        )
        url = body.get("response_url")
        # On the Home the answer opens in a modal: its trigger_id's 3 s run from now.
        modal = forms.modal(body) if on_home(body) else None

        def work() -> None:
            actor = actor_from_body(body)
            reply = service.click(actor, action_id, value, action.get("selected_user"))
            if answers_an_item(action.get("block_id")):
                # One of several things in the message: the answer comes below it, and the
                # others keep their buttons (a second click on this one is answered as stale).
                reply = replace(reply, replace_original=False)
            if url:
                respond(url, reply_message(reply))
            elif modal is not None:
                home.answered(actor, reply, modal)

        (forms if modal is not None else background).run(action_id, url, work, once_in(context))
