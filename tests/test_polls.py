"""Polls with one vote per municipality (``afstemning``), played out on the clock on both
engines: the poll in the channel, votes and who is told, the turnout updated in place, the
coordinators' one reminder, the result once with its chart, and the hostile cases."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.models import OutboxMessage, Person, PollBallot, PollChoice, PollOption, Seat, SeatStatus
from bot.posts.kinds import PostKind
from bot.posts.polls import reminder_due
from bot.replies import Action, Reply, ResultKind, as_written
from bot.texts import polls as poll_texts
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import CHANNEL, MemoryBot, memory_delivery_bot
from tests.support.service import click, done, new_service, refused, say
from tests.test_console import console

ANNA = named("Anna Holm")  # Aarhus, fixed seat (coordinator)
BO = named("Bo Ravn")  # Aarhus, flexible seat
CARL = named("Carl Krog")  # Odense, coordinator
DORTE = named("Dorte Lund")  # Vejle, coordinator
EVA = named("Eva Bang")  # no seat
# Friday 4 December 2026 at 12.00 in Copenhagen
CLOSES = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
OPEN = 'afstemning opret "Hvilket tema til efterårsmødet?" "Klimatilpasning" "Affald" "Mobilitet" luk 4/12 12:00'


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[MemoryBot]:
    with memory_delivery_bot(database_url, clock) as bot:
        done(bot.say(ANNA, "tilmeld Aarhus fast"), ResultKind.REGISTERED)
        done(bot.say(BO, "tilmeld Aarhus fleksibel"), ResultKind.REGISTERED)
        done(bot.say(CARL, "tilmeld Odense fast"), ResultKind.REGISTERED)
        done(bot.say(DORTE, "tilmeld Vejle fast"), ResultKind.REGISTERED)
        yield bot


def open_poll(bot: MemoryBot, text: str = OPEN) -> int:
    reply = bot.say(FACILITATOR, text)
    ids = done(reply, ResultKind.POLL_OPENED)
    bot.delivery.drain()
    return int(ids["poll"])


def channel_post(bot: MemoryBot) -> Reply:
    """The poll's post in the channel as it stands now (after updates in place)."""
    found = [m for m in bot.notifier.messages(CHANNEL) if "Afstemning 1:" in m.text]
    assert len(found) == 1, [m.text for m in bot.notifier.messages(CHANNEL)]
    return found[0].reply


def vote(bot: MemoryBot, who: object, position: int, *, action: str = Action.POLL_VOTE) -> Reply:
    """A click on the channel post's button for option ``position`` (1-based)."""
    button = [b for b in channel_post(bot).buttons if b.action_id == Action.POLL_VOTE][position - 1]
    return click(bot.core.service, who, action, button.value)  # type: ignore[arg-type]


def dms(bot: MemoryBot, who: object) -> list[str]:
    return bot.texts(who.user_id)  # type: ignore[attr-defined]


def test_a_poll_from_opening_to_result(bot: MemoryBot) -> None:
    open_poll(bot)
    post = channel_post(bot)
    assert [b.label for b in post.buttons] == ["Klimatilpasning", "Affald", "Mobilitet"]
    assert "0 af 3 kommuner har stemt" in post.text
    assert post.public

    # Anna casts Aarhus' vote; the post's turnout is updated in place, never who voted what.
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED, changed=1)
    bot.delivery.drain()
    assert "1 af 3 kommuner har stemt" in channel_post(bot).text
    assert "Aarhus" not in channel_post(bot).text and "Anna" not in channel_post(bot).text
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Afstemning 1:" in m.text]) == 1

    # Bo, a holder of the same municipality, changes it: still one vote, and Anna is told who.
    done(vote(bot, BO, 2), ResultKind.POLL_VOTED, changed=1)
    bot.delivery.drain()
    assert "1 af 3 kommuner har stemt" in channel_post(bot).text
    told = dms(bot, ANNA)
    assert len(told) == 1 and "Bo Ravn" in told[0] and "Affald" in told[0]
    assert dms(bot, BO) == []  # the one who changed it knows

    # Carl (Odense) votes before the reminder; Dorte (Vejle) has not voted 24 hours before.
    done(vote(bot, CARL, 2), ResultKind.POLL_VOTED)
    bot.at(CLOSES - timedelta(days=1, minutes=1))
    assert dms(bot, DORTE) == []
    bot.at(CLOSES - timedelta(days=1))
    reminder = dms(bot, DORTE)
    assert len(reminder) == 1 and "Vejle har ikke stemt" in reminder[0]
    assert dms(bot, CARL) == [] and len(dms(bot, ANNA)) == 1 and dms(bot, BO) == []
    # The reminder carries the buttons: Dorte votes from it.
    reminder_buttons = bot.notifier.sent(DORTE.user_id)[0].reply.buttons
    done(
        click(bot.core.service, DORTE, Action.POLL_VOTE, reminder_buttons[2].value),
        ResultKind.POLL_VOTED,
    )
    bot.at(CLOSES - timedelta(hours=1))
    assert len(dms(bot, DORTE)) == 1  # one reminder, never two

    bot.at(CLOSES)
    results = [m for m in bot.notifier.sent(CHANNEL) if "Resultat af afstemning 1" in m.text]
    assert len(results) == 1
    assert "Klimatilpasning: 0 kommuner" in results[0].text
    assert "Affald: 2 kommuner" in results[0].text
    assert "Mobilitet: 1 kommune" in results[0].text
    assert "3 af 3 kommuner har stemt" in results[0].text
    chart = bot.notifier.shared(CHANNEL)
    assert len(chart) == 1 and chart[0].attachment.content.startswith(b"\x89PNG")
    # The post in the channel loses its buttons at closing.
    assert channel_post(bot).buttons == ()
    assert "lukkede" in channel_post(bot).text
    bot.at(CLOSES + timedelta(days=2))
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]) == 1

    # A vote after closing gets a clear answer.
    late = click(bot.core.service, CARL, Action.POLL_VOTE, reminder_buttons[0].value)
    refused(late, ErrorKind.POLL_CLOSED)
    assert "lukket" in late.text


def ballots(bot: MemoryBot) -> list[tuple[int, int | None, tuple[int, ...]]]:
    """(municipality, voter person id, chosen option ids) of every ballot, from the tables."""
    with bot.core.sessions() as session:
        found = []
        for ballot in session.scalars(select(PollBallot).order_by(PollBallot.municipality_code)):
            chosen = session.scalars(
                select(PollChoice.option_id)
                .where(PollChoice.ballot_id == ballot.id)
                .order_by(PollChoice.option_id)
            ).all()
            found.append((ballot.municipality_code, ballot.voter_person_id, tuple(chosen)))
        return found


def test_who_cannot_vote_is_told_why(database_url: str, clock: FixedClock) -> None:
    with memory_delivery_bot(database_url, clock) as bot:
        done(bot.say(ANNA, "tilmeld Aarhus fast"), ResultKind.REGISTERED)
        open_poll(bot)
        # No seat: told why; a facilitator without a seat: told why.
        eva = vote(bot, EVA, 1)
        refused(eva, ErrorKind.POLL_NOT_A_VOTER, why="no_seat")
        refused(vote(bot, FACILITATOR, 1), ErrorKind.POLL_NOT_A_VOTER, why="facilitator")
        assert ballots(bot) == []


def test_a_pending_applicant_cannot_vote(database_url: str, clock: FixedClock) -> None:
    with memory_delivery_bot(database_url, clock) as bot:
        done(bot.say(ANNA, "tilmeld Aarhus fast"), ResultKind.REGISTERED)
        open_poll(bot)
        with bot.core.sessions.begin() as session:
            seat = session.scalars(select(Seat).where(Seat.holder_id.is_not(None))).one()
            seat.status = SeatStatus.PENDING.value  # as a registration waiting for approval
        refused(vote(bot, ANNA, 1), ErrorKind.POLL_NOT_A_VOTER, why="pending")
        assert ballots(bot) == []


def test_forged_button_values_are_refused(bot: MemoryBot) -> None:
    first = open_poll(bot)
    second = open_poll(bot, OPEN.replace("4/12", "5/12"))
    service = bot.core.service
    with bot.core.sessions() as session:
        options = {
            poll: session.scalars(
                select(PollOption.id).where(PollOption.poll_id == poll).order_by(PollOption.id)
            ).all()
            for poll in (first, second)
        }
    # An option of another poll, a poll that does not exist, a municipality in the value,
    # garbage: nothing is counted.
    refused(
        click(service, ANNA, Action.POLL_VOTE, f"{first}:{options[second][0]}"),
        ErrorKind.POLL_OPTION_UNKNOWN,
    )
    refused(
        click(service, ANNA, Action.POLL_VOTE, f"9999:{options[first][0]}"), ErrorKind.POLL_UNKNOWN
    )
    refused(
        click(service, ANNA, Action.POLL_VOTE, f"{first}:{options[first][0]}:461"),
        ErrorKind.POLL_OPTION_UNKNOWN,
    )
    refused(click(service, ANNA, Action.POLL_VOTE, "x:y"), ErrorKind.POLL_UNKNOWN)
    refused(click(service, ANNA, Action.POLL_VOTE, f"{first}:-1"), ErrorKind.POLL_OPTION_UNKNOWN)
    assert ballots(bot) == []
    # The municipality is always the voter's own: Anna's vote counts for Aarhus (751) only.
    reply = click(service, ANNA, Action.POLL_VOTE, f"{first}:{options[first][0]}")
    done(reply, ResultKind.POLL_VOTED, municipality=751)
    assert [code for code, _, _ in ballots(bot)] == [751]


def test_a_double_click_acts_once(bot: MemoryBot) -> None:
    open_poll(bot)
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED, changed=1)
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED, changed=0)
    with bot.core.sessions() as session:
        refreshes = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key.like("refresh:poll:%ballot=%"))
        )
    assert refreshes == 1
    assert len(ballots(bot)) == 1
    # The same holder changing their own vote tells nobody; the poll still has one ballot.
    done(vote(bot, ANNA, 2), ResultKind.POLL_VOTED, changed=1)
    bot.delivery.drain()
    assert dms(bot, BO) == [] and dms(bot, ANNA) == []
    assert len(ballots(bot)) == 1


def test_a_municipality_that_leaves_keeps_its_vote_but_cannot_vote_again(bot: MemoryBot) -> None:
    open_poll(bot)
    done(vote(bot, CARL, 3), ResultKind.POLL_VOTED)
    say(bot.core.service, CARL, "afmeld")
    done(click(bot.core.service, CARL, Action.RELEASE_CONFIRM, "release"), ResultKind.RELEASED)
    bot.delivery.drain()
    # Odense is no member now, and its vote still counts: 1 of the 2 members and Odense.
    assert "1 af 3 kommuner har stemt" in channel_post(bot).text
    refused(vote(bot, CARL, 1), ErrorKind.POLL_NOT_A_VOTER, why="no_seat")
    assert [(code, chosen) for code, _, chosen in ballots(bot)] == [(461, ballots(bot)[0][2])]
    bot.at(CLOSES)
    result = [m.text for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]
    assert "Mobilitet: 1 kommune" in result[0]


def test_erasure_keeps_the_vote_without_the_person(bot: MemoryBot) -> None:
    number = open_poll(bot)
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED)
    with bot.core.sessions() as session:
        anna_id = session.scalars(select(Person.id).where(Person.account == ANNA.user_id)).one()
    assert ballots(bot) == [(751, anna_id, ballots(bot)[0][2])]
    say(bot.core.service, ANNA, "slet-mig")
    done(click(bot.core.service, ANNA, Action.ERASE_CONFIRM, "erase"), ResultKind.ERASED)
    assert [(code, voter) for code, voter, _ in ballots(bot)] == [(751, None)]
    exported = done(
        bot.say(FACILITATOR, f"eksport afstemning {number} csv"), ResultKind.EXPORTED, rows=1
    )
    assert exported
    reply = bot.say(FACILITATOR, f"eksport afstemning {number} csv")
    assert reply.attachment is not None
    content = reply.attachment.content.decode("utf-8-sig")
    assert "Aarhus;Klimatilpasning" in content and "Anna" not in content


def test_only_facilitators_see_who_voted_what(bot: MemoryBot) -> None:
    number = open_poll(bot)
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED)
    done(vote(bot, CARL, 2), ResultKind.POLL_VOTED)
    refused(bot.say(ANNA, f"eksport afstemning {number}"), ErrorKind.NOT_FACILITATOR)
    reply = bot.say(FACILITATOR, f"eksport afstemning {number} csv")
    done(reply, ResultKind.EXPORTED, rows=2)
    assert reply.attachment is not None
    lines = reply.attachment.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Kommune;Stemme")
    assert lines[1].startswith("Aarhus;Klimatilpasning;") and lines[1].endswith(";Anna Holm")
    assert lines[2].startswith("Odense;Affald;")
    xlsx = bot.say(FACILITATOR, f"eksport afstemning {number} xlsx")
    assert xlsx.attachment is not None and xlsx.attachment.content[:2] == b"PK"
    # The list shows totals to everyone.
    listed = bot.say(ANNA, "afstemninger")
    done(listed, ResultKind.POLLS, polls=1)
    assert "2 af 3 kommuner har stemt" in listed.text


def test_close_early_posts_the_result_at_once_and_only_once(bot: MemoryBot) -> None:
    number = open_poll(bot)
    done(vote(bot, ANNA, 2), ResultKind.POLL_VOTED)
    refused(bot.say(ANNA, f"afstemning luk {number}"), ErrorKind.NOT_FACILITATOR)
    done(bot.say(FACILITATOR, f"afstemning luk {number}"), ResultKind.POLL_CLOSED)
    bot.delivery.drain()
    results = [m.text for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]
    assert len(results) == 1 and "Affald: 1 kommune" in results[0]
    assert channel_post(bot).buttons == ()
    refused(vote_value(bot, CARL, number), ErrorKind.POLL_CLOSED)
    refused(bot.say(FACILITATOR, f"afstemning luk {number}"), ErrorKind.POLL_CLOSED)
    # Nothing more at the old closing time: no reminder, no second result.
    bot.at(CLOSES + timedelta(hours=1))
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]) == 1
    assert all(dms(bot, who) == [] for who in (ANNA, BO, CARL, DORTE))


def vote_value(bot: MemoryBot, who: object, poll: int) -> Reply:
    with bot.core.sessions() as session:
        option = session.scalars(select(PollOption.id).order_by(PollOption.id)).first()
    return click(bot.core.service, who, Action.POLL_VOTE, f"{poll}:{option}")  # type: ignore[arg-type]


def test_an_extension_moves_the_reminder_and_the_result(bot: MemoryBot) -> None:
    number = open_poll(bot)
    refused(
        bot.say(FACILITATOR, f"afstemning forlæng {number} 3/12 12:00"), ErrorKind.POLL_NOT_LATER
    )
    refused(bot.say(ANNA, f"afstemning forlæng {number} 8/12 12:00"), ErrorKind.NOT_FACILITATOR)
    done(bot.say(FACILITATOR, f"afstemning forlæng {number} 8/12 12:00"), ResultKind.POLL_EXTENDED)
    new_close = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
    bot.at(CLOSES + timedelta(hours=1))
    assert not [m for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]
    assert all(dms(bot, who) == [] for who in (ANNA, CARL, DORTE))  # no reminder for the old time
    assert channel_post(bot).buttons != ()
    bot.at(new_close - timedelta(days=1))
    # One reminder to each coordinator of a municipality that has not voted; no flexible holder.
    assert [len(dms(bot, who)) for who in (ANNA, BO, CARL, DORTE)] == [1, 0, 1, 1]
    bot.at(new_close)
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]) == 1
    refused(bot.say(FACILITATOR, f"afstemning forlæng {number} 20/12 12:00"), ErrorKind.POLL_CLOSED)


def test_multiple_choice_keeps_one_ballot_with_several_choices(bot: MemoryBot) -> None:
    open_poll(bot, OPEN.replace(" luk ", " flere luk "))
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED)
    reply = vote(bot, BO, 3)
    done(reply, ResultKind.POLL_VOTED, changed=1)
    assert [b.action_id for b in reply.buttons] == [Action.POLL_UNVOTE, Action.POLL_UNVOTE]
    assert len(ballots(bot)) == 1 and len(ballots(bot)[0][2]) == 2
    # Taking one back, then the other: the municipality has not voted then.
    done(
        click(bot.core.service, BO, Action.POLL_UNVOTE, reply.buttons[0].value),
        ResultKind.POLL_VOTED,
    )
    assert len(ballots(bot)[0][2]) == 1
    done(
        click(bot.core.service, BO, Action.POLL_UNVOTE, reply.buttons[1].value),
        ResultKind.POLL_VOTED,
    )
    assert ballots(bot) == []
    bot.delivery.drain()
    assert "0 af 3 kommuner har stemt" in channel_post(bot).text


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('afstemning opret "Spørgsmål?" "Ja" "Nej"', ErrorKind.POLL_CLOSING_MISSING),
        ('afstemning opret "Spørgsmål?" "Ja" luk 4/12 12:00', ErrorKind.POLL_OPTIONS_COUNT),
        (
            'afstemning opret "Spørgsmål?" '
            + " ".join(f'"{n}"' for n in range(11))
            + " luk 4/12 12:00",
            ErrorKind.POLL_OPTIONS_COUNT,
        ),
        ('afstemning opret "Spørgsmål?" "Ja" "ja" luk 4/12 12:00', ErrorKind.POLL_OPTIONS_SAME),
        ('afstemning opret "Spørgsmål?" Ja "Nej" luk 4/12 12:00', ErrorKind.POLL_WORD_UNKNOWN),
        ('afstemning opret "Spørgsmål?" "Ja" "Nej" luk 1/11 2026 12:00', ErrorKind.DATE_IN_PAST),
        ("afstemning opret luk 4/12 12:00", ErrorKind.POLL_QUESTION_MISSING),
        ('afstemning opret "Spørgsmål?" "Ja" "Nej" luk 4/12', ErrorKind.TIME_MISSING),
        ("afstemning luk 7", ErrorKind.POLL_UNKNOWN),
    ],
)
def test_what_a_facilitator_writes_wrong_is_answered(
    sessions: SessionFactory, clock: FixedClock, text: str, error: ErrorKind
) -> None:
    service = new_service(sessions, clock)
    refused(say(service, FACILITATOR, text), error)


def test_two_holders_of_one_municipality_voting_at_once_leave_one_vote(bot: MemoryBot) -> None:
    open_poll(bot)
    values = [b.value for b in channel_post(bot).buttons]
    for _ in range(3):
        barrier = threading.Barrier(2)
        answers: list[Reply] = []

        def cast(
            who: object,
            value: str,
            barrier: threading.Barrier = barrier,
            answers: list[Reply] = answers,
        ) -> None:
            barrier.wait()
            answers.append(click(bot.core.service, who, Action.POLL_VOTE, value))  # type: ignore[arg-type]

        threads = [
            threading.Thread(target=cast, args=(ANNA, values[0])),
            threading.Thread(target=cast, args=(BO, values[1])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(a.result.kind for a in answers if a.result) == [ResultKind.POLL_VOTED] * 2
        found = ballots(bot)
        assert len(found) == 1 and len(found[0][2]) == 1, found


def test_the_console_plays_a_poll_from_opening_to_result(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",
        "/som U0ANNA Anna",
        "1",  # Godkend Dorte's registration
        'afstemning opret "Hvilket tema?" "Klimatilpasning" "Affald" luk i morgen 12:00',
        "100",  # Anna is a facilitator without a seat: told why
        "/som U0DORTE Dorte",
        "101",  # the channel post's second button: Affald, for Aarhus
        "afstemninger",
        "/tid +2d",
    )
    assert "[100] Klimatilpasning   [101] Affald" in out
    assert "Du er facilitator for KL og har ingen plads i en kommune" in out
    assert "Aarhus' stemme i afstemning 1 er nu: Affald." in out
    assert "1 af 1 kommuner har stemt" in out.split("Dorte > afstemninger", 1)[0]
    result = out.split("Resultat af afstemning 1", 1)[1]
    assert "Klimatilpasning: 0 kommuner" in result and "Affald: 1 kommune" in result


@pytest.mark.parametrize(
    ("closes", "due"),
    [
        # Summer time begins on Sunday 28 March 2027: 12.00 the day before is 23 hours earlier.
        (datetime(2027, 3, 28, 10, 0, tzinfo=UTC), datetime(2027, 3, 27, 11, 0, tzinfo=UTC)),
        # It ends on Sunday 31 October 2027: 12.00 the day before is 25 hours earlier.
        (datetime(2027, 10, 31, 11, 0, tzinfo=UTC), datetime(2027, 10, 30, 10, 0, tzinfo=UTC)),
        (CLOSES, CLOSES - timedelta(days=1)),
    ],
)
def test_the_reminder_is_due_the_day_before_at_the_same_hour(
    closes: datetime, due: datetime
) -> None:
    assert reminder_due(closes, ZoneInfo("Europe/Copenhagen")) == due


def test_every_poll_post_reaches_exactly_its_recipients(bot: MemoryBot) -> None:
    """Members of three municipalities, one of them only waiting for approval (Dorte), one
    erased after the poll opened (Carl), someone without a seat (Eva) and the facilitator: the
    channel gets the poll, its updates and the result; the reminder goes to the coordinators of
    member municipalities that have not voted; the notice of a change to the other holders of
    that municipality; nobody else gets anything."""
    with bot.core.sessions.begin() as session:
        seat = session.scalars(
            select(Seat)
            .join(Person, Person.id == Seat.holder_id)
            .where(Person.account == DORTE.user_id)
        ).one()
        seat.status = SeatStatus.PENDING.value
    open_poll(bot)
    say(bot.core.service, CARL, "slet-mig")
    done(click(bot.core.service, CARL, Action.ERASE_CONFIRM, "erase"), ResultKind.ERASED)
    done(vote(bot, BO, 1), ResultKind.POLL_VOTED)
    done(vote(bot, ANNA, 2), ResultKind.POLL_VOTED)
    refused(vote(bot, DORTE, 1), ErrorKind.POLL_NOT_A_VOTER, why="pending")
    refused(vote(bot, EVA, 1), ErrorKind.POLL_NOT_A_VOTER, why="no_seat")
    bot.delivery.drain()
    bot.at(CLOSES - timedelta(days=1))
    bot.at(CLOSES)
    poll_kinds = [PostKind.POLL, PostKind.POLL_RESULT, PostKind.POLL_REMINDER_DM]
    with bot.core.sessions() as session:
        got = sorted(
            session.execute(
                select(OutboxMessage.kind, OutboxMessage.recipient).where(
                    OutboxMessage.kind.in_([*poll_kinds, PostKind.POLL_CHANGED_DM]),
                    OutboxMessage.status == "sent",
                )
            ).all()
        )
    assert got == sorted(
        [
            (PostKind.POLL, CHANNEL),
            (PostKind.POLL_RESULT, CHANNEL),
            (PostKind.POLL_CHANGED_DM, BO.user_id),
        ]
    )
    assert len(bot.notifier.sent(BO.user_id)) == 1  # Anna changed Aarhus' vote
    channel = [m.text for m in bot.notifier.sent(CHANNEL)]
    assert len([t for t in channel if t.startswith("Afstemning 1:")]) == 1
    assert len([t for t in channel if t.startswith("Resultat af afstemning 1")]) == 1
    assert "1 af 1 kommuner har stemt" in channel[-1]


def test_the_polls_texts_carry_no_slack_markup() -> None:
    when = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
    tz = ZoneInfo("Europe/Copenhagen")
    written = [
        *poll_texts.poll_post(
            1, "Q?", ["A", "B"], when, tz, multiple=True, voted=1, members=2, closed=False
        ),
        *poll_texts.poll_result(1, "Q?", [("A", 1), ("B", 0)], 1, 2),
        *poll_texts.reminder(1, "Q?", when, tz, "Aarhus"),
        *poll_texts.vote_changed(1, "Q?", "Bo", "Aarhus", ["A"]),
        poll_texts.vote_saved(1, "Aarhus", ["A"], multiple=True, changed=True),
        *poll_texts.polls_list([(1, "Q?", when, True, 1, 2)], tz),
        *(
            text(
                {
                    "why": why,
                    "number": 1,
                    "closed_at": when,
                    "ref": "7",
                    "value": "x",
                    "low": 2,
                    "high": 10,
                }
            )
            for why in ("no_seat", "pending", "facilitator")
            for text in poll_texts.ERROR_TEXTS.values()
        ),
    ]
    for text in written:
        plain = as_written(text)
        assert "*" not in plain and "<@" not in plain and not re.search(r":[a-z_]+:", plain), plain


def test_the_console_form_asks_again_what_it_refused(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",
        "/som U0ANNA Anna",
        "1",
        "afstemning opret",
        "Hvilket tema?",
        "Klimatilpasning",
        "",  # one option only
        "i morgen 12:00",
        "ja",
        "Klimatilpasning",  # asked again: the options only
        "Affald",
        "",
    )
    assert "mellem 2 og 10 svarmuligheder" in out
    assert out.count("Hvornår lukker afstemningen?") == 1
    assert "Afstemning 1 er oprettet" in out
    assert "[100] Klimatilpasning   [101] Affald" in out
    assert "kan vælge flere svar" in out
