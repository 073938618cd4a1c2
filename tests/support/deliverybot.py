"""The service plus delivery on a controlled clock: to the in-memory recording notifier
(``memory_delivery_bot``, for tests of delivery itself) or to the fake Slack Web API
(``delivery_bot``, for tests of what Slack sees)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.activity import REQUESTS, Activity
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.registration import Actor
from bot.replies import Reply
from bot.runtime import Core, build_core, build_delivery
from handlers.slack.client import make_delivery_client
from handlers.slack.notifier import SlackNotifier
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import FACILITATOR
from tests.support.fake_slack import Call, FakeSlack
from tests.support.memory_notifier import MemoryNotifier, Message
from tests.support.service import arrange, say

CHANNEL = "C0NET"


@dataclass(kw_only=True)
class OnTheClock:
    """The service and its delivery on a test clock: what every delivery bot can do."""

    core: Core
    delivery: Delivery
    clock: FixedClock
    settings: Settings

    def say(self, actor: Actor, text: str) -> Reply:
        return say(self.core.service, actor, text)

    def arrange(self, actor: Actor, text: str) -> Reply:
        """``møde opret|flyt …``, going ahead past a weekend or busy-time warning."""
        return arrange(self.core.service, actor, text)

    def at(self, when: datetime) -> None:
        """Move the clock to ``when`` and deliver what is due."""
        self.clock.set(when)
        self.delivery.drain()


@dataclass(kw_only=True)
class DeliveryBot(OnTheClock):
    fake: FakeSlack

    def posts(self, channel: str | None = None) -> list[Call]:
        return [
            c
            for c in self.fake.calls("chat.postMessage", ok=True)
            if channel is None or c.args.get("channel") == channel
        ]

    def texts(self, channel: str | None = None) -> list[str]:
        return [str(c.args.get("text")) for c in self.posts(channel)]


def new_delivery(
    core: Core, fake: FakeSlack, settings: Settings, clock: FixedClock, **config: Any
) -> Delivery:
    notifier = SlackNotifier(make_delivery_client("xoxb-test", fake.base_url))
    delivery = build_delivery(core, notifier, settings, clock)
    if config:
        delivery.close()
        delivery = Delivery(
            core.sessions,
            notifier,
            clock,
            settings.timezone,
            network_id=core.network_id,
            config=DeliveryConfig(**{"catchup": settings.catchup, **config}),
        )
    return delivery


def delivery_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({FACILITATOR.user_id}),
        registration="open",  # these tests are about posts, not approvals
    )


@contextmanager
def delivery_bot(
    database_url: str, fake: FakeSlack, clock: FixedClock, **config: Any
) -> Iterator[DeliveryBot]:
    settings = delivery_settings(database_url)
    core = build_core(settings, clock)
    fake.clock = lambda: clock.now().timestamp()
    delivery = new_delivery(core, fake, settings, clock, **config)
    try:
        yield DeliveryBot(core=core, delivery=delivery, fake=fake, clock=clock, settings=settings)
    finally:
        delivery.close()
        core.engine.dispose()


@dataclass(kw_only=True)
class MemoryBot(OnTheClock):
    """The service plus delivery to a ``MemoryNotifier``: posts are read as the core wrote them
    (recipient, ``Reply``), with no platform in between."""

    notifier: MemoryNotifier

    def posts(self, recipient: str | None = None) -> list[Message]:
        """Every message posted (to ``recipient``), in order."""
        return self.notifier.sent(recipient)

    def texts(self, recipient: str | None = None) -> list[str]:
        return self.notifier.texts(recipient)

    def new_delivery(self, requests: Activity = REQUESTS, **config: Any) -> Delivery:
        """Another worker on the same database and notifier (a second replica); ``requests``:
        the requests it yields to."""
        return memory_delivery(
            self.core, self.notifier, self.settings, self.clock, requests=requests, **config
        )


def memory_delivery(
    core: Core,
    notifier: MemoryNotifier,
    settings: Settings,
    clock: FixedClock,
    requests: Activity = REQUESTS,
    **config: Any,
) -> Delivery:
    """Delivery as ``build_delivery`` makes it, without Slack's pacing of one post a second per
    channel (the memory notifier has no rate limit: the tests need not sleep)."""
    return Delivery(
        core.sessions,
        notifier,
        clock,
        settings.timezone,
        network_id=core.network_id,
        requests=requests,
        config=DeliveryConfig(
            **{
                "catchup": settings.catchup,
                "lease": settings.delivery_lease,
                "per_channel_interval": 0.0,
                **config,
            }
        ),
    )


@contextmanager
def memory_delivery_bot(database_url: str, clock: FixedClock, **config: Any) -> Iterator[MemoryBot]:
    settings = delivery_settings(database_url)
    core = build_core(settings, clock)
    notifier = MemoryNotifier(clock=clock)
    delivery = memory_delivery(core, notifier, settings, clock, **config)
    try:
        yield MemoryBot(
            core=core, delivery=delivery, notifier=notifier, clock=clock, settings=settings
        )
    finally:
        delivery.close()
        core.engine.dispose()
