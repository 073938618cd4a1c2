"""Scheduled posts end to end: planned in the outbox, delivered on a controlled clock, rendered
from current data, exactly once.

Delivery itself is under test here, not a platform: the posts go to the in-memory recording
notifier, and read as the core wrote them. What Slack sees of them (blocks, metadata, the
client's handling of 429s and 5xx) is tested in ``test_exactly_once``, ``test_slack`` and the
adapter contract (``test_adapter_contract``)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from bot.activity import Activity
from bot.clock import FixedClock
from bot.domain.municipalities import default_directory
from bot.markup import italic
from bot.models import Meeting, OutboxMessage, Seat
from bot.ports import DeliveryError
from bot.replies import Action, Reply, ResultKind
from jobs import delivery as delivery_module
from jobs.delivery import Delivery
from tests.support.actors import FACILITATOR, named, person
from tests.support.deliverybot import CHANNEL, MemoryBot, memory_delivery_bot
from tests.support.service import done

ANNA, BO, CARL = named("Anna Jensen"), named("Bo Hansen"), named("Carl Nielsen")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ANNA_DM, BO_DM, CARL_DM = ANNA.user_id, BO.user_id, CARL.user_id
FACILITATOR_DM = FACILITATOR.user_id


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[MemoryBot]:
    with memory_delivery_bot(database_url, clock) as bot:
        bot.say(ANNA, "tilmeld Aarhus")
        bot.say(BO, "tilmeld Aarhus")
        bot.say(CARL, "tilmeld Odense")
        yield bot


CREATE = 'møde opret 15.03.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://m.example/1'


def test_a_meeting_plays_out(bot: MemoryBot) -> None:
    done(bot.say(FACILITATOR, CREATE), ResultKind.MEETING_CREATED, meeting=1)
    # 14d@09:00 before 15 March 2027 10:00 CET: 1 March 09:00 CET = 08:00 UTC.
    bot.at(utc(2027, 3, 1, 7, 59))
    assert bot.posts() == []
    bot.at(utc(2027, 3, 1, 8, 0))
    assert len(bot.posts(CHANNEL)) == 1 and "Nyt møde" in bot.texts(CHANNEL)[0]
    dms = [m for m in bot.posts() if m.recipient != CHANNEL]
    assert sorted(m.recipient for m in dms) == [ANNA_DM, CARL_DM]  # the fixed seats
    assert "Aarhus' kontaktperson" in dms[0].text + dms[1].text

    bot.say(
        FACILITATOR,
        'punkt tilføj 1 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    )
    bot.at(utc(2027, 3, 8, 8, 0))
    agenda = bot.posts(CHANNEL)[-1]
    assert "Dagsorden for møde #1 Opstartsmøde" in agenda.text
    assert "Klimaplaner i praksis" in agenda.text

    # An agenda change after posting updates that very message, marked as updated.
    bot.say(FACILITATOR, 'punkt tilføj 1 "Drøftelse af fælles mål" type=drøftelse')
    bot.delivery.drain()
    assert bot.notifier.count("update", ok=True) == 1
    updated = bot.notifier.messages(CHANNEL)[1]
    assert (updated.ts, updated.updated) == (agenda.ts, 1)
    assert "(opdateret)" in updated.text and "Drøftelse af fælles mål" in updated.text

    # reminder=1d@09:00 falls on Sunday 14 March and confirm=2d@09:00 on Saturday 13 March:
    # both go out on Friday 12 March at 09:00 instead.
    bot.at(utc(2027, 3, 12, 7, 59))
    assert not any("Påmindelse" in t for t in bot.texts())
    assert not any("Kommer du stadig?" in t for t in bot.texts())
    bot.at(utc(2027, 3, 12, 8, 0))
    assert any("Påmindelse" in t for t in bot.texts())
    asked = [m for m in bot.posts() if "Kommer du stadig?" in m.text]
    assert sorted(m.recipient for m in asked) == [ANNA_DM, BO_DM, CARL_DM]
    assert [b.action_id for b in asked[0].reply.buttons] == ["attend_yes", "attend_no"]

    reminders = [m for m in bot.posts() if "Påmindelse" in m.text]
    assert sorted(m.recipient for m in reminders) == [CHANNEL, ANNA_DM, BO_DM, CARL_DM]
    uploads = bot.notifier.shared()
    assert sorted(u.channel for u in uploads) == [ANNA_DM, BO_DM, CARL_DM]
    calendar = icalendar.Calendar.from_ical(uploads[0].attachment.content)
    event = next(c for c in calendar.walk("VEVENT"))
    with bot.core.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert str(event["UID"]).startswith(f"klimanet-meeting-1-{meeting.id}@")
    assert int(event["SEQUENCE"]) == meeting.sequence
    assert (
        event.decoded("DTSTART").hour == 10
        and str(event["DTSTART"].params["TZID"]) == "Europe/Copenhagen"
    )

    bot.at(utc(2027, 3, 15, 8, 45))  # 15 minutes before 10:00 CET
    assert "Mødet starter om 15 minutter" in bot.texts(CHANNEL)[-1]
    assert "https://m.example/1" in bot.texts(CHANNEL)[-1]

    total = len(bot.posts())
    bot.delivery.tick()
    bot.delivery.tick()  # a double tick posts nothing twice
    bot.at(utc(2027, 3, 20, 0, 0))
    # With the agenda, Anna and Carl (coordinators with a free flexible seat) are nudged: the
    # meeting has a theme.
    assert len(bot.posts()) == total == 1 + 2 + 1 + 2 + 3 + 4 + 1


def test_a_moved_meeting_moves_its_posts(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, CREATE)
    bot.at(utc(2027, 3, 1, 8, 0))  # the announcement: the channel, and Anna and Carl by DM
    bot.at(utc(2027, 3, 2, 12, 0))
    before = len(bot.posts())
    answer = bot.say(FACILITATOR, "møde flyt 1 22.03.2027 13:00-15:00")
    # The facilitator sees that the announcement went out already (it is not posted again),
    # and when the rest now go out.
    assert answer.sections[1].splitlines() == [
        f"• Annoncering: {italic('sendt mandag den 1. marts 2027 kl. 09.00')}",  # gone out
        "• Dagsorden: mandag den 15. marts 2027 kl. 09.00",
        "• Kommer du stadig?: fredag den 19. marts 2027 kl. 09.00",
        "• Påmindelse: fredag den 19. marts 2027 kl. 09.00",
        "• Mødet starter: mandag den 22. marts 2027 kl. 12.45",
    ]
    bot.delivery.drain()
    moved = [m for m in bot.posts()[before:] if "Mødet er flyttet" in m.text]
    # Only those already told: Bo has not heard of the meeting yet, so no notice of a move.
    assert sorted(m.recipient for m in moved) == [CHANNEL, ANNA_DM, CARL_DM]
    # The notice gives the old time and the new one, in the channel and by DM.
    for notice in moved:
        assert (
            "er flyttet fra mandag den 15. marts 2027 kl. 10.00–12.00 til "
            "mandag den 22. marts 2027 kl. 13.00–15.00" in notice.text
        )
    bot.at(utc(2027, 3, 12, 8, 0))  # the old reminder time (off the weekend): nothing
    assert not any("Påmindelse" in t for t in bot.texts())
    # The new one: due Sunday 21 March, so Friday 19 March 09:00 CET, to everyone expected.
    bot.at(utc(2027, 3, 19, 8, 0))
    assert sum("Påmindelse" in t for t in bot.texts()) == 4
    assert not any("Nyt møde" in t for t in bot.texts()[before:])  # announced once, not again


def test_a_move_before_anything_was_posted_tells_nobody(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, CREATE)
    bot.say(FACILITATOR, "møde flyt 1 22.03.2027 13:00-15:00")
    bot.delivery.drain()
    assert bot.posts() == []
    bot.at(utc(2027, 3, 8, 8, 0))  # the announcement of the new time goes out as planned
    assert any("Nyt møde" in t for t in bot.texts(CHANNEL))


def test_a_cancelled_meeting_says_so_and_stops(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, CREATE)
    bot.at(utc(2027, 3, 1, 8, 0))  # announced: the channel, Anna and Carl
    before = len(bot.posts())
    bot.say(FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    bot.delivery.drain()
    cancelled = [m for m in bot.posts() if "Mødet er aflyst" in m.text]
    assert sorted(m.recipient for m in cancelled) == [CHANNEL, ANNA_DM, CARL_DM]
    assert "For få tilmeldte" in cancelled[0].text
    bot.at(utc(2027, 3, 16, 0, 0))
    assert len(bot.posts()) == before + 3


def test_a_meeting_cancelled_before_anything_was_posted_sends_nothing(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, CREATE)
    bot.say(FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    bot.delivery.drain()  # the notices of the cancellation are due at once: to nobody
    bot.at(utc(2027, 3, 16, 0, 0))
    assert bot.posts() == []


@pytest.mark.parametrize(
    ("day", "agenda_utc"),
    [
        # Sunday meetings a week after the DST Sundays: their posts keep their weekend days, so
        # the agenda (7d@09:00) goes out at 09:00 on the DST Sunday itself.
        ("04.04.2027", utc(2027, 3, 28, 7, 0)),  # summer time began that Sunday: 09:00 CEST
        ("07.11.2027", utc(2027, 10, 31, 8, 0)),  # winter time began that Sunday: 09:00 CET
    ],
)
def test_posts_at_nine_copenhagen_time_on_both_dst_sundays(
    bot: MemoryBot, day: str, agenda_utc: datetime
) -> None:
    warned = bot.core.service.command(
        FACILITATOR, f'møde opret {day} 10:00-12:00 fysisk "Søndag" sted=KL'
    )
    assert isinstance(warned, Reply) and warned.result is not None
    assert warned.result.kind is ResultKind.MEETING_WARNING  # a Sunday: the facilitator goes on
    bot.core.service.click(FACILITATOR, Action.MEETING_GO_AHEAD, warned.buttons[0].value)
    with bot.core.sessions() as session:
        due = session.scalars(
            select(OutboxMessage.due_at).where(OutboxMessage.key.like("agenda:%"))
        ).one()
    assert due == agenda_utc
    bot.at(agenda_utc - timedelta(minutes=1))
    assert not any("Dagsorden for møde" in t for t in bot.texts())
    bot.at(agenda_utc)
    assert sum("Dagsorden for møde" in t for t in bot.texts(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("day", "reminder_utc"),
    [
        # Monday meetings after the DST Sundays: the reminder due on the Sunday (1d@09:00)
        # moves to the Friday before, 09:00 local on either side of the change.
        ("29.03.2027", utc(2027, 3, 26, 8, 0)),  # Friday 26 March: still winter time (CET)
        ("01.11.2027", utc(2027, 10, 29, 7, 0)),  # Friday 29 October: still summer time (CEST)
    ],
)
def test_a_reminder_due_on_a_dst_sunday_moves_to_friday_at_nine(
    bot: MemoryBot, day: str, reminder_utc: datetime
) -> None:
    bot.say(FACILITATOR, f'møde opret {day} 10:00-12:00 fysisk "Mandagsmøde" sted=KL')
    with bot.core.sessions() as session:
        due = session.scalars(
            select(OutboxMessage.due_at).where(OutboxMessage.key.like("reminder:%"))
        ).one()
    assert due == reminder_utc
    bot.at(reminder_utc - timedelta(minutes=1))
    assert not any("Påmindelse" in t for t in bot.texts())
    bot.at(reminder_utc)
    assert sum("Påmindelse" in t for t in bot.texts()) == 4


def test_two_workers_post_each_message_once(bot: MemoryBot) -> None:
    municipalities = default_directory().all()
    for n in range(40):
        bot.say(person(1000 + n), f"tilmeld {municipalities[n // 3].code}")
    # Monday, three days ahead: the reminder due on Sunday moves to Friday (today), whose 09:00
    # has passed, so the reminders are due at once, together; the rest is still to come.
    bot.say(FACILITATOR, 'møde opret 30.11.2026 10:00-12:00 fysisk "Snart" sted=KL')
    workers = [bot.delivery, bot.new_delivery()]
    start = threading.Barrier(2)

    def work(delivery: Delivery) -> None:
        start.wait()
        delivery.drain()

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    workers[1].close()
    counts = Counter((m.recipient, m.text) for m in bot.posts())
    with bot.core.sessions() as session:
        holders = session.scalar(select(func.count()).where(Seat.holder_id.is_not(None)))
    assert sum("Påmindelse" in text for _, text in counts) == 1 + holders
    assert counts and max(counts.values()) == 1, [k for k, v in counts.items() if v > 1]


def test_posts_wait_while_this_process_answers_people(
    bot: MemoryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst's answers come first: nothing is rendered or sent while a request is being worked
    on, the post goes as soon as none is, and at the latest REQUESTS_FIRST_S after it was due."""
    answering = Activity()
    delivery = bot.new_delivery(requests=answering)
    try:
        bot.say(FACILITATOR, "nyt Første nyhed")
        answering.begin()
        worker = threading.Thread(target=delivery.drain)
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive() and not any("Første nyhed" in t for t in bot.texts())
        answering.end()
        worker.join(timeout=5)
        assert not worker.is_alive()
        assert sum("Første nyhed" in t for t in bot.texts(CHANNEL)) == 1

        # Requests that never stop only delay the posts: here by 0.3 s instead of 10.
        monkeypatch.setattr(delivery_module, "REQUESTS_FIRST_S", 0.3)
        bot.say(FACILITATOR, "nyt Anden nyhed")
        answering.begin()
        started = time.monotonic()
        delivery.drain()
        waited = time.monotonic() - started
        answering.end()
        assert sum("Anden nyhed" in t for t in bot.texts(CHANNEL)) == 1
        assert 0.3 <= waited < 5
    finally:
        delivery.close()


def test_faults_are_retried_or_dead_and_nothing_is_lost(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, "nyt Første nyhed")
    bot.notifier.fail_next("post", DeliveryError("ratelimited", retry_after=30))
    stats = bot.delivery.drain()
    assert stats.retried == 1 and not any("Første nyhed" in t for t in bot.texts())
    bot.at(bot.clock.now() + timedelta(seconds=29))  # Retry-After is honoured
    assert not any("Første nyhed" in t for t in bot.texts())
    bot.at(bot.clock.now() + timedelta(seconds=1))
    assert sum("Første nyhed" in t for t in bot.texts(CHANNEL)) == 1
    with bot.core.sessions() as session:
        first = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "news")).one()
    assert first.attempts == 1  # waiting out a rate limit is no failed attempt

    bot.say(FACILITATOR, "nyt Anden nyhed")
    bot.notifier.fail_next("post", DeliveryError("http_500", fate_unknown=True))
    stats = bot.delivery.drain()
    assert stats.retried == 1 and not any("Anden nyhed" in t for t in bot.texts())
    bot.at(bot.clock.now() + timedelta(seconds=5))  # past the backoff: looked up, then posted
    assert sum("Anden nyhed" in t for t in bot.texts()) == 1
    assert bot.notifier.count("find_post") == 1

    bot.say(FACILITATOR, "nyt Tredje nyhed")
    bot.notifier.fail_next("post", DeliveryError("channel_not_found", permanent=True))
    stats = bot.delivery.drain()
    assert stats.dead == 1
    notices = bot.posts(FACILITATOR_DM)
    assert len(notices) == 1 and "channel_not_found" in notices[0].text
    assert "nyheden fra KL" in notices[0].text
    assert bot.notifier.count("post", ok=False) == 3  # each fault once: nothing retried blindly
    with bot.core.sessions() as session:
        statuses = dict(session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert [v for k, v in statuses.items() if k.startswith("news:")] == ["sent", "sent", "dead"]


def test_five_failed_attempts_make_a_row_dead(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, "nyt Nyhed der ikke kan sendes")
    bot.notifier.fail_next("post", DeliveryError("http_500", fate_unknown=True), times=5)
    for _ in range(5):
        bot.at(bot.clock.now() + timedelta(minutes=10))
    with bot.core.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "news")).one()
    assert (row.status, row.attempts) == ("dead", 5)
    assert any("http_500" in t for t in bot.texts(FACILITATOR_DM))


def test_catch_up_after_downtime(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, CREATE)
    # Down from before the announcement until 5 h after it: still sent (< 6 h late).
    bot.at(utc(2027, 3, 1, 13, 0))
    assert any("Nyt møde" in t for t in bot.texts(CHANNEL))
    # Down across the agenda time for 7 h: missed, and the facilitator is told.
    bot.at(utc(2027, 3, 8, 15, 0))
    assert not any("Dagsorden for møde" in t for t in bot.texts(CHANNEL))
    notice = bot.texts(FACILITATOR_DM)
    assert len(notice) == 1 and "dagsordenen for møde #1" in notice[0] and "6 timer" in notice[0]
