"""Facilitators' corrections: putting someone on a seat, or freeing it, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import refuse_a_seat
from bot.domain.seats.common import (
    SeatRef,
    ensure_not_substitute,
    ensure_seatless,
    holder_of,
    municipality_of,
    seat_at,
    seat_changed_hands,
    seat_of,
)
from bot.domain.seats.history import record
from bot.models import (
    Membership,
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

# -- facilitators -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdminChange:
    seat: Seat
    previous: Person | None  # who held it before (the target themselves when approved)
    approved_request: int | None = None  # the target's own waiting registration, now approved
    left: Seat | None = None  # the target's own seat of the municipality, left for the fixed one
    event_id: int | None = None  # the history event of the change


def admin_set_seat(
    session: Session,
    network: Network,
    code: int,
    ref: SeatRef,
    target: Person | None,
    reason: str,
    actor: Person,
    now: datetime,
) -> AdminChange:
    """A facilitator puts someone on a seat (or frees it), e.g. when someone left without
    handing over. Putting someone on the seat their own registration waits for approves it."""
    joined = session.scalar(
        select(Membership.id).where(
            Membership.network_id == network.id, Membership.municipality_code == code
        )
    )
    if joined is None:
        raise DomainError(ErrorKind.NOT_A_MEMBER, municipality=municipality_of(session, code).name)
    # PostgreSQL: the open offers about the seat are locked before the seat itself, the order
    # an accept takes them in (its offer, then the seat), so a correction racing an accept
    # makes one wait for the other instead of deadlocking and having one of them retried.
    found = seat_at(session, network, code, ref)
    session.execute(
        select(SeatOffer.id)
        .where(
            or_(SeatOffer.seat_id == found.id, SeatOffer.counter_seat_id == found.id),
            SeatOffer.status == OfferStatus.PENDING.value,
        )
        .order_by(SeatOffer.id)
        .with_for_update()
    )
    seat = seat_at(session, network, code, ref, lock=True)
    session.refresh(seat)
    previous = holder_of(session, seat)
    if target is not None and previous is not None and previous.id == target.id:
        return AdminChange(
            seat, previous, _approve_waiting(session, seat, target, reason, actor, now)
        )
    left = None
    if target is not None:
        refuse_a_seat(session, network, target.account, target.name)
        ensure_not_substitute(session, target, now)
        left = _leave_for_fixed(session, network, seat, target, actor, reason, now)
        if left is None:
            ensure_seatless(session, network, target)
    session.execute(
        update(SeatRequest)
        .where(SeatRequest.seat_id == seat.id, SeatRequest.status == RequestStatus.PENDING.value)
        .values(status=RequestStatus.CANCELLED.value, decided_at=now, decided_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    seat_changed_hands(session, seat, now, previous.id if previous else None)
    seat.holder_id = target.id if target else None
    seat.held_since = now if target else None
    seat.status = SeatStatus.HELD.value
    session.flush()
    event = record(
        session,
        seat,
        SeatAction.ADMIN_SET if target else SeatAction.ADMIN_FREED,
        now,
        person=target,
        previous=previous,
        actor=actor,
        reason=reason,
    )
    session.flush()
    return AdminChange(seat, previous, left=left, event_id=event.id)


def _leave_for_fixed(
    session: Session,
    network: Network,
    seat: Seat,
    target: Person,
    actor: Person,
    reason: str,
    now: datetime,
) -> Seat | None:
    """A facilitator makes a holder of one of the municipality's other seats its coordinator
    (as they could take a free fixed seat themselves): their own seat is let go first, one
    seat per person. None when that is not the case (the usual rules apply): only a free fixed
    seat is filled this way, never one whose coordinator is still there."""
    own = seat_of(session, network, target)
    if (
        own is None
        or seat.holder_id is not None
        or seat.kind != SeatKind.FIXED.value
        or own.kind == SeatKind.FIXED.value
        or own.municipality_code != seat.municipality_code
        or own.status != SeatStatus.HELD.value
    ):
        return None
    session.execute(
        update(Seat)
        .where(Seat.id == own.id, Seat.holder_id == target.id)
        .values(holder_id=None, held_since=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(own)
    seat_changed_hands(session, own, now, target.id)
    record(
        session, own, SeatAction.LEFT_FOR_FIXED, now, previous=target, actor=actor, reason=reason
    )
    return own


def _approve_waiting(
    session: Session, seat: Seat, target: Person, reason: str, actor: Person, now: datetime
) -> int | None:
    """The target already has the seat: if their registration waits, the facilitator's word
    approves it (and the history says who did, and why). None when nothing waited."""
    if seat.status != SeatStatus.PENDING.value:
        return None
    request_id = session.scalar(
        select(SeatRequest.id).where(
            SeatRequest.seat_id == seat.id,
            SeatRequest.person_id == target.id,
            SeatRequest.status == RequestStatus.PENDING.value,
        )
    )
    session.execute(
        update(SeatRequest)
        .where(SeatRequest.seat_id == seat.id, SeatRequest.status == RequestStatus.PENDING.value)
        .values(status=RequestStatus.APPROVED.value, decided_at=now, decided_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    seat.status = SeatStatus.HELD.value
    session.flush()
    record(session, seat, SeatAction.APPROVED, now, person=target, actor=actor, reason=reason)
    return request_id
