"""Domain errors: a kind that maps to one Danish sentence in ``bot.texts`` plus its parameters."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    MUNICIPALITY_MISSING = "municipality_missing"
    MUNICIPALITY_UNKNOWN = "municipality_unknown"  # params: query, suggestions: list[str]
    MUNICIPALITY_AMBIGUOUS = "municipality_ambiguous"  # params: query, choices: list[str]
    NOT_A_MUNICIPALITY = "not_a_municipality"  # params: query, name
    SEAT_KIND_UNKNOWN = "seat_kind_unknown"  # params: value
    ALREADY_REGISTERED = "already_registered"  # params: municipality (SeatOverview), seat
    FIXED_SEAT_TAKEN = "fixed_seat_taken"  # params: municipality (SeatOverview)
    FLEXIBLE_SEATS_TAKEN = "flexible_seats_taken"  # params: municipality (SeatOverview)
    MUNICIPALITY_FULL = "municipality_full"  # params: municipality (SeatOverview)
    NOT_REGISTERED = "not_registered"
    NETWORK_UNKNOWN = "network_unknown"  # params: slug
    TEXT_TOO_LONG = "text_too_long"  # params: field, limit
    # Dates and times as Danes write them (bot.domain.timeparse)
    DATE_MISSING = "date_missing"
    DATE_INVALID = "date_invalid"  # params: value (not understood as a date)
    DATE_IMPOSSIBLE = "date_impossible"  # params: value (e.g. 31. juni)
    DATE_IN_PAST = "date_in_past"  # params: value
    TIME_MISSING = "time_missing"
    TIME_INVALID = "time_invalid"  # params: value
    TIME_RANGE_INVALID = "time_range_invalid"  # params: value (end not after start)
    # Meetings and agendas
    NOT_FACILITATOR = "not_facilitator"
    MEETING_MISSING = "meeting_missing"  # no reference given where one is needed
    MEETING_UNKNOWN = "meeting_unknown"  # params: ref
    MEETING_AMBIGUOUS = "meeting_ambiguous"  # params: ref, numbers
    MEETING_CANCELLED = "meeting_cancelled"  # params: number
    MEETING_OVER = "meeting_over"  # params: number
    NO_UPCOMING_MEETING = "no_upcoming_meeting"
    TITLE_MISSING = "title_missing"
    FORMAT_MISSING = "format_missing"
    OPTION_UNKNOWN = "option_unknown"  # params: value, allowed
    ITEM_UNKNOWN = "item_unknown"  # params: number, position
    NUMBER_INVALID = "number_invalid"  # params: value, field
    NEWS_MISSING = "news_missing"
    NO_CHANNEL = "no_channel"


class DomainError(Exception):
    """A rule of the network said no. ``kind`` selects the Danish text, ``params`` fill it in."""

    def __init__(self, kind: ErrorKind, **params: Any) -> None:
        super().__init__(f"{kind.value}: {params}")
        self.kind = kind
        self.params = params
