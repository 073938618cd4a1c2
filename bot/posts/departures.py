"""A seat holder left the network's place in the chat platform (in Teams: removed from the
network's team): each facilitator gets a direct message naming them, their municipality and
seat, with a button that frees the seat. Klimanet never frees it by itself. Once freed (or once
the seat is no longer theirs), every such message is updated in place and loses its button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.models import (
    AddressedTo,
    Municipality,
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


def departed(
    session: Session, person: Person, seat: Seat, facilitators: Sequence[str], now: datetime
) -> None:
    """Ask each facilitator whether to free ``seat``, held by ``person``, who left (keyed by
    person and seat: the same departure told twice is one message each)."""
    enqueue(
        session,
        [
            Planned(
                kinds.departed_key(person.id, seat.id, kinds.approver_tag(None, position)),
                PostKind.DEPARTED_NOTICE,
                user,
                now,
                None,
                {"person_id": person.id, "seat_id": seat.id},
                addressed_to=AddressedTo.PERSON,
            )
            for position, user in enumerate(facilitators, 1)
        ],
        now,
    )


def settled(session: Session, person_id: int, seat_id: int, now: datetime) -> None:
    """The seat is freed: every notice about it is updated in place (no button left)."""
    sent = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.key.startswith(
                kinds.departed_prefix(person_id, seat_id), autoescape=True
            ),
            OutboxMessage.status.in_((OutboxStatus.SENT.value, OutboxStatus.PENDING.value)),
        )
    ).all()
    enqueue(
        session,
        [
            Planned(
                kinds.refresh_key(key, "released"),
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


def _departed(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """The question while they still hold the seat; what became of it once they do not."""
    person = session.get(Person, int(row.payload.get("person_id", 0)))
    seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
    if person is None or seat is None:
        return None
    municipality = session.get(Municipality, seat.municipality_code)
    assert municipality is not None
    label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
    if seat.holder_id != person.id or person.erased_at is not None:
        if seat.holder_id is None:
            return Rendered(
                Reply((texts.departures.released(person.name, municipality.name, label),))
            )
        return Rendered(Reply((texts.departures.nothing_to_release(person.name),)))
    return Rendered(
        Reply(
            tuple(texts.departures.departed(person.name, municipality.name, label)),
            buttons=(
                Button(
                    texts.departures.RELEASE_BUTTON,
                    Action.DEPARTED_RELEASE,
                    str(person.id),
                    "danger",
                ),
            ),
        )
    )


DEPARTURE_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.DEPARTED_NOTICE: _departed,
}
