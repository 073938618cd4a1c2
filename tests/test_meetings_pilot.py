"""Meetings as KL plans them (issue 15, C10-C12, C16): a late meeting is announced at once, a
meeting may wait for its link or address, cancelling asks first, and ``møder`` shows what people
were told. Played out against the fake Slack on both engines where posts are involved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.domain.schedule import parse_schedule
from bot.models import Meeting, OutboxMessage
from bot.posts import planner
from bot.replies import ResultKind
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import CHANNEL, DeliveryBot, delivery_bot
from tests.support.fake_slack import FakeSlack
from tests.support.service import done

CPH = ZoneInfo("Europe/Copenhagen")
ANNA, BO = named("Anna Jensen"), named("Bo Hansen")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH).astimezone(UTC)


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[DeliveryBot]:
    with delivery_bot(database_url, fake, clock) as bot:
        bot.say(ANNA, "tilmeld Aarhus")  # the fixed seat: Aarhus' coordinator
        bot.say(BO, "tilmeld Aarhus")  # a flexible seat
        bot.delivery.drain()
        yield bot


def dms_to(bot: DeliveryBot, actor: object) -> list[str]:
    channel = f"D{actor.user_id}"  # type: ignore[attr-defined]
    return bot.texts(channel)


def rows(bot: DeliveryBot) -> list[OutboxMessage]:
    with bot.core.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- C11: a meeting created after its announcement time is announced at once ----------------


def test_a_meeting_created_late_is_announced_at_once_and_in_order(bot: DeliveryBot) -> None:
    # Now: Friday 27 November 2026, 10:00. A meeting on Thursday 3 December: the announcement
    # (19 Nov) and the agenda (26 Nov) have passed; they go out at once, the announcement first.
    created = bot.arrange(
        FACILITATOR, 'møde opret 03.12.2026 10:00-12:00 online "Snart" link=https://m.example/1'
    )
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    bot.delivery.drain()
    channel = bot.texts(CHANNEL)
    assert len(channel) == 2
    assert "Nyt møde" in channel[0] and "Dagsorden for møde #1 Snart" in channel[1]
    assert any("kontaktperson" in t for t in dms_to(bot, ANNA))  # the coordinator's question
    assert not any("Kommer du stadig?" in t for t in dms_to(bot, BO))  # due 1 December
    # "Kommer du stadig?" and the reminder keep their own times.
    bot.at(local(2026, 12, 1, 9))
    assert any("Kommer du stadig?" in t for t in dms_to(bot, BO))


def test_a_meeting_created_the_day_before_gets_every_post_but_none_twice(
    bot: DeliveryBot,
) -> None:
    bot.clock.set(local(2026, 12, 2, 15))  # Wednesday afternoon; the meeting is Thursday
    bot.arrange(
        FACILITATOR, 'møde opret 03.12.2026 10:00-12:00 online "I morgen" link=https://m.example/1'
    )
    bot.delivery.drain()
    channel = bot.texts(CHANNEL)
    assert "Nyt møde" in channel[0] and "Dagsorden for møde" in channel[1]
    assert len(channel) == 3  # the announcement, the agenda and the reminder
    assert any("Kommer du stadig?" in t for t in dms_to(bot, BO))
    assert bot.core.service.replan() == 0  # planning again adds nothing
    bot.at(local(2026, 12, 3, 9, 45))
    assert len(bot.texts(CHANNEL)) == 4  # "starting now"


def test_only_a_started_meetings_posts_are_skipped() -> None:
    schedule = parse_schedule("announce=14d@09:00,starting=15m")
    meeting = Meeting(starts_at=local(2027, 3, 15, 10), ends_at=local(2027, 3, 15, 12))
    late = local(2027, 3, 10, 12)  # after the announcement's time, before the meeting
    assert planner.going_out("announce", schedule["announce"], meeting, CPH, late) == late
    started = local(2027, 3, 15, 10)
    assert planner.going_out("announce", schedule["announce"], meeting, CPH, started) is None
    assert planner.going_out("starting", schedule["starting"], meeting, CPH, started) is None
    early = local(2027, 3, 1, 8)
    assert planner.going_out("announce", schedule["announce"], meeting, CPH, early) == local(
        2027, 3, 1, 9
    )
