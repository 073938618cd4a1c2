"""The seat history: an append-only record of every change, and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_objects
from bot.models import (
    Meeting,
    Municipality,
    Network,
    Person,
    Seat,
    SeatAction,
    SeatEvent,
    SeatKind,
)

# ``session.info`` key: the events ``record`` wrote in the session's current transaction.
RECORDED = "klimanet.seat_events_recorded"


def record(
    session: Session,
    seat: Seat,
    action: SeatAction,
    now: datetime,
    *,
    person: Person | None = None,
    previous: Person | None = None,
    actor: Person | None = None,
    reason: str = "",
    **details: object,
) -> SeatEvent:
    """Append the change to the history at once, in the caller's transaction.

    A Core INSERT, not the ORM's unit of work, which cost more than the statement in every
    registration of a burst. The event comes back as if loaded (its id set), and the change is
    noted in ``session.info`` for whoever plans from it before the commit (``RECORDED``: the
    App Home refresh).
    """
    if any(p is not None and p.id is None for p in (person, previous, actor)) or seat.id is None:
        session.flush()  # someone new in this transaction: their row first, for its id
    values = {
        "network_id": seat.network_id,
        "municipality_code": seat.municipality_code,
        "seat_id": seat.id,
        "kind": seat.kind,
        "slot": seat.slot,
        "action": action.value,
        "person_id": person.id if person else None,
        "previous_person_id": previous.id if previous else None,
        "actor_id": actor.id if actor else None,
        "reason": reason[:500],
        "created_at": now,
        "details": dict(details),
    }
    (event,) = insert_objects(session, SeatEvent, [values])
    session.info.setdefault(RECORDED, []).append(event)
    return event


# -- history ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    municipality: str
    kind: SeatKind
    slot: int
    action: str
    person: str | None
    previous: str | None
    actor: str | None
    reason: str
    # When the event is about one meeting (regrets, a substitute): when that meeting starts.
    meeting_at: datetime | None = None


# An applicant turned down never held the seat: the history names them as the one the event is
# about, never as the seat's former holder.
NEVER_HELD = frozenset({SeatAction.REJECTED.value})


def history(
    session: Session, network: Network, code: int | None, limit: int | None = 40
) -> list[HistoryLine]:
    """The latest ``limit`` events (all of them with None, for the export), oldest first."""
    query = (
        select(SeatEvent, Municipality.name)
        .join(Municipality, Municipality.code == SeatEvent.municipality_code)
        .where(SeatEvent.network_id == network.id)
        .order_by(SeatEvent.id.desc())
        .limit(limit)
    )
    if code is not None:
        query = query.where(SeatEvent.municipality_code == code)
    events = session.execute(query).all()
    people = {p.id: p.name for p in session.scalars(select(Person))}
    meeting_ids = {m for event, _ in events if (m := _meeting_of(event)) is not None}
    starts: dict[int, datetime] = {}
    if meeting_ids:
        found = session.execute(
            select(Meeting.id, Meeting.starts_at).where(Meeting.id.in_(meeting_ids))
        )
        starts = {meeting_id: at for meeting_id, at in found.tuples()}
    lines = []
    for event, name in reversed(events):
        person = people.get(event.person_id) if event.person_id else None
        previous = people.get(event.previous_person_id) if event.previous_person_id else None
        if event.action in NEVER_HELD:
            person, previous = person or previous, None
        meeting = _meeting_of(event)
        lines.append(
            HistoryLine(
                at=event.created_at,
                municipality=name,
                kind=SeatKind(event.kind),
                slot=event.slot,
                action=event.action,
                person=person,
                previous=previous,
                actor=people.get(event.actor_id) if event.actor_id else None,
                reason=event.reason,
                meeting_at=starts.get(meeting) if meeting is not None else None,
            )
        )
    return lines


def _meeting_of(event: SeatEvent) -> int | None:
    """The meeting an event is about (regrets, a substitute), from its details."""
    value = (event.details or {}).get("meeting_id")
    return value if isinstance(value, int) else None
