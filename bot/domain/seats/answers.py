"""Answering offers: accept (and apply the change), decline, withdraw, expire.

Every answer is a conditional UPDATE on the offer's current state, and applying an accepted offer
is a conditional UPDATE on the seat's, so a double click, an accept racing a withdraw, or a seat
that moved on meanwhile end in one consistent state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.attendance import (
    attendance_of,
    refuse_if_holder_comes,
    refuse_if_substituted,
)
from bot.domain.seats.common import (
    ensure_not_substitute,
    is_coordinator,
    live_meeting,
    municipality_of,
    seat_changed_hands,
    seat_of,
)
from bot.domain.seats.history import record
from bot.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    Network,
    OfferKind,
    OfferStatus,
    Person,
    Seat,
    SeatAction,
    SeatOffer,
    SeatStatus,
)


@dataclass(frozen=True, slots=True)
class OfferOutcome:
    offer: SeatOffer
    offerer: Person
    target: Person
    seat: Seat
    counter_seat: Seat | None
    meeting: Meeting | None


def _outcome(session: Session, offer: SeatOffer) -> OfferOutcome:
    offerer = session.get(Person, offer.from_person_id)
    target = session.get(Person, offer.to_person_id)
    seat = session.get(Seat, offer.seat_id)
    assert offerer is not None and target is not None and seat is not None
    counter = session.get(Seat, offer.counter_seat_id) if offer.counter_seat_id else None
    meeting = session.get(Meeting, offer.meeting_id) if offer.meeting_id else None
    return OfferOutcome(offer, offerer, target, seat, counter, meeting)


def get_offer(session: Session, network: Network, offer_id: int) -> SeatOffer:
    offer = session.get(SeatOffer, offer_id)
    if offer is None or offer.network_id != network.id:
        raise DomainError(ErrorKind.OFFER_UNKNOWN)
    return offer


def _close(session: Session, offer: SeatOffer, status: OfferStatus, now: datetime) -> None:
    """Move a pending offer to ``status``; if someone else closed it first, say how it ended."""
    closed = rows_affected(
        session,
        update(SeatOffer)
        .where(SeatOffer.id == offer.id, SeatOffer.status == OfferStatus.PENDING.value)
        .values(status=status.value, decided_at=now)
        .execution_options(synchronize_session=False),
    )
    session.refresh(offer)
    if not closed:
        raise DomainError(ErrorKind.OFFER_CLOSED, status=offer.status)


def _expire_if_due(session: Session, offer: SeatOffer, now: datetime) -> None:
    if offer.status == OfferStatus.PENDING.value and offer.expires_at <= now:
        _close(session, offer, OfferStatus.EXPIRED, now)
        seat = session.get(Seat, offer.seat_id)
        assert seat is not None
        record(session, seat, SeatAction.EXPIRED, now, offer_id=offer.id)
        raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.EXPIRED.value)


def accept(
    session: Session, network: Network, offer_id: int, actor: Person, now: datetime
) -> OfferOutcome:
    offer = get_offer(session, network, offer_id)
    if offer.to_person_id != actor.id:
        raise DomainError(ErrorKind.OFFER_NOT_YOURS)
    if offer.status != OfferStatus.PENDING.value:
        raise DomainError(ErrorKind.OFFER_CLOSED, status=offer.status)
    _expire_if_due(session, offer, now)
    _close(session, offer, OfferStatus.ACCEPTED, now)
    outcome = _outcome(session, offer)
    match OfferKind(offer.kind):
        case OfferKind.HANDOVER:
            _apply_handover(session, network, outcome, now)
            seat_changed_hands(session, outcome.seat, now, outcome.offer.seat_holder_id)
        case OfferKind.SWAP:
            _apply_swap(session, outcome, now)
            seat_changed_hands(session, outcome.seat, now)
            if outcome.counter_seat is not None:
                seat_changed_hands(session, outcome.counter_seat, now)
        case OfferKind.SUBSTITUTE:
            _apply_substitute(session, network, outcome, now)
    session.flush()
    return _outcome(session, offer)


def _still_as_offered(session: Session, network: Network, o: OfferOutcome) -> None:
    """The seat must still have the holder it had when offered, and whoever offered someone
    else's (or a free) seat must still be the municipality's coordinator; else the offer is void."""
    expected = o.offer.seat_holder_id
    if o.seat.holder_id != expected or o.seat.status != SeatStatus.HELD.value:
        raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.VOID.value)
    if expected != o.offerer.id and not is_coordinator(
        session, network, o.offerer, o.seat.municipality_code
    ):
        raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.VOID.value)


def _apply_handover(session: Session, network: Network, o: OfferOutcome, now: datetime) -> None:
    if seat_of(session, network, o.target) is not None:
        raise DomainError(
            ErrorKind.YOU_HAVE_A_SEAT,
            municipality=municipality_of(session, o.seat.municipality_code).name,
        )
    ensure_not_substitute(session, o.target, now)
    _still_as_offered(session, network, o)
    expected = o.offer.seat_holder_id
    moved = rows_affected(
        session,
        update(Seat)
        .where(
            Seat.id == o.seat.id,
            Seat.holder_id == expected if expected is not None else Seat.holder_id.is_(None),
            Seat.status == SeatStatus.HELD.value,
        )
        .values(holder_id=o.target.id, held_since=now, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False),
    )
    if not moved:
        raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.VOID.value)
    session.refresh(o.seat)
    record(
        session,
        o.seat,
        SeatAction.HANDED_OVER,
        now,
        person=o.target,
        previous=o.offerer if expected else None,
        actor=o.target,
        offer_id=o.offer.id,
    )


def _apply_swap(session: Session, o: OfferOutcome, now: datetime) -> None:
    assert o.counter_seat is not None
    a, b = o.seat, o.counter_seat
    # Three steps so "one seat per person" holds after every statement.
    steps = [
        (a.id, o.offerer.id, None),
        (b.id, o.target.id, o.offerer.id),
        (a.id, None, o.target.id),
    ]
    for seat_id, before, after in steps:
        done = rows_affected(
            session,
            update(Seat)
            .where(
                Seat.id == seat_id,
                Seat.holder_id == before if before is not None else Seat.holder_id.is_(None),
            )
            .values(holder_id=after, held_since=now)
            .execution_options(synchronize_session=False),
        )
        if not done:
            raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.VOID.value)
    session.refresh(a)
    session.refresh(b)
    record(
        session,
        a,
        SeatAction.SWAPPED,
        now,
        person=o.target,
        previous=o.offerer,
        actor=o.target,
        offer_id=o.offer.id,
    )
    record(
        session,
        b,
        SeatAction.SWAPPED,
        now,
        person=o.offerer,
        previous=o.target,
        actor=o.target,
        offer_id=o.offer.id,
    )


def _apply_substitute(session: Session, network: Network, o: OfferOutcome, now: datetime) -> None:
    assert o.meeting is not None
    live_meeting(o.meeting, now)
    _still_as_offered(session, network, o)
    if seat_of(session, network, o.target) is not None:
        raise DomainError(
            ErrorKind.YOU_HAVE_A_SEAT,
            municipality=municipality_of(session, o.seat.municipality_code).name,
        )
    refuse_if_substituted(session, o.meeting, o.seat)
    if o.offer.seat_holder_id != o.offerer.id:
        try:  # the holder took their regrets back since: the seat is theirs at the meeting
            refuse_if_holder_comes(session, network, o.meeting, o.seat)
        except DomainError as err:
            raise DomainError(ErrorKind.OFFER_CLOSED, status=OfferStatus.VOID.value) from err
    existing = attendance_of(session, o.meeting, o.seat)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(
        Attendance(
            meeting_id=o.meeting.id,
            seat_id=o.seat.id,
            person_id=o.target.id,
            role="substitute",
            # Saying yes to the offer is saying "I come": they are not asked again.
            status=AttendanceStatus.CONFIRMED.value,
            updated_at=now,
        )
    )
    session.flush()  # unique (meeting, person): nobody on two seats of one meeting
    record(
        session,
        o.seat,
        SeatAction.SUBSTITUTE,
        now,
        person=o.target,
        actor=o.target,
        offer_id=o.offer.id,
        meeting_id=o.meeting.id,
    )


def decline(
    session: Session, network: Network, offer_id: int, actor: Person, now: datetime
) -> OfferOutcome:
    """The person the offer is for says no."""
    return _close_by(session, network, offer_id, actor, now, OfferStatus.DECLINED)


def withdraw(
    session: Session, network: Network, offer_id: int, actor: Person, now: datetime
) -> OfferOutcome:
    """The one who made the offer takes it back."""
    return _close_by(session, network, offer_id, actor, now, OfferStatus.WITHDRAWN)


# Who may close an offer how (the column naming them), and what the history records.
_CLOSINGS = {
    OfferStatus.DECLINED: ("to_person_id", SeatAction.DECLINED),
    OfferStatus.WITHDRAWN: ("from_person_id", SeatAction.WITHDRAWN),
}


def _close_by(
    session: Session,
    network: Network,
    offer_id: int,
    actor: Person,
    now: datetime,
    status: OfferStatus,
) -> OfferOutcome:
    offer = get_offer(session, network, offer_id)
    who, action = _CLOSINGS[status]
    if getattr(offer, who) != actor.id:
        raise DomainError(ErrorKind.OFFER_NOT_YOURS)
    _close(session, offer, status, now)
    outcome = _outcome(session, offer)
    record(
        session, outcome.seat, action, now, person=outcome.target, actor=actor, offer_id=offer.id
    )
    return outcome


def expire_offers(session: Session, network: Network, now: datetime) -> list[OfferOutcome]:
    due = list(
        session.scalars(
            select(SeatOffer).where(
                SeatOffer.network_id == network.id,
                SeatOffer.status == OfferStatus.PENDING.value,
                SeatOffer.expires_at <= now,
            )
        )
    )
    expired = []
    for offer in due:
        try:
            _close(session, offer, OfferStatus.EXPIRED, now)
        except DomainError:
            continue  # decided a moment ago
        outcome = _outcome(session, offer)
        record(
            session, outcome.seat, SeatAction.EXPIRED, now, person=outcome.target, offer_id=offer.id
        )
        expired.append(outcome)
    return expired
