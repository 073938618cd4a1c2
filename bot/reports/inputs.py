"""What the renderers take: small frozen records of plain data, built by the queries in phase 2.

Every record is immutable and hashable, so a tuple of them is a cache key for the picture or file
made from it (see ``cache.py``). Region grouping keeps the order in which regions first appear in
the input, so the caller (which already sorts municipalities by region for selects) decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class MapState(StrEnum):
    """How a municipality stands in the network, one colour each on the map."""

    FULL = "full"  # a member with every seat filled
    FREE_SEATS = "free_seats"  # a member with at least one free seat
    PENDING = "pending"  # not a member, but a registration waits for approval
    NOT_MEMBER = "not_member"


@dataclass(frozen=True, slots=True)
class MunicipalityState:
    code: int  # DAGI kommunekode, 101 … 860
    name: str
    region: str  # "Region Hovedstaden"
    state: MapState
    seats_held: int = 0
    seats_total: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.seats_held <= self.seats_total:
            raise ValueError(f"seats held must be within 0..total: {self}")


class AttendanceMark(StrEnum):
    """What Klimanet knows about one municipality at one meeting."""

    COMING = "coming"  # someone from the municipality said yes
    SUBSTITUTE = "substitute"  # a substitute accepted
    REGRETS = "regrets"  # everyone expected sent regrets
    NO_ANSWER = "no_answer"
    # A held meeting whose attendance a facilitator confirmed (fremmøde): who actually came.
    PRESENT = "present"  # someone from the municipality came
    ABSENT = "absent"  # nobody expected from it came


# The marks that count as "the municipality was (or will be) there".
PRESENT_MARKS = frozenset(
    {AttendanceMark.COMING, AttendanceMark.SUBSTITUTE, AttendanceMark.PRESENT}
)


@dataclass(frozen=True, slots=True)
class MeetingColumn:
    meeting_id: int
    day: date  # the meeting's date on the Copenhagen wall clock
    held: bool  # True once it has taken place; cancelled meetings are left out by the caller


@dataclass(frozen=True, slots=True)
class Member:
    """A member municipality: one row of the heatmap or the themes matrix."""

    code: int
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class AttendanceCell:
    """One municipality at one meeting. A missing cell means it was not expected (not a member)."""

    municipality_code: int
    meeting_id: int
    mark: AttendanceMark


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """A member municipality and its seat holders' fagområder, one inner tuple per holder."""

    code: int
    name: str
    region: str
    holders: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class MemberExportRow:
    """One seat: ``eksport medlemmer``. A free seat has no holder, title or fagområder."""

    municipality: str
    region: str
    seat: str  # "Fast plads", "Fleksibel plads 1"
    holder: str | None
    title: str | None
    fagomraader: tuple[str, ...]
    since: datetime | None  # aware; shown on the Copenhagen wall clock


@dataclass(frozen=True, slots=True)
class AttendanceExportRow:
    """One meeting and seat: ``eksport deltagelse``."""

    meeting: str
    day: date
    municipality: str
    seat: str
    holder: str | None
    substitute: str | None
    answer: AttendanceMark
    # The meeting's attendance was confirmed: ``answer`` is who came (PRESENT or ABSENT), not
    # what people answered beforehand.
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class HistoryExportRow:
    """One seat event: ``eksport historik``. ``event`` is already the Danish word for it."""

    at: datetime  # aware
    municipality: str
    seat: str
    event: str
    person: str | None
    before: str | None
    by_whom: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class FeedbackExportRow:
    """One answer to "Hvordan var mødet?": ``eksport feedback``."""

    meeting: str
    day: date
    rating: int
    comment: str
    signed_by: str | None  # only when the person chose to sign their comment
