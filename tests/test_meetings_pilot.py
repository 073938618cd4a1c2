"""Meetings as KL plans them (issue 15, C10-C12, C16): a late meeting is announced at once, a
meeting may wait for its link or address, cancelling asks first, and ``møder`` shows what people
were told. Posts are played out on both engines to the in-memory recording notifier; the last test
asks Slack itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.domain.errors import ErrorKind
from bot.domain.schedule import parse_schedule
from bot.models import Meeting, OutboxMessage
from bot.posts import planner
from bot.replies import Action, Result, ResultKind
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import CHANNEL, MemoryBot, memory_delivery_bot
from tests.support.fake_slack import FakeSlack
from tests.support.service import done
from tests.support.slackbot import ADMIN, running_bot

CPH = ZoneInfo("Europe/Copenhagen")
ANNA, BO = named("Anna Jensen"), named("Bo Hansen")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH).astimezone(UTC)


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[MemoryBot]:
    with memory_delivery_bot(database_url, clock) as bot:
        bot.say(ANNA, "tilmeld Aarhus")  # the fixed seat: Aarhus' coordinator
        bot.say(BO, "tilmeld Aarhus")  # a flexible seat
        bot.delivery.drain()
        yield bot


def dms_to(bot: MemoryBot, actor: object) -> list[str]:
    return bot.texts(actor.user_id)  # type: ignore[attr-defined]


def rows(bot: MemoryBot) -> list[OutboxMessage]:
    with bot.core.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- C11: a meeting created after its announcement time is announced at once ----------------


def test_a_meeting_created_late_is_announced_at_once_and_in_order(bot: MemoryBot) -> None:
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
    bot: MemoryBot,
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


# --- C12: ``møde aflys`` asks first ----------------------------------------------------------


def test_cancelling_asks_first_and_says_who_will_be_told(bot: MemoryBot) -> None:
    service = bot.core.service
    bot.arrange(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 fysisk "Sommermøde" sted=KL')
    bot.arrange(FACILITATOR, 'møde opret 24.09.2027 10:00-12:00 fysisk "Efterår" sted=KL')
    bot.at(local(2027, 6, 11, 9))  # meeting 1 announced: Anna (the coordinator) was told
    asked = bot.say(FACILITATOR, "møde aflys 1 For få tilmeldte")
    assert asked.result == Result(
        ResultKind.MEETING_CANCEL_ASKED, ids={"meeting": 1, "told": 1, "channel": 1}
    )
    assert "#1 Sommermøde" in asked.text and "25. juni 2027" in asked.text
    assert "Kanalen og 1 person" in asked.text
    assert meeting_status(bot, 1) == "planned"  # nothing happened yet
    go, keep = asked.buttons
    assert (go.action_id, go.value) == (Action.MEETING_CANCEL, "1 For få tilmeldte")
    kept = service.click(FACILITATOR, keep.action_id, keep.value)
    assert kept.result == Result(ResultKind.MEETING_KEPT) and kept.replace_original
    assert meeting_status(bot, 1) == "planned"
    # A member cannot use the button: it is read like the command typed.
    assert service.click(ANNA, go.action_id, go.value).result == Result.refused(
        ErrorKind.NOT_FACILITATOR
    )
    done_ = service.click(FACILITATOR, go.action_id, go.value)
    assert done_.result == Result(ResultKind.MEETING_CANCELLED, ids={"meeting": 1})
    assert done_.replace_original
    with bot.core.sessions() as session:
        cancelled = session.scalars(select(Meeting).where(Meeting.number == 1)).one()
        assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "For få tilmeldte")
    again = service.click(FACILITATOR, go.action_id, go.value)  # a second click
    assert again.result == Result.refused(ErrorKind.MEETING_CANCELLED)
    bot.delivery.drain()
    assert any("aflyst" in t for t in dms_to(bot, ANNA))
    # Nobody heard of meeting 2: the question says so, and ``bekræft`` cancels at once.
    quiet = bot.say(FACILITATOR, "møde aflys 2")
    assert quiet.result == Result(
        ResultKind.MEETING_CANCEL_ASKED, ids={"meeting": 2, "told": 0, "channel": 0}
    )
    assert "Ingen har hørt om mødet endnu" in quiet.text
    at_once = bot.say(FACILITATOR, "møde aflys 2 bekræft")
    assert at_once.result == Result(ResultKind.MEETING_CANCELLED, ids={"meeting": 2})
    assert meeting_status(bot, 2) == "cancelled"
    # A forged value does nothing.
    for forged in ("x", "", "2; drop", "99999999999 x"):
        answer = service.click(FACILITATOR, Action.MEETING_CANCEL, forged)
        assert answer.result is not None and answer.result.kind in (
            ResultKind.UNKNOWN_BUTTON,
            ResultKind.REFUSED,
        )


def meeting_status(bot: MemoryBot, number: int) -> str:
    with bot.core.sessions() as session:
        return session.scalars(select(Meeting.status).where(Meeting.number == number)).one()


# --- C16: ``møder`` shows what people were told; ``møder 99`` and ``kommuner X`` ---------------


def test_moeder_hides_what_nobody_heard_of_and_marks_only_real_moves(bot: MemoryBot) -> None:
    for title, day in (("Et", "25.06.2027"), ("To", "24.09.2027"), ("Tre", "26.11.2027")):
        bot.arrange(FACILITATOR, f'møde opret {day} 10:00-12:00 fysisk "{title}" sted=KL')
    # Nobody heard of meeting 2 when it moved, nor of meeting 3 when it was cancelled.
    bot.arrange(FACILITATOR, "møde flyt 2 23.09.2027 10:00")
    bot.say(FACILITATOR, "møde aflys 3 bekræft")
    listed = bot.say(ANNA, "møder")
    assert "#2 To\n" in listed.text and "flyttet" not in listed.text
    assert "#3 Tre" not in listed.text
    # Meeting 1 is announced (Anna told), then moved and cancelled: both show.
    bot.at(local(2027, 6, 11, 9))
    bot.arrange(FACILITATOR, "møde flyt 1 28.06.2027 10:00")
    assert "#1 Et – flyttet" in bot.say(ANNA, "møder").text
    bot.say(FACILITATOR, "møde aflys 1 bekræft")
    assert "#1 Et – AFLYST" in bot.say(ANNA, "møder").text


def test_moeder_and_kommuner_answer_their_argument(bot: MemoryBot) -> None:
    bot.arrange(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 fysisk "Et" sted=KL')
    bot.arrange(FACILITATOR, 'møde opret 24.09.2027 10:00-12:00 fysisk "To" sted=KL')
    one = bot.say(ANNA, "møder 2")
    assert one.result == Result(ResultKind.MEETINGS, ids={"meeting": 2})
    assert "#2 To" in one.text and "#1 Et" not in one.text
    assert bot.say(ANNA, "møder 99").result == Result.refused(ErrorKind.MEETING_UNKNOWN)
    aarhus = bot.say(ANNA, "kommuner Aarhus")
    assert aarhus.result == Result(ResultKind.SEATS, ids={"municipality": 751})
    assert "Anna Jensen" in aarhus.text
    cph = bot.say(ANNA, "kommuner Kobenhavn")
    assert cph.result == Result(ResultKind.SEATS, ids={"municipality": 101})
    assert bot.say(ANNA, "kommuner").result == Result(ResultKind.NETWORK)
    assert bot.say(ANNA, "kommuner Atlantis").result is not None
    assert bot.say(ANNA, "kommuner Atlantis").result.kind is ResultKind.REFUSED  # type: ignore[union-attr]


# --- C10: a meeting without its link or address yet ----------------------------------------


def test_an_online_meeting_waits_for_its_link_and_goes_out_when_it_comes(bot: MemoryBot) -> None:
    created = bot.say(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 online "Uden link endnu"')
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    assert "Mødet mangler et link" in created.text
    assert "onsdag den 9. juni 2027 kl. 09.00" in created.text  # when the reminder comes
    # The one reminder, two days before the announcement.
    bot.at(local(2027, 6, 9, 9))
    reminders = dms_to(bot, FACILITATOR)
    assert len(reminders) == 1 and "mangler stadig et link" in reminders[0]
    reminder_post = bot.posts(FACILITATOR.user_id)[0]
    assert any("Send uden link" in b.label for b in reminder_post.reply.buttons)
    assert bot.texts(CHANNEL) == []
    # The announcement's time: nothing goes out, and the facilitator is told once.
    bot.at(local(2027, 6, 11, 9))
    assert bot.texts(CHANNEL) == [] and dms_to(bot, ANNA) == []
    told = dms_to(bot, FACILITATOR)
    assert len(told) == 2 and "venter" in told[1]
    assert {r.status for r in rows(bot) if r.key.startswith("announce")} == {"pending"}
    for hours in (1, 2, 5, 30):  # still waiting, and told only once
        bot.at(local(2027, 6, 11, 9) + timedelta(hours=hours))
    assert bot.texts(CHANNEL) == [] and len(dms_to(bot, FACILITATOR)) == 2
    assert {r.status for r in rows(bot) if r.key.startswith("announce")} == {"pending"}
    # The link comes: the announcement goes out at once, with the link, and then the agenda's
    # time comes as usual.
    fixed = bot.say(FACILITATOR, "møde ret 1 link=https://m.example/1")
    done(fixed, ResultKind.MEETING_UPDATED, meeting=1)
    assert "2 opslag, der ventede på mødets link eller adresse, sendes nu" in fixed.text
    bot.delivery.drain()
    channel = bot.texts(CHANNEL)
    assert len(channel) == 1 and "Nyt møde" in channel[0] and "https://m.example/1" in channel[0]
    assert any("kontaktperson" in t for t in dms_to(bot, ANNA))
    bot.at(local(2027, 6, 18, 9))
    assert len(bot.texts(CHANNEL)) == 2 and "Dagsorden for møde #1" in bot.texts(CHANNEL)[1]
    assert len(dms_to(bot, FACILITATOR)) == 2  # nothing more to the facilitator


def test_the_facilitator_can_go_ahead_without_the_address(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 fysisk "Uden adresse"')
    bot.at(local(2027, 6, 11, 9))
    assert bot.texts(CHANNEL) == []
    waiting = bot.posts(FACILITATOR.user_id)[-1]
    assert any("Send uden adresse" in b.label for b in waiting.reply.buttons)
    # A member cannot press the facilitator's button; the facilitator can.
    service = bot.core.service
    assert service.click(ANNA, Action.MEETING_SEND, "1").result == Result.refused(
        ErrorKind.NOT_FACILITATOR
    )
    sent = service.click(FACILITATOR, Action.MEETING_SEND, "1")
    assert sent.result == Result(
        ResultKind.MEETING_SENT_WITHOUT_PLACE, ids={"meeting": 1, "released": 2}
    )
    bot.delivery.drain()
    assert len(bot.texts(CHANNEL)) == 1 and "Nyt møde" in bot.texts(CHANNEL)[0]
    assert any("kontaktperson" in t for t in dms_to(bot, ANNA))
    # Going ahead again changes nothing; a meeting that lacks nothing says so.
    again = bot.say(FACILITATOR, "møde send 1")
    assert again.result == Result(
        ResultKind.MEETING_SENT_WITHOUT_PLACE, ids={"meeting": 1, "released": 0}
    )
    bot.say(FACILITATOR, 'møde opret 24.09.2027 10:00-12:00 fysisk "Med adresse" sted=KL')
    complete = bot.say(FACILITATOR, "møde send 2")
    assert "mangler hverken" in complete.text
    with bot.core.sessions() as session:
        second = session.scalars(select(Meeting).where(Meeting.number == 2)).one()
        assert second.send_without_place is False


def test_posts_still_waiting_when_the_meeting_starts_are_dropped(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 hybrid "Temamøde" sted=KL')
    for due in (local(2027, 6, 11, 9), local(2027, 6, 18, 9), local(2027, 6, 24, 9)):
        bot.at(due)
    bot.at(local(2027, 6, 25, 9, 50))
    assert bot.texts(CHANNEL) == [] and dms_to(bot, ANNA) == dms_to(bot, BO) == []
    bot.at(local(2027, 6, 25, 10))
    assert bot.texts(CHANNEL) == []  # never an announcement of a meeting that has begun
    left = {
        r.status
        for r in rows(bot)
        # What comes after the meeting (its attendance list, the feedback) is still to come.
        if r.meeting_id is not None
        and r.kind != "place_waiting"
        and r.due_at <= local(2027, 6, 25, 10)
    }
    assert "pending" not in left
    assert len([t for t in dms_to(bot, FACILITATOR) if "venter" in t]) == 1


def test_a_meeting_created_late_without_its_link_waits_too(bot: MemoryBot) -> None:
    created = bot.arrange(FACILITATOR, 'møde opret 03.12.2026 10:00-12:00 online "Snart"')
    assert "påmindelse" not in created.text  # too late for a reminder: it waits at once
    bot.delivery.drain()
    assert bot.texts(CHANNEL) == []
    assert [t for t in dms_to(bot, FACILITATOR) if "venter" in t]
    bot.say(FACILITATOR, "møde ret 1 link=https://m.example/1")
    bot.delivery.drain()
    channel = bot.texts(CHANNEL)
    assert "Nyt møde" in channel[0] and "Dagsorden for møde #1" in channel[1]


def test_the_quick_edit_takes_only_the_place(bot: MemoryBot) -> None:
    bot.say(FACILITATOR, 'møde opret 25.06.2027 10:00-12:00 hybrid "Temamøde"')
    refused = bot.say(FACILITATOR, "møde ret 1 titel=Andet")
    assert refused.result == Result.refused(ErrorKind.OPTION_UNKNOWN)
    bad = bot.say(FACILITATOR, "møde ret 1 link=teams")
    assert bad.result == Result.refused(ErrorKind.LINK_INVALID)
    assert bot.say(ANNA, "møde ret 1 link=https://m.example/1").result == Result.refused(
        ErrorKind.NOT_FACILITATOR
    )
    half = bot.say(FACILITATOR, 'møde ret 1 sted="Weidekampsgade 10"')
    assert "Mødet mangler et link" in half.text
    whole = bot.say(FACILITATOR, "møde ret 1 link=https://m.example/1")
    assert "mangler" not in whole.text
    with bot.core.sessions() as session:
        hybrid = session.scalars(select(Meeting)).one()
        assert (hybrid.title, hybrid.location, hybrid.link) == (
            "Temamøde",
            "Weidekampsgade 10",
            "https://m.example/1",
        )


# --- in Slack: the buttons of the question and of the facilitator's notice --------------------


def test_in_slack_cancelling_asks_and_the_button_cancels(
    database_url: str, clock: FixedClock
) -> None:
    with FakeSlack() as fake:
        fake.add_user("U0ANNA", "Anna Jensen")
        with running_bot(database_url, fake, clock) as slack:
            slack.say(ADMIN, 'møde opret 25.06.2027 10:00-12:00 online "Sommermøde"')
            ask = slack.command(ADMIN, "møde aflys 1 For få tilmeldte")
            assert "Vil du aflyse *#1 Sommermøde*" in str(ask.args["text"])
            message = {"ts": "1700000000.000001", "text": ask.args["text"]}
            message["blocks"] = ask.args["blocks"]
            answer = slack.click(ADMIN, Action.MEETING_CANCEL, message, "C0NET")
            assert answer.args.get("replace_original") is True
            assert "er aflyst" in str(answer.args["text"])
            with slack.runtime.core.sessions() as session:
                assert session.scalars(select(Meeting.status)).one() == "cancelled"
        fake.assert_no_invalid_payloads()
