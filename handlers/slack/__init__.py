"""Slack inbound: one module per surface, each with ``register(app, ...)``."""

from __future__ import annotations

from slack_bolt import App

from bot.service.inbound import InboundMemory
from bot.service.klimanet import Klimanet
from handlers.slack import (
    actions,
    commands,
    errors,
    feedback_form,
    middleware,
    poll_form,
    users,
    views,
)
from handlers.slack.common import Background
from handlers.slack.forms import Forms
from handlers.slack.home import SlackHome
from handlers.slack.notifier import SlackNotifier
from handlers.slack.profiles import SlackProfiles


def register_all(
    app: App,
    service: Klimanet,
    notifier: SlackNotifier,
    background: Background,
    forms: Forms,
    home: SlackHome,
    *,
    memory: InboundMemory,
    home_team: str,
    profiles: SlackProfiles | None = None,
) -> None:
    middleware.register(app, memory, home_team, background)
    errors.register(app, background)
    commands.register(app, service, notifier, background, forms)
    actions.register(app, service, background, forms, home)
    views.register(app, service, background)
    poll_form.register(app, service, background)
    feedback_form.register(app, service, background, forms)
    home.register(app)
    users.register(app, service, background, profiles)
