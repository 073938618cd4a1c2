"""The real bot against the loopback fake Web API, for Slack-level tests: in Slack's HTTP mode
(``running_bot``) and in Socket Mode (``running_socket_bot``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.ports import Clock
from bot.runtime import HTTP_THREADS, SlackRuntime, build_slack, socket_mode_handler, wsgi_app
from tests.support.fake_slack import Call, FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.http_server import serve_wsgi
from tests.support.slack_driver import SlackDriver
from tests.support.socket_mode_driver import SocketModeDriver

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A0KLIMA-1-test"
ADMIN = "UADMIN01"
CHANNEL = "C0NET"


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


def bot_settings(
    database_url: str, fake: FakeSlack, *, registration: str = "open", app_token: str | None = None
) -> Settings:
    return Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=None if app_token else SIGNING_SECRET,
        slack_app_token=app_token,
        slack_api_base_url=fake.base_url,
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({ADMIN}),
        registration=registration,
    )


@contextmanager
def running_bot(
    database_url: str, fake: FakeSlack, clock: Clock, *, registration: str = "open"
) -> Iterator[SlackBot]:
    fake.clock = lambda: clock.now().timestamp()
    runtime = build_slack(bot_settings(database_url, fake, registration=registration), clock)
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
    settings = bot_settings(database_url, fake, registration=registration, app_token=APP_TOKEN)
    fake.clock = lambda: clock.now().timestamp()
    runtime = build_slack(settings, clock)
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
