"""What every seat rule needs: finding seats, holders and coordinators, and what follows
when a seat changes hands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.rule import seat_slots, slots_of
from bot.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Municipality,
    Network,
    OfferStatus,
    Person,
    Seat,
    SeatKind,
    SeatOffer,
    SeatStatus,
)


@dataclass(frozen=True, slots=True)
class SeatRef:
    kind: SeatKind
    slot: int


def seat_ref(
    session: Session, network: Network, kind: SeatKind, slot: int | None, typed: str
) -> SeatRef:
    """The seat of the network's rule that a member named (``typed``): a kind with one slot
    needs no number; a slot the rule does not have is refused, naming the seats it has."""
    slots = slots_of(session, network, kind)
    if slot is None and len(slots) == 1:
        return SeatRef(kind, slots[0])
    if slot is not None and slot in slots:
        return SeatRef(kind, slot)
    raise DomainError(
        ErrorKind.SEAT_SPEC_INVALID, value=typed, seats=list(seat_slots(session, network))
    )


def seat_of(session: Session, network: Network, person: Person) -> Seat | None:
    return session.scalars(_SEAT_OF, {"network": network.id, "holder": person.id}).one_or_none()


# Read on most requests, so built once with its parameters bound per call.
_SEAT_OF = select(Seat).where(
    Seat.network_id == bindparam("network"), Seat.holder_id == bindparam("holder")
)


def held_seat(session: Session, network: Network, person: Person) -> Seat:
    seat = seat_of(session, network, person)
    if seat is None or seat.status != SeatStatus.HELD.value:
        raise DomainError(ErrorKind.NOT_HOLDER)
    return seat


def municipality_of(session: Session, code: int) -> Municipality:
    municipality = session.get(Municipality, code)
    assert municipality is not None
    return municipality


def ensure_seatless(session: Session, network: Network, person: Person) -> None:
    """One seat per person: someone who holds one (or waits for one) cannot be given another."""
    has = seat_of(session, network, person)
    if has is not None:
        raise DomainError(
            ErrorKind.TARGET_HAS_SEAT,
            name=person.name,
            municipality=municipality_of(session, has.municipality_code).name,
        )


def is_coordinator(session: Session, network: Network, person: Person, code: int) -> bool:
    coordinator = coordinator_of(session, network, code)
    return coordinator is not None and coordinator.id == person.id


def seat_at(
    session: Session, network: Network, code: int, ref: SeatRef, *, lock: bool = False
) -> Seat:
    query = select(Seat).where(
        Seat.network_id == network.id,
        Seat.municipality_code == code,
        Seat.kind == ref.kind.value,
        Seat.slot == ref.slot,
    )
    if lock:  # PostgreSQL: hold the row, so "who held it before" stays true until we write
        query = query.with_for_update(of=Seat)
    seat = session.scalars(query).one_or_none()
    if seat is None:
        raise DomainError(
            ErrorKind.SEAT_SPEC_INVALID,
            seat_kind=ref.kind,
            seat_slot=ref.slot,
            seats=list(seat_slots(session, network)),
        )
    return seat


def holder_of(session: Session, seat: Seat) -> Person | None:
    return session.get(Person, seat.holder_id) if seat.holder_id else None


def ensure_not_substitute(session: Session, person: Person, now: datetime) -> None:
    """Someone who is a substitute at a coming meeting cannot take a seat of their own: they
    would sit on two seats of that meeting."""
    number = session.scalar(
        select(Meeting.number)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(
            Attendance.person_id == person.id,
            Attendance.role == "substitute",
            Attendance.status != "declined",
            Meeting.ends_at > now,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    if number is not None:
        raise DomainError(ErrorKind.SUBSTITUTE_ELSEWHERE, name=person.name, number=number)


def coordinator_of(session: Session, network: Network, municipality_code: int) -> Person | None:
    """The municipality's contact person: the holder of its fixed seat (approved)."""
    params = {"network": network.id, "code": municipality_code}
    return session.scalars(_COORDINATOR_OF, params).first()


_COORDINATOR_OF = (
    select(Person)
    .join(Seat, Seat.holder_id == Person.id)
    .where(
        Seat.network_id == bindparam("network"),
        Seat.municipality_code == bindparam("code"),
        Seat.kind == SeatKind.FIXED.value,
        Seat.status == SeatStatus.HELD.value,
    )
)


def live_meeting(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise DomainError(ErrorKind.MEETING_CANCELLED, number=meeting.number)
    if meeting.ends_at <= now:
        raise DomainError(ErrorKind.MEETING_OVER, number=meeting.number)


def seat_changed_hands(
    session: Session, seat: Seat, now: datetime, previous_holder_id: int | None = None
) -> None:
    """After a seat changes holder (handover, swap, release, a facilitator's correction): open
    offers about it no longer describe it, the old holder's own open offers (as coordinator,
    about other seats) no longer have their authority, and the old holder's regrets or
    confirmations for coming meetings are not the new holder's."""
    about_it = or_(SeatOffer.seat_id == seat.id, SeatOffer.counter_seat_id == seat.id)
    if previous_holder_id is not None:
        about_it = or_(about_it, SeatOffer.from_person_id == previous_holder_id)
    session.execute(
        update(SeatOffer)
        .where(
            about_it,
            SeatOffer.status == OfferStatus.PENDING.value,
        )
        .values(status=OfferStatus.VOID.value, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    coming = select(Meeting.id).where(Meeting.ends_at > now)
    for row in session.scalars(
        select(Attendance).where(
            Attendance.seat_id == seat.id,
            Attendance.role == "holder",
            Attendance.meeting_id.in_(coming),
        )
    ):
        session.delete(row)
    session.flush()
