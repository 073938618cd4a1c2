"""Meetings and their agendas. Times are aware UTC datetimes; callers parse and show local time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import insert_ignore
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.themes import known_themes
from bot.models import (
    AgendaItem,
    AgendaKind,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    MeetingTold,
    Network,
    NewsPost,
)

NEWS_ITEM_TITLE = "Nyt fra KL"
MAX_TITLE = 200
MAX_ITEMS = 40
MAX_NEWS = 2800  # fits one Block Kit section with the heading
# Meeting numbers are INTEGER columns; a larger number (from a form's metadata, say) cannot name
# a meeting, and the databases would refuse to compare it.
MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    title: str
    starts_at: datetime
    ends_at: datetime
    format: MeetingFormat
    location: str = ""  # the address (physical and hybrid)
    themes: Sequence[str] = ()
    link: str = ""  # the video link (online and hybrid)


_LINK = re.compile(r"^https?://\S+$")


def _check_place(draft: MeetingDraft) -> None:
    """A link given must be one. A missing link or address is not an error: KL often plans a
    meeting before either exists, and its posts wait for them (``missing_place``)."""
    link = draft.link.strip()
    if link and not _LINK.match(link):
        raise DomainError(ErrorKind.LINK_INVALID, value=link[:100])


def missing_place(meeting: Meeting) -> list[str]:
    """What of its place the meeting's format needs and it lacks: ``"link"``, ``"address"``."""
    fmt = MeetingFormat(meeting.format)
    missing = []
    if fmt.has_link and not meeting.link.strip():
        missing.append("link")
    if fmt.has_address and not meeting.location.strip():
        missing.append("address")
    return missing


def waits_for_place(meeting: Meeting) -> bool:
    """Whether the meeting's posts wait: its place is missing, and the facilitator has not said
    to go ahead without it (``send_without_place``)."""
    return bool(missing_place(meeting)) and not meeting.send_without_place


def send_without_place(session: Session, meeting: Meeting, now: datetime) -> None:
    """The facilitator's go-ahead: announce the meeting without the missing link or address."""
    ensure_live(meeting, now)
    meeting.send_without_place = True
    meeting.updated_at = now
    session.flush()


def check_draft(draft: MeetingDraft, now: datetime) -> None:
    """Everything a meeting needs before it is saved; raises ``DomainError``."""
    if not draft.title.strip():
        raise DomainError(ErrorKind.TITLE_MISSING)
    if len(draft.title) > MAX_TITLE:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=MAX_TITLE)
    if draft.ends_at <= draft.starts_at:
        raise DomainError(ErrorKind.TIME_RANGE_INVALID, value="")
    if draft.starts_at <= now:
        raise DomainError(ErrorKind.DATE_IN_PAST, value="")
    _check_place(draft)


def create_meeting(
    session: Session, network: Network, draft: MeetingDraft, created_by: str, now: datetime
) -> Meeting:
    """A new meeting with the next number and the standing item "Nyt fra KL".

    Two facilitators creating at once may pick the same number; the unique constraint refuses
    the second and the service's retry gives it the next one.
    """
    check_draft(draft, now)
    themes = known_themes(session, network, draft.themes)  # the network's list only
    number = (
        session.scalar(select(func.max(Meeting.number)).where(Meeting.network_id == network.id))
        or 0
    ) + 1
    meeting = Meeting(
        network_id=network.id,
        number=number,
        title=" ".join(draft.title.split()),
        themes=themes,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        format=draft.format.value,
        location=draft.location.strip() if draft.format.has_address else "",
        link=draft.link.strip() if draft.format.has_link else "",
        send_without_place=False,
        status=MeetingStatus.PLANNED.value,
        cancel_reason="",
        sequence=0,
        agenda_revision=0,
        schedule_version=0,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    meeting.items = [
        AgendaItem(position=1, title=NEWS_ITEM_TITLE, kind=AgendaKind.NEWS.value, presenter="KL")
    ]
    session.add(meeting)
    session.flush()
    return meeting


@dataclass(frozen=True, slots=True)
class Concern:
    """Something a facilitator should see before a meeting is planned at a time: it falls on a
    Saturday or Sunday (``weekday``: 5 or 6), or it overlaps another meeting (``number``)."""

    kind: str  # "weekend" | "overlap"
    weekday: int | None = None
    number: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.weekday if self.number is None else self.number}"


def concerns(
    session: Session,
    network: Network,
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
    *,
    meeting_id: int | None = None,
) -> list[Concern]:
    """What to warn about a meeting at this time (``meeting_id``: the one being moved)."""
    found = []
    weekday = starts_at.astimezone(tz).weekday()
    if weekday >= 5:
        found.append(Concern("weekend", weekday=weekday))
    overlapping = session.scalars(
        select(Meeting.number)
        .where(
            Meeting.network_id == network.id,
            Meeting.status != MeetingStatus.CANCELLED.value,
            Meeting.starts_at < ends_at,
            Meeting.ends_at > starts_at,
            *([Meeting.id != meeting_id] if meeting_id is not None else []),
        )
        .order_by(Meeting.number)
    )
    found.extend(Concern("overlap", number=number) for number in overlapping)
    return found


def ensure_live(meeting: Meeting, now: datetime) -> Meeting:
    """A meeting that can still change: not cancelled, not over."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise DomainError(ErrorKind.MEETING_CANCELLED, number=meeting.number)
    if meeting.ends_at <= now:
        raise DomainError(ErrorKind.MEETING_OVER, number=meeting.number)
    return meeting


def get_meeting(session: Session, network: Network, number: int) -> Meeting:
    if not 0 < number <= MAX_NUMBER:
        raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=f"#{str(number)[:12]}")
    meeting = session.scalars(
        select(Meeting).where(Meeting.network_id == network.id, Meeting.number == number)
    ).one_or_none()
    if meeting is None:
        raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=f"#{number}")
    return meeting


def meetings_on(
    session: Session, network: Network, start: datetime, end: datetime
) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.network_id == network.id,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at)
        )
    )


def upcoming(
    session: Session, network: Network, now: datetime, *, limit: int = 20
) -> list[Meeting]:
    """Meetings not yet over, cancelled ones included (people should see those too)."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.network_id == network.id, Meeting.ends_at > now)
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )


def next_meeting(session: Session, network: Network, now: datetime) -> Meeting | None:
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.network_id == network.id,
            Meeting.ends_at > now,
            Meeting.status != MeetingStatus.CANCELLED.value,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    ).first()


def _touch(meeting: Meeting, now: datetime, *, agenda: bool = False) -> None:
    meeting.updated_at = now
    meeting.sequence += 1
    if agenda:
        meeting.agenda_revision += 1


def move_meeting(
    session: Session, meeting: Meeting, starts_at: datetime, ends_at: datetime, now: datetime
) -> Meeting:
    ensure_live(meeting, now)
    if ends_at <= starts_at:
        raise DomainError(ErrorKind.TIME_RANGE_INVALID, value="")
    if starts_at <= now:
        raise DomainError(ErrorKind.DATE_IN_PAST, value="")
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.status = MeetingStatus.MOVED.value
    meeting.schedule_version += 1
    _touch(meeting, now)
    session.flush()
    return meeting


def update_meeting(session: Session, meeting: Meeting, draft: MeetingDraft, now: datetime) -> bool:
    """Edit a meeting; True when its time changed (a move, with the notices that brings)."""
    ensure_live(meeting, now)
    check_draft(draft, now)
    network = session.get(Network, meeting.network_id)
    assert network is not None  # a meeting's network outlives it
    themes = known_themes(session, network, draft.themes)  # the network's list only
    moved = (meeting.starts_at, meeting.ends_at) != (draft.starts_at, draft.ends_at)
    meeting.title = " ".join(draft.title.split())
    meeting.themes = themes
    meeting.starts_at, meeting.ends_at = draft.starts_at, draft.ends_at
    meeting.format = draft.format.value
    meeting.location = draft.location.strip() if draft.format.has_address else ""
    meeting.link = draft.link.strip() if draft.format.has_link else ""
    if moved:
        meeting.status = MeetingStatus.MOVED.value
        meeting.schedule_version += 1
    _touch(meeting, now, agenda=True)
    session.flush()
    return moved


def cancel_meeting(session: Session, meeting: Meeting, reason: str, now: datetime) -> Meeting:
    ensure_live(meeting, now)
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancel_reason = " ".join(reason.split())[:500]
    _touch(meeting, now)
    session.flush()
    return meeting


def copy_meeting(
    session: Session,
    network: Network,
    source: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    now: datetime,
) -> Meeting:
    """A new meeting with the same title, format, place and agenda skeleton (no news)."""
    draft = MeetingDraft(
        title=source.title,
        starts_at=starts_at,
        ends_at=ends_at,
        format=MeetingFormat(source.format),
        location=source.location,
        themes=source.themes,
        link=source.link,
    )
    meeting = create_meeting(session, network, draft, created_by, now)
    meeting.items = [
        AgendaItem(
            position=i,
            title=item.title,
            kind=item.kind,
            presenter=item.presenter,
            minutes=item.minutes,
        )
        for i, item in enumerate(source.items, 1)
    ]
    session.flush()
    return meeting


def add_item(
    session: Session,
    meeting: Meeting,
    title: str,
    kind: AgendaKind,
    presenter: str,
    minutes: int | None,
    now: datetime,
) -> AgendaItem:
    ensure_live(meeting, now)
    title = " ".join(title.split())
    if not title:
        raise DomainError(ErrorKind.TITLE_MISSING)
    if len(title) > MAX_TITLE:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=MAX_TITLE)
    if len(meeting.items) >= MAX_ITEMS:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="dagsorden", limit=MAX_ITEMS)
    if minutes is not None and not 1 <= minutes <= 600:
        raise DomainError(ErrorKind.NUMBER_INVALID, value=str(minutes), field="min")
    item = AgendaItem(
        position=len(meeting.items) + 1,
        title=title,
        kind=kind.value,
        presenter=" ".join(presenter.split())[:200],
        minutes=minutes,
    )
    meeting.items.append(item)
    _touch(meeting, now, agenda=True)
    session.flush()
    return item


def _item_at(meeting: Meeting, position: int) -> AgendaItem:
    for item in meeting.items:
        if item.position == position:
            return item
    raise DomainError(ErrorKind.ITEM_UNKNOWN, number=meeting.number, position=position)


def _renumber(meeting: Meeting, ordered: list[AgendaItem]) -> None:
    for i, item in enumerate(ordered, 1):
        item.position = i
    meeting.items = ordered


def remove_item(session: Session, meeting: Meeting, position: int, now: datetime) -> AgendaItem:
    ensure_live(meeting, now)
    item = _item_at(meeting, position)
    _renumber(meeting, [i for i in meeting.items if i is not item])
    _touch(meeting, now, agenda=True)
    session.flush()
    return item


def move_item(
    session: Session, meeting: Meeting, position: int, new_position: int, now: datetime
) -> AgendaItem:
    ensure_live(meeting, now)
    item = _item_at(meeting, position)
    if not 1 <= new_position <= len(meeting.items):
        raise DomainError(ErrorKind.ITEM_UNKNOWN, number=meeting.number, position=new_position)
    ordered = [i for i in meeting.items if i is not item]
    ordered.insert(new_position - 1, item)
    _renumber(meeting, ordered)
    _touch(meeting, now, agenda=True)
    session.flush()
    return item


def add_news(session: Session, network: Network, text: str, author: str, now: datetime) -> NewsPost:
    """A "Nyt fra KL" update, filed under the next meeting (whose agenda it then changes)."""
    text = text.strip()
    if not text:
        raise DomainError(ErrorKind.NEWS_MISSING)
    if len(text) > MAX_NEWS:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="nyhed", limit=MAX_NEWS)
    meeting = next_meeting(session, network, now)
    post = NewsPost(
        network_id=network.id,
        meeting_id=meeting.id if meeting else None,
        text=text,
        author_user_id=author,
        created_at=now,
    )
    session.add(post)
    if meeting is not None:
        # The news shows under the meeting's "Nyt fra KL": a posted agenda must be refreshed.
        session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(agenda_revision=Meeting.agenda_revision + 1)
        )
    session.flush()
    return post


def news_for(session: Session, meeting: Meeting) -> list[NewsPost]:
    return list(
        session.scalars(
            select(NewsPost).where(NewsPost.meeting_id == meeting.id).order_by(NewsPost.id)
        )
    )


def record_told(
    session: Session, meeting_id: int, person_id: int, kind: str, now: datetime
) -> None:
    """Remember that a person was told about a meeting (the first post that did so is kept)."""
    insert_ignore(
        session,
        MeetingTold.__table__,  # type: ignore[arg-type]
        [{"meeting_id": meeting_id, "person_id": person_id, "kind": kind, "told_at": now}],
    )


def told_people(session: Session, meeting: Meeting) -> set[int]:
    """Internal ids of everyone who was told about the meeting by direct message."""
    return set(
        session.scalars(select(MeetingTold.person_id).where(MeetingTold.meeting_id == meeting.id))
    )
