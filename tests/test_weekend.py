"""Fixed-hour posts stay off Saturdays and Sundays: the pure step after ``due_at``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.schedule import due_at, parse_schedule
from bot.posts.kinds import PostKind
from bot.posts.weekend import MOVES_OFF_THE_WEEKEND, before_the_weekend, off_the_weekend

CPH = ZoneInfo("Europe/Copenhagen")
SCHEDULE = parse_schedule(
    "announce=14d@09:00,agenda=7d@09:00,confirm=2d@09:00,reminder=1d@09:00,starting=15m"
)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CPH).astimezone(UTC)


MONDAY = local(2027, 3, 15, 10)  # a Monday meeting: its 1d reminder falls on Sunday


@pytest.mark.parametrize(
    ("due", "moved"),
    [
        (local(2027, 3, 13, 9), local(2027, 3, 12, 9)),  # Saturday -> Friday
        (local(2027, 3, 14, 9), local(2027, 3, 12, 9)),  # Sunday -> Friday
        (local(2027, 3, 12, 9), local(2027, 3, 12, 9)),  # Friday stays
        (local(2027, 3, 15, 9), local(2027, 3, 15, 9)),  # Monday stays
        # The DST Sundays: Friday 09:00 is on the other side of the change, still 09:00 there.
        (local(2027, 3, 28, 9), local(2027, 3, 26, 9)),
        (local(2027, 10, 31, 9), local(2027, 10, 29, 9)),
    ],
)
def test_a_weekend_due_time_moves_to_the_friday_before_at_the_same_time(
    due: datetime, moved: datetime
) -> None:
    shifted = before_the_weekend(due, CPH)
    assert shifted == moved and shifted.tzinfo is UTC
    assert shifted.astimezone(CPH).time() == due.astimezone(CPH).time()


def test_what_moves_every_post_of_a_fixed_hour_offset() -> None:
    reminder = due_at(MONDAY, SCHEDULE["reminder"], CPH)
    assert reminder == local(2027, 3, 14, 9)  # the due time itself is kept as it is
    for kind in (PostKind.REMINDER, PostKind.REMINDER_DM):
        moved = off_the_weekend(kind, SCHEDULE["reminder"], MONDAY, reminder, CPH)
        assert moved == local(2027, 3, 12, 9)
    assert {
        PostKind.ANNOUNCE,
        PostKind.ANNOUNCE_DM,
        PostKind.AGENDA,
        PostKind.CONFIRM_DM,
        PostKind.REMINDER,
        PostKind.REMINDER_DM,
    } == MOVES_OFF_THE_WEEKEND


@pytest.mark.parametrize(
    ("kind", "spec", "moved"),
    [
        # "Kommer du stadig?" two days before a Monday falls on Saturday: Friday, with the
        # reminder, so the question does not come after it.
        (PostKind.CONFIRM_DM, "confirm=2d@09:00", local(2027, 3, 12, 9)),
        # The coordinators' question goes with the announcement (here 15 days before: a Sunday).
        (PostKind.ANNOUNCE_DM, "announce=15d@09:00", local(2027, 2, 26, 9)),
        (PostKind.ANNOUNCE, "announce=15d@09:00", local(2027, 2, 26, 9)),
        (PostKind.AGENDA, "agenda=8d@09:00", local(2027, 3, 5, 9)),
    ],
)
def test_the_questions_and_channel_posts_move_with_their_offset(
    kind: PostKind, spec: str, moved: datetime
) -> None:
    (offset,) = parse_schedule(spec).values()
    due = due_at(MONDAY, offset, CPH)
    assert due.astimezone(CPH).weekday() >= 5
    assert off_the_weekend(kind, offset, MONDAY, due, CPH) == moved


def test_starting_is_counted_in_time_and_never_moves() -> None:
    (offset,) = parse_schedule("starting=2d").values()  # no @HH:MM, however long
    due = due_at(MONDAY, offset, CPH)
    assert due.astimezone(CPH).weekday() == 5
    assert off_the_weekend(PostKind.STARTING, offset, MONDAY, due, CPH) == due


def test_notices_of_a_change_never_move() -> None:
    sunday = local(2027, 3, 14, 9)
    for kind in (PostKind.MOVED, PostKind.MOVED_DM, PostKind.CANCELLED, PostKind.CANCELLED_DM):
        assert off_the_weekend(kind, SCHEDULE["reminder"], MONDAY, sunday, CPH) == sunday


def test_posts_for_a_weekend_meeting_never_move() -> None:
    sunday_meeting = local(2027, 4, 4, 10)
    for name, kind in (("agenda", PostKind.AGENDA), ("reminder", PostKind.REMINDER)):
        due = due_at(sunday_meeting, SCHEDULE[name], CPH)
        assert due.astimezone(CPH).weekday() >= 5
        assert off_the_weekend(kind, SCHEDULE[name], sunday_meeting, due, CPH) == due


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)),
    st.integers(min_value=0, max_value=23),
)
def test_a_moved_time_is_a_weekday_at_most_two_days_earlier(day: datetime, hour: int) -> None:
    due = local(day.year, day.month, day.day, hour)
    shifted = before_the_weekend(due, CPH)
    assert shifted.astimezone(CPH).weekday() < 5
    assert timedelta(0) <= due - shifted <= timedelta(days=2, hours=1)
    if due.astimezone(CPH).weekday() < 5:
        assert shifted == due
