"""Messages about seat changes, rendered from the current state: offers and their outcome,
approval requests and their outcome, and notices to coordinators and holders."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.seats.approvals import why_a_facilitator_decides
from bot.domain.seats.attendance import is_open, seats_at
from bot.models import (
    Meeting,
    Municipality,
    Network,
    OfferStatus,
    Person,
    RequestStatus,
    Seat,
    SeatKind,
    SeatOffer,
    SeatRequest,
)
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import (
    Action,
    Button,
    Reply,
    UserPick,
)
from bot.texts.dates import format_when


def _seat_in(session: Session, seat: Seat) -> tuple[str, str]:
    """(the seat's label, its municipality's name)."""
    municipality = session.get(Municipality, seat.municipality_code)
    assert municipality is not None
    return texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True), municipality.name


def _message(sections: list[str], buttons: tuple[Button, ...] = ()) -> Rendered:
    return Rendered(Reply(tuple(sections), buttons=buttons))


def _offer(session: Session, row: Claimed) -> tuple[SeatOffer, Person, Person, Seat] | None:
    offer = session.get(SeatOffer, int(row.payload.get("offer_id", 0)))
    if offer is None:
        return None
    offerer = session.get(Person, offer.from_person_id)
    target = session.get(Person, offer.to_person_id)
    seat = session.get(Seat, offer.seat_id)
    assert offerer and target and seat
    return offer, offerer, target, seat


def _offer_request(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """The consent request: Acceptér/Afvis while it is open, its outcome after."""
    found = _offer(session, row)
    if found is None:
        return None
    offer, offerer, _target, seat = found
    return _message(*offer_request_message(session, offer, offerer, seat, ctx.tz))


def offer_request_message(
    session: Session, offer: SeatOffer, offerer: Person, seat: Seat, tz: ZoneInfo
) -> tuple[list[str], tuple[Button, ...]]:
    """A consent request's text, and Acceptér/Afvis while it is open (also for ``afventer``)."""
    label, municipality = _seat_in(session, seat)
    meeting = session.get(Meeting, offer.meeting_id) if offer.meeting_id else None
    sections = texts.consent.offer_message(
        offer.kind,
        offerer.name,
        label,
        municipality,
        texts.meetings.meeting_name(meeting) if meeting else None,
        format_when(offer.expires_at, tz),
        offer.status,
    )
    buttons: tuple[Button, ...] = ()
    if offer.status == OfferStatus.PENDING.value:
        buttons = (
            Button(texts.consent.ACCEPT_BUTTON, Action.OFFER_ACCEPT, str(offer.id), "primary"),
            Button(texts.consent.DECLINE_BUTTON, Action.OFFER_DECLINE, str(offer.id)),
        )
    return sections, buttons


def _offer_result(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """How the offer ended, to the one who made it."""
    found = _offer(session, row)
    if found is None:
        return None
    offer, offerer, target, seat = found
    label, municipality = _seat_in(session, seat)
    counter = session.get(Seat, offer.counter_seat_id) if offer.counter_seat_id else None
    meeting = session.get(Meeting, offer.meeting_id) if offer.meeting_id else None
    holder = session.get(Person, offer.seat_holder_id) if offer.seat_holder_id else None
    return _message(
        texts.consent.offer_result_for_offerer(
            offer.status,
            target.name,
            label,
            municipality,
            kind=offer.kind,
            your_seat=_seat_in(session, counter)[0] if counter is not None else None,
            meeting=texts.meetings.meeting_name(meeting) if meeting is not None else None,
            holder=holder.name if holder is not None else None,
            yours=holder is not None and holder.id == offerer.id,
        )
    )


def _request(session: Session, row: Claimed) -> tuple[SeatRequest, Person, Seat] | None:
    request = session.get(SeatRequest, int(row.payload.get("request_id", 0)))
    if request is None:
        return None
    applicant = session.get(Person, request.person_id)
    seat = session.get(Seat, request.seat_id)
    assert applicant and seat
    return request, applicant, seat


def _approval(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """The approval request: Godkend/Afvis while it waits, the decision after."""
    found = _request(session, row)
    if found is None:
        return None
    request, applicant, seat = found
    return _message(*approval_message(session, request, applicant, seat))


def approval_message(
    session: Session, request: SeatRequest, applicant: Person, seat: Seat
) -> tuple[list[str], tuple[Button, ...]]:
    """An approval request's text, and Godkend/Afvis while it waits (also for ``afventer``)."""
    label, municipality = _seat_in(session, seat)
    sections = texts.consent.approval_request(
        applicant.name,
        applicant.title,
        label,
        municipality,
        why_a_facilitator_decides(session, request),
        request.status,
    )
    buttons: tuple[Button, ...] = ()
    if request.status == RequestStatus.PENDING.value:
        buttons = (
            Button(
                texts.consent.APPROVE_BUTTON, Action.REQUEST_APPROVE, str(request.id), "primary"
            ),
            Button(texts.consent.REJECT_BUTTON, Action.REQUEST_REJECT, str(request.id), "danger"),
        )
    return sections, buttons


def _approval_result(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    found = _request(session, row)
    if found is None:
        return None
    request, _applicant, seat = found
    if request.status not in (RequestStatus.APPROVED.value, RequestStatus.REJECTED.value):
        return None
    label, municipality = _seat_in(session, seat)
    approved = request.status == RequestStatus.APPROVED.value
    return _message(texts.consent.approval_result(approved, label, municipality))


def _regrets_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """To the coordinator: someone sent regrets; send a colleague to that seat? Only while the
    seat is still open when it is sent (not if they came back, or a substitute took it)."""
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id else None
    seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
    network = session.get(Network, meeting.network_id) if meeting is not None else None
    if meeting is None or seat is None or network is None:
        return None
    entry = next(
        (
            e
            for s, e in seats_at(session, network, meeting, seat.municipality_code)
            if s.id == seat.id
        ),
        None,
    )
    if entry is None or not is_open(entry):
        return None
    label, municipality = _seat_in(session, seat)
    absent = session.get(Person, int(row.payload.get("person_id", 0)))
    name = absent.name if absent else str(row.payload.get("person", ""))
    flexible = seat.kind == SeatKind.FLEXIBLE.value
    words = texts.common.seat_typed(SeatKind(seat.kind), seat.slot)
    picks = (
        (
            UserPick(
                texts.consent.pick_label(SeatKind(seat.kind), seat.slot, name, regrets=True),
                Action.PICK_SUBSTITUTE,
                f"pick:{meeting.id}:{seat.slot}",
                texts.consent.PICK_PLACEHOLDER,
                f"vikar {meeting.number} @kollega {words}",
            ),
        )
        if flexible
        else ()
    )
    sections = texts.consent.regrets_notice(
        name, label, municipality, texts.meetings.meeting_name(meeting), meeting.number, words
    )
    return Rendered(Reply(tuple(sections), picks=picks))


def _substitute_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """To the holder whose seat a substitute takes at a meeting (sent by someone else)."""
    found = _offer(session, row)
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id else None
    if found is None or meeting is None or found[0].status != OfferStatus.ACCEPTED.value:
        return None
    _offer_row, _offerer, target, seat = found
    label, municipality = _seat_in(session, seat)
    name = texts.meetings.meeting_name(meeting)
    when = format_when(meeting.starts_at, ctx.tz)
    return _message(texts.consent.substitute_notice(target.name, label, municipality, name, when))


def _admin_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """To a holder: a facilitator gave them a seat, or freed theirs."""
    seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
    if seat is None:
        return None
    label, municipality = _seat_in(session, seat)
    gained = bool(row.payload.get("gained"))
    reason = str(row.payload.get("reason") or "")
    return _message(texts.consent.admin_notice(label, municipality, gained, reason))


CONSENT_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.OFFER: _offer_request,
    PostKind.OFFER_RESULT: _offer_result,
    PostKind.APPROVAL: _approval,
    PostKind.APPROVAL_RESULT: _approval_result,
    PostKind.REGRETS_NOTICE: _regrets_notice,
    PostKind.ADMIN_NOTICE: _admin_notice,
    PostKind.SUBSTITUTE_NOTICE: _substitute_notice,
}
