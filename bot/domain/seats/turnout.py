"""Who was there: every seat's answer at every meeting, held or coming, for KL's overview.

Who was *expected* at a meeting is whoever held the seat, approved, when the meeting began: the
seat history is replayed up to its start. So a municipality that joined later is not counted as
absent from the meetings before, and a holder who has left since still counts for the meetings
they were expected at. For a coming meeting the replay gives today's holders. What people
answered is in the attendance rows (a "yes", regrets, an accepted substitute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingAttendanceConfirmed,
    MeetingPresence,
    MeetingStatus,
    Network,
    Seat,
    SeatAction,
    SeatEvent,
    SeatKind,
)

# History actions after which the event's person holds the seat, approved; and those after which
# nobody approved does (a request holds the seat for an applicant who is not let in yet).
_APPROVED_HOLDER = frozenset(
    {
        SeatAction.REGISTERED,
        SeatAction.APPROVED,
        SeatAction.HANDED_OVER,
        SeatAction.SWAPPED,
        SeatAction.ADMIN_SET,
        SeatAction.TOOK_OVER,
    }
)
_NO_APPROVED_HOLDER = frozenset(
    {
        SeatAction.REQUESTED,
        SeatAction.REJECTED,
        SeatAction.RELEASED,
        SeatAction.ADMIN_FREED,
        SeatAction.LEFT_FOR_FIXED,
        SeatAction.ERASED,
        SeatAction.DEACTIVATED,
    }
)


class Answer(StrEnum):
    """One seat at one meeting."""

    COMING = "coming"  # the holder said yes
    SUBSTITUTE = "substitute"  # a substitute accepted (and has not sent regrets)
    REGRETS = "regrets"
    NO_ANSWER = "no_answer"
    # A held meeting whose attendance was confirmed (fremmøde): who came, not the answers.
    PRESENT = "present"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class SeatTurnout:
    meeting_id: int
    seat_id: int
    municipality_code: int
    kind: SeatKind
    slot: int
    holder_id: int | None  # the approved holder when the meeting began
    substitute_id: int | None
    answer: Answer
    # The meeting's attendance was confirmed: ``answer`` is PRESENT or ABSENT.
    confirmed: bool = False


def overview_meetings(session: Session, network: Network) -> list[Meeting]:
    """The meetings KL's overview shows: all but the cancelled, oldest first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.network_id == network.id,
                Meeting.status != MeetingStatus.CANCELLED.value,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def approved_holders_at(
    session: Session, network: Network, moments: Sequence[datetime]
) -> list[dict[int, int]]:
    """For each moment (in the order given): seat id → its approved holder's person id then."""
    events = session.execute(
        select(SeatEvent.seat_id, SeatEvent.action, SeatEvent.person_id, SeatEvent.created_at)
        .where(SeatEvent.network_id == network.id)
        .order_by(SeatEvent.created_at, SeatEvent.id)
    ).all()
    order = sorted(range(len(moments)), key=lambda i: moments[i])
    result: list[dict[int, int]] = [{} for _ in moments]
    holders: dict[int, int] = {}
    applied = 0
    for index in order:
        while applied < len(events) and events[applied].created_at <= moments[index]:
            seat_id, action, person_id, _ = events[applied]
            if action in _APPROVED_HOLDER and person_id is not None:
                holders[seat_id] = person_id
            elif action in _NO_APPROVED_HOLDER:
                holders.pop(seat_id, None)
            applied += 1
        result[index] = dict(holders)
    return result


@dataclass(frozen=True, slots=True)
class _Row:
    """An attendance row, as plain values (thousands of them: no ORM objects)."""

    person_id: int
    role: str
    status: str


def _answer(row: _Row | None) -> tuple[Answer, int | None]:
    """The seat's answer from its attendance row, and the substitute if one is on it."""
    if row is None:
        return Answer.NO_ANSWER, None
    declined = row.status == AttendanceStatus.DECLINED.value
    if row.role == "substitute":
        return (Answer.REGRETS if declined else Answer.SUBSTITUTE), row.person_id
    if declined:
        return Answer.REGRETS, None
    if row.status == AttendanceStatus.CONFIRMED.value:
        return Answer.COMING, None
    return Answer.NO_ANSWER, None


def turnout(session: Session, network: Network, meetings: Sequence[Meeting]) -> list[SeatTurnout]:
    """Every seat that was expected at, or answered for, each meeting: meetings in the order
    given, seats by municipality code, fixed seat first."""
    if not meetings:
        return []
    seats = {
        seat_id: (code, SeatKind(kind), slot)
        for seat_id, code, kind, slot in session.execute(
            select(Seat.id, Seat.municipality_code, Seat.kind, Seat.slot).where(
                Seat.network_id == network.id
            )
        )
    }
    rows: dict[int, dict[int, _Row]] = {m.id: {} for m in meetings}
    for meeting_id, seat_id, person_id, role, status in session.execute(
        select(
            Attendance.meeting_id,
            Attendance.seat_id,
            Attendance.person_id,
            Attendance.role,
            Attendance.status,
        ).where(Attendance.meeting_id.in_(list(rows)))
    ):
        rows[meeting_id][seat_id] = _Row(person_id, role, status)
    came = _came(session, list(rows))
    holders_then = approved_holders_at(session, network, [m.starts_at for m in meetings])
    result: list[SeatTurnout] = []
    for meeting, holders in zip(meetings, holders_then, strict=True):
        answered = rows[meeting.id]
        counted = sorted(
            (seat_id for seat_id in set(holders) | set(answered) if seat_id in seats),
            key=lambda seat_id: (
                seats[seat_id][0],
                seats[seat_id][1] != SeatKind.FIXED,
                seats[seat_id][2],
            ),
        )
        for seat_id in counted:
            code, kind, slot = seats[seat_id]
            answer, substitute = _answer(answered.get(seat_id))
            marks = came.get(meeting.id)
            if marks is not None:
                # Confirmed: whoever filled the seat came or not; the answers are history.
                there = substitute if substitute is not None else holders.get(seat_id)
                answer = Answer.PRESENT if marks.get(there or 0, False) else Answer.ABSENT
            result.append(
                SeatTurnout(
                    meeting_id=meeting.id,
                    seat_id=seat_id,
                    municipality_code=code,
                    kind=kind,
                    slot=slot,
                    holder_id=holders.get(seat_id),
                    substitute_id=substitute,
                    answer=answer,
                    confirmed=marks is not None,
                )
            )
    return result


def _came(session: Session, meeting_ids: list[int]) -> dict[int, dict[int, bool]]:
    """For each meeting whose attendance was confirmed: person id → whether they came."""
    confirmed = set(
        session.scalars(
            select(MeetingAttendanceConfirmed.meeting_id).where(
                MeetingAttendanceConfirmed.meeting_id.in_(meeting_ids)
            )
        )
    )
    found: dict[int, dict[int, bool]] = {m: {} for m in confirmed}
    if confirmed:
        for meeting_id, person_id, present in session.execute(
            select(
                MeetingPresence.meeting_id, MeetingPresence.person_id, MeetingPresence.present
            ).where(MeetingPresence.meeting_id.in_(list(confirmed)))
        ):
            found[meeting_id][person_id] = present
    return found


def municipality_answer(answers: Sequence[Answer]) -> Answer | None:
    """A municipality at a meeting, from its seats' answers: there if anyone said yes (or a
    substitute accepted), regrets only when every seat expected sent them; None when none of its
    seats was expected (it was not a member then)."""
    found = set(answers)
    if not found:
        return None
    if Answer.PRESENT in found or Answer.ABSENT in found:
        return Answer.PRESENT if Answer.PRESENT in found else Answer.ABSENT
    for answer in (Answer.COMING, Answer.SUBSTITUTE):
        if answer in found:
            return answer
    return Answer.REGRETS if found == {Answer.REGRETS} else Answer.NO_ANSWER
