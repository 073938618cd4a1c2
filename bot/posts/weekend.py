"""Posts at a fixed hour stay off Saturdays and Sundays: a step after the due time is computed.

``due_at`` (``bot.domain.schedule``) says when a post falls due on the Copenhagen wall clock, and
stays as it is. This step moves every post of a fixed-hour offset (``@HH:MM``: the announcement
and the coordinators' question that goes with it, the agenda, "Kommer du stadig?", the reminder
and its direct message) that falls on a Saturday or Sunday to the Friday before, at the same time,
so the question two days before a Monday meeting comes before the reminder, not after it. What
never moves: posts counted in minutes or hours (``starting``); notices of a change, and the
consent and approval messages, which go out at once; and every post for a meeting that is itself
on a weekend, whose people are expected to be around then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.schedule import Offset
from bot.domain.timeparse import local_to_utc
from bot.posts.kinds import PostKind

FRIDAY = 4

# The scheduled posts: the only ones an ``@HH:MM`` offset times, in the channel or by DM.
MOVES_OFF_THE_WEEKEND = frozenset(
    {
        PostKind.ANNOUNCE,
        PostKind.ANNOUNCE_DM,
        PostKind.AGENDA,
        PostKind.CONFIRM_DM,
        PostKind.REMINDER,
        PostKind.REMINDER_DM,
    }
)


def before_the_weekend(due: datetime, tz: ZoneInfo) -> datetime:
    """``due`` if it falls on a weekday; a Saturday or Sunday moves to the Friday before, at the
    same wall-clock time (in UTC, like ``due``)."""
    local = due.astimezone(tz)
    back = local.weekday() - FRIDAY
    if back <= 0:
        return due
    return local_to_utc(local.date() - timedelta(days=back), local.time(), tz)


def off_the_weekend(
    kind: str, offset: Offset, meeting_start: datetime, due: datetime, tz: ZoneInfo
) -> datetime:
    """When a scheduled post of ``kind`` goes out, given its computed ``due`` time."""
    if offset.at is None or kind not in MOVES_OFF_THE_WEEKEND:
        return due
    if meeting_start.astimezone(tz).weekday() > FRIDAY:
        return due
    return before_the_weekend(due, tz)
