"""Meeting commands through the service: what facilitators can do, and every bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import texts
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.models import AgendaItem, Meeting, NewsPost, OutboxMessage, OutboxStatus
from bot.replies import (
    MAX_BUTTON_VALUE,
    Action,
    FormErrors,
    MeetingFormRequest,
    Reply,
    Result,
    ResultKind,
)
from bot.service.klimanet import Klimanet
from bot.service.meetings import MeetingForm
from tests.support.actors import FACILITATOR, named
from tests.support.service import done, form_error, new_service, refused, said, say

MEMBER = named("Anna Jensen")
CREATE = 'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://m.example/1'
CPH = ZoneInfo("Europe/Copenhagen")
# What an unknown meeting reference lists to pick from, once CREATE has run.
KNOWN = ["#1 Opstartsmøde (fredag den 25. juni 2027 kl. 10.00)"]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock)


def meeting(sessions: SessionFactory, number: int) -> Meeting:
    with sessions() as session:
        found = session.scalars(select(Meeting).where(Meeting.number == number)).one()
        session.expunge(found)
        return found


def items(sessions: SessionFactory, number: int) -> list[tuple[str, str, str, int | None]]:
    """Meeting ``number``'s agenda in order: (title, kind, presenter, minutes)."""
    with sessions() as session:
        rows = session.execute(
            select(AgendaItem.title, AgendaItem.kind, AgendaItem.presenter, AgendaItem.minutes)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.number == number)
            .order_by(AgendaItem.position)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_create_one_line_plans_the_schedule(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, MEMBER, "tilmeld Aarhus")
    done(say(klimanet, FACILITATOR, CREATE), ResultKind.MEETING_CREATED, meeting=1)
    created = meeting(sessions, 1)
    assert (created.starts_at, created.ends_at) == (local(2027, 6, 25, 10), local(2027, 6, 25, 12))
    with sessions() as session:
        stored = session.scalars(select(Meeting)).one()
        assert [i.title for i in stored.items] == ["Nyt fra KL"]
        assert stored.themes == ["Klimaplaner"] and stored.link == "https://m.example/1"
    # The direct messages are one fan-out row each until due; the key says which messages
    # (after the meeting: the facilitators' attendance list, and the feedback the day after).
    assert sorted(row.key.split(":")[0] for row in outbox(sessions) if row.kind == "fanout") == [
        "announce_dm",
        "attendance_dm",
        "confirm_dm",
        "feedback_dm",
        "nudge_dm",
        "nudge_facilitators",
        "reminder_dm",
    ]
    due = {row.key.split(":")[0]: row.due_at for row in outbox(sessions)}
    assert sorted(due) == [
        "agenda",
        "announce",
        "announce_dm",
        "attendance_dm",
        "confirm_dm",
        "feedback_dm",
        "nudge_dm",
        "nudge_facilitators",
        "reminder",
        "reminder_dm",
        "starting",
    ]
    # The nudges: the coordinators' with the agenda (the meeting has a theme), the
    # facilitators' two days before at 15.00.
    assert due["nudge_dm"] == due["agenda"]
    assert due["nudge_facilitators"] == local(2027, 6, 23, 15)
    assert due["attendance_dm"] == local(2027, 6, 25, 12)
    assert due["feedback_dm"] == local(2027, 6, 26, 10)
    # What the answer lists: the announcement 14 days before at 09.00, the start post at 09.45.
    assert due["announce"] == local(2027, 6, 11, 9)
    assert due["starting"] == local(2027, 6, 25, 9, 45)
    # Planning twice changes nothing: the keys are idempotent.
    assert klimanet.replan() == 0


def test_physical_meeting_has_no_starting_post(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    created = say(
        klimanet,
        FACILITATOR,
        'møde opret 1. juli 2027 kl. 13-16 fysisk "Sommermøde" sted="Weidekampsgade 10"',
    )
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    assert "starting" not in {row.kind for row in outbox(sessions)}
    summer = meeting(sessions, 1)
    assert (summer.format, summer.location) == ("physical", "Weidekampsgade 10")
    assert (summer.starts_at, summer.ends_at) == (local(2027, 7, 1, 13), local(2027, 7, 1, 16))
    done(say(klimanet, MEMBER, "møder"), ResultKind.MEETINGS)


def test_posts_already_past_go_out_at_once(
    klimanet: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    # 27 Nov 2026 09:00 UTC now; a meeting on 3 Dec: the 14-day announcement and the 7-day
    # agenda are already past: they go out at once, in the schedule's order.
    created = say(
        klimanet,
        FACILITATOR,
        'møde opret 03.12.2026 10:00-12:00 online "Snart" link=https://m.example/1',
    )
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    due = {row.key.split(":")[0]: row.due_at for row in outbox(sessions)}
    assert {name for name, at in due.items() if at == clock.now()} == {
        "announce",
        "announce_dm",
        "agenda",
    }
    assert due["confirm_dm"] == local(2026, 12, 1, 9) and due["reminder"] == local(2026, 12, 2, 9)
    at_once = [r.key.split(":")[0] for r in outbox(sessions) if r.due_at == clock.now()]
    assert at_once == ["announce", "announce_dm", "agenda"]  # delivered in id order
    assert "Annoncering: sendes nu" in created.text


def test_agenda_items(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, FACILITATOR, CREATE)
    added = say(
        klimanet,
        FACILITATOR,
        'punkt tilføj 1 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    )
    done(added, ResultKind.AGENDA_CHANGED, meeting=1)
    assert items(sessions, 1) == [
        ("Nyt fra KL", "news", "KL", None),
        ("Klimaplaner i praksis", "external", "Anna Jensen, Aarhus", 20),
    ]
    say(klimanet, FACILITATOR, 'punkt tilføj #1 "Kaffe" type=pause min=15')
    moved = say(klimanet, FACILITATOR, "punkt flyt 1 3 1")
    done(moved, ResultKind.AGENDA_CHANGED, meeting=1)
    assert [title for title, *_ in items(sessions, 1)] == [
        "Kaffe",
        "Nyt fra KL",
        "Klimaplaner i praksis",
    ]
    done(say(klimanet, FACILITATOR, "punkt fjern 1 1"), ResultKind.AGENDA_CHANGED, meeting=1)
    assert [title for title, *_ in items(sessions, 1)] == ["Nyt fra KL", "Klimaplaner i praksis"]
    agenda = say(klimanet, MEMBER, "dagsorden")
    done(agenda, ResultKind.AGENDA, meeting=1)
    by_date = say(klimanet, MEMBER, "dagsorden 25.06.2027")
    assert (by_date.result, by_date.text) == (agenda.result, agenda.text)


def test_move_cancel_copy_and_news(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, MEMBER, "tilmeld Aarhus")
    say(klimanet, FACILITATOR, CREATE)
    moved = say(klimanet, FACILITATOR, "møde flyt 1 28.06.2027 13:00-15:00")
    done(moved, ResultKind.MEETING_MOVED, meeting=1)
    first = meeting(sessions, 1)
    assert (first.starts_at, first.ends_at) == (local(2027, 6, 28, 13), local(2027, 6, 28, 15))
    rows = outbox(sessions)
    # Nothing about the meeting went out yet, so no notice in the channel; the direct messages
    # are one fan-out row, addressed when it is due to the people who were told (none here).
    assert {
        (r.kind, r.payload.get("kind"))
        for r in rows
        if r.status == OutboxStatus.PENDING.value and r.key.startswith("moved")
    } == {("fanout", "moved_dm")}
    stale = [r for r in rows if ":v=0:" in r.key]
    assert stale and all(r.status == OutboxStatus.CANCELLED.value for r in stale)
    copied = say(klimanet, FACILITATOR, "møde kopier 1 24.09.2027")
    done(copied, ResultKind.MEETING_CREATED, meeting=2)
    copy = meeting(sessions, 2)
    assert copy.title == "Opstartsmøde"
    assert (copy.starts_at, copy.ends_at) == (local(2027, 9, 24, 13), local(2027, 9, 24, 15))
    news = say(klimanet, FACILITATOR, "nyt Regeringens klimaudspil er ude")
    news_id = done(news, ResultKind.NEWS_SAVED)["news"]
    with sessions() as session:
        saved = session.get(NewsPost, news_id)
        # Gathered under "Nyt fra KL" on the next meeting's agenda.
        assert saved is not None and saved.meeting_id == first.id
        assert saved.text == "Regeringens klimaudspil er ude"
    cancelled = say(klimanet, FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    done(cancelled, ResultKind.MEETING_CANCELLED, meeting=1)
    assert meeting(sessions, 1).status == "cancelled"
    done(say(klimanet, MEMBER, "møder"), ResultKind.MEETINGS)
    pending = [
        r for r in outbox(sessions) if r.meeting_id == 1 and r.status == OutboxStatus.PENDING.value
    ]
    # Cancelling stops everything still pending for the meeting (the unsent "moved" notices too),
    # but not the news, which is the network's and not the meeting's.
    assert {(r.kind, r.payload.get("kind")) for r in pending} == {("fanout", "cancelled_dm")}
    assert [r.status for r in outbox(sessions) if r.kind == "news"] == ["pending"]
    again = say(klimanet, FACILITATOR, "møde flyt 1 29.06.2027 10:00-12:00")
    refused(again, ErrorKind.MEETING_CANCELLED, number=1)
    assert meeting(sessions, 1).starts_at == local(2027, 6, 28, 13)


def test_forms(klimanet: Klimanet, sessions: SessionFactory) -> None:
    assert isinstance(klimanet.command(FACILITATOR, "møde opret"), MeetingFormRequest)
    form = MeetingForm(
        "Temamøde om affald", "2027-03-01", "10:00", "12:00", "online", "", ["Affald"], "https://x"
    )
    created = klimanet.meetings.submit_form(FACILITATOR, None, form)
    assert isinstance(created, Reply)
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    assert meeting(sessions, 1).title == "Temamøde om affald"
    edit = klimanet.command(FACILITATOR, "møde ret 1")
    assert isinstance(edit, MeetingFormRequest) and edit.number == 1 and edit.start == "10:00"
    bad_end = MeetingForm("", "2027-03-01", "12:00", "10:00", "online", link="teams")
    errors = klimanet.meetings.submit_form(FACILITATOR, 1, bad_end)
    # Every bad field at once, next to the field to change.
    assert errors == FormErrors(
        {
            "meeting_title": "Skriv mødets titel.",
            "meeting_end": "Mødet skal slutte efter, det starter.",
            "meeting_link": form_error(ErrorKind.LINK_INVALID, value="teams"),
        }
    )
    past = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("X", "2020-03-01", "10:00", "12:00", "fysisk")
    )
    assert past == FormErrors(
        {"meeting_date": form_error(ErrorKind.DATE_IN_PAST, value="2020-03-01")}
    )
    member = klimanet.meetings.submit_form(MEMBER, None, form)
    assert member == FormErrors({"meeting_title": form_error(ErrorKind.NOT_FACILITATOR)})
    assert meeting(sessions, 1).title == "Temamøde om affald"


FACILITATOR_COMMANDS = [
    "møde opret",
    CREATE,
    "møde flyt 1 28.06.2027 10:00",
    "møde aflys 1",
    "møde ret 1",
    "møde kopier 1 01.07.2027",
    'punkt tilføj 1 "Oplæg"',
    "punkt fjern 1 1",
    "punkt flyt 1 1 1",
    "nyt Hej",
]


@pytest.mark.parametrize("text", FACILITATOR_COMMANDS)
def test_non_facilitators_are_refused(
    klimanet: Klimanet, sessions: SessionFactory, text: str
) -> None:
    say(klimanet, FACILITATOR, CREATE)
    before = outbox(sessions)
    refused(say(klimanet, MEMBER, text), ErrorKind.NOT_FACILITATOR)
    assert len(outbox(sessions)) == len(before)


# Bad input, and the error it gets: with the parameters the answer repeats where they matter.
BAD_INPUT: dict[str, tuple[ErrorKind, dict[str, object]]] = {
    "møde": (ErrorKind.OPTION_UNKNOWN, {}),
    "møde fjern 1": (
        ErrorKind.OPTION_UNKNOWN,
        {
            "value": "fjern",
            "allowed": ["opret", "flyt", "aflys", "ret", "kopier", "send"],
            "command": "møde",
        },
    ),
    'møde opret 31.06.2027 10:00-12:00 online "X" link=https://m.example/1': (
        ErrorKind.DATE_IMPOSSIBLE,
        {"value": "31.06.2027"},
    ),
    'møde opret 25.06.2027 online "X"': (ErrorKind.TIME_MISSING, {}),
    'møde opret online "X"': (ErrorKind.DATE_MISSING, {}),
    'møde opret 25.06.2027 12:00-10:00 online "X"': (
        ErrorKind.TIME_RANGE_INVALID,
        {"value": "12:00-10:00"},
    ),
    'møde opret 01.01.2020 10:00-12:00 online "X" link=https://m.example/1': (
        ErrorKind.DATE_IN_PAST,
        {},
    ),
    'møde opret 25.06.2027 10:00-12:00 "X"': (ErrorKind.FORMAT_MISSING, {}),
    "møde opret 25.06.2027 10:00-12:00 online link=https://m.example/1": (
        ErrorKind.TITLE_MISSING,
        {},
    ),
    'møde opret 25.06.2027 25:00-26:00 online "X"': (
        ErrorKind.TIME_INVALID,
        {"value": "25:00-26:00"},
    ),
    "møde flyt": (ErrorKind.MEETING_MISSING, {}),
    "møde flyt 99 28.06.2027 10:00": (ErrorKind.MEETING_UNKNOWN, {"ref": "#99", "known": KNOWN}),
    "møde flyt 1 26.06.2020 10:00": (ErrorKind.DATE_IN_PAST, {}),
    "møde flyt 1 30.02.2027 10:00": (ErrorKind.DATE_IMPOSSIBLE, {"value": "30.02.2027"}),
    "møde aflys xyz": (ErrorKind.MEETING_UNKNOWN, {"ref": "xyz", "known": KNOWN}),
    "møde kopier 1": (ErrorKind.DATE_MISSING, {}),
    "punkt": (ErrorKind.OPTION_UNKNOWN, {}),
    "punkt tilføj": (ErrorKind.MEETING_MISSING, {}),
    'punkt tilføj 1 "X" type=foredrag': (
        ErrorKind.OPTION_UNKNOWN,
        {
            "value": "foredrag",
            "allowed": ["internt", "eksternt", "drøftelse", "pause"],
            "command": "type",
        },
    ),
    'punkt tilføj 1 "X" min=tyve': (ErrorKind.NUMBER_INVALID, {"value": "tyve", "field": "min"}),
    "punkt tilføj 1": (ErrorKind.TITLE_MISSING, {}),
    "punkt fjern 1 9": (ErrorKind.ITEM_UNKNOWN, {"number": 1, "position": 9}),
    "punkt fjern 1": (ErrorKind.NUMBER_INVALID, {}),
    "punkt flyt 1 1": (ErrorKind.NUMBER_INVALID, {}),
    "punkt flyt 1 1 7": (ErrorKind.ITEM_UNKNOWN, {"number": 1, "position": 7}),
    "nyt": (ErrorKind.NEWS_MISSING, {}),
    "nyt " + "x" * 3000: (ErrorKind.TEXT_TOO_LONG, {"field": "nyhed", "limit": 2800}),
}


@pytest.mark.parametrize(("text", "expected"), list(BAD_INPUT.items()))
def test_bad_facilitator_input_gets_a_clear_answer(
    klimanet: Klimanet,
    sessions: SessionFactory,
    text: str,
    expected: tuple[ErrorKind, dict[str, object]],
) -> None:
    say(klimanet, FACILITATOR, CREATE)
    before = [(r.key, r.status) for r in outbox(sessions)]
    kind, params = expected
    refused(say(klimanet, FACILITATOR, text), kind, **params)
    assert [(r.key, r.status) for r in outbox(sessions)] == before  # nothing half-written


def test_everyone_commands_without_meetings(klimanet: Klimanet) -> None:
    for command in ("møder", "dagsorden", "kalender"):
        answer = say(klimanet, MEMBER, command)
        if command == "møder":
            # The list is an answer, and an empty one says there are none.
            done(answer, ResultKind.MEETINGS)
            assert answer.sections == tuple(texts.meetings.meeting_list([], CPH, None))
        else:
            refused(answer, ErrorKind.NO_UPCOMING_MEETING)
    refused(say(klimanet, MEMBER, "dagsorden 7"), ErrorKind.MEETING_UNKNOWN, ref="#7", known=[])


def test_calendar_on_demand(klimanet: Klimanet) -> None:
    say(klimanet, FACILITATOR, CREATE)
    outcome = say(klimanet, MEMBER, "kalender 1")
    done(outcome, ResultKind.CALENDAR, meeting=1)
    assert outcome.attachment is not None
    assert outcome.attachment.filename == "klimanet-moede-1.ics"
    assert b"BEGIN:VEVENT" in outcome.attachment.content


# --- input that trips people up: quotes, formats, links ---------------------------------------


def result(service: Klimanet, actor: Actor, text: str) -> Result:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply) and outcome.result is not None, outcome
    return outcome.result


def test_an_unclosed_quote_is_an_error_not_a_title_that_swallows_the_options(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    text = (
        'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde tema=klimaplaner link=https://x.dk'
    )
    assert result(klimanet, FACILITATOR, text) == Result.refused(ErrorKind.QUOTE_UNCLOSED)
    assert (
        "Anførselstegnet foran 'Opstartsmøde tema=klimaplaner link=https://x.dk' er ikke lukket"
        in said(klimanet, FACILITATOR, text)
    )
    assert outbox(sessions) == []
    assert result(klimanet, FACILITATOR, "punkt tilføj 1 “Oplæg") == Result.refused(
        ErrorKind.QUOTE_UNCLOSED
    )


def test_hybrid_has_a_link_and_an_address(klimanet: Klimanet, sessions: SessionFactory) -> None:
    created = said(
        klimanet,
        FACILITATOR,
        'møde opret 25.06.2027 10:00-13:00 hybrid "Temamøde" sted="Weidekampsgade 10" '
        "link=https://m.example/h",
    )
    assert "Hybrid – fysisk: Weidekampsgade 10 · online: https://m.example/h" in created
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert (meeting.format, meeting.location, meeting.link) == (
        "hybrid",
        "Weidekampsgade 10",
        "https://m.example/h",
    )
    # Online participants get the "starting now" post with the link.
    assert "starting" in {row.key.split(":")[0] for row in outbox(sessions)}
    calendar = klimanet.command(MEMBER, "kalender 1")
    assert isinstance(calendar, Reply) and calendar.attachment is not None
    ics = calendar.attachment.content.decode()
    assert "LOCATION:Weidekampsgade 10" in ics and "URL:https://m.example/h" in ics


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ('møde opret 25.06.2027 10:00-12:00 online "Uden link"', "et link"),
        ('møde opret 25.06.2027 10:00-12:00 hybrid "Uden link" sted=KL', "et link"),
        (
            'møde opret 25.06.2027 10:00-12:00 hybrid "Uden adresse" link=https://m.example/1',
            "en adresse",
        ),
        ('møde opret 25.06.2027 10:00-12:00 hybrid "Uden noget"', "både et link og en adresse"),
        ('møde opret 25.06.2027 10:00-12:00 fysisk "Uden adresse"', "en adresse"),
    ],
)
def test_a_meeting_without_its_place_yet_is_created_with_a_warning(
    klimanet: Klimanet, sessions: SessionFactory, text: str, missing: str
) -> None:
    created = say(klimanet, FACILITATOR, text)
    done(created, ResultKind.MEETING_CREATED, meeting=1)
    assert f"Mødet mangler {missing}" in created.text
    assert "møde send 1" in created.text  # the way to go ahead without it
    # The reminder two days before the announcement (11 June 2027, 09:00): 9 June, 09:00.
    reminders = [r for r in outbox(sessions) if r.kind == "place_reminder"]
    assert [(r.recipient, r.due_at) for r in reminders] == [
        (FACILITATOR.user_id, local(2027, 6, 9, 9))
    ]


def test_a_link_that_is_not_one_is_still_refused(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    text = 'møde opret 25.06.2027 10:00-12:00 online "X" link=teams møde'
    assert result(klimanet, FACILITATOR, text) == Result.refused(ErrorKind.LINK_INVALID)
    assert outbox(sessions) == []


def test_the_form_takes_a_meeting_without_its_link_and_never_guesses_a_format(
    klimanet: Klimanet,
) -> None:
    no_link = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("X", "2027-02-26", "10:00", "12:00", "online")
    )
    # A link may come later: the meeting is saved, with the warning.
    assert isinstance(no_link, Reply) and "Mødet mangler et link" in no_link.text
    hybrid = klimanet.meetings.submit_form(
        FACILITATOR,
        None,
        MeetingForm("X", "2027-03-01", "10:00", "12:00", "hybrid", "KL", link="https://m.x/1"),
    )
    assert isinstance(hybrid, Reply) and "Hybrid – fysisk: KL" in hybrid.text
    physical = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("Y", "2027-03-02", "10:00", "12:00", "physical", "KL")
    )
    assert isinstance(physical, Reply) and "Fysisk: KL" in physical.text
    unknown = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("Z", "2027-03-03", "10:00", "12:00", "hybridish")
    )
    assert isinstance(unknown, FormErrors) and "hybrid" in unknown.errors["meeting_format"]


# --- warnings: a weekend, another meeting at the same time -----------------------------------


def test_a_weekend_meeting_is_a_warning_the_facilitator_can_go_past(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    text = 'møde opret 26.06.2027 10:00-12:00 fysisk "Lørdagsmøde"'
    warned = klimanet.command(FACILITATOR, text)
    assert isinstance(warned, Reply) and warned.result == Result(
        ResultKind.MEETING_WARNING, ids={"weekday": 5}
    )
    assert "Bemærk, at det er en lørdag" in warned.text
    assert outbox(sessions) == []  # nothing is planned yet
    go, drop = warned.buttons
    assert (go.action_id, go.value) == (Action.MEETING_GO_AHEAD, text.removeprefix("møde "))
    assert klimanet.click(FACILITATOR, drop.action_id, drop.value).result == Result(
        ResultKind.MEETING_DROPPED
    )
    # A member cannot use the button: it is read like the command typed.
    assert klimanet.click(MEMBER, go.action_id, go.value).result == Result.refused(
        ErrorKind.NOT_FACILITATOR
    )
    created = klimanet.click(FACILITATOR, go.action_id, go.value)
    assert created.result == Result(ResultKind.MEETING_CREATED, ids={"meeting": 1})
    assert created.replace_original


def test_a_warned_command_too_long_for_a_button_points_to_the_form(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    # A valid hybrid meeting on a Saturday whose line (long title, address, link and themes)
    # does not fit in a button's value: no go-ahead button, and the text names the way on.
    themes = ",".join(f"Tema nummer {i} om noget langt" for i in range(40))
    text = (
        f'møde opret 26.06.2027 10:00-12:00 hybrid "{"T" * 190}" sted="{"Vej " * 110}" '
        f'link=https://teams.microsoft.com/l/{"x" * 450} tema="{themes}"'
    )
    assert len(text) > MAX_BUTTON_VALUE
    warned = klimanet.command(FACILITATOR, text)
    assert isinstance(warned, Reply) and warned.result == Result(
        ResultKind.MEETING_WARNING, ids={"weekday": 5}
    )
    assert [b.action_id for b in warned.buttons] == [Action.MEETING_DROP]
    assert "med knappen" not in warned.text and "`/klimanet møde opret`" in warned.text
    assert outbox(sessions) == []


def test_a_meeting_at_the_same_time_as_another_is_a_warning(klimanet: Klimanet) -> None:
    say(klimanet, FACILITATOR, CREATE)
    same = klimanet.command(FACILITATOR, CREATE.replace("Opstartsmøde", "Dobbelt"))
    assert isinstance(same, Reply) and same.result == Result(
        ResultKind.MEETING_WARNING, ids={"overlap": 1}
    )
    assert "møde #1 ligger samtidig" in same.text
    # Moving a meeting onto a Sunday warns too; moving it within its own time does not.
    assert result(klimanet, FACILITATOR, "møde flyt 1 27.06.2027 10:00-12:00") == Result(
        ResultKind.MEETING_WARNING, ids={"weekday": 6}
    )
    assert result(klimanet, FACILITATOR, "møde flyt 1 25.06.2027 11:00-12:00").kind is (
        ResultKind.MEETING_MOVED
    )
    assert result(klimanet, FACILITATOR, "møde kopier 1 26.06.2027").kind is (
        ResultKind.MEETING_WARNING
    )


@pytest.mark.parametrize("forged", ["aflys 1", "ret 1", "opret", "x" * 3000, "", "\x00flyt"])
def test_a_forged_go_ahead_does_nothing(klimanet: Klimanet, forged: str) -> None:
    say(klimanet, FACILITATOR, CREATE)
    answer = klimanet.click(FACILITATOR, Action.MEETING_GO_AHEAD, forged)
    assert answer.result is not None and answer.result.kind in (
        ResultKind.UNKNOWN_BUTTON,
        ResultKind.REFUSED,
    )
    assert "AFLYST" not in said(klimanet, MEMBER, "møder")


def test_the_form_warns_and_saves_when_sent_again(klimanet: Klimanet) -> None:
    form = MeetingForm(
        "Søndagsmøde", "2027-06-27", "10:00", "12:00", "online", link="https://m.example/1"
    )
    warned = klimanet.meetings.submit_form(FACILITATOR, None, form)
    assert isinstance(warned, MeetingFormRequest)
    assert "en søndag" in warned.warning and warned.go_ahead == "weekend:6"
    assert (warned.title, warned.start, warned.link) == ("Søndagsmøde", "10:00", form.link)
    saved = klimanet.meetings.submit_form(
        FACILITATOR, None, replace(form, go_ahead=warned.go_ahead)
    )
    assert isinstance(saved, Reply) and saved.result is not None
    assert saved.result.kind is ResultKind.MEETING_CREATED
    # Editing a weekend meeting without changing its time warns of nothing.
    retitled = replace(form, title="Søndagsmøde (ny titel)")
    assert isinstance(klimanet.meetings.submit_form(FACILITATOR, 1, retitled), Reply)


def test_the_planned_times_shown_are_the_ones_the_posts_go_out_at(klimanet: Klimanet) -> None:
    # Monday 28 June 2027: the reminder due on Sunday goes out on Friday.
    created = said(klimanet, FACILITATOR, CREATE.replace("25.06.2027", "28.06.2027"))
    assert "Påmindelse: fredag den 25. juni 2027 kl. 09.00" in created
    assert "Kommer du stadig?: fredag den 25. juni 2027 kl. 09.00" in created


def test_a_post_whose_friday_has_passed_goes_out_at_once(
    klimanet: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    # Now: Friday 27 November 2026, 10:00. A meeting on Monday 30 November: its reminder is
    # due Sunday 09:00 and "Kommer du stadig?" Saturday 09:00, both moved to Friday 09:00, which
    # has passed: they go out at once. The announcement (Monday 16 November) had passed before
    # the meeting was created: at once too, and first.
    say(klimanet, FACILITATOR, 'møde opret 30.11.2026 10:00-12:00 fysisk "Mandag" sted=KL')
    due = {row.key.split(":")[0]: row.due_at for row in outbox(sessions)}
    assert due["reminder"] == clock.now() == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert due["confirm_dm"] == clock.now()
    assert due["announce"] == due["announce_dm"] == clock.now()
    assert [r.key.split(":")[0] for r in outbox(sessions)][:2] == ["announce", "announce_dm"]


# --- texts -------------------------------------------------------------------------------------


def test_the_cancel_notice_does_not_repeat_itself(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(klimanet, FACILITATOR, CREATE)
    say(klimanet, FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        text = "\n".join(texts.posts.cancelled(meeting, ZoneInfo("Europe/Copenhagen")))
    assert text.count("aflyst") == 1
    assert "#1 Opstartsmøde, fredag den 25. juni 2027 kl. 10.00." in text


def test_help_examples_are_dated_from_today(klimanet: Klimanet, clock: FixedClock) -> None:
    first = said(klimanet, MEMBER, "hjælp")
    assert "28.01.2027 10:00-12:00 online" in first  # a Thursday at least eight weeks ahead
    assert "møde kopier 12 29.04.2027" in first and "møde flyt 12 29.01.2027" in first
    clock.advance(timedelta(days=365))
    assert "27.01.2028 10:00-12:00 online" in said(klimanet, MEMBER, "hjælp")
    missing = said(klimanet, FACILITATOR, 'møde opret online "X"')
    assert "27.01.2028 10:00-12:00 online" in missing and "link=https://" in missing


def test_the_dated_examples_themselves_work(klimanet: Klimanet) -> None:
    help_text = said(klimanet, FACILITATOR, "hjælp")
    example = next(
        line for line in help_text.splitlines() if "møde opret" in line and "online" in line
    )
    command = example.split("`")[1].removeprefix("/klimanet ")
    assert result(klimanet, FACILITATOR, command).kind is ResultKind.MEETING_CREATED
