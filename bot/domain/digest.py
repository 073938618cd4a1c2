"""When KL's weekly digest goes out (``KLIMANET_DIGEST``), and which week an occurrence is.

"man@08:00": a Danish weekday and a wall-clock time in the network's time zone, every week; the
ISO week of that local date names the occurrence, so each week has exactly one (the outbox key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.timeparse import local_to_utc

SETTING = "KLIMANET_DIGEST"
DEFAULT_DIGEST = "man@08:00"

# Danish weekday names (short and full; æ/ø/å also as ASCII), Monday = 0.
WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("man", "mandag"),
        ("tir", "tirsdag"),
        ("ons", "onsdag"),
        ("tor", "torsdag"),
        ("fre", "fredag"),
        ("lør", "lørdag", "lor", "lordag", "loer", "loerdag"),
        ("søn", "søndag", "son", "sondag", "soen", "soendag"),
    )
):
    for _name in _names:
        WEEKDAYS[_name] = _number

_SPEC = re.compile(r"^([a-zæøå]+)@([0-9]{1,2}):([0-9]{2})$")


@dataclass(frozen=True, slots=True)
class DigestTime:
    weekday: int  # Monday = 0
    at: time  # wall clock, no tzinfo

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.at.tzinfo is not None:
            raise ValueError("at is a wall-clock time without tzinfo")


def parse_digest(text: str) -> DigestTime | None:
    """'man@08:00' -> DigestTime(0, 08:00); 'off' -> None. Anything else: ValueError naming
    the setting, in one line."""
    spec = text.strip().lower()
    if spec in ("off", "fra"):
        return None
    match = _SPEC.match(spec)
    if match is None or match.group(1) not in WEEKDAYS:
        raise ValueError(
            f"{SETTING} must be a Danish weekday and a time like man@08:00, or off (got {text!r})."
        )
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{SETTING}: {hour:02d}:{minute:02d} is not a time of day.")
    return DigestTime(WEEKDAYS[match.group(1)], time(hour, minute))


def occurrence_in_week(digest: DigestTime, day: date, tz: ZoneInfo) -> datetime:
    """The digest's time (UTC) in the ISO week of ``day``: on the wall clock, also in a DST week."""
    monday = day - timedelta(days=day.weekday())
    return local_to_utc(monday + timedelta(days=digest.weekday), digest.at, tz)


def next_occurrence(digest: DigestTime, now: datetime, tz: ZoneInfo) -> datetime:
    """The first occurrence at or after ``now``: this week's if it is still ahead, else next's."""
    today = now.astimezone(tz).date()
    this_week = occurrence_in_week(digest, today, tz)
    if this_week >= now:
        return this_week
    return occurrence_in_week(digest, today + timedelta(days=7), tz)


def week_of(at: datetime, tz: ZoneInfo) -> str:
    """The ISO week of an occurrence on the local calendar: '2026-W50'."""
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"
