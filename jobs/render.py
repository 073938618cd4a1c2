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
from bot.calendar import CalendarEvent, meeting_ics
from bot.domain import meetings as meeting_domain
from bot.models import (
    Meeting,
    MeetingStatus,
    Municipality,
    NewsPost,
    Person,
    Seat,
    SeatKind,
)
from bot.notify import Attachment, Posted
from bot.outbox import Claimed, sent_message
from bot.replies import Reply

CANCEL_KINDS = {"cancelled", "cancelled_dm"}


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


def _holds_seat(session: Session, meeting: Meeting, user_id: str, *, fixed: bool) -> str | None:
    """The municipality name if ``user_id`` holds a seat (the fixed one, if asked) now."""
    query = (
        select(Municipality.name)
        .join(Seat, Seat.municipality_code == Municipality.code)
        .join(Person, Person.id == Seat.holder_id)
        .where(Seat.network_id == meeting.network_id, Person.user_id == user_id)
    )
    if fixed:
        query = query.where(Seat.kind == SeatKind.FIXED.value)
    return session.scalars(query).first()


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
            municipality = _holds_seat(session, meeting, row.recipient, fixed=True)
            if municipality is None:
                return None
            return Rendered(reply(texts.announce_dm(meeting, municipality, tz)))
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
            if _holds_seat(session, meeting, row.recipient, fixed=False) is None:
                return None
            return Rendered(
                reply(texts.reminder(meeting, news, tz, direct=True)),
                attachment=ics_attachment(meeting, tz, ctx.now),
            )
        case "starting", Meeting():
            minutes = max(1, round((meeting.starts_at - row.due_at).total_seconds() / 60))
            return Rendered(reply(texts.starting(meeting, minutes)))
        case (("moved" | "moved_dm"), Meeting()):
            if (
                row.kind == "moved_dm"
                and _holds_seat(session, meeting, row.recipient, fixed=False) is None
            ):
                return None
            return Rendered(reply(texts.moved(meeting, tz)))
        case (("cancelled" | "cancelled_dm"), Meeting()):
            return Rendered(reply(texts.cancelled(meeting, tz)))
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
