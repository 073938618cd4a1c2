"""Dates and times as Danes write them, including what people get wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.timeparse import (
    ensure_future,
    find_date_and_times,
    local_to_utc,
    parse_date,
    parse_time,
    parse_time_range,
)
from bot.texts.dates import format_date

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 5, 10)  # a Sunday in May


def error_of(call: Callable[..., object], *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "25.06.2026",
        "25.6.2026",
        "25.06.26",
        "25/6",
        "25/6-2026",
        "25/06/2026",
        "25-06-2026",
        "25.6",
        "25.6.",
        "25. juni",
        "25 juni 2026",
        "25. jun.",
        "25. jun. 2026",
        "25.juni",
        "2026-06-25",
        "25. JUNI",
        "25. Juni 2026",
        "  25.   juni\u00a02026 ",
        "torsdag den 25. juni 2026",
        "Torsdag d. 25.6",
        "den 25/6",
    ],
)
def test_parse_date_accepts_danish_forms(text: str) -> None:
    assert parse_date(text, today=TODAY) == date(2026, 6, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. januar", date(2027, 1, 1)),
        ("1 jan", date(2027, 1, 1)),
        ("3. februar", date(2027, 2, 3)),
        ("3. feb.", date(2027, 2, 3)),
        ("5. marts", date(2027, 3, 5)),
        ("5. mar", date(2027, 3, 5)),
        ("5. MARTS 2026", date(2026, 3, 5)),
        ("7. april", date(2027, 4, 7)),
        ("7 apr", date(2027, 4, 7)),
        ("10. maj", date(2026, 5, 10)),  # today itself is the next occurrence
        ("9. maj", date(2027, 5, 9)),  # yesterday: next year
        ("11. juli", date(2026, 7, 11)),
        ("11. jul", date(2026, 7, 11)),
        ("12. august", date(2026, 8, 12)),
        ("12. aug.", date(2026, 8, 12)),
        ("13. september", date(2026, 9, 13)),
        ("13. sep", date(2026, 9, 13)),
        ("13. sept.", date(2026, 9, 13)),
        ("14. oktober", date(2026, 10, 14)),
        ("14. okt", date(2026, 10, 14)),
        ("15. november", date(2026, 11, 15)),
        ("15. nov.", date(2026, 11, 15)),
        ("24. december", date(2026, 12, 24)),
        ("24 dec", date(2026, 12, 24)),
        ("i dag", date(2026, 5, 10)),
        ("idag", date(2026, 5, 10)),
        ("I morgen", date(2026, 5, 11)),
        ("imorgen", date(2026, 5, 11)),
        ("i overmorgen", date(2026, 5, 12)),
        ("1.1.00", date(2000, 1, 1)),
    ],
)
def test_parse_date_months_and_next_occurrence(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_parse_date_keeps_past_dates_with_a_year() -> None:
    # Rejecting the past is the caller's job (ensure_future): editing old meetings stays possible.
    assert parse_date("1.1.2020", today=TODAY) == date(2020, 1, 1)


def test_parse_date_next_occurrence_rolls_over_the_new_year() -> None:
    assert parse_date("2. januar", today=date(2026, 12, 31)) == date(2027, 1, 2)
    assert parse_date("31/12", today=date(2026, 12, 31)) == date(2026, 12, 31)
    assert parse_date("i morgen", today=date(2026, 12, 31)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    "text",
    ["31. juni", "30/2", "32.01.2026", "29.02.2026", "0.1.2026", "1.13.2026", "31 nov", "29/2"],
)
def test_parse_date_impossible(text: str) -> None:
    error = error_of(parse_date, text, today=TODAY)
    assert error.kind is ErrorKind.DATE_IMPOSSIBLE
    assert error.params == {"value": text}


def test_parse_date_29_february_in_a_leap_year() -> None:
    assert parse_date("29/2", today=date(2027, 6, 1)) == date(2028, 2, 29)
    assert parse_date("29. februar 2028", today=TODAY) == date(2028, 2, 29)


def test_parse_date_weekday_must_match() -> None:
    error = error_of(parse_date, "fredag den 25. juni 2026", today=TODAY)
    assert error.kind is ErrorKind.DATE_IMPOSSIBLE


@pytest.mark.parametrize(
    "text", ["hej", "juni", "25", "25. juno", "10-12", "25 juni 26", "2026/06/25", "25.06.202"]
)
def test_parse_date_invalid(text: str) -> None:
    error = error_of(parse_date, text, today=TODAY)
    assert error.kind is ErrorKind.DATE_INVALID
    assert error.params == {"value": text}


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_parse_date_missing(text: str) -> None:
    assert error_of(parse_date, text, today=TODAY).kind is ErrorKind.DATE_MISSING


def test_parse_date_error_value_is_the_users_text() -> None:
    assert error_of(parse_date, "  31. Juni ", today=TODAY).params == {"value": "31. Juni"}


def test_ensure_future() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    ensure_future(now + timedelta(seconds=1), now, "x")
    for past in (now, now - timedelta(days=1)):
        error = error_of(ensure_future, past, now, "9.5.2026")
        assert error.kind is ErrorKind.DATE_IN_PAST
        assert error.params == {"value": "9.5.2026"}


# --- parse_time / parse_time_range -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", time(10)),
        ("10.00", time(10)),
        ("10", time(10)),
        ("9", time(9)),
        ("09:05", time(9, 5)),
        ("kl. 10", time(10)),
        ("kl 10.30", time(10, 30)),
        ("kl.10", time(10)),
        ("Kl. 23:59", time(23, 59)),
        ("klokken 8", time(8)),
        ("0:00", time(0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["9.5", "1000", "24", "24:00", "10:60", "10:5", "ti", "10-12", "10:00:00", "kl. x"]
)
def test_parse_time_invalid(text: str) -> None:
    error = error_of(parse_time, text)
    assert error.kind is ErrorKind.TIME_INVALID
    assert error.params == {"value": text}


@pytest.mark.parametrize("text", ["", "  ", "kl.", "kl"])
def test_parse_time_missing(text: str) -> None:
    assert error_of(parse_time, text).kind is ErrorKind.TIME_MISSING


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00-12:00", (time(10), time(12))),
        ("10-12", (time(10), time(12))),
        ("kl. 10-12", (time(10), time(12))),
        ("10.00\u201312.30", (time(10), time(12, 30))),
        ("10:00 - 12:00", (time(10), time(12))),
        ("10:00 \u2013 12:00", (time(10), time(12))),
        ("kl. 9 - kl. 11.15", (time(9), time(11, 15))),
        ("10 til 12", (time(10), time(12))),
    ],
)
def test_parse_time_range(text: str, expected: tuple[time, time]) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize("text", ["12-10", "10-10", "10:30-10:00", "22-02"])
def test_parse_time_range_end_must_follow_start(text: str) -> None:
    error = error_of(parse_time_range, text)
    assert error.kind is ErrorKind.TIME_RANGE_INVALID
    assert error.params == {"value": text}


@pytest.mark.parametrize("text", ["10", "10-25", "10-24", "10.5-12", "10--12", "ti-tolv"])
def test_parse_time_range_invalid(text: str) -> None:
    assert error_of(parse_time_range, text).kind is ErrorKind.TIME_INVALID


def test_parse_time_range_missing() -> None:
    assert error_of(parse_time_range, " ").kind is ErrorKind.TIME_MISSING


# --- find_date_and_times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '25.06.2026 10:00-12:00 online "Opstartsmøde" tema=klimaplaner',
            (date(2026, 6, 25), time(10), time(12), 'online "Opstartsmøde" tema=klimaplaner'),
        ),
        (
            "25. juni kl. 10-12 fysisk hos KL",
            (date(2026, 6, 25), time(10), time(12), "fysisk hos KL"),
        ),
        (
            '25. juni 2026 kl. 10 online "Nyt fra KL"',
            (date(2026, 6, 25), time(10), None, 'online "Nyt fra KL"'),
        ),
        (
            "online 25/6, 10:00 - 12:00, Aarhus",
            (date(2026, 6, 25), time(10), time(12), "online Aarhus"),
        ),
        (
            "torsdag den 25. juni 2026 kl. 10.00\u201312.00 fysisk",
            (date(2026, 6, 25), time(10), time(12), "fysisk"),
        ),
        ("i morgen kl 9 online", (date(2026, 5, 11), time(9), None, "online")),
        # a bare hour counts right after the date
        ("25.6 10 online", (date(2026, 6, 25), time(10), None, "online")),
        # time first; "12.06" could be a date, but then nothing would be left for the time
        ("12.06 25.06.2026 fysisk", (date(2026, 6, 25), time(12, 6), None, "fysisk")),
        ("kl. 12.06 25.06.2026", (date(2026, 6, 25), time(12, 6), None, "")),
        # quoted text and options are never read as dates or times
        (
            '"Møde 2. maj kl. 9" 25.6 kl. 13-15 note=1.7',
            (date(2026, 6, 25), time(13), time(15), '"Møde 2. maj kl. 9" note=1.7'),
        ),
        (
            "\u201cOpstart 1/7 10-11\u201d 25.6 13:00",
            (date(2026, 6, 25), time(13), None, "\u201cOpstart 1/7 10-11\u201d"),
        ),
    ],
)
def test_find_date_and_times(text: str, expected: tuple[date, time, time | None, str]) -> None:
    assert find_date_and_times(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("", ErrorKind.DATE_MISSING, None),
        ("kl. 10-12 online", ErrorKind.DATE_MISSING, None),
        ("kl. 10.30 online", ErrorKind.DATE_MISSING, None),
        ('"25.6 10-12" online', ErrorKind.DATE_MISSING, None),
        ("31. juni 10-12", ErrorKind.DATE_IMPOSSIBLE, "31. juni"),
        ("fredag den 25. juni 2026 10-12", ErrorKind.DATE_IMPOSSIBLE, "fredag den 25. juni 2026"),
        ("25.6 online", ErrorKind.TIME_MISSING, None),
        # a number in an unquoted title is not a time
        ("25.6 online Møde 2", ErrorKind.TIME_MISSING, None),
        ("25.6 kl. 25", ErrorKind.TIME_INVALID, "kl. 25"),
        ("25.6 10:75 online", ErrorKind.TIME_INVALID, "10:75"),
        ("25.6 12-10 online", ErrorKind.TIME_RANGE_INVALID, "12-10"),
        # the leftmost time decides: a broken one is not skipped for a later one
        ("25.6 12-10 kl. 14", ErrorKind.TIME_RANGE_INVALID, "12-10"),
        ("25.6 kl. 10:00 - 09:00 online", ErrorKind.TIME_RANGE_INVALID, "kl. 10:00 - 09:00"),
    ],
)
def test_find_date_and_times_errors(text: str, kind: ErrorKind, value: str | None) -> None:
    error = error_of(find_date_and_times, text, today=TODAY)
    assert error.kind is kind
    assert error.params == ({} if value is None else {"value": value})


# --- local_to_utc -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "clock", "expected_utc"),
    [
        (date(2026, 1, 15), time(10), datetime(2026, 1, 15, 9, tzinfo=UTC)),  # CET
        (date(2026, 6, 25), time(10), datetime(2026, 6, 25, 8, tzinfo=UTC)),  # CEST
        (date(2026, 3, 29), time(1, 59), datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        (date(2026, 3, 29), time(3), datetime(2026, 3, 29, 1, tzinfo=UTC)),
        # 02:30 does not exist on 29 March 2026: moved forward by the gap to 03:30 CEST
        (date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 02:30 happens twice on 25 October 2026: the first (CEST) one
        (date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (date(2026, 10, 25), time(9), datetime(2026, 10, 25, 8, tzinfo=UTC)),
    ],
)
def test_local_to_utc(day: date, clock: time, expected_utc: datetime) -> None:
    result = local_to_utc(day, clock, CPH)
    assert result == expected_utc
    assert result.utcoffset() == timedelta(0)


def test_local_to_utc_gap_reads_as_the_later_wall_clock() -> None:
    assert local_to_utc(date(2026, 3, 29), time(2, 30), CPH).astimezone(CPH).time() == time(3, 30)


# --- properties -------------------------------------------------------------------------------

VOCABULARY = [
    "25.06.2026",
    "25.6",
    "25/6-2026",
    "31.",
    "juni",
    "jun.",
    "marts",
    "torsdag",
    "den",
    "d.",
    "i",
    "dag",
    "morgen",
    "kl.",
    "kl",
    "10",
    "10:00",
    "10.30",
    "-",
    "\u2013",
    "12",
    "til",
    "2026",
    "2026-06-25",
    '"',
    "\u201c",
    "tema=klimaplaner",
    "online",
    "99.99",
    "0",
    "\u200b",
    ",",
]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6)), max_size=10).map(
        " ".join
    ),
)
todays = st.dates()


@given(texts, todays)
def test_parse_date_total(text: str, today: date) -> None:
    with contextlib.suppress(DomainError):
        assert isinstance(parse_date(text, today=today), date)


@given(texts)
def test_parse_time_total(text: str) -> None:
    with contextlib.suppress(DomainError):
        assert isinstance(parse_time(text), time)


@given(texts)
def test_parse_time_range_total(text: str) -> None:
    try:
        start, end = parse_time_range(text)
    except DomainError:
        return
    assert start < end


@given(texts, todays)
def test_find_date_and_times_total(text: str, today: date) -> None:
    try:
        day, start, end, rest = find_date_and_times(text, today=today)
    except DomainError:
        return
    assert isinstance(day, date) and isinstance(start, time) and isinstance(rest, str)
    assert end is None or start < end
    assert len(rest) <= len(text)


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
MONTH_ABBREVIATIONS = [name[:3] for name in MONTH_NAMES]

WITH_YEAR: list[Callable[[date], str]] = [
    lambda d: f"{d.day:02}.{d.month:02}.{d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}",
    lambda d: f"{d.day}/{d.month}-{d.year}",
    lambda d: f"{d.day:02}/{d.month:02}/{d.year}",
    lambda d: f"{d.day:02}-{d.month:02}-{d.year}",
    lambda d: d.isoformat(),
    lambda d: f"{d.day}. {MONTH_NAMES[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}",
    lambda d: f"{d.day}. {MONTH_ABBREVIATIONS[d.month - 1]}. {d.year}",
]
WITHOUT_YEAR: list[Callable[[date], str]] = [
    lambda d: f"{d.day}/{d.month}",
    lambda d: f"{d.day:02}.{d.month:02}",
    lambda d: f"{d.day}.{d.month}.",
    lambda d: f"{d.day}. {MONTH_NAMES[d.month - 1]}",
    lambda d: f"{d.day} {MONTH_ABBREVIATIONS[d.month - 1]}",
    lambda d: f"{d.day}. {MONTH_ABBREVIATIONS[d.month - 1]}.",
]
CASES: list[Callable[[str], str]] = [str, str.upper, str.title]

dates_2000_2100 = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(dates_2000_2100, st.sampled_from(WITH_YEAR), st.sampled_from(CASES), todays)
def test_parse_date_round_trips_with_year(
    day: date, style: Callable[[date], str], case: Callable[[str], str], today: date
) -> None:
    assert parse_date(case(style(day)), today=today) == day


@given(dates_2000_2100, todays)
def test_parse_date_round_trips_two_digit_years(day: date, today: date) -> None:
    expected = day if day.year < 2100 else day.replace(year=2000)
    assert parse_date(f"{day.day:02}.{day.month:02}.{day.year % 100:02}", today=today) == expected


@given(
    dates_2000_2100,
    st.sampled_from(WITHOUT_YEAR),
    st.sampled_from(CASES),
    st.integers(min_value=0, max_value=364),
)
def test_parse_date_round_trips_without_year(
    day: date, style: Callable[[date], str], case: Callable[[str], str], days_ahead: int
) -> None:
    # Within a year ahead, the next occurrence of that day and month is the day itself.
    assert parse_date(case(style(day)), today=day - timedelta(days=days_ahead)) == day


@given(dates_2000_2100)
def test_parse_date_reads_what_the_bot_writes(day: date) -> None:
    written = format_date(local_to_utc(day, time(12), CPH), CPH)  # "torsdag den 25. juni 2026"
    assert parse_date(written, today=TODAY) == day


@given(
    dates_2000_2100,
    st.sampled_from(WITH_YEAR),
    st.integers(min_value=0, max_value=22),
    st.integers(min_value=0, max_value=59),
    st.sampled_from(["{h}:{m:02}-{h2}:{m:02}", "kl. {h}-{h2}", "{h}.{m:02} \u2013 {h2}.{m:02}"]),
)
def test_find_date_and_times_round_trips(
    day: date, style: Callable[[date], str], hour: int, minute: int, clock: str
) -> None:
    when = clock.format(h=hour, h2=hour + 1, m=minute)
    text = f'{style(day)} {when} online "Møde 1. maj kl. 9" tema=klimaplaner'
    found_day, start, end, rest = find_date_and_times(text, today=TODAY)
    expected_minute = 0 if clock.startswith("kl.") else minute
    assert found_day == day
    assert start == time(hour, expected_minute)
    assert end == time(hour + 1, expected_minute)
    assert rest == 'online "Møde 1. maj kl. 9" tema=klimaplaner'
