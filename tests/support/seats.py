"""What the database says about seats, offers and requests: tests compare it with the replies."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.db import SessionFactory
from bot.domain.registration import Actor
from bot.models import Attendance, Meeting, Person, Seat, SeatEvent, SeatOffer, SeatRequest

AARHUS, ODENSE, VEJLE = 751, 461, 630


def latest(sessions: SessionFactory, model: type) -> int:
    """The newest row's id (0 for none)."""
    with sessions() as session:
        return int(session.scalar(select(func.max(model.id))) or 0)  # type: ignore[attr-defined]


def holder(sessions: SessionFactory, code: int, kind: str, slot: int = 1) -> str | None:
    """The user id holding a municipality's seat (pending or held), or None."""
    with sessions() as session:
        return session.scalar(
            select(Person.account)
            .join(Seat, Seat.holder_id == Person.id)
            .where(Seat.municipality_code == code, Seat.kind == kind, Seat.slot == slot)
        )


def holders(sessions: SessionFactory, code: int) -> dict[tuple[str, int], str | None]:
    """Every seat of a municipality, ``(kind, slot) -> user id``; empty seats map to None."""
    with sessions() as session:
        rows = session.execute(
            select(Seat.kind, Seat.slot, Person.account)
            .outerjoin(Person, Person.id == Seat.holder_id)
            .where(Seat.municipality_code == code)
        ).all()
    return {(kind, slot): user_id for kind, slot, user_id in rows}


def offer_status(sessions: SessionFactory, offer_id: int) -> str:
    with sessions() as session:
        offer = session.get(SeatOffer, offer_id)
        assert offer is not None, offer_id
        return offer.status


def request_status(sessions: SessionFactory, request_id: int) -> str:
    with sessions() as session:
        request = session.get(SeatRequest, request_id)
        assert request is not None, request_id
        return request.status


def pending_offer_to(sessions: SessionFactory, actor: Actor) -> int | None:
    """The open offer to ``actor`` (there is at most one), or None."""
    with sessions() as session:
        found = session.scalar(
            select(SeatOffer.id)
            .join(Person, Person.id == SeatOffer.to_person_id)
            .where(Person.account == actor.user_id, SeatOffer.status == "pending")
        )
        return None if found is None else int(found)


def pending_request_of(sessions: SessionFactory, actor: Actor) -> int | None:
    """The registration of ``actor`` that waits for approval, or None."""
    with sessions() as session:
        found = session.scalar(
            select(SeatRequest.id)
            .join(Person, Person.id == SeatRequest.person_id)
            .where(Person.account == actor.user_id, SeatRequest.status == "pending")
        )
        return None if found is None else int(found)


def events(sessions: SessionFactory, action: str, **details: int) -> int:
    """How many seat events of ``action`` carry ``details`` (e.g. ``offer_id=3``)."""
    with sessions() as session:
        rows = session.scalars(select(SeatEvent).where(SeatEvent.action == action)).all()
        return sum(1 for r in rows if all(r.details.get(k) == v for k, v in details.items()))


class Event(NamedTuple):
    action: str
    kind: str
    slot: int
    person: str | None  # user ids
    previous: str | None
    reason: str


def history(sessions: SessionFactory, code: int) -> list[Event]:
    """A municipality's seat history, oldest first, with people as user ids."""
    person, previous = aliased(Person), aliased(Person)
    with sessions() as session:
        rows = session.execute(
            select(
                SeatEvent.action,
                SeatEvent.kind,
                SeatEvent.slot,
                person.account,
                previous.user_id,
                SeatEvent.reason,
            )
            .outerjoin(person, person.id == SeatEvent.person_id)
            .outerjoin(previous, previous.id == SeatEvent.previous_person_id)
            .where(SeatEvent.municipality_code == code)
            .order_by(SeatEvent.id)
        ).all()
    return [Event(*row) for row in rows]


def attendance(
    sessions: SessionFactory, number: int
) -> dict[tuple[int, str, int], tuple[str, str, str]]:
    """Who fills which seat at meeting ``number`` where it is not simply the holder by default:
    ``(municipality, kind, slot) -> (user id, role, status)``."""
    with sessions() as session:
        rows = session.execute(
            select(
                Seat.municipality_code,
                Seat.kind,
                Seat.slot,
                Person.account,
                Attendance.role,
                Attendance.status,
            )
            .join(Seat, Seat.id == Attendance.seat_id)
            .join(Person, Person.id == Attendance.person_id)
            .join(Meeting, Meeting.id == Attendance.meeting_id)
            .where(Meeting.number == number)
        ).all()
    return {
        (code, kind, slot): (user, role, status) for code, kind, slot, user, role, status in rows
    }
