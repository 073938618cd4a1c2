"""Seat changes with consent: approvals, handovers, swaps, substitutes, regrets, attendance,
facilitators' corrections and the history.

Every decision is a conditional UPDATE on the row's current state (``WHERE status = 'pending'``,
``WHERE holder_id = <the one who offered>``), so two clicks, an accept racing a withdraw, or a
seat that moved on meanwhile end in one consistent state. The database's unique indexes are the
last word: one open offer per person and per seat, one seat per person, one seat per person per
meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import coordinator_of, ensure_not_substitute

__all__ = ["coordinator_of", "ensure_not_substitute"]
from bot.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Membership,
    Municipality,
    Network,
    OfferKind,
    OfferStatus,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatEvent,
    SeatKind,
    SeatOffer,
    SeatRequest,
    SeatStatus,
)


@dataclass(frozen=True, slots=True)
class SeatRef:
    kind: SeatKind
    slot: int


def seat_of(session: Session, network: Network, person: Person) -> Seat | None:
    return session.scalars(
        select(Seat).where(Seat.network_id == network.id, Seat.holder_id == person.id)
    ).one_or_none()


def held_seat(session: Session, network: Network, person: Person) -> Seat:
    seat = seat_of(session, network, person)
    if seat is None or seat.status != SeatStatus.HELD.value:
        raise DomainError(ErrorKind.NOT_HOLDER)
    return seat


def _municipality(session: Session, code: int) -> Municipality:
    municipality = session.get(Municipality, code)
    assert municipality is not None
    return municipality


def is_coordinator(session: Session, network: Network, person: Person, code: int) -> bool:
    coordinator = coordinator_of(session, network, code)
    return coordinator is not None and coordinator.id == person.id


def _seat_at(
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
        raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value=f"{ref.kind.value} {ref.slot}")
    return seat


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
) -> None:
    session.add(
        SeatEvent(
            network_id=seat.network_id,
            municipality_code=seat.municipality_code,
            seat_id=seat.id,
            kind=seat.kind,
            slot=seat.slot,
            action=action.value,
            person_id=person.id if person else None,
            previous_person_id=previous.id if previous else None,
            actor_id=actor.id if actor else None,
            reason=reason[:500],
            created_at=now,
            details=dict(details),
        )
    )


def _holder_of(session: Session, seat: Seat) -> Person | None:
    return session.get(Person, seat.holder_id) if seat.holder_id else None


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


# -- offers -----------------------------------------------------------------------------------------


def _check_target(session: Session, network: Network, actor: Person, target: Person) -> None:
    if target.id == actor.id:
        raise DomainError(ErrorKind.SELF_TARGET)
    has = seat_of(session, network, target)
    if has is not None:
        raise DomainError(
            ErrorKind.TARGET_HAS_SEAT,
            name=target.name,
            municipality=_municipality(session, has.municipality_code).name,
        )


def _open_offer(
    session: Session,
    network: Network,
    kind: OfferKind,
    seat: Seat,
    actor: Person,
    target: Person,
    now: datetime,
    lifetime: timedelta,
    *,
    counter_seat: Seat | None = None,
    meeting: Meeting | None = None,
) -> SeatOffer:
    scope = f"meeting={meeting.id}" if meeting is not None else "seat"
    pending_to = session.scalars(
        select(SeatOffer).where(
            SeatOffer.network_id == network.id,
            SeatOffer.to_person_id == target.id,
            SeatOffer.status == OfferStatus.PENDING.value,
        )
    ).first()
    if pending_to is not None:
        raise DomainError(ErrorKind.OFFER_PENDING_TO_TARGET, name=target.name)
    pending_seat = session.scalars(
        select(SeatOffer).where(
            SeatOffer.seat_id == seat.id,
            SeatOffer.scope == scope,
            SeatOffer.status == OfferStatus.PENDING.value,
        )
    ).first()
    if pending_seat is not None:
        other = session.get(Person, pending_seat.to_person_id)
        raise DomainError(ErrorKind.OFFER_PENDING_FOR_SEAT, name=other.name if other else "")
    offer = SeatOffer(
        network_id=network.id,
        municipality_code=seat.municipality_code,
        kind=kind.value,
        seat_id=seat.id,
        counter_seat_id=counter_seat.id if counter_seat else None,
        meeting_id=meeting.id if meeting else None,
        scope=scope,
        from_person_id=actor.id,
        to_person_id=target.id,
        seat_holder_id=seat.holder_id,
        status=OfferStatus.PENDING.value,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(offer)
    session.flush()  # the partial unique indexes settle a concurrent duplicate here
    record(
        session,
        seat,
        SeatAction.OFFERED,
        now,
        person=target,
        actor=actor,
        offer_id=offer.id,
        offer_kind=kind.value,
        meeting_id=offer.meeting_id,
    )
    return offer


def offer_handover(
    session: Session,
    network: Network,
    actor: Person,
    target: Person,
    ref: SeatRef | None,
    now: datetime,
    lifetime: timedelta,
) -> SeatOffer:
    """The holder offers their seat; the coordinator may offer their own or a free seat."""
    own = seat_of(session, network, actor)
    if own is None or own.status != SeatStatus.HELD.value:
        raise DomainError(ErrorKind.NOT_HOLDER)
    seat = own
    if ref is not None and (ref.kind.value, ref.slot) != (own.kind, own.slot):
        seat = _seat_at(session, network, own.municipality_code, ref)
        if not is_coordinator(session, network, actor, own.municipality_code):
            raise DomainError(
                ErrorKind.NOT_COORDINATOR,
                municipality=_municipality(session, own.municipality_code).name,
            )
        holder = _holder_of(session, seat)
        if holder is not None:
            raise DomainError(
                ErrorKind.SEAT_NOT_OURS, seat=f"{seat.kind} {seat.slot}", holder=holder.name
            )
    _check_target(session, network, actor, target)
    return _open_offer(session, network, OfferKind.HANDOVER, seat, actor, target, now, lifetime)


def offer_swap(
    session: Session,
    network: Network,
    actor: Person,
    target: Person,
    now: datetime,
    lifetime: timedelta,
) -> SeatOffer:
    if target.id == actor.id:
        raise DomainError(ErrorKind.SELF_TARGET)
    own = held_seat(session, network, actor)
    theirs = seat_of(session, network, target)
    if (
        theirs is None
        or theirs.status != SeatStatus.HELD.value
        or theirs.municipality_code != own.municipality_code
    ):
        raise DomainError(ErrorKind.NOT_SAME_MUNICIPALITY, name=target.name)
    return _open_offer(
        session, network, OfferKind.SWAP, own, actor, target, now, lifetime, counter_seat=theirs
    )


def _live_meeting(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise DomainError(ErrorKind.MEETING_CANCELLED, number=meeting.number)
    if meeting.ends_at <= now:
        raise DomainError(ErrorKind.MEETING_OVER, number=meeting.number)


def attendance_of(session: Session, meeting: Meeting, seat: Seat) -> Attendance | None:
    return session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.seat_id == seat.id)
    ).one_or_none()


def substitute_row_of(session: Session, meeting: Meeting, person: Person) -> Attendance | None:
    return session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.person_id == person.id,
            Attendance.role == "substitute",
        )
    ).one_or_none()


def _refuse_if_substituted(session: Session, meeting: Meeting, seat: Seat) -> None:
    """A seat has one substitute per meeting: replacing one would leave them untold."""
    row = attendance_of(session, meeting, seat)
    if (
        row is not None
        and row.role == "substitute"
        and row.status != AttendanceStatus.DECLINED.value
    ):
        person = session.get(Person, row.person_id)
        raise DomainError(
            ErrorKind.SEAT_HAS_SUBSTITUTE, name=person.name if person else "", number=meeting.number
        )


def offer_substitute(
    session: Session,
    network: Network,
    actor: Person,
    target: Person,
    meeting: Meeting,
    ref: SeatRef | None,
    now: datetime,
    lifetime: timedelta,
) -> SeatOffer:
    """Someone takes a seat for one meeting: sent by the coordinator (flexible seats) or named
    by the holder who cannot come. A substitute cannot pass the seat on (no chains)."""
    _live_meeting(meeting, now)
    if substitute_row_of(session, meeting, actor) is not None:
        raise DomainError(ErrorKind.SUBSTITUTE_CHAIN)
    own = held_seat(session, network, actor)
    if ref is None or (ref.kind.value, ref.slot) == (own.kind, own.slot):
        seat = own
    else:
        if not is_coordinator(session, network, actor, own.municipality_code):
            raise DomainError(
                ErrorKind.NOT_COORDINATOR,
                municipality=_municipality(session, own.municipality_code).name,
            )
        if ref.kind is not SeatKind.FLEXIBLE:
            raise DomainError(ErrorKind.NOT_FLEXIBLE)
        seat = _seat_at(session, network, own.municipality_code, ref)
    _check_target(session, network, actor, target)
    if substitute_row_of(session, meeting, target) is not None:
        raise DomainError(ErrorKind.ALREADY_ATTENDING, name=target.name)
    _refuse_if_substituted(session, meeting, seat)
    return _open_offer(
        session, network, OfferKind.SUBSTITUTE, seat, actor, target, now, lifetime, meeting=meeting
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


def _void(session: Session, offer: SeatOffer) -> None:
    session.execute(
        update(SeatOffer)
        .where(SeatOffer.id == offer.id)
        .values(status=OfferStatus.VOID.value)
        .execution_options(synchronize_session=False)
    )


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
            municipality=_municipality(session, o.seat.municipality_code).name,
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
    _live_meeting(o.meeting, now)
    _still_as_offered(session, network, o)
    if seat_of(session, network, o.target) is not None:
        raise DomainError(
            ErrorKind.YOU_HAVE_A_SEAT,
            municipality=_municipality(session, o.seat.municipality_code).name,
        )
    _refuse_if_substituted(session, o.meeting, o.seat)
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
            status=AttendanceStatus.EXPECTED.value,
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
    offer = get_offer(session, network, offer_id)
    if offer.to_person_id != actor.id:
        raise DomainError(ErrorKind.OFFER_NOT_YOURS)
    _close(session, offer, OfferStatus.DECLINED, now)
    outcome = _outcome(session, offer)
    record(
        session,
        outcome.seat,
        SeatAction.DECLINED,
        now,
        person=actor,
        actor=actor,
        offer_id=offer.id,
    )
    return outcome


def withdraw(
    session: Session, network: Network, offer_id: int, actor: Person, now: datetime
) -> OfferOutcome:
    offer = get_offer(session, network, offer_id)
    if offer.from_person_id != actor.id:
        raise DomainError(ErrorKind.OFFER_NOT_YOURS)
    _close(session, offer, OfferStatus.WITHDRAWN, now)
    outcome = _outcome(session, offer)
    record(
        session,
        outcome.seat,
        SeatAction.WITHDRAWN,
        now,
        person=outcome.target,
        actor=actor,
        offer_id=offer.id,
    )
    return outcome


def open_offers_from(session: Session, network: Network, person: Person) -> list[SeatOffer]:
    return list(
        session.scalars(
            select(SeatOffer).where(
                SeatOffer.network_id == network.id,
                SeatOffer.from_person_id == person.id,
                SeatOffer.status == OfferStatus.PENDING.value,
            )
        )
    )


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


# -- attendance ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Regrets:
    seat: Seat
    coordinator: Person | None
    was_substitute: bool


def send_regrets(
    session: Session, network: Network, meeting: Meeting, actor: Person, now: datetime
) -> Regrets:
    """Afbud: the holder (or a substitute) will not come. The seat stays the holder's."""
    _live_meeting(meeting, now)
    substitute = substitute_row_of(session, meeting, actor)
    if substitute is not None:
        substitute.status = AttendanceStatus.DECLINED.value
        substitute.updated_at = now
        seat = session.get(Seat, substitute.seat_id)
        assert seat is not None
    else:
        seat = held_seat(session, network, actor)
        row = attendance_of(session, meeting, seat)
        if row is None:
            session.add(
                Attendance(
                    meeting_id=meeting.id,
                    seat_id=seat.id,
                    person_id=actor.id,
                    role="holder",
                    status=AttendanceStatus.DECLINED.value,
                    updated_at=now,
                )
            )
        elif row.role == "holder":
            row.status = AttendanceStatus.DECLINED.value
            row.updated_at = now
        else:
            raise DomainError(ErrorKind.NOT_ATTENDING)  # a substitute already has this seat
    session.flush()
    record(session, seat, SeatAction.REGRETS, now, person=actor, actor=actor, meeting_id=meeting.id)
    return Regrets(
        seat, coordinator_of(session, network, seat.municipality_code), substitute is not None
    )


def confirm(
    session: Session, network: Network, meeting: Meeting, actor: Person, now: datetime
) -> Seat:
    """Deltager: the holder or the accepted substitute confirms they will come."""
    _live_meeting(meeting, now)
    substitute = substitute_row_of(session, meeting, actor)
    if substitute is not None:
        substitute.status = AttendanceStatus.CONFIRMED.value
        substitute.updated_at = now
        seat = session.get(Seat, substitute.seat_id)
        assert seat is not None
        return seat
    seat = held_seat(session, network, actor)
    row = attendance_of(session, meeting, seat)
    if (
        row is not None
        and row.role == "substitute"
        and row.status != AttendanceStatus.DECLINED.value
    ):
        raise DomainError(ErrorKind.NOT_ATTENDING)
    if row is None:
        session.add(
            Attendance(
                meeting_id=meeting.id,
                seat_id=seat.id,
                person_id=actor.id,
                role="holder",
                status=AttendanceStatus.CONFIRMED.value,
                updated_at=now,
            )
        )
    else:
        row.person_id, row.role = actor.id, "holder"
        row.status, row.updated_at = AttendanceStatus.CONFIRMED.value, now
    session.flush()
    return seat


@dataclass(frozen=True, slots=True)
class RosterSeat:
    kind: SeatKind
    slot: int
    attendee: Person | None
    role: str  # "holder" | "substitute" | ""
    status: str  # expected | confirmed | declined | "" (empty seat)


@dataclass(frozen=True, slots=True)
class RosterMunicipality:
    name: str
    seats: tuple[RosterSeat, ...]

    @property
    def coming(self) -> int:
        return sum(
            1 for s in self.seats if s.attendee and s.status != AttendanceStatus.DECLINED.value
        )


@dataclass(frozen=True, slots=True)
class Expected:
    """Someone expected at a meeting, and on which seat."""

    person: Person
    seat: Seat
    municipality: str
    role: str  # "holder" | "substitute"
    status: str  # expected | confirmed

    @property
    def is_coordinator(self) -> bool:
        return self.role == "holder" and self.seat.kind == SeatKind.FIXED.value


def _seat_attendance(
    session: Session, network: Network, meeting: Meeting
) -> list[tuple[Seat, str, RosterSeat]]:
    """Every member seat with who fills it at the meeting, by municipality name and seat.

    A seat's attendance row (regrets, a confirmation, a substitute) says who fills it; without
    one, an approved holder is expected. A pending applicant fills nothing: they have not been
    let in yet. A holder's row left from an earlier holder is ignored.
    """
    rows = {
        a.seat_id: a
        for a in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    }
    seats = session.execute(
        select(Seat, Municipality.name)
        .join(Municipality, Municipality.code == Seat.municipality_code)
        .join(
            Membership,
            and_(
                Membership.network_id == Seat.network_id,
                Membership.municipality_code == Seat.municipality_code,
            ),
        )
        .where(Seat.network_id == network.id)
        .order_by(Municipality.name, Seat.kind != SeatKind.FIXED.value, Seat.slot)
    ).all()
    wanted = {r.person_id for r in rows.values()} | {s.holder_id for s, _ in seats if s.holder_id}
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}
        if wanted
        else {}
    )
    approved_holder = {
        seat.id: people.get(seat.holder_id)
        for seat, _ in seats
        if seat.holder_id and seat.status == SeatStatus.HELD.value
    }
    result = []
    for seat, name in seats:
        kind, row = SeatKind(seat.kind), rows.get(seat.id)
        holder = approved_holder.get(seat.id)
        if (
            row is not None
            and row.role == "holder"
            and (holder is None or row.person_id != holder.id)
        ):
            row = None  # a row left by an earlier holder: it says nothing about this one
        if row is not None and row.role == "substitute":
            entry = RosterSeat(kind, seat.slot, people.get(row.person_id), row.role, row.status)
        elif holder is not None:
            status = row.status if row is not None else AttendanceStatus.EXPECTED.value
            entry = RosterSeat(kind, seat.slot, holder, "holder", status)
        else:
            entry = RosterSeat(kind, seat.slot, None, "", "")
        result.append((seat, name, entry))
    return result


def roster(session: Session, network: Network, meeting: Meeting) -> list[RosterMunicipality]:
    result: dict[str, list[RosterSeat]] = {}
    for _seat, name, entry in _seat_attendance(session, network, meeting):
        result.setdefault(name, []).append(entry)
    return [RosterMunicipality(name, tuple(entries)) for name, entries in result.items()]


def expected_at(session: Session, network: Network, meeting: Meeting) -> list[Expected]:
    """The one answer to "who is expected at this meeting": approved seat holders who sent no
    regrets, and accepted substitutes who sent none either. Every direct message about a meeting
    is addressed from this, at the moment it is sent."""
    return [
        Expected(entry.attendee, seat, name, entry.role, entry.status)
        for seat, name, entry in _seat_attendance(session, network, meeting)
        if entry.attendee is not None and entry.status != AttendanceStatus.DECLINED.value
    ]


# -- facilitators -------------------------------------------------------------------------------


def admin_set_seat(
    session: Session,
    network: Network,
    code: int,
    ref: SeatRef,
    target: Person | None,
    reason: str,
    actor: Person,
    now: datetime,
) -> tuple[Seat, Person | None]:
    """A facilitator puts someone on a seat (or frees it), e.g. when someone left without
    handing over. Returns the seat and whoever held it before."""
    joined = session.scalar(
        select(Membership.id).where(
            Membership.network_id == network.id, Membership.municipality_code == code
        )
    )
    if joined is None:
        raise DomainError(ErrorKind.NOT_A_MEMBER, municipality=_municipality(session, code).name)
    seat = _seat_at(session, network, code, ref, lock=True)
    session.refresh(seat)
    previous = _holder_of(session, seat)
    if target is not None and previous is not None and previous.id == target.id:
        return seat, previous
    if target is not None:
        ensure_not_substitute(session, target, now)
        has = seat_of(session, network, target)
        if has is not None:
            raise DomainError(
                ErrorKind.TARGET_HAS_SEAT,
                name=target.name,
                municipality=_municipality(session, has.municipality_code).name,
            )
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
    record(
        session,
        seat,
        SeatAction.ADMIN_SET if target else SeatAction.ADMIN_FREED,
        now,
        person=target,
        previous=previous,
        actor=actor,
        reason=reason,
    )
    return seat, previous


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


def history(
    session: Session, network: Network, code: int | None, limit: int = 40
) -> list[HistoryLine]:
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
    return [
        HistoryLine(
            at=event.created_at,
            municipality=name,
            kind=SeatKind(event.kind),
            slot=event.slot,
            action=event.action,
            person=people.get(event.person_id) if event.person_id else None,
            previous=people.get(event.previous_person_id) if event.previous_person_id else None,
            actor=people.get(event.actor_id) if event.actor_id else None,
            reason=event.reason,
        )
        for event, name in reversed(events)
    ]
