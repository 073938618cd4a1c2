"""The real bot in Slack's HTTP mode, against the loopback fake Web API, for Slack-level tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.runtime import HTTP_THREADS, SlackRuntime, build_slack, wsgi_app
from tests.support.fake_slack import Call, FakeSlack
from tests.support.http_server import serve_wsgi
from tests.support.slack_driver import SlackDriver

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
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


@contextmanager
def running_bot(
    database_url: str, fake: FakeSlack, clock: Clock, *, registration: str = "open"
) -> Iterator[SlackBot]:
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_base_url=fake.base_url,
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({ADMIN}),
        registration=registration,
    )
    runtime = build_slack(settings, clock)
    try:
        with serve_wsgi(wsgi_app(runtime), threads=HTTP_THREADS) as base:
            driver = SlackDriver(base + "/slack/events", SIGNING_SECRET, fake)
            with driver:
                yield SlackBot(base, driver, fake, runtime)
    finally:
        runtime.close()
