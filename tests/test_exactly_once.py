"""A post whose fate is unknown is looked up on Slack before it is sent again.

Slack has no idempotency key for chat.postMessage; every post carries its outbox row's id as
message metadata instead, the attempt is recorded in the row before the call, and a row claimed
with an attempt still recorded reads conversations.history first. The fake Slack can keep a
message and answer 500, or keep it and drop the connection without an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.client import RemoteDisconnected
from urllib.error import HTTPError, URLError

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import transaction
from bot.domain.registration import Actor
from bot.models import OutboxMessage
from bot.posts.outbox import claim_due, record_attempt
from handlers.slack.client import BeforeSendRetryHandler
from tests.support.deliverybot import CHANNEL, FACILITATOR, DeliveryBot, delivery_bot
from tests.support.fake_slack import FakeSlack

ANNA = Actor("T0001", "U0ANNA", "Anna Jensen")
BO = Actor("T0001", "U0BO", "Bo Hansen")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[DeliveryBot]:
    with delivery_bot(database_url, fake, clock) as bot:
        bot.delivery._pacer.interval = 0.0
        yield bot


def row(bot: DeliveryBot, kind: str) -> OutboxMessage:
    with bot.core.sessions() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).one()


def later(bot: DeliveryBot, seconds: float = 30) -> None:
    bot.at(bot.clock.now() + timedelta(seconds=seconds))


def news_in_channel(fake: FakeSlack, needle: str) -> list[dict[str, object]]:
    return [m for m in fake.messages(CHANNEL) if needle in str(m["text"])]


def test_every_post_is_tagged_with_its_outbox_id_and_a_clean_run_looks_nothing_up(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    bot.say(FACILITATOR, "nyt Første nyhed")
    bot.arrange(FACILITATOR, 'møde opret 29.11.2026 10:00-12:00 fysisk "Snart" sted=KL')  # a Sunday
    # Created after its announcement's time: the announcement (and the coordinator's question),
    # the agenda and "Kommer du stadig?" (to both) go out at once.
    bot.delivery.drain()
    later(bot, 24 * 3600)  # the reminder: the channel, and a DM with a calendar file to each
    posts = fake.calls("chat.postMessage", ok=True)
    assert len(posts) == 1 + (1 + 1 + 1 + 2) + (1 + 2)
    with bot.core.sessions() as session:
        ids = dict(session.execute(select(OutboxMessage.message_ts, OutboxMessage.id)).all())
    for call in posts:
        message = next(
            m for m in fake.messages(str(call.args["channel"])) if m["text"] == call.args["text"]
        )
        assert call.args["metadata"] == {
            "event_type": "klimanet_post",
            "event_payload": {"post": ids[message["ts"]]},  # the internal id, nothing else
        }
    assert len(fake.uploads) == 2
    assert fake.calls("conversations.history") == [] and fake.calls("files.info") == []
    with bot.core.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.attempted_at)).all()) == {None}


def test_a_post_slack_kept_before_answering_500_is_found_and_not_sent_again(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    bot.say(FACILITATOR, "nyt Nyhed med et tvetydigt svar")
    fake.fail_next("chat.postMessage", "kept_server_error")
    stats = bot.delivery.drain()
    assert stats.retried == 1 and fake.stats["kept_server_error"] == 1
    news = row(bot, "news")
    assert news.status == "pending" and news.attempted_at is not None  # the fate is unknown
    later(bot)
    assert len(news_in_channel(fake, "tvetydigt")) == 1
    assert len(fake.calls("chat.postMessage")) == 1  # looked up, not posted again
    (lookup,) = fake.calls("conversations.history")
    assert lookup.args["channel"] == CHANNEL
    assert str(lookup.args["include_all_metadata"]).lower() in ("true", "1")
    # From the recorded attempt minus a minute for clock skew.
    assert float(lookup.args["oldest"]) == (news.attempted_at - timedelta(minutes=1)).timestamp()
    news = row(bot, "news")
    assert news.status == "sent" and news.message_ts == news_in_channel(fake, "tvetydigt")[0]["ts"]
    assert news.attempted_at is None


def test_a_plain_500_is_looked_up_and_then_posted_once(bot: DeliveryBot, fake: FakeSlack) -> None:
    bot.say(FACILITATOR, "nyt Nyhed der ikke kom frem")
    fake.fail_next("chat.postMessage", "server_error")
    bot.delivery.drain()
    assert news_in_channel(fake, "ikke kom frem") == []
    later(bot)
    assert len(news_in_channel(fake, "ikke kom frem")) == 1
    assert len(fake.calls("conversations.history")) == 1
    assert row(bot, "news").status == "sent"


def test_a_connection_lost_after_sending_is_not_retried_blindly(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    bot.say(FACILITATOR, "nyt Nyhed uden svar")
    fake.fail_next("chat.postMessage", "kept_disconnect")
    stats = bot.delivery.drain()
    assert stats.retried == 1
    # slack_sdk's default handler would have repeated it on RemoteDisconnected: two messages.
    assert len(fake.calls("chat.postMessage")) == 1
    assert row(bot, "news").last_error.startswith("no_answer")
    later(bot, 5)  # a lost answer waits for the request to settle before the lookup
    assert fake.calls("conversations.history") == []
    later(bot, 30)
    assert len(news_in_channel(fake, "uden svar")) == 1
    assert len(fake.calls("chat.postMessage")) == 1
    assert row(bot, "news").status == "sent"


def test_a_dead_replica_left_a_post_unanswered_it_is_found_by_the_next(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    """The process died between Slack's answer and its commit: the next claim finds the post."""
    bot.say(FACILITATOR, "nyt Nyhed fra en død replika")
    now = bot.clock.now()
    with transaction(bot.core.sessions) as session:
        (claimed,) = claim_due(session, "dead-replica", now, timedelta(seconds=60), 10)
        assert record_attempt(session, claimed.id, "dead-replica", now, timedelta(seconds=60))
    landed = f"{now.timestamp() + 0.5:.6f}"  # Slack kept it; the answer never got committed
    fake.remember_message(
        CHANNEL,
        {
            "ts": landed,
            "text": "Nyt fra KL",
            "metadata": {"event_type": "klimanet_post", "event_payload": {"post": claimed.id}},
        },
    )
    later(bot, 61)  # the dead replica's lease runs out
    assert fake.calls("chat.postMessage") == []
    news = row(bot, "news")
    assert (news.status, news.message_ts) == ("sent", landed)


def test_a_row_only_claimed_by_a_dead_replica_is_posted_without_a_lookup(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    bot.say(FACILITATOR, "nyt Nyhed kun hentet")
    with transaction(bot.core.sessions) as session:
        claim_due(session, "dead-replica", bot.clock.now(), timedelta(seconds=60), 10)
    later(bot, 61)
    assert len(news_in_channel(fake, "kun hentet")) == 1
    assert fake.calls("conversations.history") == []


def test_a_file_shared_before_a_500_is_not_shared_again(bot: DeliveryBot, fake: FakeSlack) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.arrange(FACILITATOR, 'møde opret 29.11.2026 10:00-12:00 fysisk "Snart" sted=KL')  # a Sunday
    fake.fail_next("files.completeUploadExternal", "kept_server_error")
    later(bot, 24 * 3600)
    assert len(fake.uploads) == 1
    dm = row(bot, "reminder_dm")
    assert dm.status == "pending" and dm.attempted_at is not None
    assert dm.payload["posted"]["channel"] == "DU0ANNA" and dm.payload["file"]
    later(bot)
    assert [c.args["file"] for c in fake.calls("files.info")] == [dm.payload["file"]]
    assert len(fake.uploads) == 1 and len(fake.messages("U0ANNA")) == 1
    assert fake.calls("conversations.history") == []  # the message's answer had arrived
    assert row(bot, "reminder_dm").status == "sent"


def test_a_file_whose_share_failed_is_uploaded_again_once(
    bot: DeliveryBot, fake: FakeSlack
) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.arrange(FACILITATOR, 'møde opret 29.11.2026 10:00-12:00 fysisk "Snart" sted=KL')  # a Sunday
    fake.fail_next("files.completeUploadExternal", "server_error")
    later(bot, 24 * 3600)
    assert fake.uploads == []
    later(bot)
    assert len(fake.calls("files.info")) == 1
    assert [u.channel_id for u in fake.uploads] == ["DU0ANNA"]
    assert len(fake.messages("U0ANNA")) == 1
    assert row(bot, "reminder_dm").status == "sent"


def test_without_the_history_scope_delivery_posts_as_before_and_says_so_once(
    bot: DeliveryBot, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake.missing_scopes = {"channels:history"}
    bot.say(FACILITATOR, "nyt Første tvetydige")
    bot.say(FACILITATOR, "nyt Anden tvetydige")
    fake.fail_next("chat.postMessage", "kept_server_error", times=2)
    bot.delivery.drain()
    later(bot)
    # Today's behaviour: both posted again, so both arrived twice.
    assert len(news_in_channel(fake, "Første tvetydige")) == 2
    assert len(news_in_channel(fake, "Anden tvetydige")) == 2
    warnings = [r.getMessage() for r in caplog.records if "cannot look up" in r.getMessage()]
    assert len(warnings) == 1 and "channels:history" in warnings[0]
    notices = [
        m
        for m in fake.messages(FACILITATOR.user_id)
        if "slå sine egne beskeder op" in str(m["text"])
    ]
    assert len(notices) == 1 and "`channels:history`" in str(notices[0]["text"])


def test_the_delivery_client_retries_only_requests_that_never_reached_slack() -> None:
    handler = BeforeSendRetryHandler(max_retry_count=2)
    request = HttpRequest(method="POST", url="http://127.0.0.1:1/api/chat.postMessage", headers={})

    def retried(error: Exception) -> bool:
        return handler.can_retry(state=RetryState(), request=request, error=error)

    assert retried(URLError(ConnectionRefusedError(111, "Connection refused")))
    assert retried(URLError(TimeoutError("timed out")))  # the connect timed out
    assert not retried(RemoteDisconnected("Remote end closed connection without response"))
    assert not retried(ConnectionResetError(104, "Connection reset by peer"))
    assert not retried(TimeoutError("timed out"))  # reading the answer timed out
    assert not retried(HTTPError(request.url, 500, "Internal Server Error", None, None))  # type: ignore[arg-type]


def test_an_overtaken_worker_does_not_post(bot: DeliveryBot) -> None:
    bot.say(FACILITATOR, "nyt Nyhed")
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    lease = timedelta(seconds=60)
    with transaction(bot.core.sessions) as session:
        (first,) = claim_due(session, "slow", now, lease, 10)
    with transaction(bot.core.sessions) as session:
        (second,) = claim_due(session, "fast", now + 2 * lease, lease, 10)
        assert second.id == first.id
    with transaction(bot.core.sessions) as session:
        assert not record_attempt(session, first.id, "slow", now + 2 * lease, lease)
        assert record_attempt(session, first.id, "fast", now + 2 * lease, lease)
