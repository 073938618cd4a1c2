"""Leaving at once (erasure, a deactivated account): the seat, offers, requests and substitute
places are let go, and requests waiting for an erased coordinator go to the facilitators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.seats.approvals import pending_coordinator_requests
from bot.domain.seats.common import seat_changed_hands, seat_of
from bot.domain.seats.history import record
from bot.domain.subscriptions import revoke_all as revoke_calendar_links
from bot.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    Network,
    OfferStatus,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatKind,
    SeatOffer,
    SeatRequest,
    SeatStatus,
)

# What a pseudonym is called (the history and every message show it in place of a name).


@dataclass(frozen=True, slots=True)
class Vacated:
    """What leaving changed, for the notices that follow."""

    seat_id: int | None = None
    municipality_code: int | None = None
    kind: SeatKind | None = None
    slot: int = 0
    was_held: bool = False  # an approved seat, not a registration that still waited
    was_coordinator: bool = False
    event_id: int | None = None  # the history event of the release
    offers: tuple[int, ...] = ()  # open offers (from, to or about them) made void
    cancelled_requests: tuple[int, ...] = ()  # their own registration that waited
    to_facilitators: tuple[int, ...] = ()  # registrations that waited for them as coordinator
    # Coming meetings where they were a substitute: (meeting id, seat id); the seat is free there.
    substitute_places: tuple[tuple[int, int], ...] = field(default_factory=tuple)


def vacate(
    session: Session,
    network: Network,
    person: Person,
    now: datetime,
    action: SeatAction,
    *,
    actor: Person | None = None,
    reason: str = "",
) -> Vacated:
    """The person leaves the network now: their seat is released (one history event,
    ``action``), their open offers and their waiting registration end, their places as a
    substitute at coming meetings are given up, and registrations that waited for them as
    coordinator go to the facilitators."""
    seat = seat_of(session, network, person)
    # Their calendar links stop working with the account (erasure, deactivation).
    revoke_calendar_links(session, person.id)
    offers = _void_offers(session, network, person, seat, now)
    places = _give_up_substitute_places(session, person, now)
    if seat is None:
        return Vacated(offers=offers, substitute_places=places)
    was_held = seat.status == SeatStatus.HELD.value
    was_coordinator = was_held and seat.kind == SeatKind.FIXED.value
    session.execute(
        update(Seat)
        .where(Seat.id == seat.id, Seat.holder_id == person.id)
        .values(holder_id=None, held_since=None, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False)
    )
    cancelled = _cancel_requests(
        session, SeatRequest.seat_id == seat.id, SeatRequest.person_id == person.id, now=now
    )
    seat_changed_hands(session, seat, now, person.id)
    event = record(session, seat, action, now, previous=person, actor=actor, reason=reason)
    session.flush()
    session.refresh(seat)
    handed = (
        _hand_to_facilitators(session, network, seat.municipality_code) if was_coordinator else ()
    )
    return Vacated(
        seat_id=seat.id,
        municipality_code=seat.municipality_code,
        kind=SeatKind(seat.kind),
        slot=seat.slot,
        was_held=was_held,
        was_coordinator=was_coordinator,
        event_id=event.id,
        offers=offers,
        cancelled_requests=cancelled,
        to_facilitators=handed,
        substitute_places=places,
    )


def _void_offers(
    session: Session, network: Network, person: Person, seat: Seat | None, now: datetime
) -> tuple[int, ...]:
    about: ColumnElement[bool] = or_(
        SeatOffer.from_person_id == person.id, SeatOffer.to_person_id == person.id
    )
    if seat is not None:
        about = or_(about, SeatOffer.seat_id == seat.id, SeatOffer.counter_seat_id == seat.id)
    ids = tuple(
        session.scalars(
            select(SeatOffer.id)
            .where(
                SeatOffer.network_id == network.id,
                SeatOffer.status == OfferStatus.PENDING.value,
                about,
            )
            .order_by(SeatOffer.id)
        )
    )
    if ids:
        session.execute(
            update(SeatOffer)
            .where(SeatOffer.id.in_(ids), SeatOffer.status == OfferStatus.PENDING.value)
            .values(status=OfferStatus.VOID.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def _give_up_substitute_places(
    session: Session, person: Person, now: datetime
) -> tuple[tuple[int, int], ...]:
    """Their places as a substitute at coming meetings become regrets: the seat is free for
    that meeting (the holder had handed it on, so they are not expected either)."""
    coming = select(Meeting.id).where(Meeting.ends_at > now)
    rows = session.scalars(
        select(Attendance).where(
            Attendance.person_id == person.id,
            Attendance.role == "substitute",
            Attendance.status != AttendanceStatus.DECLINED.value,
            Attendance.meeting_id.in_(coming),
        )
    ).all()
    for row in rows:
        row.status, row.updated_at = AttendanceStatus.DECLINED.value, now
    session.flush()
    return tuple((row.meeting_id, row.seat_id) for row in rows)


def _cancel_requests(
    session: Session, *conditions: ColumnElement[bool], now: datetime
) -> tuple[int, ...]:
    ids = tuple(
        session.scalars(
            select(SeatRequest.id).where(
                SeatRequest.status == RequestStatus.PENDING.value, *conditions
            )
        )
    )
    if ids:
        session.execute(
            update(SeatRequest)
            .where(SeatRequest.id.in_(ids))
            .values(status=RequestStatus.CANCELLED.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def _hand_to_facilitators(session: Session, network: Network, code: int) -> tuple[int, ...]:
    """Registrations that waited for the municipality's coordinator, who is gone: a
    facilitator decides them now."""
    ids = tuple(pending_coordinator_requests(session, network, code))
    if ids:
        session.execute(
            update(SeatRequest)
            .where(SeatRequest.id.in_(ids))
            .values(approver="facilitator")
            .execution_options(synchronize_session=False)
        )
    return ids
