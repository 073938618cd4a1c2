"""Slack inbound: one module per surface, each with ``register(app, ...)``."""

from __future__ import annotations

from slack_bolt import App

from bot.service import Klimanet
from bot.slack.notifier import SlackNotifier
from handlers import actions, commands, errors, home, middleware, views


def register_all(app: App, service: Klimanet, notifier: SlackNotifier) -> None:
    middleware.register(app)
    errors.register(app)
    commands.register(app, service, notifier)
    actions.register(app, service)
    views.register(app, service)
    home.register(app, service)
