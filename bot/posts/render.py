"""Turns an outbox row into the message to send, from the data as it is at send time.

Returning ``None`` means the post is no longer wanted (the meeting was cancelled or moved, the
recipient is no longer among those it is for): the row is cancelled, not sent. Each post kind has
one renderer, found in a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain import meetings as meeting_domain
from bot.domain.seats.attendance import Expected, is_open, seats_at
from bot.models import (
    AddressedTo,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Municipality,
    Network,
    NewsPost,
    OutboxMessage,
    Person,
    Seat,
    SeatEvent,
    SeatKind,
)
from bot.posts import digest, planner
from bot.posts.calendar import ics_attachment
from bot.posts.departures import DEPARTURE_RENDERERS
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, sent_message
from bot.posts.polls import POLL_RENDERERS
from bot.posts.render_consent import CONSENT_RENDERERS
from bot.posts.render_loop import LOOP_RENDERERS
from bot.posts.render_privacy import PRIVACY_RENDERERS
from bot.posts.rendering import RenderContext, Rendered
from bot.posts.succession import SUCCESSION_RENDERERS
from bot.replies import (
    Action,
    Button,
    Posted,
    Reply,
    UserPick,
)
from bot.texts.dates import format_when

__all__ = ["Rendered", "RenderContext", "announce_dm_reply", "flexible_picks", "render"]

# What a cancelled meeting still sends: the news that it is cancelled.
CANCEL_KINDS = {PostKind.CANCELLED, PostKind.CANCELLED_DM}


@dataclass(frozen=True, slots=True)
class _MeetingPost:
    """What a renderer of a meeting's post gets: the row, the meeting, and its news."""

    session: Session
    row: Claimed
    ctx: RenderContext
    meeting: Meeting
    news: list[NewsPost]

    def reply(self, sections: list[str]) -> Reply:
        return Reply(tuple(sections), public=self.row.to_place)

    def addressee(self) -> Expected | None:
        """The recipient of a direct message about the meeting, if they still are one now."""
        network = self.session.get(Network, self.meeting.network_id)
        person_id = self.row.person_id
        if person_id is None:  # planned before rows carried the person's internal id
            person_id = self.session.scalar(
                select(Person.id).where(Person.account == self.row.recipient).limit(1)
            )
        if network is None or person_id is None:
            return None
        return planner.addressee(self.session, network, self.meeting, self.row.kind, person_id)


MeetingRenderer = Callable[[_MeetingPost], Rendered | None]
OtherRenderer = Callable[[Session, Claimed, RenderContext], Rendered | None]


def render(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    other = _OTHER_POSTS.get(row.kind)
    if other is not None:
        return other(session, row, ctx)
    renderer = _MEETING_POSTS.get(row.kind)
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    if renderer is None or meeting is None or _stale(row, meeting):
        return None
    post = _MeetingPost(session, row, ctx, meeting, meeting_domain.news_for(session, meeting))
    return renderer(post)


def _stale(row: Claimed, meeting: Meeting) -> bool:
    """Planned for a meeting that was cancelled since, or for a time it no longer has."""
    if meeting.status == MeetingStatus.CANCELLED.value and row.kind not in CANCEL_KINDS:
        return True
    return ":v=" in row.key and f":v={meeting.schedule_version}:" not in row.key


# -- a meeting's posts ----------------------------------------------------------------------


def _announce(post: _MeetingPost) -> Rendered:
    return Rendered(post.reply(texts.posts.announcement(post.meeting, post.news, post.ctx.tz)))


def _announce_dm(post: _MeetingPost) -> Rendered | None:
    coordinator = post.addressee()
    if coordinator is None:
        return None
    return Rendered(announce_dm_reply(post.session, post.meeting, coordinator, post.ctx.tz))


def _confirm_dm(post: _MeetingPost) -> Rendered | None:
    expected = post.addressee()
    if expected is None:
        return None
    meeting = post.meeting
    seat = texts.common.seat_label(SeatKind(expected.seat.kind), expected.seat.slot, definite=True)
    sections = texts.consent.still_coming(
        texts.meetings.meeting_name(meeting),
        format_when(meeting.starts_at, post.ctx.tz),
        seat,
        expected.municipality,
    )
    buttons = (
        Button(texts.consent.YES_BUTTON, Action.ATTEND_YES, str(meeting.id), "primary"),
        Button(texts.consent.NO_BUTTON, Action.ATTEND_NO, str(meeting.id)),
    )
    return Rendered(Reply(tuple(sections), buttons=buttons))


def _agenda(post: _MeetingPost) -> Rendered:
    return Rendered(
        post.reply(texts.meetings.agenda_post(post.meeting, post.news, post.ctx.tz, updated=False))
    )


def _agenda_update(post: _MeetingPost) -> Rendered | None:
    where = sent_message(post.session, str(post.row.payload.get("agenda_key", "")))
    if where is None:
        return None
    return Rendered(
        post.reply(texts.meetings.agenda_post(post.meeting, post.news, post.ctx.tz, updated=True)),
        update_of=Posted(*where),
    )


def _reminder(post: _MeetingPost) -> Rendered:
    return Rendered(
        post.reply(texts.posts.reminder(post.meeting, post.news, post.ctx.tz, direct=False))
    )


def _reminder_dm(post: _MeetingPost) -> Rendered | None:
    if post.addressee() is None:
        return None
    return Rendered(
        post.reply(texts.posts.reminder(post.meeting, post.news, post.ctx.tz, direct=True)),
        attachment=ics_attachment(post.meeting, post.ctx.tz, post.ctx.now, post.news),
    )


def _starting(post: _MeetingPost) -> Rendered:
    minutes = max(1, round((post.meeting.starts_at - post.row.due_at).total_seconds() / 60))
    return Rendered(post.reply(texts.posts.starting(post.meeting, minutes)))


def _moved(post: _MeetingPost) -> Rendered:
    return Rendered(
        post.reply(texts.posts.moved(post.meeting, post.ctx.tz, _time_before(post.row)))
    )


def _time_before(row: Claimed) -> tuple[datetime, datetime] | None:
    """The time a moved meeting had, kept in the notice's payload when it was planned."""
    starts, ends = row.payload.get("was_starts_at"), row.payload.get("was_ends_at")
    if not isinstance(starts, str) or not isinstance(ends, str):
        return None
    try:
        return datetime.fromisoformat(starts), datetime.fromisoformat(ends)
    except ValueError:
        return None


def _cancelled(post: _MeetingPost) -> Rendered:
    return Rendered(post.reply(texts.posts.cancelled(post.meeting, post.ctx.tz)))


def _place_button(meeting: Meeting, missing: list[str]) -> Button:
    return Button(
        texts.meetings.send_without_button(missing), Action.MEETING_SEND, str(meeting.number)
    )


def _place_reminder(post: _MeetingPost) -> Rendered | None:
    """Two days before the announcement, if the place is still missing (``bot.posts.place``)."""
    meeting = post.meeting
    if not meeting_domain.waits_for_place(meeting):
        return None
    missing = meeting_domain.missing_place(meeting)
    announce = post.row.payload.get("announce_at")
    at = datetime.fromisoformat(announce) if isinstance(announce, str) else None
    return Rendered(
        Reply(
            (texts.meetings.place_reminder(meeting, missing, at, post.ctx.tz),),
            buttons=(_place_button(meeting, missing),),
        )
    )


def _place_waiting(post: _MeetingPost) -> Rendered | None:
    """The meeting's posts are due and wait for the place: told once."""
    meeting = post.meeting
    if not meeting_domain.waits_for_place(meeting):
        return None
    missing = meeting_domain.missing_place(meeting)
    return Rendered(
        Reply(
            (texts.meetings.place_waiting(meeting, missing, post.ctx.tz),),
            buttons=(_place_button(meeting, missing),),
        )
    )


def _with_calendar(notice: MeetingRenderer) -> MeetingRenderer:
    """A notice of a change by direct message brings the calendar file as it is now: the same
    UID with a higher SEQUENCE, so the entry a member added moves or shows as cancelled."""

    def render(post: _MeetingPost) -> Rendered | None:
        rendered = notice(post)
        if rendered is None:
            return None
        calendar = ics_attachment(post.meeting, post.ctx.tz, post.ctx.now, post.news)
        return replace(rendered, attachment=calendar)

    return render


def _to_those_told(notice: MeetingRenderer) -> MeetingRenderer:
    """A notice of a change by direct message: only while its person is still one to tell."""
    return lambda post: notice(post) if post.addressee() is not None else None


_MEETING_POSTS: dict[str, MeetingRenderer] = {
    PostKind.ANNOUNCE: _announce,
    PostKind.ANNOUNCE_DM: _announce_dm,
    PostKind.CONFIRM_DM: _confirm_dm,
    PostKind.AGENDA: _agenda,
    PostKind.AGENDA_UPDATE: _agenda_update,
    PostKind.REMINDER: _reminder,
    PostKind.REMINDER_DM: _reminder_dm,
    PostKind.STARTING: _starting,
    PostKind.MOVED: _moved,
    PostKind.MOVED_DM: _to_those_told(_with_calendar(_moved)),
    PostKind.CANCELLED: _cancelled,
    PostKind.CANCELLED_DM: _to_those_told(_with_calendar(_cancelled)),
    PostKind.PLACE_REMINDER: _place_reminder,
    PostKind.PLACE_WAITING: _place_waiting,
}


# -- posts that are not a meeting's ---------------------------------------------------------


def _refresh(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """Re-render an earlier post from the current state and update it in place."""
    key = str(row.payload.get("key", ""))
    original = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one_or_none()
    where = sent_message(session, key)
    if original is None or where is None:
        return None
    as_new = Claimed.as_first_post(original)
    rendered = render(session, as_new, ctx)
    if rendered is None:
        return None
    return Rendered(rendered.reply, update_of=Posted(*where))


def _news(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    post = session.get(NewsPost, int(row.payload.get("news_id", 0)))
    if post is None:
        return None
    author = session.scalar(
        select(Person.name).where(Person.account == post.author_user_id).limit(1)
    )
    return Rendered(
        Reply(
            tuple(texts.posts.news_post(post.text, post.author_user_id, author or "")), public=True
        )
    )


def _notice_about(session: Session, row: Claimed) -> tuple[str, str, bool, Meeting | None]:
    """(kind, recipient, whether it went to the place, meeting) of the post a facilitators'
    notice is about."""
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    to_place = row.payload.get("addressed_to") == AddressedTo.PLACE.value
    return str(row.payload.get("kind")), str(row.payload.get("recipient")), to_place, meeting


def _dead_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered:
    kind, recipient, to_place, meeting = _notice_about(session, row)
    error = str(row.payload.get("error"))
    return Rendered(
        Reply(tuple(texts.posts.dead_notice(kind, recipient, to_place, meeting, error)))
    )


def _missed_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered:
    kind, recipient, to_place, meeting = _notice_about(session, row)
    due_at = datetime.fromisoformat(str(row.payload.get("due_at")))
    hours = ctx.catchup.total_seconds() / 3600
    lines = texts.posts.missed_notice(kind, recipient, to_place, meeting, due_at, ctx.tz, hours)
    return Rendered(Reply(tuple(lines)))


def _lookup_notice(session: Session, row: Claimed, ctx: RenderContext) -> Rendered:
    needed = str(row.payload.get("needed") or "")
    return Rendered(Reply(tuple(texts.posts.lookup_unavailable_notice(needed))))


_OTHER_POSTS: dict[str, OtherRenderer] = {
    PostKind.REFRESH: _refresh,
    PostKind.NEWS: _news,
    PostKind.DEAD_NOTICE: _dead_notice,
    PostKind.MISSED_NOTICE: _missed_notice,
    PostKind.LOOKUP_NOTICE: _lookup_notice,
    PostKind.DIGEST: digest.render,
    **CONSENT_RENDERERS,
    **PRIVACY_RENDERERS,
    **SUCCESSION_RENDERERS,
    **POLL_RENDERERS,
    **LOOP_RENDERERS,
    **DEPARTURE_RENDERERS,
}


def announce_dm_reply(
    session: Session, meeting: Meeting, coordinator: Expected, tz: ZoneInfo
) -> Reply:
    """The coordinator's announcement: who comes from the municipality as it stands now
    (substitutes in, regrets out), and a colleague picker for each flexible seat nobody fills;
    colleagues whose fagområder match the meeting's theme are suggested."""
    code = coordinator.seat.municipality_code
    picks, context = flexible_picks(session, meeting, code)
    network = session.get(Network, meeting.network_id)
    assert network is not None
    own = next(
        e for s, e in seats_at(session, network, meeting, code) if s.id == coordinator.seat.id
    )
    sections = texts.posts.announce_dm(
        meeting,
        coordinator.municipality,
        tz,
        # Their own seat still needs someone (a substitute on it already answers that).
        regrets=coordinator.status == AttendanceStatus.DECLINED.value and is_open(own),
        open_seats=bool(picks),
    )
    sections.append(coming_section(session, meeting, code))
    return Reply(tuple(sections), picks=picks, context=context)


def coming_section(session: Session, meeting: Meeting, code: int) -> str:
    """Who fills each of the municipality's seats at the meeting, as it stands now."""
    network = session.get(Network, meeting.network_id)
    assert network is not None
    lines = []
    name = ""
    for seat, entry in seats_at(session, network, meeting, code):
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        substitute = entry.role == "substitute"
        lines.append(
            texts.consent.coming_line(
                SeatKind(seat.kind),
                seat.slot,
                entry.attendee.name if entry.attendee is not None else None,
                entry.status,
                substitute_for=holder.name if substitute and holder is not None else None,
                substitute=substitute,
            )
        )
        municipality = session.get(Municipality, seat.municipality_code)
        name = municipality.name if municipality is not None else name
    return texts.consent.coming_from(name, lines)


def flexible_picks(
    session: Session, meeting: Meeting, code: int
) -> tuple[tuple[UserPick, ...], str | None]:
    """A colleague picker for each of the municipality's flexible seats that nobody fills at the
    meeting (vacant, or its holder sent regrets), and the colleagues suggested for its theme:
    the announcement's and the coordinator's App Home. A seat whose holder comes has none: a
    substitute never takes the seat of someone who comes."""
    network = session.get(Network, meeting.network_id)
    assert network is not None
    picks = []
    for seat, entry in seats_at(session, network, meeting, code):
        if seat.kind != SeatKind.FLEXIBLE.value or not is_open(entry):
            continue
        who = entry.attendee.name if entry.attendee is not None else None
        label = texts.consent.pick_label(
            SeatKind(seat.kind), seat.slot, who, regrets=who is not None
        )
        picks.append(
            UserPick(
                label,
                Action.PICK_SUBSTITUTE,
                f"pick:{meeting.id}:{seat.slot}",
                texts.consent.PICK_PLACEHOLDER,
                f"vikar {meeting.number} @kollega {texts.common.seat_typed(SeatKind.FLEXIBLE, seat.slot)}",
            )
        )
    suggestions = _suggestions(session, network, code, meeting)
    return tuple(picks), texts.consent.pick_suggestions(suggestions) if suggestions else None


def _suggestions(
    session: Session, network: Network, code: int, meeting: Meeting
) -> list[tuple[str, str, str]]:
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
            found.append((person.account, person.name, ", ".join(matching)))
    return found[:5]
