"""The loop after a meeting: its material, who actually came (fremmøde), and the feedback.

Who is on the attendance list comes from the one definition of who is expected
(``attendance.expected_at``) plus those who sent regrets; who may give feedback is who came:
the confirmed attendance once a facilitator confirmed it, else those expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.attendance import expected_at, regrets_at
from bot.models import (
    AttendanceStatus,
    Meeting,
    MeetingAttendanceConfirmed,
    MeetingFeedback,
    MeetingMaterial,
    MeetingPresence,
    MeetingStatus,
    Network,
    Person,
)

MAX_URL = 1000
MAX_TITLE = 200
MAX_COMMENT = 2000
# A link is one word of http(s), with a host: nothing a chat could read as markup or a script.
_URL = re.compile(r"^https?://[^\s<>\"'`|]+$", re.IGNORECASE)


def refuse_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise DomainError(ErrorKind.MEETING_CANCELLED, number=meeting.number)


def refuse_before_end(meeting: Meeting, now: datetime) -> None:
    if meeting.ends_at > now:
        raise DomainError(ErrorKind.MEETING_NOT_HELD, number=meeting.number)


# -- material -----------------------------------------------------------------------------------


def checked_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise DomainError(ErrorKind.MATERIAL_LINK_MISSING)
    if len(url) > MAX_URL:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="link", limit=MAX_URL)
    if not _URL.match(url) or len(url.split("://", 1)[1].split("/", 1)[0]) < 3:
        raise DomainError(ErrorKind.LINK_INVALID, value=url[:100])
    return url


def add_material(
    session: Session, meeting: Meeting, url: str, title: str, by: str, now: datetime
) -> MeetingMaterial:
    refuse_cancelled(meeting)
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=MAX_TITLE)
    material = MeetingMaterial(
        meeting_id=meeting.id, url=checked_url(url), title=title, added_by=by, added_at=now
    )
    session.add(material)
    session.flush()
    return material


def materials(session: Session, meeting_ids: list[int]) -> dict[int, list[MeetingMaterial]]:
    """Each meeting's material, in the order it was added."""
    if not meeting_ids:
        return {}
    found: dict[int, list[MeetingMaterial]] = {}
    rows = session.scalars(
        select(MeetingMaterial)
        .where(MeetingMaterial.meeting_id.in_(meeting_ids))
        .order_by(MeetingMaterial.id)
    )
    for row in rows:
        found.setdefault(row.meeting_id, []).append(row)
    return found


# -- attendance (fremmøde) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PresenceLine:
    person: Person
    municipality: str
    role: str  # "holder" | "substitute" | "" (no longer on a seat: from the confirmed marks)
    answer: str  # expected | confirmed | declined (their answer before the meeting)
    present: bool
    marked: bool  # a facilitator marked it (else the answer decides)


def is_confirmed(session: Session, meeting: Meeting) -> bool:
    return session.get(MeetingAttendanceConfirmed, meeting.id) is not None


def _marks(session: Session, meeting: Meeting) -> dict[int, MeetingPresence]:
    rows = session.scalars(select(MeetingPresence).where(MeetingPresence.meeting_id == meeting.id))
    return {row.person_id: row for row in rows}


def presence_list(session: Session, network: Network, meeting: Meeting) -> list[PresenceLine]:
    """Everyone expected at the meeting and those who sent regrets, each marked as present
    (by a facilitator, else by their answer: regrets mean absent). Once the attendance is
    confirmed, the marks made then are the list, whatever happened to the seats since."""
    marks = _marks(session, meeting)
    lines: list[PresenceLine] = []
    seen: set[int] = set()
    for entry in [*expected_at(session, network, meeting), *regrets_at(session, network, meeting)]:
        if entry.person.id in seen:
            continue
        seen.add(entry.person.id)
        mark = marks.get(entry.person.id)
        default = entry.status != AttendanceStatus.DECLINED.value
        lines.append(
            PresenceLine(
                entry.person,
                entry.municipality,
                entry.role,
                entry.status,
                mark.present if mark is not None else default,
                mark is not None,
            )
        )
    if is_confirmed(session, meeting):
        lines = [line for line in lines if line.person.id in marks]
        for person_id, mark in marks.items():
            person = session.get(Person, person_id)
            if person_id not in seen and person is not None:
                lines.append(PresenceLine(person, "", "", "", mark.present, True))
    lines.sort(key=lambda line: (line.municipality, line.person.name))
    return lines


def toggle_presence(
    session: Session, network: Network, meeting: Meeting, person_id: int, now: datetime
) -> PresenceLine:
    """Mark the person as the opposite of what the list says now. Only someone on the list:
    a forged or stale value names nobody on it."""
    refuse_cancelled(meeting)
    refuse_before_end(meeting, now)
    line = next(
        (x for x in presence_list(session, network, meeting) if x.person.id == person_id), None
    )
    if line is None:
        raise DomainError(ErrorKind.NOT_ON_ATTENDANCE_LIST, number=meeting.number)
    mark = session.get(MeetingPresence, (meeting.id, person_id))
    if mark is None:
        session.add(
            MeetingPresence(
                meeting_id=meeting.id, person_id=person_id, present=not line.present, marked_at=now
            )
        )
    else:
        mark.present, mark.marked_at = not line.present, now
    session.flush()
    return PresenceLine(
        line.person, line.municipality, line.role, line.answer, not line.present, True
    )


def confirm_presence(
    session: Session, network: Network, meeting: Meeting, by: str, now: datetime
) -> bool:
    """Confirm the list as it is marked now: every line becomes a mark, so later seat changes
    leave it as it was. False when it was confirmed already (nothing changes)."""
    refuse_cancelled(meeting)
    refuse_before_end(meeting, now)
    if is_confirmed(session, meeting):
        return False
    for line in presence_list(session, network, meeting):
        if not line.marked:
            session.add(
                MeetingPresence(
                    meeting_id=meeting.id,
                    person_id=line.person.id,
                    present=line.present,
                    marked_at=now,
                )
            )
    # The primary key makes a second confirmation racing this one fail and retry: it then
    # finds the meeting confirmed.
    session.add(
        MeetingAttendanceConfirmed(meeting_id=meeting.id, confirmed_by=by, confirmed_at=now)
    )
    session.flush()
    return True


def attended(session: Session, network: Network, meeting: Meeting) -> list[Person]:
    """Who came: the confirmed attendance, else those expected (they did not send regrets)."""
    if is_confirmed(session, meeting):
        return [line.person for line in presence_list(session, network, meeting) if line.present]
    return [e.person for e in expected_at(session, network, meeting)]


# -- feedback -----------------------------------------------------------------------------------


def may_give_feedback(
    session: Session, network: Network, meeting: Meeting, person: Person, now: datetime
) -> None:
    """Refuses feedback on a cancelled meeting, one not held yet, and from someone not there."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise DomainError(ErrorKind.MEETING_CANCELLED_FEEDBACK, number=meeting.number)
    refuse_before_end(meeting, now)
    if person.id not in {p.id for p in attended(session, network, meeting)}:
        raise DomainError(ErrorKind.NOT_AT_MEETING, number=meeting.number)


def feedback_of(session: Session, meeting: Meeting, person: Person) -> MeetingFeedback | None:
    return session.get(MeetingFeedback, (meeting.id, person.id))


def give_feedback(
    session: Session,
    network: Network,
    meeting: Meeting,
    person: Person,
    rating: int,
    now: datetime,
    *,
    comment: str | None = None,
    signed: bool | None = None,
) -> MeetingFeedback:
    """Record (or replace) the person's answer to "Hvordan var mødet?". ``comment``/``signed``
    None: keep what they wrote before (a click on a number changes only the number)."""
    may_give_feedback(session, network, meeting, person, now)
    if not 1 <= rating <= 5:
        raise DomainError(ErrorKind.FEEDBACK_RATING_INVALID, value=str(rating)[:10])
    if comment is not None and len(comment) > MAX_COMMENT:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="kommentar", limit=MAX_COMMENT)
    row = session.get(MeetingFeedback, (meeting.id, person.id))
    if row is None:
        row = MeetingFeedback(
            meeting_id=meeting.id, person_id=person.id, comment="", signed=False, answered_at=now
        )
        session.add(row)
    row.rating, row.answered_at = rating, now
    if comment is not None:
        row.comment = comment.strip()
    if signed is not None:
        row.signed = signed
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    count: int
    average: float | None
    # (comment, the name when the person signed it): never who gave which number.
    comments: tuple[tuple[str, str | None], ...]


def feedback_summary(session: Session, meeting: Meeting) -> FeedbackSummary:
    rows = list(
        session.scalars(
            select(MeetingFeedback)
            .where(MeetingFeedback.meeting_id == meeting.id)
            .order_by(MeetingFeedback.answered_at)
        )
    )
    comments = []
    for row in rows:
        if row.comment:
            person = session.get(Person, row.person_id) if row.signed else None
            signed = person.name if person is not None and person.erased_at is None else None
            comments.append((row.comment, signed))
    average = sum(r.rating for r in rows) / len(rows) if rows else None
    return FeedbackSummary(len(rows), average, tuple(comments))


def recent_with_material(
    session: Session, network: Network, now: datetime, limit: int
) -> list[Meeting]:
    """The last ``limit`` meetings held (over, not cancelled) that have material, newest first."""
    with_material = select(MeetingMaterial.meeting_id)
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.network_id == network.id,
                Meeting.ends_at <= now,
                Meeting.status != MeetingStatus.CANCELLED.value,
                Meeting.id.in_(with_material),
            )
            .order_by(Meeting.starts_at.desc())
            .limit(limit)
        )
    )


def last_held(session: Session, network: Network, now: datetime) -> Meeting | None:
    """The meeting held most recently (over, not cancelled)."""
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.network_id == network.id,
            Meeting.ends_at <= now,
            Meeting.status != MeetingStatus.CANCELLED.value,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).first()
