"""Danish date and time formatting for what users read: ``torsdag den 25. juni 2026 kl. 10.00``.

Input is an aware instant (stored in UTC); output is the wall clock of ``tz``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

LOCALE = "da_DK"

_DATE = "EEEE 'den' d. MMMM y"
_TIME = "HH.mm"
_WHEN = f"{_DATE} 'kl.' {_TIME}"
_SHORT_DATE = "dd.MM.y"


def _format(at: datetime, tz: ZoneInfo, pattern: str) -> str:
    # Babel would read a naive datetime as UTC; a naive value here is a bug, so say so.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    return format_datetime(at, pattern, tzinfo=tz, locale=LOCALE)


def format_when(at_utc: datetime, tz: ZoneInfo) -> str:
    """``torsdag den 25. juni 2026 kl. 10.00``"""
    return _format(at_utc, tz, _WHEN)


def format_date(at_utc: datetime, tz: ZoneInfo) -> str:
    """``torsdag den 25. juni 2026``"""
    return _format(at_utc, tz, _DATE)


def format_short_date(at_utc: datetime, tz: ZoneInfo) -> str:
    """``25.06.2026``"""
    return _format(at_utc, tz, _SHORT_DATE)


def format_day_month(at_utc: datetime, tz: ZoneInfo) -> str:
    """``14. januar 2027``"""
    return _format(at_utc, tz, "d. MMMM y")


def format_time(at_utc: datetime, tz: ZoneInfo) -> str:
    """``10.00``"""
    return _format(at_utc, tz, _TIME)


def format_span(start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> str:
    """``torsdag den 25. juni 2026 kl. 10.00–12.00``; both ends in full when the days differ."""
    if start_utc.astimezone(tz).date() == end_utc.astimezone(tz).date():
        return f"{format_when(start_utc, tz)}\u2013{format_time(end_utc, tz)}"
    return f"{format_when(start_utc, tz)} \u2013 {format_when(end_utc, tz)}"


THURSDAY = 3


def example_days(today: date) -> tuple[date, date, date]:
    """Dates for the examples in help and forms, computed so they have not passed: a Thursday at
    least eight weeks ahead, the Friday after it (a move), and a Thursday a quarter later (a
    copy). Weekdays, so an example never meets the weekend warning."""
    day = today + timedelta(weeks=8)
    day += timedelta(days=(THURSDAY - day.weekday()) % 7)
    return day, day + timedelta(days=1), day + timedelta(weeks=13)


def short_day(day: date) -> str:
    """``25.06.2026`` for a calendar day."""
    return day.strftime("%d.%m.%Y")
