"""Slack inbound: one module per surface, each with ``register(app, ...)``."""

from __future__ import annotations

from slack_bolt import App

from bot.service import Klimanet
from bot.slack.notifier import SlackNotifier
from handlers import actions, commands, errors, home, middleware, views
from handlers.common import Background


def register_all(
    app: App, service: Klimanet, notifier: SlackNotifier, background: Background
) -> None:
    middleware.register(app)
    errors.register(app)
    commands.register(app, service, notifier, background)
    actions.register(app, service, background)
    views.register(app, service)
    home.register(app, service)
