"""Meeting input as people write it: a meeting named by its date in everyday words
(``afbud 14. januar``, ``14 jan``, ``14/1``, ``næste møde``) wherever a meeting is named, and
``møde opret`` whose quoted title is the title whatever it says, with its parts in any order."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.meetings import check_draft
from bot.domain.municipalities import default_directory
from bot.domain.timeparse import find_date_and_times, parse_date
from bot.models import Meeting, MeetingFormat
from bot.replies import Action, MeetingField, MeetingFormRequest, ResultKind
from bot.service.klimanet import Klimanet
from bot.service.meeting_form import MeetingForm, read_form
from bot.service.parsing import (
    clean,
    is_next_meeting,
    meeting_line,
    meeting_ref_words,
    split_meeting_ref,
)
from tests.conftest import START
from tests.support.actors import FACILITATOR, mention, mention_of, named
from tests.support.service import click, done, new_service, refused, say

ANNA = named("Anna Jensen")
BO = named("Bo Hansen")
TODAY = date(2026, 11, 27)  # the tests' clock (conftest.START)
JANUARY = (
    'møde opret 14.01.2027 10:00-12:00 online "Januarmøde" link=https://m.example/1',
    'møde opret 14.01.2027 13:00-15:00 online "Eftermiddag" link=https://m.example/2',
)
FEBRUARY = 'møde opret 11.02.2027 10:00-12:00 online "Februarmøde" link=https://m.example/3'
KNOWN = [
    "#1 Januarmøde (torsdag den 14. januar 2027 kl. 10.00)",
    "#2 Eftermiddag (torsdag den 14. januar 2027 kl. 13.00)",
    "#3 Februarmøde (torsdag den 11. februar 2027 kl. 10.00)",
]


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    service = new_service(sessions, clock)
    for command in (*JANUARY, FEBRUARY):
        done(say(service, FACILITATOR, command), ResultKind.MEETING_CREATED)
    done(say(service, ANNA, "tilmeld Aarhus"), ResultKind.REGISTERED)
    return service


def stored(sessions: SessionFactory, number: int) -> Meeting:
    with sessions() as session:
        found = session.scalars(select(Meeting).where(Meeting.number == number)).one()
        session.expunge(found)
        return found


# -- 14: dates the way people write them ---------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["11. februar", "11 feb", "11/2", "11.2", "torsdag den 11. februar"]
)
def test_regrets_name_the_meeting_by_its_date_as_written(klimanet: Klimanet, ref: str) -> None:
    done(say(klimanet, ANNA, f"afbud {ref}"), ResultKind.REGRETS_SAVED, meeting=3)
    done(say(klimanet, ANNA, f"deltager {ref}"), ResultKind.ATTENDANCE_CONFIRMED, meeting=3)
    done(say(klimanet, ANNA, f"deltagere {ref}"), ResultKind.ROSTER, meeting=3)
    done(say(klimanet, ANNA, f"dagsorden {ref}"), ResultKind.AGENDA, meeting=3)
    done(say(klimanet, ANNA, f"kalender {ref}"), ResultKind.CALENDAR, meeting=3)


@pytest.mark.parametrize("ref", ["næste møde", "naeste mode", "Næste", "NÆSTE MØDE"])
def test_the_next_meeting_by_name(klimanet: Klimanet, ref: str) -> None:
    done(say(klimanet, ANNA, f"afbud {ref}"), ResultKind.REGRETS_SAVED, meeting=1)
    done(say(klimanet, ANNA, f"deltager {ref}"), ResultKind.ATTENDANCE_CONFIRMED, meeting=1)
    done(say(klimanet, ANNA, f"dagsorden {ref}"), ResultKind.AGENDA, meeting=1)


def test_the_next_meeting_skips_a_cancelled_one(klimanet: Klimanet) -> None:
    done(
        say(klimanet, FACILITATOR, "møde aflys 1 bekræft"), ResultKind.MEETING_CANCELLED, meeting=1
    )
    done(say(klimanet, ANNA, "deltager næste møde"), ResultKind.ATTENDANCE_CONFIRMED, meeting=2)


def test_a_regrets_with_a_substitute_after_a_written_date(klimanet: Klimanet) -> None:
    # The mention after the date is still the substitute: the date took only its own words.
    answer = say(klimanet, ANNA, f"afbud 11. februar {mention(BO)}")
    done(answer, ResultKind.REGRETS_SAVED, meeting=3)
    assert "Jeg har spurgt bo" in answer.text  # the offer went to Bo, not an error


def test_a_substitute_for_a_meeting_named_by_its_date(klimanet: Klimanet) -> None:
    # Nobody from Aarhus sent regrets to meeting 3 (11 February): which seat? is asked of it.
    answer = say(klimanet, ANNA, f"vikar 11 feb {mention(BO)}")
    done(answer, ResultKind.SUBSTITUTE_SEAT_ASKED, meeting=3)


@pytest.mark.parametrize("ref", ["14. januar", "14 jan", "14/1"])
def test_two_meetings_that_day_ask_which(klimanet: Klimanet, ref: str) -> None:
    answer = say(klimanet, ANNA, f"afbud {ref} {mention(BO)}")
    refused(answer, ErrorKind.MEETING_AMBIGUOUS, ref=ref, numbers=[1, 2], choices=KNOWN[:2])
    assert "#1 Januarmøde" in answer.text and "#2 Eftermiddag" in answer.text
    # A button per meeting: the command again, naming the meeting by its number.
    assert [(b.label, b.action_id, b.value) for b in answer.buttons] == [
        (KNOWN[0], Action.PICK_MEETING, f"afbud 1 {mention(BO)}"),
        (KNOWN[1], Action.PICK_MEETING, f"afbud 2 {mention(BO)}"),
    ]
    picked = click(klimanet, ANNA, Action.PICK_MEETING, answer.buttons[1].value)
    done(picked, ResultKind.REGRETS_SAVED, meeting=2)
    assert "Jeg har spurgt bo" in picked.text


def test_a_meeting_button_runs_only_commands_that_name_a_meeting(klimanet: Klimanet) -> None:
    for forged in ("afmeld", "slet-mig", "tilmeld Odense", "hjælp"):
        answer = click(klimanet, ANNA, Action.PICK_MEETING, forged)
        done(answer, ResultKind.UNKNOWN_BUTTON)
    done(say(klimanet, ANNA, "pladser"), ResultKind.SEATS)  # Anna is still registered


@pytest.mark.parametrize("ref", ["3. marts", "99", "xyz"])
def test_an_unknown_meeting_lists_the_coming_ones(klimanet: Klimanet, ref: str) -> None:
    shown = f"#{ref}" if ref.isdigit() else ref
    refused(say(klimanet, ANNA, f"afbud {ref}"), ErrorKind.MEETING_UNKNOWN, ref=shown, known=KNOWN)


def test_facilitator_commands_name_meetings_by_date(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    moved = say(klimanet, FACILITATOR, "møde flyt 11. februar 12.02.2027 10:00")
    done(moved, ResultKind.MEETING_MOVED, meeting=3)
    assert stored(sessions, 3).starts_at.date() == date(2027, 2, 12)
    form = klimanet.command(FACILITATOR, "møde ret 12 feb")
    assert isinstance(form, MeetingFormRequest) and form.number == 3
    item = 'punkt tilføj 12/2 "Affald" type=eksternt'
    done(say(klimanet, FACILITATOR, item), ResultKind.AGENDA_CHANGED, meeting=3)
    copied = say(klimanet, FACILITATOR, "møde kopier næste møde 18.02.2027")
    done(copied, ResultKind.MEETING_CREATED, meeting=4)
    assert stored(sessions, 4).title == "Januarmøde"
    cancelled = say(klimanet, FACILITATOR, "møde aflys 12. februar bekræft Sygdom")
    done(cancelled, ResultKind.MEETING_CANCELLED, meeting=3)
    assert stored(sessions, 3).cancel_reason == "Sygdom"


def test_a_quoted_item_title_is_not_read_as_a_date(klimanet: Klimanet) -> None:
    # Meeting 3 and an item called "Maj": "3 Maj" is no date here.
    item = 'punkt tilføj 3 "Maj" type=internt'
    done(say(klimanet, FACILITATOR, item), ResultKind.AGENDA_CHANGED, meeting=3)


# -- 14: the parser, property-based --------------------------------------------------------------

MONTH_NAMES = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
WRITTEN: list[Callable[[date], str]] = [
    lambda d: f"{d.day}. {MONTH_NAMES[d.month - 1]}",
    lambda d: f"{d.day} {MONTH_NAMES[d.month - 1][:3]}",
    lambda d: f"{d.day}. {MONTH_NAMES[d.month - 1][:3]}.",
    lambda d: f"{d.day}/{d.month}",
    lambda d: f"{d.day}.{d.month}",
    lambda d: f"{d.day:02}.{d.month:02}.{d.year}",
    lambda d: f"{d.day}. {MONTH_NAMES[d.month - 1]} {d.year}",
]
# What follows a meeting's reference in the commands that name one.
FOLLOWERS = [
    mention_of("U0BO", "bo"),
    "10:00",
    "12.02.2027",
    "fleksibel",
    "2",
    "Sygdom",
    '"Titel"',
    "kl.",
]
words_after = st.lists(st.sampled_from(FOLLOWERS), max_size=4)


@given(
    st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=364)),
    st.sampled_from(WRITTEN),
    words_after,
)
def test_a_written_date_takes_only_its_own_words(
    day: date, style: Callable[[date], str], after: list[str]
) -> None:
    written = style(day)
    ref, rest = split_meeting_ref(" ".join([written, *after]), today=TODAY)
    assert ref == written
    assert rest == " ".join(after)
    assert parse_date(ref, today=TODAY) == day


@given(st.integers(min_value=1, max_value=999_999), st.booleans(), words_after)
@example(14, False, ["Sygdom"])
def test_a_number_is_one_word(number: int, hashed: bool, after: list[str]) -> None:
    first = f"#{number}" if hashed else str(number)
    words = [first, *after]
    assert meeting_ref_words(words, today=TODAY) == 1


@given(
    st.sampled_from(["næste", "naeste", "Næste", "NÆSTE"]),
    st.sampled_from(["", "møde", "mode", "Møde", "mødet"]),
    words_after,
)
def test_the_next_meeting_in_any_spelling(first: str, second: str, after: list[str]) -> None:
    written = f"{first} {second}".strip()
    ref, rest = split_meeting_ref(" ".join([written, *after]), today=TODAY)
    assert ref == written and is_next_meeting(ref)
    assert rest == " ".join(after)


@given(st.lists(st.text(max_size=12), max_size=8), st.dates())
def test_meeting_ref_words_is_total(words: list[str], today: date) -> None:
    count = meeting_ref_words(words, today=today)
    assert count == 0 if not words else 1 <= count <= len(words)


# -- 15: a quoted title is the title ---------------------------------------------------------


PARTS = ("hybrid", "sted=Rådhuset", "link=https://m.example/9", "tema=affald")
# Weekdays with no other meeting: one per order of the parts.
FREE_DAYS = [
    date(2027, 3, 1) + timedelta(days=7 * week + day) for week in range(6) for day in range(5)
]


@pytest.mark.parametrize("title", ["Hybridmøde", "Tema=affald og mere", "online", "Link=x 14. jan"])
def test_a_quoted_title_is_the_title(
    klimanet: Klimanet, sessions: SessionFactory, title: str
) -> None:
    text = (
        f'møde opret 25.06.2027 10:00-12:00 hybrid "{title}" sted=Rådhuset link=https://m.example/9'
    )
    done(say(klimanet, FACILITATOR, text), ResultKind.MEETING_CREATED, meeting=4)
    meeting = stored(sessions, 4)
    assert meeting.title == title
    assert (meeting.format, meeting.location, meeting.link) == (
        MeetingFormat.HYBRID.value,
        "Rådhuset",
        "https://m.example/9",
    )


def test_the_order_of_the_parts_does_not_matter(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    orders = list(itertools.permutations([*PARTS, '"Tema=affald og mere"']))[::37]
    for number, (order, day) in enumerate(zip(orders, FREE_DAYS, strict=False), start=4):
        when = [f"{day:%d.%m.%Y}", "10:00-12:00"]
        words = [*order[:2], *when, *order[2:]] if number % 2 else [*when, *order]
        created = say(klimanet, FACILITATOR, "møde opret " + " ".join(words))
        done(created, ResultKind.MEETING_CREATED, meeting=number)
        meeting = stored(sessions, number)
        assert (meeting.title, meeting.format, meeting.location, meeting.link, meeting.themes) == (
            "Tema=affald og mere",
            MeetingFormat.HYBRID.value,
            "Rådhuset",
            "https://m.example/9",
            ["Affald"],  # as the network's list spells it
        ), words


# Title text without the characters that open or close a quote.
TITLE_ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters='"\u201c\u201d\u201e\u00ab\u00bb'
)


@given(st.text(TITLE_ALPHABET, min_size=1, max_size=80), st.permutations(PARTS))
@example("Hybridmøde", PARTS)
@example("Tema=affald og mere", PARTS)
@example("25.06.2027 kl. 10", PARTS)
def test_any_quoted_title_round_trips(title: str, parts: list[str]) -> None:
    line = meeting_line(" ".join([*parts[:2], f'"{title}"', *parts[2:]]))
    assert line.title == clean(title).strip()
    assert line.formats == (MeetingFormat.HYBRID,)
    assert line.options == {"sted": "Rådhuset", "link": "https://m.example/9", "tema": "affald"}


@given(
    st.text(TITLE_ALPHABET, min_size=1, max_size=60).filter(lambda t: clean(t).strip() != ""),
    st.permutations(PARTS),
    st.integers(min_value=0, max_value=4),
)
@example("12.06 kl. 14", PARTS, 0)
def test_a_quoted_title_survives_the_date_and_time(title: str, parts: list[str], at: int) -> None:
    # The whole one-line path of ``møde opret``: the date and time out first, then the rest.
    words = [*parts, f'"{title}"']
    words.insert(at, "25.06.2027 10:00-12:00")
    try:
        day, start, end, rest = find_date_and_times(" ".join(words), today=TODAY)
    except DomainError as err:  # pragma: no cover - would be the defect this test is about
        raise AssertionError(f"{words}: {err.kind}") from err
    assert (day, start.hour, end and end.hour) == (date(2027, 6, 25), 10, 12)
    assert meeting_line(rest).title == clean(title).strip()


# -- 13: the meeting form, field by field ----------------------------------------------------

GOOD_FORM = MeetingForm(
    "Temamøde", "2027-03-01", "10:00", "12:00", "hybrid", "Rådhuset", (), "https://m.example/1"
)


def no_database() -> Klimanet:
    """A service whose every transaction fails: what may run in a modal's ack."""

    def refuse() -> Any:
        raise AssertionError("the form's check used the database")

    return Klimanet(refuse, default_directory(), FixedClock(START))  # type: ignore[arg-type]


def test_the_form_check_needs_no_database() -> None:
    service = no_database()
    assert service.check_meeting_form(GOOD_FORM).errors == {}
    bad = replace(GOOD_FORM, date="31.02.2027", start="25:00", format="tv")
    assert set(service.check_meeting_form(bad).errors) == {
        MeetingField.DATE,
        MeetingField.TIME,
        MeetingField.FORMAT,
    }


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"title": " "}, MeetingField.TITLE, ErrorKind.TITLE_MISSING),
        ({"title": "x" * 201}, MeetingField.TITLE, ErrorKind.TEXT_TOO_LONG),
        ({"date": ""}, MeetingField.DATE, ErrorKind.DATE_MISSING),
        ({"date": "i går"}, MeetingField.DATE, ErrorKind.DATE_INVALID),
        ({"date": "2026-11-26"}, MeetingField.DATE, ErrorKind.DATE_IN_PAST),
        ({"date": "i dag", "start": "08:00"}, MeetingField.TIME, ErrorKind.DATE_IN_PAST),
        ({"start": "kl. 25"}, MeetingField.TIME, ErrorKind.TIME_INVALID),
        ({"end": "09:00"}, MeetingField.END, ErrorKind.TIME_RANGE_INVALID),
        ({"format": ""}, MeetingField.FORMAT, ErrorKind.FORMAT_MISSING),
        ({"link": "teams"}, MeetingField.LINK, ErrorKind.LINK_INVALID),
    ],
)
def test_each_field_is_checked_on_its_own(
    changes: dict[str, str], field: MeetingField, kind: ErrorKind
) -> None:
    # START is 09:00 UTC (10:00 in Copenhagen): 08:00 today has passed.
    reading = read_form(
        replace(GOOD_FORM, **changes), today=TODAY, now=START, tz=ZoneInfo("Europe/Copenhagen")
    )
    assert {f: e.kind for f, e in reading.problems.items()} == {field: kind}
    assert reading.draft is None


@given(
    st.sampled_from(["", " ", "x" * 201, "Temamøde"]),
    st.sampled_from(["", "31.02.2027", "2020-01-01", "2027-03-01", "1. marts"]),
    st.sampled_from(["", "25:00", "10:00", "kl. 9"]),
    st.sampled_from(["", "09:00", "12:00"]),
    st.sampled_from(["", "tv", "online", "fysisk", "hybrid"]),
    st.sampled_from(["", "teams", "https://m.example/1"]),
    st.sampled_from(["", "Rådhuset"]),
)
def test_the_form_is_saved_exactly_when_no_field_has_a_problem(
    title: str, day: str, start: str, end: str, fmt: str, link: str, location: str
) -> None:
    form = MeetingForm(title, day, start, end, fmt, location, (), link)
    reading = read_form(form, today=TODAY, now=START, tz=ZoneInfo("Europe/Copenhagen"))
    # Every problem names a field of the form, and a form with none is a meeting the domain
    # accepts: the form's check and the meeting's rules never disagree.
    assert set(reading.problems) <= set(MeetingField)
    if reading.draft is not None:
        check_draft(reading.draft, START)
    else:
        assert reading.problems
    if not title.strip():
        assert reading.problems[MeetingField.TITLE].kind is ErrorKind.TITLE_MISSING
    if fmt == "tv" or not fmt:
        assert MeetingField.FORMAT in reading.problems
