"""A municipality that lost its coordinator: the fixed seat is offered to the holders of its
other seats, and the first to accept takes it.

Taking it is a conditional ``UPDATE … WHERE holder_id IS NULL`` in the same transaction that
lets go of the taker's own seat (one seat per person), so two who accept at once cannot both
win: the second finds the seat taken, and their own seat is as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.common import holder_of, municipality_of, seat_changed_hands, seat_of
from bot.domain.seats.history import record
from bot.models import Network, Person, Seat, SeatAction, SeatKind, SeatStatus


def heirs(session: Session, network: Network, code: int) -> list[Person]:
    """Who may take the municipality's free fixed seat: the approved holders of its other
    seats, in seat order."""
    return list(
        session.scalars(
            select(Person)
            .join(Seat, Seat.holder_id == Person.id)
            .where(
                Seat.network_id == network.id,
                Seat.municipality_code == code,
                Seat.kind != SeatKind.FIXED.value,
                Seat.status == SeatStatus.HELD.value,
            )
            .order_by(Seat.slot)
        )
    )


def free_fixed_seat(session: Session, network: Network, seat_id: int) -> Seat | None:
    """The fixed seat ``seat_id`` of this network, if it is free."""
    seat = session.get(Seat, seat_id)
    if seat is None or seat.network_id != network.id or seat.kind != SeatKind.FIXED.value:
        return None
    return seat if seat.holder_id is None else None


@dataclass(frozen=True, slots=True)
class TakenOver:
    seat: Seat  # the fixed seat, now theirs
    left: Seat  # the seat they held before, now free
    event_id: int  # the history event of taking it


def take_fixed_seat(
    session: Session, network: Network, person: Person, seat_id: int, now: datetime
) -> TakenOver:
    """``person`` (holding another seat of the municipality) takes its free fixed seat and
    becomes the coordinator; their own seat is free. Refused with a clear answer when the seat
    was taken first, or when they no longer hold a seat there."""
    seat = session.get(Seat, seat_id)
    if seat is None or seat.network_id != network.id or seat.kind != SeatKind.FIXED.value:
        raise DomainError(ErrorKind.REQUEST_UNKNOWN)
    name = municipality_of(session, seat.municipality_code).name
    own = seat_of(session, network, person)
    if own is not None and own.id == seat.id:
        raise DomainError(ErrorKind.FIXED_SEAT_YOURS, municipality=name)
    if (
        own is None
        or own.status != SeatStatus.HELD.value
        or own.municipality_code != seat.municipality_code
    ):
        raise DomainError(ErrorKind.NOT_AN_HEIR, municipality=name)
    # One seat per person: let go of their own first, then take the fixed one only if it is
    # still free. A loser's transaction is rolled back whole, so they keep their own seat.
    let_go = rows_affected(
        session,
        update(Seat)
        .where(Seat.id == own.id, Seat.holder_id == person.id)
        .values(holder_id=None, held_since=None, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False),
    )
    took = let_go and rows_affected(
        session,
        update(Seat)
        .where(Seat.id == seat.id, Seat.holder_id.is_(None))
        .values(holder_id=person.id, held_since=now, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False),
    )
    if not took:  # the error rolls the whole transaction back: their own seat stays theirs
        session.refresh(seat)
        winner = holder_of(session, seat)
        raise DomainError(
            ErrorKind.FIXED_SEAT_CLAIMED,
            name=winner.name if winner is not None else "",
            municipality=name,
        )
    session.flush()
    session.refresh(seat)
    session.refresh(own)
    seat_changed_hands(session, own, now, person.id)
    seat_changed_hands(session, seat, now)
    record(session, own, SeatAction.LEFT_FOR_FIXED, now, previous=person, actor=person)
    event = record(session, seat, SeatAction.TOOK_OVER, now, person=person, actor=person)
    session.flush()
    return TakenOver(seat, own, event.id)
