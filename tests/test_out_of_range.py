"""Values outside what Python's calendar or an INTEGER column holds: year 1, year 9999, numbers
over 64 bits. People (or forged payloads) can type them; they get a Danish answer, never an
OverflowError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.timeparse import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    find_date_and_times,
    local_to_utc,
    parse_date,
)
from bot.replies import FormErrors, as_written
from bot.service.klimanet import Klimanet
from bot.service.meetings import MeetingForm
from tests.conftest import START
from tests.support.actors import FACILITATOR, named
from tests.support.fake_slack import FakeSlack
from tests.support.service import click, error_text, form_error, new_service, refused, say
from tests.support.slack_driver import (
    state_value_datepicker,
    state_value_plain,
    state_value_radio,
    state_value_timepicker,
)
from tests.support.slackbot import ADMIN, SlackBot, running_bot

CPH = ZoneInfo("Europe/Copenhagen")
MEMBER = named("Medlem")
PAST = as_written(texts.errors.error(DomainError(ErrorKind.DATE_IN_PAST)))

STYLES = [
    lambda d: f"{d.day:02}.{d.month:02}.{d.year:04}",
    lambda d: d.isoformat(),
    lambda d: f"{d.day}. juni {d.year:04}" if d.month == 6 else f"{d.day}/{d.month}-{d.year:04}",
]
any_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
huge = st.one_of(
    st.integers(min_value=2**31, max_value=10**40),
    st.integers(min_value=-(10**40), max_value=-(2**31)),
)


@given(day=any_date, style=st.sampled_from(STYLES), today=st.dates())
@example(day=date(1, 1, 1), style=STYLES[0], today=date(2026, 11, 27))
@example(day=date(9999, 12, 31), style=STYLES[1], today=date(2026, 11, 27))
def test_a_parsed_date_survives_the_calendar_arithmetic_that_follows(
    day: date, style: object, today: date
) -> None:
    text = style(day)  # type: ignore[operator]
    try:
        parsed = parse_date(text, today=today)
    except DomainError as error:
        assert error.kind in (ErrorKind.DATE_IN_PAST, ErrorKind.DATE_IMPOSSIBLE)
        assert (day.year < EARLIEST_YEAR) == (error.kind is ErrorKind.DATE_IN_PAST)
        return
    assert EARLIEST_YEAR <= parsed.year <= LATEST_YEAR
    # What the meeting code does with a date: start and end on the wall clock, a day after.
    start = local_to_utc(parsed, time(0), CPH)
    assert start + timedelta(days=2) > local_to_utc(parsed, time(23, 59), CPH)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("01.01.0001 10:00-12:00", ErrorKind.DATE_IN_PAST),
        ("1. januar 0001 kl. 10", ErrorKind.DATE_IN_PAST),
        ("31.12.9999 23:00", ErrorKind.DATE_IMPOSSIBLE),
        ("9999-12-31 23:30-23:45", ErrorKind.DATE_IMPOSSIBLE),
    ],
)
def test_a_command_line_with_an_extreme_year_is_a_date_error(text: str, kind: ErrorKind) -> None:
    with pytest.raises(DomainError) as raised:
        find_date_and_times(text, today=date(2026, 11, 27))
    assert raised.value.kind is kind


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Klimanet]:
    path: Path = tmp_path_factory.mktemp("range") / "klimanet.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    service = new_service(make_session_factory(engine), FixedClock(START))
    say(
        service,
        FACILITATOR,
        'møde opret 25.06.2027 10:00-12:00 online "Temamøde" link=https://m.example/1',
    )
    yield service
    engine.dispose()


COMMANDS = [
    "møde opret {d} 10:00-12:00 online Titel link=https://m.example/1",
    "møde opret {d} 23:00 online Titel link=https://m.example/1",
    "møde flyt 1 {d} 23:30",
    "møde kopier 1 {d}",
    "dagsorden {d}",
    "kalender {d}",
    "afbud {d}",
]
NUMBER_COMMANDS = [
    "dagsorden {n}",
    "kalender #{n}",
    "afbud {n}",
    "møde aflys {n}",
    "møde ret {n}",
    "punkt fjern 1 {n}",
    "punkt flyt 1 {n} 1",
    "punkt tilføj {n} Oplæg min={n}",
]


@given(day=any_date, style=st.sampled_from(STYLES), template=st.sampled_from(COMMANDS))
@example(day=date(1, 1, 1), style=STYLES[0], template=COMMANDS[0])
@example(day=date(9999, 12, 31), style=STYLES[0], template=COMMANDS[1])
@example(day=date(9999, 12, 31), style=STYLES[1], template=COMMANDS[2])
@example(day=date(1, 1, 1), style=STYLES[0], template=COMMANDS[4])
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_date_in_a_command_gets_a_danish_answer(
    service: Klimanet, day: date, style: object, template: str
) -> None:
    text = template.format(d=style(day))  # type: ignore[operator]
    outcome = say(service, FACILITATOR, text)
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR and template.startswith("møde opret"):
        assert outcome.text in (
            PAST,
            as_written(
                texts.errors.error(DomainError(ErrorKind.DATE_IMPOSSIBLE, value=style(day)))
            ),  # type: ignore[operator]
        )


@given(number=huge, template=st.sampled_from(NUMBER_COMMANDS))
@example(number=2**64, template=NUMBER_COMMANDS[0])
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_number_in_a_command_gets_a_danish_answer(
    service: Klimanet, number: int, template: str
) -> None:
    answer = say(service, FACILITATOR, template.format(n=number))
    # A position on the agenda is a number; everything else names a meeting.
    if template.startswith(("punkt fjern", "punkt flyt")):
        refused(answer, ErrorKind.NUMBER_INVALID, value=str(number), field="punkt")
    else:
        refused(answer, ErrorKind.MEETING_UNKNOWN)


@given(
    number=huge,
    action=st.sampled_from(
        ["attend_yes", "attend_no", "offer_accept", "offer_withdraw", "request_approve"]
    ),
)
@example(number=2**63, action="attend_yes")
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_huge_id_on_a_button_gets_a_danish_answer(
    service: Klimanet, number: int, action: str
) -> None:
    expected = {
        "offer": ErrorKind.OFFER_UNKNOWN,
        "request": ErrorKind.REQUEST_UNKNOWN,
        "attend": ErrorKind.MEETING_UNKNOWN,
    }[action.split("_")[0]]
    refused(click(service, MEMBER, action, number), expected)


@given(number=huge)
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_huge_meeting_id_in_a_select_gets_a_danish_answer(service: Klimanet, number: int) -> None:
    block_id = f"pick:{number}:1"
    reply = click(service, MEMBER, "pick_substitute", block_id, "U0OTHER")
    refused(reply, ErrorKind.SEAT_SPEC_INVALID, value=block_id)


@given(number=huge)
@example(number=2**64)
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_huge_meeting_number_from_a_form_is_unknown(service: Klimanet, number: int) -> None:
    form = MeetingForm(
        "Titel", "2027-06-25", "10:00", "12:00", "online", link="https://m.example/1"
    )
    result = service.submit_meeting_form(FACILITATOR, number, form)
    assert isinstance(result, FormErrors)
    [(field, error)] = result.errors.items()
    assert field == "meeting_title"
    assert error == form_error(ErrorKind.MEETING_UNKNOWN, ref=f"#{str(number)[:12]}"), error


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31"])
def test_an_extreme_date_from_the_date_picker_is_a_form_error(service: Klimanet, when: str) -> None:
    form = MeetingForm("Titel", when, "23:00", "", "online", link="https://m.example/1")
    result = service.submit_meeting_form(FACILITATOR, None, form)
    assert isinstance(result, FormErrors)
    assert list(result.errors) == ["meeting_date"]


# -- through Slack -----------------------------------------------------------------------------


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[SlackBot]:
    with FakeSlack() as fake, running_bot(database_url, fake, clock) as bot:
        yield bot
        fake.assert_no_invalid_payloads()


def test_a_forged_private_metadata_number_is_answered_in_the_modal(bot: SlackBot) -> None:
    bot.driver.command(ADMIN, "møde opret")
    view = dict(bot.fake.wait_for("views.open")[0].args["view"])
    view["private_metadata"] = json.dumps({"number": 2**64 + 1})
    values = {
        "meeting_title": {"value": state_value_plain("Temamøde")},
        "meeting_date": {"value": state_value_datepicker("2027-03-01")},
        "meeting_time": {"value": state_value_timepicker("10:00")},
        "meeting_end": {"value": state_value_timepicker("12:00")},
        "meeting_format": {"value": state_value_radio("online", "Online")},
        "meeting_link": {"value": state_value_plain("https://m.example/1")},
    }
    answer = bot.driver.view_submission(ADMIN, view, values).json()
    # The fields are fine: the ack says "saving", and the modal then says what went wrong.
    assert answer["response_action"] == "update"
    number = str(2**64 + 1)[:12]  # the form reads a meeting number of at most 12 digits
    # (The fake cannot match the forged view to the one it opened, so Slack would refuse the
    # update here; what matters is what the bot says.)
    shown = bot.fake.wait_for("views.update")[0].args["view"]
    assert form_error(ErrorKind.MEETING_UNKNOWN, ref=f"#{number}") in json.dumps(
        shown, ensure_ascii=False
    )


def test_a_huge_municipality_code_in_the_form_is_answered(bot: SlackBot) -> None:
    bot.driver.command("U0ANNA", "tilmeld")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    code = "9" * 5000  # int() refuses strings over 4300 digits
    values = {
        "municipality": {
            "value": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": code},
            }
        }
    }
    answer = bot.driver.view_submission("U0ANNA", view, values).json()
    assert answer["response_action"] == "errors"
    assert "Noget gik galt" not in json.dumps(answer, ensure_ascii=False)


def test_year_one_and_year_9999_in_a_slash_command(bot: SlackBot) -> None:
    past = bot.command(
        ADMIN, 'møde opret 01.01.0001 10:00-12:00 online "Titel" link=https://m.example/1'
    )
    assert past.args["text"] == PAST
    far = bot.command(ADMIN, 'møde opret 31.12.9999 23:00 online "Titel" link=https://m.example/1')
    assert far.args["text"] == error_text(ErrorKind.DATE_IMPOSSIBLE, value="31.12.9999")
    huge_number = bot.command(ADMIN, f"dagsorden {2**70}")
    assert huge_number.args["text"] == error_text(
        ErrorKind.MEETING_UNKNOWN, ref=str(2**70), known=[]
    )
