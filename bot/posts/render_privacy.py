"""Rendering the posts of data protection: a seat left free, and deleting a direct message."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.seats.succession import heirs
from bot.models import Municipality, Network, Person, Seat, SeatAction, SeatEvent, SeatKind
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import Posted, Reply


def _seat_freed(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """To the coordinator and the facilitators: a seat is free (unless it is taken again)."""
    event = session.get(SeatEvent, int(row.payload.get("event_id", 0)))
    seat = session.get(Seat, event.seat_id) if event is not None else None
    if event is None or seat is None or seat.holder_id is not None:
        return None
    municipality = session.get(Municipality, seat.municipality_code)
    assert municipality is not None
    label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
    gone = None
    if event.action == SeatAction.DEACTIVATED.value and event.previous_person_id is not None:
        person = session.get(Person, event.previous_person_id)
        gone = person.name if person is not None else None
    sections = texts.privacy.seat_freed(label, municipality.name, event.action, gone)
    network = session.get(Network, seat.network_id)
    if seat.kind == SeatKind.FIXED.value and network is not None:
        # The coordinator left: say whether the municipality's other holders were offered it.
        names = [p.name for p in heirs(session, network, seat.municipality_code)]
        sections = [*sections, texts.succession.fixed_seat_heirs(names)]
    return Rendered(Reply(tuple(sections)))


def _delete(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    channel, ts = row.payload.get("channel"), row.payload.get("ts")
    if not channel or not ts:
        return None
    return Rendered(Reply(()), delete_of=Posted(str(channel), str(ts)))


PRIVACY_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.SEAT_FREED: _seat_freed,
    PostKind.DELETE: _delete,
}
