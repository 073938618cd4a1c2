"""A municipality that lost its coordinator: the direct messages that offer the free fixed seat
to the holders of its other seats, updated in place once one of them took it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain.seats.common import seat_of
from bot.models import (
    AddressedTo,
    Municipality,
    Network,
    OutboxMessage,
    OutboxStatus,
    Person,
    Seat,
    SeatKind,
)
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import Action, Button, Reply


def fixed_seat_offered(
    session: Session, seat: Seat, event_id: int, heirs: Sequence[Person], now: datetime
) -> None:
    """Offer the free fixed seat ``seat`` (freed by the history event ``event_id``) to each of
    ``heirs``: one direct message each, with a button that takes it."""
    enqueue(
        session,
        [
            Planned(
                kinds.fixed_seat_offer_key(seat.id, event_id, heir.id),
                PostKind.FIXED_SEAT_OFFER,
                heir.account,
                now,
                None,
                {"seat_id": seat.id},
                person_id=heir.id,
                addressed_to=AddressedTo.PERSON,
            )
            for heir in heirs
        ],
        now,
    )


def fixed_seat_taken(session: Session, seat: Seat, event_id: int, now: datetime) -> None:
    """Someone took the fixed seat (history event ``event_id``): every offer of it that was
    sent is updated in place, so no one is left with a button that can only say no."""
    prefix = kinds.fixed_seat_offer_prefix(seat.id)
    sent = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.key.startswith(prefix, autoescape=True),
            OutboxMessage.status.in_((OutboxStatus.SENT.value, OutboxStatus.PENDING.value)),
        )
    ).all()
    enqueue(
        session,
        [
            Planned(
                kinds.refresh_key(key, f"taken-{event_id}"),
                PostKind.REFRESH,
                "-",
                now,
                None,
                {"key": key},
                addressed_to=AddressedTo.PERSON,
            )
            for key in sent
        ],
        now,
    )


def open_offers(session: Session, network: Network, heir: Person) -> list[Reply]:
    """The offers of a free fixed seat made to ``heir`` that they can still accept (for
    ``afventer``: a direct message gets buried)."""
    keys = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.kind == PostKind.FIXED_SEAT_OFFER.value,
            OutboxMessage.person_id == heir.id,
        )
    ).all()
    seat_ids = sorted({int(key.split(":")[1].removeprefix("seat=")) for key in keys})
    found = []
    for seat_id in seat_ids:
        seat = session.get(Seat, seat_id)
        offer = offer_message(session, seat, heir) if seat is not None else None
        if offer is not None and seat is not None and seat.network_id == network.id:
            found.append(offer)
    return found


def offer_message(session: Session, seat: Seat, heir: Person) -> Reply | None:
    """The offer of the free fixed seat to ``heir``, with its button; None when it is taken
    or they no longer hold a seat of the municipality."""
    if seat.holder_id is not None or seat.kind != SeatKind.FIXED.value:
        return None
    network = session.get(Network, seat.network_id)
    own = seat_of(session, network, heir) if network is not None else None
    if own is None or own.municipality_code != seat.municipality_code:
        return None
    municipality = session.get(Municipality, seat.municipality_code)
    assert municipality is not None
    own_label = texts.common.seat_label(SeatKind(own.kind), own.slot, definite=True)
    return Reply(
        tuple(texts.succession.fixed_seat_offer(municipality.name, own_label)),
        buttons=(
            Button(
                texts.succession.TAKE_FIXED_SEAT_BUTTON,
                Action.TAKE_FIXED_SEAT,
                str(seat.id),
                "primary",
            ),
        ),
    )


def _fixed_seat_offer(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """The offer while the seat is free; who took it once someone did."""
    seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
    heir = session.get(Person, row.person_id) if row.person_id else None
    if seat is None or heir is None or seat.kind != SeatKind.FIXED.value:
        return None
    municipality = session.get(Municipality, seat.municipality_code)
    assert municipality is not None
    if seat.holder_id is None:
        offer = offer_message(session, seat, heir)
        # None: no longer one of the municipality's holders, nothing to offer.
        return Rendered(offer) if offer is not None else None
    holder = session.get(Person, seat.holder_id)
    if holder is None or holder.id == heir.id:
        return Rendered(Reply((texts.succession.fixed_seat_taken_by_you(municipality.name),)))
    return Rendered(Reply((texts.succession.fixed_seat_taken_by(holder.name, municipality.name),)))


SUCCESSION_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.FIXED_SEAT_OFFER: _fixed_seat_offer,
}
