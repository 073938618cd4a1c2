"""Scheduled posts as offsets from a meeting's start, on Copenhagen's wall clock across DST."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.schedule import DEFAULT_SCHEDULE, Offset, due_at, parse_schedule

CPH = ZoneInfo("Europe/Copenhagen")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Copenhagen wall-clock time as the aware UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=CPH).astimezone(UTC)


def offset(spec: str) -> Offset:
    (only,) = parse_schedule(spec).values()
    return only


# --- parse_schedule ---------------------------------------------------------------------------


def test_default_schedule() -> None:
    schedule = parse_schedule(DEFAULT_SCHEDULE)
    assert list(schedule) == ["announce", "agenda", "confirm", "reminder", "starting"]
    assert schedule["announce"] == Offset("announce", timedelta(days=14), 14, time(9))
    assert schedule["agenda"] == Offset("agenda", timedelta(days=7), 7, time(9))
    assert schedule["confirm"] == Offset("confirm", timedelta(days=2), 2, time(9))
    assert schedule["reminder"] == Offset("reminder", timedelta(days=1), 1, time(9))
    assert schedule["starting"] == Offset("starting", timedelta(minutes=15), 0, None)


def test_parse_schedule_units_whitespace_and_unknown_names() -> None:
    schedule = parse_schedule(
        " confirm = 2d@9:30 ,  nudge=12h,tick=30s, zero=0m,late_note=0d@18:00 "
    )
    assert schedule["confirm"] == Offset("confirm", timedelta(days=2), 2, time(9, 30))
    assert schedule["nudge"] == Offset("nudge", timedelta(hours=12), 0, None)
    assert schedule["tick"] == Offset("tick", timedelta(seconds=30), 0, None)
    assert schedule["zero"] == Offset("zero", timedelta(0), 0, None)
    assert schedule["late_note"] == Offset("late_note", timedelta(0), 0, time(18))


def test_parse_schedule_combined_units() -> None:
    combined = offset("x=1d12h")
    assert combined == Offset("x", timedelta(days=1, hours=12), 1, None)
    assert not combined.whole_days
    assert offset("x=1h30m").amount == timedelta(minutes=90)
    assert offset("x=2d0h").whole_days


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "reminder=1x",
            "KLIMANET_SCHEDULE: 'reminder=1x' has an unknown unit 'x' (use d, h, m or s)",
        ),
        (
            "announce=14d@09:00,reminder=1",
            "KLIMANET_SCHEDULE: 'reminder=1' has no unit after '1' (use d, h, m or s)",
        ),
        (
            "reminder=",
            "KLIMANET_SCHEDULE: 'reminder=' has no amount (e.g. 14d, 12h, 15m or 30s)",
        ),
        (
            "reminder=d",
            "KLIMANET_SCHEDULE: 'reminder=d' has an invalid amount 'd' (e.g. 14d, 12h, 15m or 30s)",
        ),
        (
            "reminder=-1d",
            "KLIMANET_SCHEDULE: 'reminder=-1d' has an invalid amount '-1d' "
            "(e.g. 14d, 12h, 15m or 30s)",
        ),
        ("reminder=1d1d", "KLIMANET_SCHEDULE: 'reminder=1d1d' repeats the unit 'd'"),
        (
            "reminder",
            "KLIMANET_SCHEDULE: 'reminder' has no '=' (use name=<amount>[@HH:MM], "
            "e.g. reminder=1d@09:00)",
        ),
        (
            "Reminder=1d",
            "KLIMANET_SCHEDULE: 'Reminder=1d' has an invalid name 'Reminder' "
            "(use lowercase letters a-z and _)",
        ),
        (
            "påmind=1d",
            "KLIMANET_SCHEDULE: 'påmind=1d' has an invalid name 'påmind' "
            "(use lowercase letters a-z and _)",
        ),
        (
            "reminder=1d,reminder=2d",
            "KLIMANET_SCHEDULE: 'reminder=2d' repeats the name 'reminder'",
        ),
        (
            "x=2h@09:00",
            "KLIMANET_SCHEDULE: 'x=2h@09:00' uses @HH:MM with '2h', "
            "which is not a whole number of days",
        ),
        (
            "x=1d@9",
            "KLIMANET_SCHEDULE: 'x=1d@9' has an invalid time '9' after '@' (use HH:MM)",
        ),
        (
            "x=1d@24:00",
            "KLIMANET_SCHEDULE: 'x=1d@24:00' has an invalid time '24:00' after '@' (use HH:MM)",
        ),
        ("x=367d", "KLIMANET_SCHEDULE: 'x=367d' is longer than 366 days"),
        (
            "x=99999999999999999999s",
            "KLIMANET_SCHEDULE: 'x=99999999999999999999s' is longer than 366 days",
        ),
        (
            "",
            "KLIMANET_SCHEDULE is empty (e.g. "
            "'announce=14d@09:00,agenda=7d@09:00,confirm=2d@09:00,reminder=1d@09:00,starting=15m')",
        ),
        (
            "a=1d,,b=2d",
            "KLIMANET_SCHEDULE has an empty item (a stray comma?) in 'a=1d,,b=2d'",
        ),
    ],
)
def test_parse_schedule_errors_name_the_item(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_schedule(spec)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_offset_checks_itself() -> None:
    with pytest.raises(ValueError):
        Offset("x", timedelta(hours=2), 0, time(9))
    with pytest.raises(ValueError):
        Offset("x", timedelta(days=2), 1, None)
    with pytest.raises(ValueError):
        Offset("x", timedelta(days=-1), -1, None)


@given(st.text(max_size=80))
def test_parse_schedule_raises_only_value_error(spec: str) -> None:
    with contextlib.suppress(ValueError):
        for name, parsed in parse_schedule(spec).items():
            assert name == parsed.name
            assert timedelta(0) <= parsed.amount <= timedelta(days=366)


# --- due_at: both DST weekends of 2026 --------------------------------------------------------
# Summer time starts Sunday 29 March 2026 (02:00 -> 03:00) and ends Sunday 25 October 2026
# (03:00 -> 02:00). The meetings are on the Mondays after.

MONDAY_AFTER_SPRING = local(2026, 3, 30, 10)  # 08:00Z, CEST
MONDAY_AFTER_AUTUMN = local(2026, 10, 26, 10)  # 09:00Z, CET


def test_the_meetings_are_where_the_tests_think() -> None:
    assert datetime(2026, 3, 30, 8, tzinfo=UTC) == MONDAY_AFTER_SPRING
    assert datetime(2026, 10, 26, 9, tzinfo=UTC) == MONDAY_AFTER_AUTUMN


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 09:00 Copenhagen on the DST Sunday: CEST on 29 March, CET on 25 October
        (MONDAY_AFTER_SPRING, datetime(2026, 3, 29, 7, tzinfo=UTC)),
        (MONDAY_AFTER_AUTUMN, datetime(2026, 10, 25, 8, tzinfo=UTC)),
    ],
)
def test_reminder_at_nine_on_the_dst_sunday(start: datetime, expected: datetime) -> None:
    due = due_at(start, offset("reminder=1d@09:00"), CPH)
    assert due == expected
    assert due.astimezone(CPH).replace(tzinfo=None) == datetime(
        expected.year, expected.month, expected.day, 9
    )


@pytest.mark.parametrize(
    ("start", "expected_local"),
    [
        (MONDAY_AFTER_SPRING, datetime(2026, 3, 29, 10)),
        (MONDAY_AFTER_AUTUMN, datetime(2026, 10, 25, 10)),
        # On the DST Sundays themselves one wall-clock day is 23 and 25 hours long.
        (local(2026, 3, 29, 10), datetime(2026, 3, 28, 10)),
        (local(2026, 10, 25, 10), datetime(2026, 10, 24, 10)),
    ],
)
def test_one_day_is_the_same_wall_clock_time_the_day_before(
    start: datetime, expected_local: datetime
) -> None:
    due = due_at(start, offset("reminder=1d"), CPH)
    assert due.astimezone(CPH).replace(tzinfo=None) == expected_local
    assert due.tzinfo is UTC


def test_one_day_before_a_dst_sunday_meeting_is_not_24_hours() -> None:
    spring = local(2026, 3, 29, 10)
    autumn = local(2026, 10, 25, 10)
    assert spring - due_at(spring, offset("r=1d"), CPH) == timedelta(hours=23)
    assert autumn - due_at(autumn, offset("r=1d"), CPH) == timedelta(hours=25)


def test_one_day_into_the_spring_gap_moves_forward_by_the_gap() -> None:
    # 02:30 on 29 March 2026 does not exist in Copenhagen: the reminder goes at 03:30 CEST.
    start = local(2026, 3, 30, 2, 30)
    due = due_at(start, offset("r=1d"), CPH)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(CPH).time() == time(3, 30)


@pytest.mark.parametrize(
    "start",
    [
        MONDAY_AFTER_SPRING,
        MONDAY_AFTER_AUTUMN,
        local(2026, 3, 29, 3, 10),  # 01:10Z; 15 minutes earlier is 01:55 CET on the wall
        local(2026, 10, 25, 2, 5),  # the first 02:05 (CEST)
    ],
)
def test_minutes_are_elapsed_time(start: datetime) -> None:
    due = due_at(start, offset("starting=15m"), CPH)
    assert due == start - timedelta(minutes=15)
    assert due.tzinfo is UTC


def test_fifteen_minutes_across_the_spring_gap_shows_an_hour_and_a_quarter() -> None:
    start = local(2026, 3, 29, 3, 10)
    due = due_at(start, offset("starting=15m"), CPH)
    assert due == datetime(2026, 3, 29, 0, 55, tzinfo=UTC)
    assert due.astimezone(CPH).time() == time(1, 55)


def test_hours_are_elapsed_time_across_dst() -> None:
    start = local(2026, 3, 29, 10)
    assert due_at(start, offset("x=12h"), CPH) == start - timedelta(hours=12)
    assert due_at(start, offset("x=1d12h"), CPH) == start - timedelta(hours=36)


@pytest.mark.parametrize(
    ("spec", "start", "expected"),
    [
        # 14 days before Monday 30 March (CEST) is Monday 16 March (CET): 09:00 CET = 08:00Z
        ("announce=14d@09:00", MONDAY_AFTER_SPRING, datetime(2026, 3, 16, 8, tzinfo=UTC)),
        # 14 days before Monday 26 October (CET) is Monday 12 October (CEST): 09:00 = 07:00Z
        ("announce=14d@09:00", MONDAY_AFTER_AUTUMN, datetime(2026, 10, 12, 7, tzinfo=UTC)),
        ("agenda=7d@09:00", MONDAY_AFTER_SPRING, datetime(2026, 3, 23, 8, tzinfo=UTC)),
        ("agenda=7d@09:00", MONDAY_AFTER_AUTUMN, datetime(2026, 10, 19, 7, tzinfo=UTC)),
    ],
)
def test_days_at_a_time_land_on_the_local_time_across_dst(
    spec: str, start: datetime, expected: datetime
) -> None:
    due = due_at(start, offset(spec), CPH)
    assert due == expected
    assert due.astimezone(CPH).time() == time(9)


def test_at_uses_the_local_date_of_the_start() -> None:
    # 00:30 on Tuesday in Copenhagen is still Monday in UTC; "1d@09:00" means Monday 09:00.
    start = local(2026, 6, 30, 0, 30)
    assert start.date() == datetime(2026, 6, 29).date()
    assert due_at(start, offset("r=1d@09:00"), CPH) == local(2026, 6, 29, 9)


def test_a_moved_meeting_moves_its_posts() -> None:
    reminder = offset("reminder=1d@09:00")
    assert due_at(local(2026, 6, 25, 10), reminder, CPH) == local(2026, 6, 24, 9)
    assert due_at(local(2026, 7, 2, 14), reminder, CPH) == local(2026, 7, 1, 9)


def test_due_at_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError):
        due_at(datetime(2026, 6, 25, 10), offset("r=1d"), CPH)


starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(starts, st.integers(min_value=0, max_value=366))
def test_whole_days_keep_the_wall_clock_time(start: datetime, days: int) -> None:
    start = start.replace(microsecond=0)
    due = due_at(start, Offset("x", timedelta(days=days), days, None), CPH)
    start_local = start.astimezone(CPH)
    due_local = due.astimezone(CPH)
    assert due_local.date() == start_local.date() - timedelta(days=days)
    # Equal, except when that wall-clock time falls in a spring-forward gap (then 1 h later).
    difference = datetime.combine(due_local.date(), due_local.time()) - datetime.combine(
        due_local.date(), start_local.time()
    )
    assert difference in (timedelta(0), timedelta(hours=1))
