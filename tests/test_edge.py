"""The HTTP edge, driven over real HTTP against the real bot: body cap, signatures, replays,
malformed payloads, one workspace, and acks that do not wait for a slow Slack."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot import texts
from bot.clock import FixedClock
from bot.models import NewsPost, Person, Seat
from handlers.slack.blocks import mrkdwn, plain_text
from tests.support.fake_slack import TEAM_ID, FakeSlack
from tests.support.logs import wait_for_message
from tests.support.slack_driver import SlackDriver, state_value_static
from tests.support.slackbot import ADMIN, SIGNING_SECRET, SlackBot, running_bot

ANNA, BO = "U0ANNA", "U0BO"
MARK = "BODYMARK"  # a string that must never show up in a log line
OTHER_TEAM = "T0OTHER"
REPLAYED = "ignored a replayed request (its signature was already seen)"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Hansen")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def count(bot: SlackBot, model: Any, *where: Any) -> int:
    with bot.runtime.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def bot_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the bot and its frameworks logged (urllib3 is the test's own HTTP client, and
    SQLAlchemy echoes statements when the root logger is at DEBUG)."""
    return [
        r for r in caplog.records if not r.name.startswith(("urllib3", "sqlalchemy", "alembic"))
    ]


def signed_post(
    url: str, body: str, content_type: str, *, timestamp: int | None = None
) -> requests.Response:
    """POST ``body`` signed with the bot's secret, exactly as Slack signs."""
    signed_at = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=signed_at, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": signed_at,
        "X-Slack-Signature": signature or "",
    }
    return requests.post(url, data=body.encode("utf-8"), headers=headers, timeout=10)


# -- body size ----------------------------------------------------------------------------------


def test_a_10_mb_unsigned_body_is_refused_and_never_logged(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = ("payload=" + MARK + "Z" * (10 * 1024 * 1024)).encode()
    response = requests.post(
        bot.driver.url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 413
    assert not any(MARK in r.getMessage() or "ZZZZ" in r.getMessage() for r in caplog.records)
    assert [r.getMessage() for r in bot_records(caplog)] == [
        "refused a request body over 1048576 bytes"
    ]


def test_a_chunked_body_over_the_cap_is_refused(bot: SlackBot) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"Z" * (100 * 1024)

    response = requests.post(
        bot.driver.url,
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413


def test_a_body_just_under_the_cap_reaches_the_signature_check(bot: SlackBot) -> None:
    body = "text=" + "a" * (1024 * 1024 - 10)
    assert signed_post(bot.driver.url, body, "application/x-www-form-urlencoded").status_code == 400


# -- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"signature": "v0=" + "0" * 64},
        {"timestamp": int(time.time()) - 6 * 60},
        {"signature": ""},
        {"signature": "v0=" + "0" * 64, "timestamp": 10**40},
    ],
    ids=["wrong", "stale", "missing", "huge-timestamp"],
)
def test_a_bad_signature_is_refused_without_the_body_in_the_log(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, overrides: dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG)
    response = bot.driver.command(ANNA, f"tilmeld Aarhus {MARK}", **overrides)
    assert response.status_code == 401
    assert not any(MARK in r.getMessage() for r in caplog.records)
    assert [r.getMessage() for r in bot_records(caplog)] == [
        "refused a request with an invalid or expired signature"
    ]
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 0


def test_bolt_log_lines_that_carry_bodies_are_rewritten(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    # An interaction no listener handles: Bolt warns "Unhandled request (...)" with parts of it.
    caplog.set_level(logging.DEBUG)
    payload = {
        "type": "block_actions",
        "user": {"id": ANNA, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "actions": [{"action_id": "no_such_action", "block_id": MARK, "value": MARK}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    response = signed_post(bot.driver.url, body, "application/x-www-form-urlencoded")
    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records]
    assert "Unhandled request (body withheld)" in messages
    assert not any(MARK in m for m in messages)


# -- malformed payloads ---------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
COMMAND_FIELDS = {
    "command": "/klimanet",
    "text": "nyt Regeringens klimaplan",
    "user_id": ADMIN,
    "team_id": TEAM_ID,
    "response_url": "http://127.0.0.1:9/response/x",
    "trigger_id": "1.2.3",
}
MALFORMED = {
    "broken payload JSON": (FORM, "payload=" + '{"type": "block_actions", '),
    "payload not an object": (FORM, urlencode({"payload": "[1, 2]"})),
    "payload missing user": (
        FORM,
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}),
    ),
    "actions not a list": (
        FORM,
        urlencode(
            {
                "payload": json.dumps(
                    {"type": "block_actions", "user": {"id": ANNA}, "actions": "release_confirm"}
                )
            }
        ),
    ),
    "view state not objects": (
        FORM,
        urlencode(
            {
                "payload": json.dumps(
                    {
                        "type": "view_submission",
                        "user": {"id": ANNA},
                        "view": {"callback_id": "register", "state": {"values": {"a": 1}}},
                    }
                )
            }
        ),
    ),
    "command missing user_id": (
        FORM,
        urlencode({k: v for k, v in COMMAND_FIELDS.items() if k != "user_id"}),
    ),
    "JSON body with a command": (JSON, json.dumps(COMMAND_FIELDS)),
    "JSON list": (JSON, "[1, 2, 3]"),
    "JSON string": (JSON, '"hello"'),
    "broken JSON": (JSON, '{"type": "event_callback"'),
    "event without event": (
        JSON,
        json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": TEAM_ID}),
    ),
    "interaction as JSON": (
        JSON,
        json.dumps({"type": "block_actions", "user": {"id": ANNA}, "actions": []}),
    ),
    "form of nothing known": (FORM, "hello=world"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_signed_payload_gets_400_and_one_log_line(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    content_type, body = MALFORMED[case]
    caplog.set_level(logging.DEBUG)
    response = signed_post(bot.driver.url, body, content_type)
    assert response.status_code == 400
    records = bot_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].getMessage().startswith("refused a malformed Slack request: ")
    assert records[0].levelno == logging.WARNING
    assert not any(r.exc_info for r in caplog.records)
    assert count(bot, NewsPost) == 0


def test_a_signed_payload_that_is_not_utf8_is_refused(bot: SlackBot) -> None:
    body = b"payload=\xff\xfe"
    signed_at = str(int(time.time()))
    # Slack signs text; over raw bytes an HMAC can be computed but never be Slack's.
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(
        timestamp=signed_at, body=body.decode("latin-1")
    )
    response = requests.post(
        bot.driver.url,
        data=body,
        headers={
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": signed_at,
            "X-Slack-Signature": signature or "",
        },
        timeout=10,
    )
    assert response.status_code == 401


def test_a_command_that_mentions_the_word_payload_is_still_a_command(bot: SlackBot) -> None:
    # Bolt reads any form body containing "payload" as an interaction; the edge hands Bolt the
    # command with that word written so Bolt cannot mistake it, and the text arrives unchanged.
    answer = bot.command(ADMIN, "nyt Ny payload-grænse for affaldsdata")
    assert answer.ok
    with bot.runtime.core.sessions() as session:
        assert session.scalars(select(NewsPost.text)).one() == "Ny payload-grænse for affaldsdata"


# -- replays ------------------------------------------------------------------------------------


def test_a_replayed_signed_request_is_answered_but_not_acted_on(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = bot.driver.command(ADMIN, "nyt Regeringens klimaplan er ude")
    assert first.status_code == 200
    bot.fake.wait_for("response_url", count=1)
    # The same bytes, timestamp and signature, as someone who captured the request would send.
    replay = requests.Session().send(first.request, timeout=10)
    assert replay.status_code == 200 and replay.text == ""
    wait_for_message(caplog, REPLAYED)
    # A later request is acted on, and by then the replay would have been too.
    bot.command(BO, "hjælp")
    assert count(bot, NewsPost) == 1
    assert len(bot.fake.calls("response_url")) == 2


def test_two_replicas_act_on_one_signed_request_once(
    database_url: str, fake: FakeSlack, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with (
        running_bot(database_url, fake, clock) as one,
        running_bot(database_url, fake, clock) as two,
    ):
        form = {**COMMAND_FIELDS, "response_url": fake.mint_response_url()}
        body = urlencode(form)
        signed_at = int(time.time())
        barrier = threading.Barrier(2)

        def send(bot: SlackBot) -> int:
            barrier.wait()
            return signed_post(bot.driver.url, body, FORM, timestamp=signed_at).status_code

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(send, [one, two])) == [200, 200]
        fake.wait_for("response_url", count=1)
        wait_for_message(caplog, REPLAYED)
        # The loser was refused in its acting transaction: one answer, one news post.
        assert caplog.messages.count(REPLAYED) == 1
        assert len(fake.calls("response_url")) == 1

        # Slack retries an event with a new timestamp (so a new signature) and the same event_id;
        # the retry lands on the other replica.
        event = {"type": "app_home_opened", "user": ANNA, "channel": "DANNA", "tab": "home"}
        envelope = {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "api_app_id": "A0KLIMA",
            "event": event,
            "event_id": "Ev0REPLICA",
            "event_time": signed_at,
        }
        text = json.dumps(envelope)
        assert signed_post(one.driver.url, text, JSON, timestamp=signed_at).status_code == 200
        retry = signed_post(two.driver.url, text, JSON, timestamp=signed_at - 1)
        assert retry.status_code == 200
        fake.wait_for("views.publish")
        wait_for_message(caplog, "ignored a repeated event")
        # Processing is on the background pool: a later home opening shows it has drained.
        envelope["event_id"] = "Ev0LATER"
        signed_post(one.driver.url, json.dumps(envelope), JSON)
        fake.wait_for("views.publish", count=2)
        assert len(fake.calls("views.publish")) == 2
        assert count(one, NewsPost) == 1


def test_an_event_retried_with_the_same_event_id_is_processed_once(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    event = {"type": "app_home_opened", "user": ANNA, "channel": "DANNA", "tab": "home"}
    # Slack's retry comes later, with a new timestamp and so a new signature: the first
    # delivery was signed a second ago (instead of waiting a second for the retry).
    first = int(time.time()) - 1
    assert bot.driver.event(event, event_id="Ev0RETRY", timestamp=first).status_code == 200
    assert bot.driver.event(event, event_id="Ev0RETRY", retry_num=1).status_code == 200
    wait_for_message(caplog, "ignored a repeated event")
    assert bot.driver.event(event, event_id="Ev0OTHER").status_code == 200
    bot.fake.wait_for("views.publish", count=2)
    assert len(bot.fake.calls("views.publish")) == 2


# -- one workspace --------------------------------------------------------------------------------


def test_a_command_from_another_workspace_is_refused_in_danish(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    other = SlackDriver(bot.driver.url, SIGNING_SECRET, bot.fake, team_id=OTHER_TEAM)
    response = other.command(ANNA, "tilmeld Aarhus")  # same user id: a second seat, before
    assert response.status_code == 200
    assert response.json() == {
        "response_type": "ephemeral",
        "text": mrkdwn(texts.edge.OTHER_WORKSPACE),
    }
    assert "KL's Slack-arbejdsområde" in response.json()["text"]
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 1
    assert count(bot, Person) == 1
    assert len(bot.fake.calls("response_url")) == 1  # only the first registration's answer


def test_a_forged_user_team_in_an_interaction_is_refused(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    ask = bot.command(ANNA, "afmeld")
    message = {"ts": "1700000000.000001", "text": ask.args["text"], "blocks": ask.args["blocks"]}

    class ForgedUser(SlackDriver):
        def _user(self, user_id: str) -> dict[str, str]:
            return {**super()._user(user_id), "team_id": OTHER_TEAM}

    forged = ForgedUser(bot.driver.url, SIGNING_SECRET, bot.fake)
    assert (
        forged.block_action(ANNA, "release_confirm", "release", message=message).status_code == 200
    )
    answer = bot.fake.wait_for("response_url", count=3)[2]
    assert answer.args["text"] == mrkdwn(texts.edge.OTHER_WORKSPACE)
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 1  # still registered


def test_a_form_from_another_workspace_gets_the_refusal_in_the_modal(bot: SlackBot) -> None:
    bot.driver.command(ANNA, "tilmeld")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    other = SlackDriver(bot.driver.url, SIGNING_SECRET, bot.fake, team_id=OTHER_TEAM)
    values = {"municipality": {"value": state_value_static("751", "Aarhus")}}
    answer = other.view_submission(ANNA, view, values).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"].values()) == [plain_text(texts.edge.OTHER_WORKSPACE)]
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 0


def test_an_event_from_another_workspace_is_ignored(bot: SlackBot) -> None:
    other = SlackDriver(bot.driver.url, SIGNING_SECRET, bot.fake, team_id=OTHER_TEAM)
    stranger = {"type": "app_home_opened", "user": "U0STRANGER", "channel": "D1", "tab": "home"}
    assert other.event(stranger, event_id="Ev0ELSEWHERE").status_code == 200
    # The same event id from our own workspace is new: the refused one was not remembered.
    ours = {"type": "app_home_opened", "user": ANNA, "channel": "DANNA", "tab": "home"}
    assert bot.driver.event(ours, event_id="Ev0ELSEWHERE").status_code == 200
    bot.fake.wait_for("views.publish")
    assert [call.args["user_id"] for call in bot.fake.calls("views.publish")] == [ANNA]


def test_the_workspace_is_learned_with_auth_test_at_start(bot: SlackBot) -> None:
    assert bot.runtime.team_id == TEAM_ID
    assert bot.fake.calls("auth.test")


# -- a slow Slack -------------------------------------------------------------------------------


def test_a_slow_slack_does_not_stop_the_acks(bot: SlackBot) -> None:
    users = [f"U0FORM{n:02d}" for n in range(24)]
    others = [(ANNA, "kommuner"), (BO, "hjælp"), (ANNA, "pladser Aarhus"), (BO, "møder")]
    bot.fake.latency = 5.0  # every Web API call; response_urls are not slowed
    barrier = threading.Barrier(len(users) + len(others))

    def send(request: tuple[str, str]) -> tuple[int, float]:
        user, text = request
        with SlackDriver(bot.driver.url, SIGNING_SECRET, bot.fake) as driver:
            barrier.wait()
            started = time.monotonic()
            response = driver.command(user, text)
            return response.status_code, time.monotonic() - started

    requests_sent = [(user, "tilmeld") for user in users] + others
    with ThreadPoolExecutor(len(requests_sent)) as pool:
        results = list(pool.map(send, requests_sent))
    assert [status for status, _ in results] == [200] * len(requests_sent)
    slowest = max(seconds for _, seconds in results)
    assert slowest < 3.0, f"slowest ack took {slowest:.2f}s"

    answers = bot.fake.wait_for("response_url", count=len(requests_sent), timeout=30)
    fallbacks = [a for a in answers if "Formularen kunne ikke åbnes" in a.args["text"]]
    assert len(fallbacks) == len(users)
    assert all("`/klimanet tilmeld Aarhus`" in a.args["text"] for a in fallbacks)
    bot.fake.latency = 0.0


def test_a_form_that_slack_refuses_is_answered_with_the_one_line_command(bot: SlackBot) -> None:
    bot.fake.fail_next("views.open", "internal_error")
    response = bot.driver.command(ADMIN, "møde opret")
    assert response.status_code == 200
    answer = bot.fake.wait_for("response_url")[0].args["text"]
    assert "Formularen kunne ikke åbnes" in answer
    # The example's date is computed from today (the bot's clock), so it has not passed.
    assert '/klimanet møde opret 28.01.2027 10:00-12:00 online "Titel" link=https://' in answer


def test_a_slow_profile_lookup_does_not_hold_a_form_submission(bot: SlackBot) -> None:
    bot.driver.command(BO, "tilmeld")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.fake.latency = 5.0
    values = {"municipality": {"value": state_value_static("751", "Aarhus")}}
    started = time.monotonic()
    answer = bot.driver.view_submission(BO, view, values)
    assert time.monotonic() - started < 3.0
    assert answer.json()["response_action"] == "update"
    bot.fake.latency = 0.0
    bot.fake.wait_for("views.update", timeout=15.0)  # registered after the ack
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 1
