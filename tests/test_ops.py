"""The ops port: GET /health (database, Socket Mode connection, the delivery loop's last tick) and
GET /metrics in Prometheus' text format; KLIMANET_OPS_ADDR."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.__main__ import main
from bot.clock import FixedClock
from bot.config import ConfigError, Settings
from bot.domain.registration import Actor
from bot.metrics import Metrics
from bot.ops import Health, ops_app
from handlers.slack.client import make_delivery_client
from handlers.slack.notifier import SlackNotifier
from jobs.delivery import Delivery
from tests.support.deliverybot import CHANNEL, FACILITATOR, DeliveryBot, delivery_bot
from tests.support.fake_slack import FakeSlack


def get(app: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(
        app({"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO()}, start_response)
    )
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize(
    ("health", "status"),
    [
        (Health(database=True, delivery_seconds=1.0), "200 OK"),
        (Health(database=True, delivery_seconds=1.0, socket_mode=True), "200 OK"),
        (Health(database=False, delivery_seconds=1.0), "503 Service Unavailable"),
        (Health(database=True, delivery_seconds=61.0), "503 Service Unavailable"),
        (Health(database=True, delivery_seconds=1.0, socket_mode=False), "503 Service Unavailable"),
    ],
)
def test_health_answers_503_when_any_part_is_down(health: Health, status: str) -> None:
    answered, headers, body = get(ops_app(lambda: health, Metrics()), "/health")
    assert answered == status and headers["Content-Type"] == "application/json"
    report = json.loads(body)
    assert report["database"] is health.database
    assert report["delivery_last_tick_seconds"] == health.delivery_seconds
    assert report.get("socket_mode_connected") is health.socket_mode


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[DeliveryBot]:
    with delivery_bot(database_url, fake, clock) as bot:
        yield bot


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_metrics_count_posts_429s_lookups_and_the_outbox(
    bot: DeliveryBot, fake: FakeSlack, clock: FixedClock
) -> None:
    metrics = Metrics()
    metrics.watch_outbox(bot.core.sessions, clock)
    notifier = SlackNotifier(make_delivery_client("xoxb-test", fake.base_url, metrics.ratelimited))
    bot.delivery.close()
    bot.delivery = Delivery(
        bot.core.sessions,
        notifier,
        clock,
        bot.settings.timezone,
        network_id=bot.core.network_id,
        metrics=metrics,
    )
    bot.say(Actor("T0001", "U0ANNA", "Anna Jensen"), "tilmeld Aarhus")
    bot.say(FACILITATOR, "nyt Første nyhed")
    bot.say(FACILITATOR, "nyt Anden nyhed")
    fake.fail_next("chat.postMessage", "ratelimited", retry_after=1)  # waited out by the client
    fake.fail_next("chat.postMessage", "kept_server_error")  # looked up and found next time
    bot.delivery.drain()
    bot.say(
        FACILITATOR, 'møde opret 03.06.2027 10:00-12:00 fysisk "Senere" sted=KL'
    )  # pending, not due
    app = ops_app(lambda: Health(True, 0.0), metrics)
    status, headers, body = get(app, "/metrics")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    seen = samples(body)
    assert seen[("klimanet_outbox_rows", (("state", "pending"),))] >= 1
    assert seen[("klimanet_outbox_rows", (("state", "sent"),))] == 1
    assert seen[("klimanet_outbox_oldest_due_age_seconds", ())] >= 0
    assert seen[("klimanet_slack_ratelimited_total", ())] == 1
    bot.at(clock.now() + timedelta(seconds=30))
    seen = samples(get(app, "/metrics")[2])
    assert seen[("klimanet_posts_sent_total", (("kind", "news"),))] == 2
    assert seen[("klimanet_posts_failed_total", (("kind", "news"),))] == 1
    assert seen[("klimanet_post_lookups_total", (("result", "found"),))] == 1
    assert seen[("klimanet_outbox_rows", (("state", "sent"),))] == 2
    assert len([m for m in fake.messages(CHANNEL) if "nyhed" in str(m["text"])]) == 2


def test_the_oldest_due_row_is_reported_by_its_age(bot: DeliveryBot, clock: FixedClock) -> None:
    metrics = Metrics()
    metrics.watch_outbox(bot.core.sessions, clock)
    bot.say(FACILITATOR, "nyt Venter")
    clock._at = clock.now() + timedelta(seconds=42)
    seen = samples(metrics.exposition())
    assert seen[("klimanet_outbox_oldest_due_age_seconds", ())] == 42


@pytest.mark.parametrize("value", ["9102", "localhost", "127.0.0.1:99999", "http://x:1"])
def test_a_bad_ops_address_is_one_line_and_exit_2(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="KLIMANET_OPS_ADDR must be host:port"):
        Settings.from_env({"KLIMANET_OPS_ADDR": value})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KLIMANET_OPS_ADDR", value)
    assert main(["db", "upgrade"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("klimanet: configuration error: KLIMANET_OPS_ADDR")


def test_the_ops_address_defaults_to_loopback_and_can_be_turned_off() -> None:
    assert Settings.from_env({}).ops_addr == ("127.0.0.1", 9102)
    assert Settings.from_env({"KLIMANET_OPS_ADDR": "0.0.0.0:9200"}).ops_addr == ("0.0.0.0", 9200)
    assert Settings.from_env({"KLIMANET_OPS_ADDR": "off"}).ops_addr is None
