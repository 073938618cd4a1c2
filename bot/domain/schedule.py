"""When scheduled posts are due, as offsets from a meeting's start.

Offsets, not fixed times, so a moved meeting moves its posts. Whole days count on the wall clock
of the meeting's time zone ("1d" before 10:00 is 10:00 the day before, also across a DST change);
hours, minutes and seconds count elapsed time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.timeparse import local_to_utc

DEFAULT_SCHEDULE = (
    "announce=14d@09:00,agenda=7d@09:00,confirm=2d@09:00,reminder=1d@09:00,starting=15m"
)

SETTING = "KLIMANET_SCHEDULE"
# Far enough for any announcement; keeps every date subtraction in due_at inside datetime's range.
MAX_AMOUNT = timedelta(days=366)

_DAY = timedelta(days=1)
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_MAX_SECONDS = int(MAX_AMOUNT.total_seconds())
_NAME = re.compile(r"[a-z_]+")
_AMOUNT = re.compile(r"(?:[0-9]+[^0-9]*)+")
_PART = re.compile(r"([0-9]+)([^0-9]*)")
_AT = re.compile(r"([0-9]{1,2}):([0-9]{2})")


@dataclass(frozen=True)
class Offset:
    """How long before a meeting's start a post is due.

    ``days`` is the whole days in ``amount``. With ``at``, the post is due at that local time
    ``days`` calendar days before the meeting's local date (``amount`` must be whole days).
    """

    name: str
    amount: timedelta
    days: int
    at: time | None

    def __post_init__(self) -> None:
        if self.amount < timedelta(0):
            raise ValueError(f"offset {self.name!r}: amount must not be negative")
        if self.days != self.amount.days:
            raise ValueError(f"offset {self.name!r}: days must be the whole days of amount")
        if self.at is not None and not self.whole_days:
            raise ValueError(f"offset {self.name!r}: @HH:MM needs a whole number of days")
        if self.at is not None and self.at.tzinfo is not None:
            raise ValueError(f"offset {self.name!r}: at is a wall-clock time without tzinfo")

    @property
    def whole_days(self) -> bool:
        return self.amount % _DAY == timedelta(0)


def _fail(item: str, problem: str) -> ValueError:
    return ValueError(f"{SETTING}: {item!r} {problem}")


def _parse_amount(item: str, text: str) -> timedelta:
    if not text:
        raise _fail(item, "has no amount (e.g. 14d, 12h, 15m or 30s)")
    if not _AMOUNT.fullmatch(text):
        raise _fail(item, f"has an invalid amount {text!r} (e.g. 14d, 12h, 15m or 30s)")
    seconds = 0
    seen: set[str] = set()
    for match in _PART.finditer(text):
        number, unit = match.groups()
        if not unit:
            raise _fail(item, f"has no unit after {number!r} (use d, h, m or s)")
        if unit not in _UNIT_SECONDS:
            raise _fail(item, f"has an unknown unit {unit!r} (use d, h, m or s)")
        if unit in seen:
            raise _fail(item, f"repeats the unit {unit!r}")
        seen.add(unit)
        # Count in integers, and refuse long digit strings before int() sees them, so no
        # amount can overflow timedelta or hit Python's int-from-str digit limit.
        if len(number.lstrip("0")) > 9:
            raise _fail(item, f"is longer than {MAX_AMOUNT.days} days")
        seconds += int(number) * _UNIT_SECONDS[unit]
        if seconds > _MAX_SECONDS:
            raise _fail(item, f"is longer than {MAX_AMOUNT.days} days")
    return timedelta(seconds=seconds)


def _parse_item(item: str) -> Offset:
    name, equals, rest = item.partition("=")
    name = name.strip()
    if not equals:
        raise _fail(item, "has no '=' (use name=<amount>[@HH:MM], e.g. reminder=1d@09:00)")
    if not _NAME.fullmatch(name):
        raise _fail(item, f"has an invalid name {name!r} (use lowercase letters a-z and _)")
    amount_text, has_at, at_text = rest.strip().partition("@")
    amount = _parse_amount(item, amount_text.strip())
    at: time | None = None
    if has_at:
        match = _AT.fullmatch(at_text.strip())
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise _fail(item, f"has an invalid time {at_text.strip()!r} after '@' (use HH:MM)")
        if amount % _DAY != timedelta(0):
            raise _fail(
                item,
                f"uses @HH:MM with {amount_text.strip()!r}, which is not a whole number of days",
            )
        at = time(int(match[1]), int(match[2]))
    return Offset(name=name, amount=amount, days=amount.days, at=at)


def parse_schedule(spec: str) -> dict[str, Offset]:
    """``announce=14d@09:00,reminder=1d@09:00,starting=15m`` as offsets by name, in spec order.

    Raises ``ValueError`` with a one-line English message naming the bad item.
    """
    if not spec.strip():
        raise ValueError(f"{SETTING} is empty (e.g. {DEFAULT_SCHEDULE!r})")
    offsets: dict[str, Offset] = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            raise ValueError(f"{SETTING} has an empty item (a stray comma?) in {spec.strip()!r}")
        offset = _parse_item(item)
        if offset.name in offsets:
            raise _fail(item, f"repeats the name {offset.name!r}")
        offsets[offset.name] = offset
    return offsets


def due_at(start_utc: datetime, offset: Offset, tz: ZoneInfo) -> datetime:
    """The UTC instant a post with ``offset`` is due for a meeting starting at ``start_utc``."""
    if start_utc.tzinfo is None or start_utc.utcoffset() is None:
        raise ValueError("due_at needs an aware start time")
    local = start_utc.astimezone(tz)
    if offset.at is not None:
        return local_to_utc(local.date() - timedelta(days=offset.days), offset.at, tz)
    if offset.whole_days:
        return local_to_utc(local.date() - timedelta(days=offset.days), local.time(), tz)
    return (start_utc - offset.amount).astimezone(UTC)
