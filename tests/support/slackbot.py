"""The real bot against the loopback fake Web API, for Slack-level tests: in Slack's HTTP mode
(``running_bot``) and in Socket Mode (``running_socket_bot``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot import texts
from bot.config import Settings
from bot.domain.errors import DomainError, ErrorKind
from bot.models import Seat
from bot.ports import Clock
from bot.runtime import CoreAssembly
from handlers.slack.app import (
    HTTP_THREADS,
    SlackRuntime,
    build_slack,
    socket_mode_handler,
    wsgi_app,
)
from handlers.slack.blocks import mrkdwn
from handlers.slack.settings import SlackSettings
from tests.support.fake_slack import Call, FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.http_server import serve_wsgi
from tests.support.seats import holder
from tests.support.slack_driver import SlackDriver
from tests.support.socket_mode_driver import SocketModeDriver

# What an answer says when the bot failed: "Noget gik galt (fejlkode KN-…)". Never expected.
INTERNAL_ERRORS = ("Noget gik galt", "Traceback", "KN-")
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A0KLIMA-1-test"
ADMIN = "UADMIN01"
CHANNEL = "C0NET"


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of a message's buttons."""
    return {
        e["action_id"]: e.get("value", "")
        for b in message.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    }


def seats_held(bot: SlackBot | SocketBot) -> int:
    """How many seats have a holder (pending or held)."""
    with bot.runtime.core.sessions() as session:
        return int(session.scalar(select(func.count()).where(Seat.holder_id.is_not(None))) or 0)


def slack_error(kind: ErrorKind, **params: Any) -> str:
    """A refusal's sentence as Slack receives it (mrkdwn, user text escaped): what an answer
    is when that rule said no with those parameters."""
    return mrkdwn(texts.errors.error(DomainError(kind, **params)))


@dataclass
class SlackBot:
    url: str
    driver: SlackDriver
    fake: FakeSlack
    runtime: SlackRuntime

    def command(self, user_id: str, text: str, **kwargs: Any) -> Call:
        """Send ``/klimanet text`` and return the answer the bot posted to the response_url."""
        before = len(self.fake.calls("response_url"))
        response = self.driver.command(user_id, text, **kwargs)
        assert response.status_code == 200, response.text
        return self.fake.wait_for("response_url", count=before + 1)[before]

    def say(self, user_id: str, text: str) -> str:
        """``/klimanet text`` as ``user_id``: the answer's text, which is no internal error."""
        answer = self.command(user_id, text)
        assert answer.ok, answer
        body = str(answer.args["text"])
        assert not any(e in body for e in INTERNAL_ERRORS), body
        return body

    def click(
        self,
        user_id: str,
        action_id: str,
        message: dict[str, Any] | None,
        channel: str,
        *,
        value: str | None = None,
        **kwargs: Any,
    ) -> Call:
        """Click ``action_id`` on ``message`` (in ``channel``) and return the answer on the
        response_url, which is no internal error. An ephemeral message (``None``: Slack sends
        none with the click) needs the button's ``value``; a select (``block_id``) has none."""
        if message is not None and value is None and "block_id" not in kwargs:
            value = buttons(message)[action_id]
        before = len(self.fake.calls("response_url"))
        response = self.driver.block_action(
            user_id, action_id, value, message=message, channel_id=channel, **kwargs
        )
        assert response.status_code == 200, response.text
        answer = self.fake.wait_for("response_url", count=before + 1)[before]
        assert answer.ok, answer
        assert not any(e in str(answer.args["text"]) for e in INTERNAL_ERRORS), answer.args
        return answer

    def drain(self) -> None:
        """Deliver what is due; nothing may fail."""
        stats = self.runtime.delivery.drain()
        assert stats.dead == 0 and stats.retried == 0, stats

    def holder(self, code: int, kind: str, slot: int = 1) -> str | None:
        return holder(self.runtime.core.sessions, code, kind, slot)


@dataclass
class SocketBot:
    driver: SocketModeDriver
    fake: FakeSlack
    socket_mode: FakeSocketMode
    runtime: SlackRuntime

    def command(self, user_id: str, text: str, **kwargs: Any) -> Call:
        before = len(self.fake.calls("response_url"))
        self.driver.command(user_id, text, **kwargs)
        return self.fake.wait_for("response_url", count=before + 1)[before]


def bot_settings(database_url: str, *, registration: str = "open") -> Settings:
    return Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({ADMIN}),
        registration=registration,
    )


def slack_settings(fake: FakeSlack, *, app_token: str | None = None) -> SlackSettings:
    return SlackSettings(
        bot_token="xoxb-test-token",
        signing_secret=None if app_token else SIGNING_SECRET,
        app_token=app_token,
        api_base_url=fake.base_url,
    )


@contextmanager
def running_bot(
    database_url: str, fake: FakeSlack, clock: Clock, *, registration: str = "open"
) -> Iterator[SlackBot]:
    fake.clock = lambda: clock.now().timestamp()
    assembly = CoreAssembly(bot_settings(database_url, registration=registration), clock)
    runtime = build_slack(slack_settings(fake), assembly)
    try:
        with serve_wsgi(wsgi_app(runtime), threads=HTTP_THREADS) as base:
            driver = SlackDriver(base + "/slack/events", SIGNING_SECRET, fake)
            with driver:
                yield SlackBot(base, driver, fake, runtime)
    finally:
        runtime.close()


@contextmanager
def running_socket_bot(
    database_url: str,
    fake: FakeSlack,
    socket_mode: FakeSocketMode,
    clock: Clock,
    *,
    registration: str = "open",
) -> Iterator[SocketBot]:
    """The bot connected to ``socket_mode`` (attached to ``fake``) as ``klimanet run`` does."""
    assembly = CoreAssembly(bot_settings(database_url, registration=registration), clock)
    fake.clock = lambda: clock.now().timestamp()
    runtime = build_slack(slack_settings(fake, app_token=APP_TOKEN), assembly)
    handler = socket_mode_handler(runtime, APP_TOKEN)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        socket_mode.wait_connected()
        with SocketModeDriver(socket_mode, fake) as driver:
            yield SocketBot(driver, fake, socket_mode, runtime)
    finally:
        socket_mode.hang_up()  # the client's receiving thread would hold close() for 3 s
        handler.close()  # type: ignore[no-untyped-call]
        runtime.close()
