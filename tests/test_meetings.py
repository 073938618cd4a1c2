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
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.models import Meeting, OutboxMessage, OutboxStatus
from bot.replies import Action, FormErrors, MeetingFormRequest, Reply, Result, ResultKind
from bot.service.klimanet import Klimanet, ServiceSettings
from bot.service.meetings import MeetingForm

FACILITATOR = Actor("T0001", "UFACIL01", "Sara Røpke")
MEMBER = Actor("T0001", "U0MEMBER", "Anna Jensen")
CREATE = 'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://m.example/1'


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        settings=ServiceSettings(channel="C0NET", registration="open"),
    )
    service.make_facilitator(FACILITATOR.user_id)
    return service


def say(service: Klimanet, actor: Actor, text: str) -> str:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply), outcome
    return outcome.text


def outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_create_one_line_plans_the_schedule(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, MEMBER, "tilmeld Aarhus")
    answer = say(klimanet, FACILITATOR, CREATE)
    assert "Mødet er oprettet" in answer
    assert "Fredag den 25. juni 2027 kl. 10.00–12.00" in answer
    assert "Annoncering: fredag den 11. juni 2027 kl. 09.00" in answer
    assert "Mødet starter: fredag den 25. juni 2027 kl. 09.45" in answer
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert [i.title for i in meeting.items] == ["Nyt fra KL"]
        assert meeting.themes == ["klimaplaner"] and meeting.link == "https://m.example/1"
    # The direct messages are one fan-out row each until due; the key says which messages.
    assert sorted(row.key.split(":")[0] for row in outbox(sessions) if row.kind == "fanout") == [
        "announce_dm",
        "confirm_dm",
        "reminder_dm",
    ]
    kinds = sorted(row.key.split(":")[0] for row in outbox(sessions))
    assert kinds == [
        "agenda",
        "announce",
        "announce_dm",
        "confirm_dm",
        "reminder",
        "reminder_dm",
        "starting",
    ]
    # Planning twice changes nothing: the keys are idempotent.
    assert klimanet.replan() == 0


def test_physical_meeting_has_no_starting_post(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(
        klimanet,
        FACILITATOR,
        'møde opret 1. juli 2027 kl. 13-16 fysisk "Sommermøde" sted="Weidekampsgade 10"',
    )
    assert "starting" not in {row.kind for row in outbox(sessions)}
    assert "Fysisk: Weidekampsgade 10" in say(klimanet, MEMBER, "møder")


def test_posts_already_past_are_skipped(
    klimanet: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    # 27 Nov 2026 09:00 UTC now; a meeting on 3 Dec: the 14-day announcement is already past.
    answer = say(
        klimanet,
        FACILITATOR,
        'møde opret 03.12.2026 10:00-12:00 online "Snart" link=https://m.example/1',
    )
    assert "Annoncering: _springes over" in answer
    assert "announce" not in {row.kind for row in outbox(sessions)}
    assert {row.key.split(":")[0] for row in outbox(sessions)} == {
        "reminder",
        "starting",
        "confirm_dm",
        "reminder_dm",
    }


def test_agenda_items(klimanet: Klimanet) -> None:
    say(klimanet, FACILITATOR, CREATE)
    added = say(
        klimanet,
        FACILITATOR,
        'punkt tilføj 1 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    )
    assert "2. Eksternt oplæg: Klimaplaner i praksis – ved Anna Jensen, Aarhus (20 min.)" in added
    say(klimanet, FACILITATOR, 'punkt tilføj #1 "Kaffe" type=pause min=15')
    moved = say(klimanet, FACILITATOR, "punkt flyt 1 3 1")
    assert moved.index("1. Pause: Kaffe") < moved.index("2. Nyt fra KL")
    removed = say(klimanet, FACILITATOR, "punkt fjern 1 1")
    assert "Kaffe" not in removed and "1. Nyt fra KL" in removed
    agenda = say(klimanet, MEMBER, "dagsorden")
    assert "Dagsorden for møde #1 Opstartsmøde" in agenda and "Klimaplaner i praksis" in agenda
    assert say(klimanet, MEMBER, "dagsorden 25.06.2027") == agenda


def test_move_cancel_copy_and_news(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, MEMBER, "tilmeld Aarhus")
    say(klimanet, FACILITATOR, CREATE)
    moved = say(klimanet, FACILITATOR, "møde flyt 1 28.06.2027 13:00-15:00")
    assert "flyttet til mandag den 28. juni 2027 kl. 13.00–15.00" in moved
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
    assert (
        "#2 Opstartsmøde" in copied
        and "fredag den 24. september 2027 kl. 13.00–15.00" in copied.lower()
    )
    news = say(klimanet, FACILITATOR, "nyt Regeringens klimaudspil er ude")
    assert "samlet under «Nyt fra KL» på dagsordenen for #1" in news
    cancelled = say(klimanet, FACILITATOR, "møde aflys 1 For få tilmeldte")
    assert "er aflyst" in cancelled
    assert "AFLYST" in say(klimanet, MEMBER, "møder")
    pending = [
        r for r in outbox(sessions) if r.meeting_id == 1 and r.status == OutboxStatus.PENDING.value
    ]
    # Cancelling stops everything still pending for the meeting (the unsent "moved" notices too),
    # but not the news, which is the network's and not the meeting's.
    assert {(r.kind, r.payload.get("kind")) for r in pending} == {("fanout", "cancelled_dm")}
    assert [r.status for r in outbox(sessions) if r.kind == "news"] == ["pending"]
    assert "er aflyst og kan ikke ændres" in say(
        klimanet, FACILITATOR, "møde flyt 1 29.06.2027 10:00-12:00"
    )


def test_forms(klimanet: Klimanet) -> None:
    assert isinstance(klimanet.command(FACILITATOR, "møde opret"), MeetingFormRequest)
    form = MeetingForm(
        "Temamøde om affald", "2027-03-01", "10:00", "12:00", "online", "", ["Affald"], "https://x"
    )
    created = klimanet.meetings.submit_form(FACILITATOR, None, form)
    assert isinstance(created, Reply) and "#1 Temamøde om affald" in created.text
    edit = klimanet.command(FACILITATOR, "møde ret 1")
    assert isinstance(edit, MeetingFormRequest) and edit.number == 1 and edit.start == "10:00"
    bad_end = MeetingForm("X", "2027-03-01", "12:00", "10:00", "online")
    errors = klimanet.meetings.submit_form(FACILITATOR, 1, bad_end)
    assert not isinstance(errors, Reply) and "slutte efter" in errors.errors["meeting_time"]
    past = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("X", "2020-03-01", "10:00", "12:00", "online")
    )
    assert not isinstance(past, Reply) and "passeret" in past.errors["meeting_date"]
    member = klimanet.meetings.submit_form(MEMBER, None, form)
    assert (
        not isinstance(member, Reply) and "kun for facilitatorer" in member.errors["meeting_title"]
    )


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
    assert "kun for facilitatorer" in say(klimanet, MEMBER, text)
    assert len(outbox(sessions)) == len(before)


BAD_INPUT = {
    "møde": "Kender ikke '' til møde",
    "møde fjern 1": "Kender ikke 'fjern' til møde",
    'møde opret 31.06.2027 10:00-12:00 online "X" link=https://m.example/1': "findes ikke i kalenderen",
    'møde opret 25.06.2027 online "X"': "mangler et tidspunkt",
    'møde opret online "X"': "mangler en dato",
    'møde opret 25.06.2027 12:00-10:00 online "X"': "slutte efter",
    'møde opret 01.01.2020 10:00-12:00 online "X" link=https://m.example/1': "passeret",
    'møde opret 25.06.2027 10:00-12:00 "X"': "'online', 'fysisk' eller 'hybrid'",
    "møde opret 25.06.2027 10:00-12:00 online link=https://m.example/1": "mangler en titel",
    'møde opret 25.06.2027 25:00-26:00 online "X"': "er ikke et klokkeslæt",
    "møde flyt": "Hvilket møde?",
    "møde flyt 99 28.06.2027 10:00": "kan ikke finde møde '#99'",
    "møde flyt 1 26.06.2020 10:00": "passeret",
    "møde flyt 1 30.02.2027 10:00": "findes ikke i kalenderen",
    "møde aflys xyz": "kan ikke finde møde 'xyz'",
    "møde kopier 1": "mangler en dato",
    "punkt": "Kender ikke '' til punkt",
    "punkt tilføj": "Hvilket møde?",
    'punkt tilføj 1 "X" type=foredrag': "Kender ikke 'foredrag' til type",
    'punkt tilføj 1 "X" min=tyve': "'tyve' er ikke et gyldigt tal",
    "punkt tilføj 1": "mangler en titel",
    "punkt fjern 1 9": "har intet punkt 9",
    "punkt fjern 1": "er ikke et gyldigt tal",
    "punkt flyt 1 1": "er ikke et gyldigt tal",
    "punkt flyt 1 1 7": "har intet punkt 7",
    "nyt": "Skriv nyheden",
    "nyt " + "x" * 3000: "højst være 2800 tegn",
}


@pytest.mark.parametrize(("text", "expected"), list(BAD_INPUT.items()))
def test_bad_facilitator_input_gets_a_clear_answer(
    klimanet: Klimanet, sessions: SessionFactory, text: str, expected: str
) -> None:
    say(klimanet, FACILITATOR, CREATE)
    before = [(r.key, r.status) for r in outbox(sessions)]
    assert expected in say(klimanet, FACILITATOR, text)
    assert [(r.key, r.status) for r in outbox(sessions)] == before  # nothing half-written


def test_everyone_commands_without_meetings(klimanet: Klimanet) -> None:
    assert "ingen kommende møder" in say(klimanet, MEMBER, "møder")
    assert "ingen kommende møder" in say(klimanet, MEMBER, "dagsorden")
    assert "ingen kommende møder" in say(klimanet, MEMBER, "kalender")
    assert "kan ikke finde møde '#7'" in say(klimanet, MEMBER, "dagsorden 7")


def test_calendar_on_demand(klimanet: Klimanet) -> None:
    say(klimanet, FACILITATOR, CREATE)
    outcome = klimanet.command(MEMBER, "kalender 1")
    assert isinstance(outcome, Reply) and outcome.attachment is not None
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
        in say(klimanet, FACILITATOR, text)
    )
    assert outbox(sessions) == []
    assert result(klimanet, FACILITATOR, "punkt tilføj 1 “Oplæg") == Result.refused(
        ErrorKind.QUOTE_UNCLOSED
    )


def test_hybrid_has_a_link_and_an_address(klimanet: Klimanet, sessions: SessionFactory) -> None:
    created = say(
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
    ("text", "error"),
    [
        ('møde opret 25.06.2027 10:00-12:00 online "Uden link"', ErrorKind.LINK_MISSING),
        ('møde opret 25.06.2027 10:00-12:00 hybrid "Uden link" sted=KL', ErrorKind.LINK_MISSING),
        (
            'møde opret 25.06.2027 10:00-12:00 hybrid "Uden adresse" link=https://m.example/1',
            ErrorKind.ADDRESS_MISSING,
        ),
        ('møde opret 25.06.2027 10:00-12:00 online "X" link=teams møde', ErrorKind.LINK_INVALID),
    ],
)
def test_a_meeting_without_the_place_its_format_needs_is_refused(
    klimanet: Klimanet, sessions: SessionFactory, text: str, error: ErrorKind
) -> None:
    assert result(klimanet, FACILITATOR, text) == Result.refused(error)
    assert outbox(sessions) == []


def test_the_form_asks_for_the_link_and_never_guesses_a_format(klimanet: Klimanet) -> None:
    no_link = klimanet.meetings.submit_form(
        FACILITATOR, None, MeetingForm("X", "2027-03-01", "10:00", "12:00", "online")
    )
    assert isinstance(no_link, FormErrors) and "skal have et link" in no_link.errors["meeting_link"]
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
    assert "AFLYST" not in say(klimanet, MEMBER, "møder")


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
    created = say(klimanet, FACILITATOR, CREATE.replace("25.06.2027", "28.06.2027"))
    assert "Påmindelse: fredag den 25. juni 2027 kl. 09.00" in created
    assert "Kommer du stadig?: lørdag den 26. juni 2027 kl. 09.00" in created


def test_a_post_whose_friday_has_passed_goes_out_at_once(
    klimanet: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    # Now: Friday 27 November 2026, 10:00. A meeting on Monday 30 November: its reminder is
    # due Sunday 09:00, moved to Friday 09:00, which has passed: it goes out at once.
    say(klimanet, FACILITATOR, 'møde opret 30.11.2026 10:00-12:00 fysisk "Mandag"')
    due = {row.key.split(":")[0]: row.due_at for row in outbox(sessions)}
    assert due["reminder"] == clock.now()
    assert due["confirm_dm"] == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # Saturday: stays


# --- texts -------------------------------------------------------------------------------------


def test_the_cancel_notice_does_not_repeat_itself(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(klimanet, FACILITATOR, CREATE)
    say(klimanet, FACILITATOR, "møde aflys 1 For få tilmeldte")
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        text = "\n".join(texts.cancelled(meeting, ZoneInfo("Europe/Copenhagen")))
    assert text.count("aflyst") == 1
    assert "#1 Opstartsmøde, fredag den 25. juni 2027 kl. 10.00." in text


def test_help_examples_are_dated_from_today(klimanet: Klimanet, clock: FixedClock) -> None:
    first = say(klimanet, MEMBER, "hjælp")
    assert "28.01.2027 10:00-12:00 online" in first  # a Thursday at least eight weeks ahead
    assert "møde kopier 12 29.04.2027" in first and "møde flyt 12 29.01.2027" in first
    clock.advance(timedelta(days=365))
    assert "27.01.2028 10:00-12:00 online" in say(klimanet, MEMBER, "hjælp")
    missing = say(klimanet, FACILITATOR, 'møde opret online "X"')
    assert "27.01.2028 10:00-12:00 online" in missing and "link=https://" in missing


def test_the_dated_examples_themselves_work(klimanet: Klimanet) -> None:
    help_text = say(klimanet, FACILITATOR, "hjælp")
    example = next(
        line for line in help_text.splitlines() if "møde opret" in line and "online" in line
    )
    command = example.split("`")[1].removeprefix("/klimanet ")
    assert result(klimanet, FACILITATOR, command).kind is ResultKind.MEETING_CREATED
