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
    ALREADY_REGISTERED = "already_registered"  # params: municipality, seat_label
    FIXED_SEAT_TAKEN = "fixed_seat_taken"  # params: municipality, holder, free_flexible
    FLEXIBLE_SEATS_TAKEN = "flexible_seats_taken"  # params: municipality, holders
    MUNICIPALITY_FULL = "municipality_full"  # params: municipality, holders
    NOT_REGISTERED = "not_registered"
    NETWORK_UNKNOWN = "network_unknown"  # params: slug
    TEXT_TOO_LONG = "text_too_long"  # params: field, limit


class DomainError(Exception):
    """A rule of the network said no. ``kind`` selects the Danish text, ``params`` fill it in."""

    def __init__(self, kind: ErrorKind, **params: Any) -> None:
        super().__init__(f"{kind.value}: {params}")
        self.kind = kind
        self.params = params
