"""Making offers that need the other person's consent: handovers, swaps and substitutes.

Every decision is a conditional UPDATE on the row's current state (``WHERE status = 'pending'``,
``WHERE holder_id = <the one who offered>``), so two clicks, an accept racing a withdraw, or a
seat that moved on meanwhile end in one consistent state. The database's unique indexes are the
last word: one open offer per person and per seat, one seat per person, one seat per person per
meeting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import refuse_a_seat
from bot.domain.seats.attendance import (
    is_open,
    refuse_if_holder_comes,
    refuse_if_substituted,
    seats_at,
    sent_regrets,
    substitute_row_of,
)
from bot.domain.seats.common import (
    SeatRef,
    ensure_seatless,
    held_seat,
    holder_of,
    is_coordinator,
    live_meeting,
    municipality_of,
    seat_at,
    seat_of,
)
from bot.domain.seats.history import record
from bot.domain.seats.rule import slots_of
from bot.models import (
    Meeting,
    Network,
    OfferKind,
    OfferStatus,
    Person,
    Seat,
    SeatAction,
    SeatKind,
    SeatOffer,
    SeatStatus,
)

# -- offers -----------------------------------------------------------------------------------------


def _check_target(session: Session, network: Network, actor: Person, target: Person) -> None:
    if target.id == actor.id:
        raise DomainError(ErrorKind.SELF_TARGET)
    refuse_a_seat(session, network, target.account, target.name)
    ensure_seatless(session, network, target)


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
        # An offer for one meeting means nothing once it has begun.
        expires_at=min(now + lifetime, meeting.starts_at) if meeting else now + lifetime,
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
        seat = seat_at(session, network, own.municipality_code, ref)
        if not is_coordinator(session, network, actor, own.municipality_code):
            raise DomainError(
                ErrorKind.NOT_COORDINATOR,
                municipality=municipality_of(session, own.municipality_code).name,
            )
        holder = holder_of(session, seat)
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
    """Someone takes a seat for one meeting: named by the holder who cannot come, or sent by the
    coordinator on a flexible seat nobody fills (vacant, or its holder sent regrets); never on
    the seat of someone who comes. A substitute cannot pass the seat on (no chains)."""
    live_meeting(meeting, now)
    if substitute_row_of(session, meeting, actor) is not None:
        raise DomainError(ErrorKind.SUBSTITUTE_CHAIN)
    own = held_seat(session, network, actor)
    if ref is None or (ref.kind.value, ref.slot) == (own.kind, own.slot):
        seat = own
    else:
        if not is_coordinator(session, network, actor, own.municipality_code):
            raise DomainError(
                ErrorKind.NOT_COORDINATOR,
                municipality=municipality_of(session, own.municipality_code).name,
            )
        if ref.kind is not SeatKind.FLEXIBLE:
            raise DomainError(
                ErrorKind.NOT_FLEXIBLE, seats=slots_of(session, network, SeatKind.FLEXIBLE)
            )
        seat = seat_at(session, network, own.municipality_code, ref)
    _check_target(session, network, actor, target)
    if substitute_row_of(session, meeting, target) is not None:
        raise DomainError(ErrorKind.ALREADY_ATTENDING, name=target.name)
    refuse_if_substituted(session, meeting, seat)
    if seat.id != own.id:
        refuse_if_holder_comes(session, network, meeting, seat)
    return _open_offer(
        session, network, OfferKind.SUBSTITUTE, seat, actor, target, now, lifetime, meeting=meeting
    )


def seat_for_substitute(
    session: Session, network: Network, actor: Person, meeting: Meeting
) -> Seat | list[Seat]:
    """The seat a substitute named without one goes to, or the seats to choose from; never a
    guess. A holder who is not the coordinator means their own seat. For the coordinator: the
    one seat of the municipality whose holder (or substitute) sent regrets; when none or several
    did, the open flexible seats and their own seat, to choose from."""
    own = held_seat(session, network, actor)
    if not is_coordinator(session, network, actor, own.municipality_code):
        return own
    entries = seats_at(session, network, meeting, own.municipality_code)
    regrets = [seat for seat, entry in entries if sent_regrets(entry)]
    if len(regrets) == 1:
        return regrets[0]
    choices = [
        seat
        for seat, entry in entries
        if (seat.kind == SeatKind.FLEXIBLE.value and is_open(entry))
        or (seat.id == own.id and entry.role == "holder")
    ]
    if not choices:
        raise DomainError(
            ErrorKind.NO_SEAT_OPEN,
            municipality=municipality_of(session, own.municipality_code).name,
            number=meeting.number,
        )
    return choices


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


def open_offers_to(
    session: Session, network: Network, person: Person, now: datetime
) -> list[SeatOffer]:
    """Offers waiting for this person's answer (not yet expired), oldest first."""
    return list(
        session.scalars(
            select(SeatOffer)
            .where(
                SeatOffer.network_id == network.id,
                SeatOffer.to_person_id == person.id,
                SeatOffer.status == OfferStatus.PENDING.value,
                SeatOffer.expires_at > now,
            )
            .order_by(SeatOffer.id)
        )
    )
