"""Turns an outbox row into the message to send, from the data as it is at send time.

Returning ``None`` means the post is no longer wanted (the meeting was cancelled or moved, the
recipient gave up their seat): the row is cancelled, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain import meetings as meeting_domain
from bot.domain.seats import Expected
from bot.models import (
    Meeting,
    MeetingStatus,
    Municipality,
    Network,
    NewsPost,
    OfferStatus,
    OutboxMessage,
    Person,
    Seat,
    SeatEvent,
    SeatKind,
    SeatOffer,
    SeatRequest,
)
from bot.ports import Attachment, Posted
from bot.posts import planner
from bot.posts.calendar import CalendarEvent, meeting_ics
from bot.posts.outbox import Claimed, sent_message
from bot.replies import (
    ACTION_ATTEND_NO,
    ACTION_ATTEND_YES,
    ACTION_OFFER_ACCEPT,
    ACTION_OFFER_DECLINE,
    ACTION_PICK_SUBSTITUTE,
    ACTION_REQUEST_APPROVE,
    ACTION_REQUEST_REJECT,
    Button,
    Reply,
    UserPick,
)
from bot.texts.dates import format_when

CANCEL_KINDS = {"cancelled", "cancelled_dm"}


def meeting_name(meeting: Meeting) -> str:
    return texts.meeting_name(meeting)


@dataclass(frozen=True, slots=True)
class Rendered:
    reply: Reply
    attachment: Attachment | None = None
    update_of: Posted | None = None


@dataclass(frozen=True, slots=True)
class RenderContext:
    tz: ZoneInfo
    catchup: timedelta
    now: datetime


def _person_id(session: Session, row: Claimed) -> int | None:
    """The internal id of a direct message's person (rows planned before it was stored carry
    only the platform's user id)."""
    if row.person_id is not None:
        return row.person_id
    return session.scalar(select(Person.id).where(Person.user_id == row.recipient).limit(1))


def _addressee(session: Session, meeting: Meeting, row: Claimed) -> Expected | None:
    """The recipient of a direct message about the meeting, if they still are one now."""
    network = session.get(Network, meeting.network_id)
    person_id = _person_id(session, row)
    if network is None or person_id is None:
        return None
    return planner.addressee(session, network, meeting, row.kind, person_id)


def ics_attachment(meeting: Meeting, tz: ZoneInfo, now: datetime) -> Attachment:
    agenda = texts.plain(texts.agenda_lines(meeting))
    event = CalendarEvent(
        uid=f"klimanet-meeting-{meeting.network_id}-{meeting.id}@klimanet.kl.dk",
        sequence=meeting.sequence,
        title=f"{texts.NETWORK_NAME}: {meeting.title}",
        description=agenda,
        start_utc=meeting.starts_at,
        end_utc=meeting.ends_at,
        location=meeting.location,
        url=meeting.location if meeting.location.startswith("http") else None,
        cancelled=meeting.status == MeetingStatus.CANCELLED.value,
    )
    return Attachment(
        filename=f"klimanet-moede-{meeting.number}.ics",
        content=meeting_ics(event, tz, now=now),
        title=f"Møde #{meeting.number} – kalenderfil",
    )


def render(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    if row.kind == "refresh":
        return _refresh(session, row, ctx)
    consent = render_consent(session, row, ctx)
    if consent is not None:
        return consent
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    if meeting is not None:
        if meeting.status == MeetingStatus.CANCELLED.value and row.kind not in CANCEL_KINDS:
            return None
        version = f":v={meeting.schedule_version}:"
        if ":v=" in row.key and version not in row.key:
            return None  # planned for a time the meeting no longer has
    news = meeting_domain.news_for(session, meeting) if meeting is not None else []
    tz = ctx.tz
    public = row.recipient[:1] in ("C", "G")

    def reply(sections: list[str]) -> Reply:
        return Reply(tuple(sections), public=public)

    match row.kind, meeting:
        case "announce", Meeting():
            return Rendered(reply(texts.announcement(meeting, news, tz)))
        case "announce_dm", Meeting():
            coordinator = _addressee(session, meeting, row)
            if coordinator is None:
                return None
            return Rendered(announce_dm_reply(session, meeting, coordinator, tz))
        case "confirm_dm", Meeting():
            expected = _addressee(session, meeting, row)
            if expected is None:
                return None
            seat = texts.seat_label(SeatKind(expected.seat.kind), expected.seat.slot, definite=True)
            return Rendered(
                Reply(
                    tuple(
                        texts.still_coming(
                            meeting_name(meeting),
                            format_when(meeting.starts_at, tz),
                            seat,
                            expected.municipality,
                        )
                    ),
                    buttons=(
                        Button(texts.YES_BUTTON, ACTION_ATTEND_YES, str(meeting.id), "primary"),
                        Button(texts.NO_BUTTON, ACTION_ATTEND_NO, str(meeting.id)),
                    ),
                )
            )
        case "agenda", Meeting():
            return Rendered(reply(texts.agenda_post(meeting, news, tz, updated=False)))
        case "agenda_update", Meeting():
            where = sent_message(session, str(row.payload.get("agenda_key", "")))
            if where is None:
                return None
            return Rendered(
                reply(texts.agenda_post(meeting, news, tz, updated=True)),
                update_of=Posted(*where),
            )
        case "reminder", Meeting():
            return Rendered(reply(texts.reminder(meeting, news, tz, direct=False)))
        case "reminder_dm", Meeting():
            if _addressee(session, meeting, row) is None:
                return None
            return Rendered(
                reply(texts.reminder(meeting, news, tz, direct=True)),
                attachment=ics_attachment(meeting, tz, ctx.now),
            )
        case "starting", Meeting():
            minutes = max(1, round((meeting.starts_at - row.due_at).total_seconds() / 60))
            return Rendered(reply(texts.starting(meeting, minutes)))
        case "moved", Meeting():
            return Rendered(reply(texts.moved(meeting, tz)))
        case "cancelled", Meeting():
            return Rendered(reply(texts.cancelled(meeting, tz)))
        case (("moved_dm" | "cancelled_dm"), Meeting()):
            if _addressee(session, meeting, row) is None:
                return None
            notice = texts.moved if row.kind == "moved_dm" else texts.cancelled
            return Rendered(reply(notice(meeting, tz)))
        case "news", _:
            post = session.get(NewsPost, int(row.payload.get("news_id", 0)))
            if post is None:
                return None
            return Rendered(reply(texts.news_post(post.text, post.author_user_id)))
        case "dead_notice", _:
            return Rendered(
                reply(
                    texts.dead_notice(
                        str(row.payload.get("kind")),
                        str(row.payload.get("recipient")),
                        meeting,
                        str(row.payload.get("error")),
                    )
                )
            )
        case "lookup_notice", _:
            return Rendered(reply(texts.lookup_unavailable_notice(str(row.payload.get("needed")))))
        case "missed_notice", _:
            return Rendered(
                reply(
                    texts.missed_notice(
                        str(row.payload.get("kind")),
                        str(row.payload.get("recipient")),
                        meeting,
                        datetime.fromisoformat(str(row.payload.get("due_at"))),
                        tz,
                        ctx.catchup.total_seconds() / 3600,
                    )
                )
            )
    return None


def _refresh(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """Re-render an earlier post from the current state and update it in place."""
    key = str(row.payload.get("key", ""))
    original = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one_or_none()
    where = sent_message(session, key)
    if original is None or where is None:
        return None
    as_new = Claimed(
        original.id,
        original.key,
        original.kind,
        original.recipient,
        original.meeting_id,
        original.due_at,
        original.attempts,
        original.payload,
        None,
        None,
        original.person_id,
    )
    rendered = render(session, as_new, ctx)
    if rendered is None:
        return None
    return Rendered(rendered.reply, update_of=Posted(*where))


def announce_dm_reply(
    session: Session, meeting: Meeting, coordinator: Expected, tz: ZoneInfo
) -> Reply:
    """The coordinator's announcement: for each flexible seat, keep its holder or pick a colleague
    for this meeting; colleagues whose fagområder match the meeting's theme are suggested."""
    network = session.get(Network, meeting.network_id)
    assert network is not None
    code = coordinator.seat.municipality_code
    seats = session.scalars(
        select(Seat)
        .where(
            Seat.network_id == network.id,
            Seat.municipality_code == code,
            Seat.kind == SeatKind.FLEXIBLE.value,
        )
        .order_by(Seat.slot)
    ).all()
    picks = []
    for seat in seats:
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        label = texts.pick_label(SeatKind(seat.kind), seat.slot, holder.name if holder else None)
        picks.append(
            UserPick(
                label,
                ACTION_PICK_SUBSTITUTE,
                f"pick:{meeting.id}:{seat.slot}",
                texts.PICK_PLACEHOLDER,
            )
        )
    suggestions = _suggestions(session, network, code, meeting)
    context = texts.pick_suggestions(suggestions) if suggestions else None
    return Reply(
        tuple(texts.announce_dm(meeting, coordinator.municipality, tz)),
        picks=tuple(picks),
        context=context,
    )


def _suggestions(
    session: Session, network: Network, code: int, meeting: Meeting
) -> list[tuple[str, str]]:
    """Known colleagues (people who have been on a seat of the municipality) whose fagområder
    match the meeting's themes, and who hold no seat now."""
    if not meeting.themes:
        return []
    wanted = {t.casefold() for t in meeting.themes}
    # IN (subquery), not DISTINCT: PostgreSQL cannot compare the json themes column.
    past = select(SeatEvent.person_id).where(
        SeatEvent.network_id == network.id, SeatEvent.municipality_code == code
    )
    people = session.scalars(select(Person).where(Person.id.in_(past))).all()
    holders = set(
        session.scalars(
            select(Seat.holder_id).where(Seat.network_id == network.id, Seat.holder_id.is_not(None))
        )
    )
    found = []
    for person in people:
        matching = [t for t in person.themes if t.casefold() in wanted]
        if matching and person.id not in holders:
            found.append((person.user_id, ", ".join(matching)))
    return found[:5]


def render_consent(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """Messages about seat changes: offers, approvals, notices. None if the kind is not one."""
    match row.kind:
        case "offer" | "offer_result":
            offer = session.get(SeatOffer, int(row.payload.get("offer_id", 0)))
            if offer is None:
                return None
            offerer = session.get(Person, offer.from_person_id)
            target = session.get(Person, offer.to_person_id)
            seat = session.get(Seat, offer.seat_id)
            municipality = session.get(Municipality, offer.municipality_code)
            meeting = session.get(Meeting, offer.meeting_id) if offer.meeting_id else None
            assert offerer and target and seat and municipality
            label = texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            if row.kind == "offer_result":
                return Rendered(
                    Reply(
                        tuple(
                            texts.offer_result_for_offerer(
                                offer.status, target.name, label, municipality.name
                            )
                        )
                    )
                )
            sections = texts.offer_message(
                offer.kind,
                offerer.name,
                label,
                municipality.name,
                texts.meeting_name(meeting) if meeting else None,
                format_when(offer.expires_at, ctx.tz),
                offer.status,
            )
            buttons: tuple[Button, ...] = ()
            if offer.status == OfferStatus.PENDING.value:
                buttons = (
                    Button(texts.ACCEPT_BUTTON, ACTION_OFFER_ACCEPT, str(offer.id), "primary"),
                    Button(texts.DECLINE_BUTTON, ACTION_OFFER_DECLINE, str(offer.id)),
                )
            return Rendered(Reply(tuple(sections), buttons=buttons))
        case "approval" | "approval_result":
            request = session.get(SeatRequest, int(row.payload.get("request_id", 0)))
            if request is None:
                return None
            applicant = session.get(Person, request.person_id)
            seat = session.get(Seat, request.seat_id)
            assert applicant and seat
            municipality = session.get(Municipality, seat.municipality_code)
            assert municipality
            label = texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            if row.kind == "approval_result":
                if request.status not in ("approved", "rejected"):
                    return None
                return Rendered(
                    Reply(
                        tuple(
                            texts.approval_result(
                                request.status == "approved", label, municipality.name
                            )
                        )
                    )
                )
            sections = texts.approval_request(
                applicant.name,
                applicant.title,
                label,
                municipality.name,
                request.approver == "facilitator",
                request.status,
            )
            buttons = ()
            if request.status == "pending":
                buttons = (
                    Button(
                        texts.APPROVE_BUTTON, ACTION_REQUEST_APPROVE, str(request.id), "primary"
                    ),
                    Button(texts.REJECT_BUTTON, ACTION_REQUEST_REJECT, str(request.id), "danger"),
                )
            return Rendered(Reply(tuple(sections), buttons=buttons))
        case "regrets_notice":
            meeting = session.get(Meeting, row.meeting_id) if row.meeting_id else None
            seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
            if meeting is None or seat is None:
                return None
            municipality = session.get(Municipality, seat.municipality_code)
            assert municipality
            label = texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            absent = session.get(Person, int(row.payload.get("person_id", 0)))
            return Rendered(
                Reply(
                    tuple(
                        texts.regrets_notice(
                            absent.name if absent else str(row.payload.get("person", "")),
                            label,
                            municipality.name,
                            texts.meeting_name(meeting),
                            meeting.number,
                        )
                    )
                )
            )
        case "admin_notice":
            seat = session.get(Seat, int(row.payload.get("seat_id", 0)))
            if seat is None:
                return None
            municipality = session.get(Municipality, seat.municipality_code)
            assert municipality
            label = texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            return Rendered(
                Reply(
                    tuple(
                        texts.admin_notice(
                            label,
                            municipality.name,
                            bool(row.payload.get("gained")),
                            str(row.payload.get("reason") or ""),
                        )
                    )
                )
            )
    return None
