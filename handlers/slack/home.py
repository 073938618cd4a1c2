"""The App Home tab: rendered from current data every time it is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.service.klimanet import Klimanet
from handlers.slack.blocks import reply_blocks
from handlers.slack.common import Background, actor_from_event

MAX_HOME_BLOCKS = 100


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return

        def publish() -> None:
            reply = service.home(actor_from_event(event, body))
            view = View(type="home", blocks=reply_blocks(reply)[:MAX_HOME_BLOCKS])
            client.views_publish(user_id=event["user"], view=view)

        # views.publish waits for Slack: not on a listener thread.
        background.run("app_home_opened", None, publish)
