"""Approval of registrations: by a facilitator (a municipality's first) or its coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.common import is_coordinator
from bot.domain.seats.history import record
from bot.models import (
    Network,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatEvent,
    SeatRequest,
    SeatStatus,
)

# -- approval of registrations --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    request: SeatRequest
    seat: Seat
    applicant: Person
    approved: bool


def may_approve(
    session: Session, network: Network, request: SeatRequest, person: Person, is_facilitator: bool
) -> bool:
    if is_facilitator:
        return True
    seat = session.get(Seat, request.seat_id)
    return (
        request.approver == "coordinator"
        and seat is not None
        and is_coordinator(session, network, person, seat.municipality_code)
    )


def decide_request(
    session: Session,
    network: Network,
    request_id: int,
    actor: Person,
    is_facilitator: bool,
    approve: bool,
    now: datetime,
) -> Decision:
    request = session.get(SeatRequest, request_id)
    if request is None or request.network_id != network.id:
        raise DomainError(ErrorKind.REQUEST_UNKNOWN)
    if not may_approve(session, network, request, actor, is_facilitator):
        raise DomainError(ErrorKind.NOT_APPROVER)
    status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    decided = rows_affected(
        session,
        update(SeatRequest)
        .where(SeatRequest.id == request.id, SeatRequest.status == RequestStatus.PENDING.value)
        .values(status=status.value, decided_at=now, decided_by_id=actor.id)
        .execution_options(synchronize_session=False),
    )
    if not decided:
        session.refresh(request)
        raise DomainError(ErrorKind.REQUEST_CLOSED, status=request.status)
    seat = session.get(Seat, request.seat_id)
    applicant = session.get(Person, request.person_id)
    assert seat is not None and applicant is not None
    if approve:
        session.execute(
            update(Seat)
            .where(Seat.id == seat.id, Seat.holder_id == applicant.id)
            .values(status=SeatStatus.HELD.value)
            .execution_options(synchronize_session=False)
        )
        record(session, seat, SeatAction.APPROVED, now, person=applicant, actor=actor)
    else:
        session.execute(
            update(Seat)
            .where(Seat.id == seat.id, Seat.holder_id == applicant.id)
            .values(holder_id=None, held_since=None, status=SeatStatus.HELD.value)
            .execution_options(synchronize_session=False)
        )
        record(session, seat, SeatAction.REJECTED, now, previous=applicant, actor=actor)
    session.flush()
    session.refresh(request)
    session.refresh(seat)
    return Decision(request, seat, applicant, approve)


def why_a_facilitator_decides(session: Session, request: SeatRequest) -> str:
    """ "first" when the registration made its municipality a member, "no_coordinator" when a
    facilitator decides because nobody held the fixed seat, "" when the coordinator decides.
    Read from the history, so every message about the request says the same."""
    if request.approver != "facilitator":
        return ""
    events = session.scalars(
        select(SeatEvent).where(
            SeatEvent.seat_id == request.seat_id,
            SeatEvent.person_id == request.person_id,
            SeatEvent.action == SeatAction.REQUESTED.value,
        )
    )
    for event in events:
        if (event.details or {}).get("request_id") == request.id:
            return "first" if (event.details or {}).get("became_member") else "no_coordinator"
    return "no_coordinator"


def requests_waiting_for(
    session: Session, network: Network, person: Person, is_facilitator: bool
) -> list[SeatRequest]:
    """Registrations waiting for this person's decision, oldest first: those a facilitator
    decides (for a facilitator), and those of the municipality whose fixed seat they hold."""
    pending = list(
        session.scalars(
            select(SeatRequest)
            .where(
                SeatRequest.network_id == network.id,
                SeatRequest.status == RequestStatus.PENDING.value,
            )
            .order_by(SeatRequest.id)
        )
    )
    return [
        request
        for request in pending
        if (request.approver == "facilitator" and is_facilitator)
        or (
            request.approver == "coordinator"
            and may_approve(session, network, request, person, False)
        )
    ]


def pending_coordinator_requests(session: Session, network: Network, code: int) -> list[int]:
    """Registrations in a municipality waiting for its coordinator (who may just have changed)."""
    return list(
        session.scalars(
            select(SeatRequest.id)
            .join(Seat, Seat.id == SeatRequest.seat_id)
            .where(
                SeatRequest.network_id == network.id,
                SeatRequest.status == RequestStatus.PENDING.value,
                SeatRequest.approver == "coordinator",
                Seat.municipality_code == code,
            )
        )
    )
