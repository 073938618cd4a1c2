"""KL's weekly digest (issue 19, part 4), played out over several weeks on the clock: one direct
message per facilitator every Monday at 08:00, exactly once across replicas and restarts, with
what needs their attention (or one line in a quiet week)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import ConfigError, Settings
from bot.db import transaction
from bot.domain.digest import DigestTime, next_occurrence, parse_digest, week_of
from bot.models import NetworkFacilitator, OutboxMessage, OutboxStatus
from bot.ports import DeliveryError
from bot.posts.kinds import PostKind
from bot.replies import Action, ResultKind
from bot.runtime import build_core
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import CHANNEL, MemoryBot, delivery_settings, memory_delivery
from tests.support.memory_notifier import MemoryNotifier, Message
from tests.support.service import done

TZ = ZoneInfo("Europe/Copenhagen")
ANNA = named("Anna Jensen")
BO = named("Bo Holm")
CARL = named("Carl Lund")
KIRSTEN = named("Kirsten Facilitator")
MONDAY_0800 = DigestTime(0, time(8, 0))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@contextmanager
def digest_bot(
    database_url: str, clock: FixedClock, notifier: MemoryNotifier | None = None, **changes: object
) -> Iterator[MemoryBot]:
    changes.setdefault("digest", MONDAY_0800)
    settings = replace(delivery_settings(database_url), **changes)  # type: ignore[arg-type]
    core = build_core(settings, clock)
    notifier = notifier or MemoryNotifier(clock=clock)
    delivery = memory_delivery(core, notifier, settings, clock)
    try:
        yield MemoryBot(
            core=core, delivery=delivery, notifier=notifier, clock=clock, settings=settings
        )
    finally:
        delivery.close()
        core.engine.dispose()


def run_until(bot: MemoryBot, target: datetime) -> None:
    """Move the clock to ``target`` through every post due on the way (as ``/tid`` does), so
    each goes out on its time."""
    for _ in range(1000):
        due = bot.core.service.next_post_due(target)
        if due is None:
            break
        bot.at(max(due, bot.clock.now()))
    bot.at(target)


def digests(bot: MemoryBot, user_id: str = FACILITATOR.user_id) -> list[Message]:
    return [m for m in bot.posts(user_id) if m.text.startswith("Ugens overblik")]


def test_one_digest_every_monday_at_eight_for_weeks(database_url: str, clock: FixedClock) -> None:
    with digest_bot(database_url, clock) as bot:  # Friday 27 November 2026
        run_until(bot, utc(2026, 12, 29, 12, 0))  # five Mondays later
        got = digests(bot)
        assert [m.at for m in got] == [
            utc(2026, 11, 30, 7, 0),  # 08:00 in Copenhagen (CET)
            utc(2026, 12, 7, 7, 0),
            utc(2026, 12, 14, 7, 0),
            utc(2026, 12, 21, 7, 0),
            utc(2026, 12, 28, 7, 0),
        ]
        # Nothing happened: each is the one-line digest, naming its week.
        assert all(len(m.reply.sections) == 1 for m in got)
        assert "uge 49" in got[0].text and "stille uge" in got[0].text
        # Planning again finds the week's rows there: nothing twice.
        assert bot.core.service.replan() == 0
        run_until(bot, utc(2026, 12, 29, 13, 0))
        assert len(digests(bot)) == 5


def test_a_busy_week_with_the_command_for_each_line(database_url: str, clock: FixedClock) -> None:
    with digest_bot(database_url, clock, registration="approval") as bot:
        done(bot.say(ANNA, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
        bot.core.service.click(FACILITATOR, Action.REQUEST_APPROVE, "1")
        done(bot.say(BO, "tilmeld Odense"), ResultKind.REGISTRATION_PENDING)  # waits
        bot.say(CARL, "tilmeld Vejle")
        bot.core.service.click(FACILITATOR, Action.REQUEST_APPROVE, "3")
        bot.say(CARL, "afmeld")
        bot.core.service.click(CARL, Action.RELEASE_CONFIRM, "release")
        bot.arrange(
            FACILITATOR,
            'møde opret 09.12.2026 10:00-12:00 online "Vintermøde" link=https://m.example/1',
        )
        bot.notifier.fail_next("post", DeliveryError("channel_not_found", permanent=True))
        run_until(bot, utc(2026, 12, 1, 0, 0))
        (first,) = digests(bot)
        text = first.text
        assert "Nye i netværket (2)" in text and "Anna Jensen, Aarhus (fast plads)" in text
        assert "«/klimanet historik Aarhus»" in text
        assert (
            "Har forladt en plads (1)" in text
            and "Carl Lund har forladt Vejles faste plads" in text
        )
        assert "Bo Holm" not in text  # waiting under three days: not yet
        assert "Næste møde:\n• #1 Vintermøde" in text and "«/klimanet deltagere 1»" in text
        assert "0 bekræftet, 1 uden svar, 0 afbud" in text
        assert "Beskeder der ikke kunne leveres (1)" in text and "channel_not_found" in text
        assert "Åbne afstemninger" not in text  # no poll was open

        done(bot.say(ANNA, "afbud 1"), ResultKind.REGRETS_SAVED, meeting=1)
        run_until(bot, utc(2026, 12, 8, 0, 0))
        second = digests(bot)[1].text
        assert "Nye i netværket" not in second and "Har forladt" not in second
        assert "Bo Holm har ventet 9 dage på godkendelse til Odense" in second
        assert "«/klimanet afventer»" in second
        assert "0 bekræftet, 0 uden svar, 1 afbud" in second
        assert "Ingen kommer fra Aarhus" in second and "«/klimanet vikar 1»" in second
        assert "Beskeder der ikke kunne leveres" not in second  # that was last week


def test_exactly_once_across_replicas_and_a_restart(database_url: str, clock: FixedClock) -> None:
    notifier = MemoryNotifier(clock=clock)
    with digest_bot(database_url, clock, notifier) as bot:
        with transaction(bot.core.sessions) as session:
            session.add(NetworkFacilitator(network_id=bot.core.network_id, user_id=KIRSTEN.user_id))
        second = bot.new_delivery()
        try:
            clock.set(utc(2026, 11, 30, 7, 0))
            second.drain()
            bot.delivery.drain()
            second.drain()
        finally:
            second.close()
    # A restart: a new core on the same database plans the next week, not this one again.
    with digest_bot(database_url, clock, notifier) as again:
        # A start makes KLIMANET_ADMINS the facilitators again: Kirsten is added back by hand.
        with transaction(again.core.sessions) as session:
            session.add(
                NetworkFacilitator(network_id=again.core.network_id, user_id=KIRSTEN.user_id)
            )
        again.at(utc(2026, 11, 30, 7, 30))
        run_until(again, utc(2026, 12, 7, 7, 30))
        assert [m.at for m in digests(again)] == [utc(2026, 11, 30, 7, 0), utc(2026, 12, 7, 7, 0)]
        assert len(digests(again, KIRSTEN.user_id)) == 2
        with transaction(again.core.sessions) as session:
            keys = session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.kind == PostKind.DIGEST.value)
            ).all()
        assert len(keys) == len(set(keys)) == 4
        assert all(k.startswith("digest:week=2026-W") for k in keys)


def test_a_facilitator_no_longer_one_gets_no_digest(database_url: str, clock: FixedClock) -> None:
    with digest_bot(database_url, clock) as bot:
        with transaction(bot.core.sessions) as session:
            session.add(NetworkFacilitator(network_id=bot.core.network_id, user_id=KIRSTEN.user_id))
        run_until(bot, utc(2026, 11, 30, 9, 0))
        assert len(digests(bot, KIRSTEN.user_id)) == 1
        with transaction(bot.core.sessions) as session:
            session.execute(
                NetworkFacilitator.__table__.delete().where(  # type: ignore[attr-defined]
                    NetworkFacilitator.user_id == KIRSTEN.user_id
                )
            )
        run_until(bot, utc(2026, 12, 7, 9, 0))
        assert len(digests(bot, KIRSTEN.user_id)) == 1
        assert len(digests(bot)) == 2
        # Members never get one.
        assert all(not m.text.startswith("Ugens overblik") for m in bot.posts(ANNA.user_id))


def test_off_plans_nothing_and_cancels_what_was_planned(
    database_url: str, clock: FixedClock
) -> None:
    with digest_bot(database_url, clock):
        pass
    with digest_bot(database_url, clock, digest=None) as bot:
        run_until(bot, utc(2026, 12, 15, 9, 0))
        assert digests(bot) == []
        with transaction(bot.core.sessions) as session:
            statuses = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.key.like("digest:%"))
            ).all()
        assert statuses == [OutboxStatus.CANCELLED.value]


def test_a_changed_time_moves_the_planned_digest(database_url: str, clock: FixedClock) -> None:
    with digest_bot(database_url, clock):
        pass
    tuesday = DigestTime(1, time(9, 30))
    with digest_bot(database_url, clock, digest=tuesday) as bot:
        run_until(bot, utc(2026, 12, 9, 12, 0))
        assert [m.at for m in digests(bot)] == [utc(2026, 12, 1, 8, 30), utc(2026, 12, 8, 8, 30)]


def test_the_time_is_on_copenhagens_wall_clock_across_dst() -> None:
    # The week of the spring change (Sunday 28 March 2027): Monday 29 March 08:00 is CEST.
    assert next_occurrence(MONDAY_0800, utc(2027, 3, 27, 12, 0), TZ) == utc(2027, 3, 29, 6, 0)
    # The week of the autumn change (Sunday 31 October 2027): Monday 1 November 08:00 is CET.
    assert next_occurrence(MONDAY_0800, utc(2027, 10, 30, 12, 0), TZ) == utc(2027, 11, 1, 7, 0)
    # At the minute itself it is this week's; a minute later, next week's.
    assert next_occurrence(MONDAY_0800, utc(2026, 11, 30, 7, 0), TZ) == utc(2026, 11, 30, 7, 0)
    assert next_occurrence(MONDAY_0800, utc(2026, 11, 30, 7, 1), TZ) == utc(2026, 12, 7, 7, 0)
    # ISO weeks: 28 December 2026 is in 2026-W53; 4 January 2027 in 2027-W01.
    assert week_of(utc(2026, 12, 28, 7, 0), TZ) == "2026-W53"
    assert week_of(utc(2027, 1, 4, 7, 0), TZ) == "2027-W01"
    assert date(2027, 1, 4).isocalendar()[1] == 1


def test_the_setting_reads_danish_weekdays() -> None:
    assert Settings.from_env({}).digest == MONDAY_0800
    assert Settings.from_env({"KLIMANET_DIGEST": "off"}).digest is None
    assert parse_digest("fredag@14:30") == DigestTime(4, time(14, 30))
    assert parse_digest("lør@7:05") == DigestTime(5, time(7, 5))
    assert parse_digest("søndag@23:59") == DigestTime(6, time(23, 59))
    for wrong in ("monday@08:00", "man", "man@8", "man@24:00", "man@08:60", "@08:00"):
        with pytest.raises(ConfigError, match="KLIMANET_DIGEST"):
            Settings.from_env({"KLIMANET_DIGEST": wrong})


def test_open_polls_and_their_turnout_in_the_digest(database_url: str, clock: FixedClock) -> None:
    with digest_bot(database_url, clock, registration="open") as bot:  # Friday 27 November 2026
        done(bot.say(ANNA, "tilmeld Aarhus"), ResultKind.REGISTERED)
        done(bot.say(BO, "tilmeld Odense"), ResultKind.REGISTERED)
        opened = bot.say(
            FACILITATOR, 'afstemning opret "Næste tema?" "Affald" "Energi" luk 20/12 12:00'
        )
        done(opened, ResultKind.POLL_OPENED)
        bot.delivery.drain()
        (poll_post,) = [m for m in bot.notifier.messages(CHANNEL) if "Afstemning 1:" in m.text]
        first_option = next(b for b in poll_post.reply.buttons if b.action_id == Action.POLL_VOTE)
        done(
            bot.core.service.click(ANNA, Action.POLL_VOTE, first_option.value),
            ResultKind.POLL_VOTED,
        )
        run_until(bot, utc(2026, 12, 1, 0, 0))
        text = digests(bot)[0].text
        assert "Åbne afstemninger (1)" in text
        assert "Afstemning 1: Næste tema? – 1 af 2 kommuner har stemt" in text
        assert "«/klimanet afstemninger»" in text
        run_until(bot, utc(2026, 12, 22, 0, 0))  # closed on 20 December
        assert "Åbne afstemninger" not in digests(bot)[-1].text
