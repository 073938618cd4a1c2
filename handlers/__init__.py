"""Slack inbound: one module per surface, each with ``register(app, ...)``."""

from __future__ import annotations

from slack_bolt import App

from bot.inbound import InboundMemory
from bot.service import Klimanet
from bot.slack.notifier import SlackNotifier
from handlers import actions, commands, errors, home, middleware, views
from handlers.common import Background
from handlers.forms import Forms


def register_all(
    app: App,
    service: Klimanet,
    notifier: SlackNotifier,
    background: Background,
    forms: Forms,
    *,
    memory: InboundMemory,
    home_team: str,
) -> None:
    middleware.register(app, memory, home_team, background)
    errors.register(app, background)
    commands.register(app, service, notifier, background, forms)
    actions.register(app, service, background)
    views.register(app, service)
    home.register(app, service, background)
