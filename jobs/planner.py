"""What must be posted for a meeting, and when: rows for the outbox.

The schedule is data (``KLIMANET_SCHEDULE``): offsets from the meeting's start, so a moved
meeting moves its posts. Keys carry the meeting's ``schedule_version``; a move raises it, cancels
the stale pending rows and plans new ones. Posts whose time has already passed are skipped, never
sent in a burst. Planning is idempotent: run it as often as you like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import meetings as meeting_domain
from bot.domain.schedule import Offset, due_at
from bot.domain.seats import expected_attendees
from bot.models import (
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Network,
    OutboxMessage,
    OutboxStatus,
    Person,
    Seat,
    SeatKind,
)
from bot.outbox import Claimed, Planned, enqueue, sent_message

# Scheduled kinds: (channel post, direct-message kind or None, who gets the DM).
SCHEDULED = {
    "announce": ("announce", "announce_dm", "fixed"),
    "agenda": ("agenda", None, None),
    "reminder": ("reminder", "reminder_dm", "all"),
    "starting": ("starting", None, None),
    # "Kommer du stadig?" to everyone expected; rendered only if they still are at send time.
    "confirm": (None, "confirm_dm", "attendees"),
}
# Posted once per meeting: a move brings a "moved" notice, not a second announcement.
ONCE_PER_MEETING = {"announce", "announce_dm", "agenda"}
# A row standing for many direct messages until it is due (see expand_fanout).
FANOUT = "fanout"


@dataclass(frozen=True, slots=True)
class PlanConfig:
    schedule: dict[str, Offset]
    tz: ZoneInfo
    channel: str | None


def _holders(
    session: Session, network: Network, kind: str | None, meeting: Meeting | None = None
) -> list[str]:
    if kind == "attendees" and meeting is not None:
        return [p.user_id for p in expected_attendees(session, network, meeting)]
    query = (
        select(Person.user_id)
        .join(Seat, Seat.holder_id == Person.id)
        .where(Seat.network_id == network.id)
        .order_by(Seat.municipality_code, Seat.kind, Seat.slot)
    )
    if kind == "fixed":
        query = query.where(Seat.kind == SeatKind.FIXED.value)
    return list(session.scalars(query))


def _key(kind: str, meeting: Meeting, target: str, *, versioned: bool = True) -> str:
    version = f":v={meeting.schedule_version}" if versioned else ""
    return f"{kind}:meeting={meeting.id}{version}:{target}"


def _already_posted(session: Session, meeting: Meeting) -> set[str]:
    """Kinds of this meeting's posts already sent (a fan-out row counts for its DMs)."""
    keys = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
    )
    return {key.split(":", 1)[0] for key in keys} & ONCE_PER_MEETING


def plan_meeting(
    session: Session, network: Network, meeting: Meeting, config: PlanConfig, now: datetime
) -> int:
    """Insert the meeting's scheduled posts that are still ahead; returns how many were new."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return 0
    posted = _already_posted(session, meeting)
    rows: list[Planned] = []
    for name, offset in config.schedule.items():
        if name not in SCHEDULED:
            continue
        channel_kind, dm_kind, audience = SCHEDULED[name]
        if name == "starting" and meeting.format != MeetingFormat.ONLINE.value:
            continue
        when = due_at(meeting.starts_at, offset, config.tz)
        if when < now:
            continue  # its time passed before the meeting was planned: skip, no burst
        payload = {"offset": name}
        if config.channel and channel_kind and channel_kind not in posted:
            rows.append(
                Planned(
                    _key(channel_kind, meeting, "channel"),
                    channel_kind,
                    config.channel,
                    when,
                    meeting.id,
                    payload,
                )
            )
        if dm_kind and audience and dm_kind not in posted:
            # One row for all the direct messages: who gets them is decided when it is due,
            # from the seats as they are then (see expand_fanout).
            rows.append(
                Planned(
                    _key(dm_kind, meeting, "fanout"),
                    FANOUT,
                    "-",
                    when,
                    meeting.id,
                    {**payload, "kind": dm_kind, "audience": audience},
                )
            )
    return enqueue(session, rows, now)


def expand_fanout(session: Session, row: Claimed, now: datetime) -> int:
    """Turn a due fan-out row into one direct message per current recipient (insert-or-ignore,
    so expanding twice after a crash creates nothing twice). Returns how many were new."""
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    network = session.get(Network, meeting.network_id) if meeting is not None else None
    if meeting is None or network is None or meeting.status == MeetingStatus.CANCELLED.value:
        return 0
    dm_kind = str(row.payload["kind"])
    prefix = row.key.removesuffix(":fanout")
    users = _holders(session, network, str(row.payload["audience"]), meeting)
    return enqueue(
        session,
        [
            Planned(f"{prefix}:user={user}", dm_kind, user, row.due_at, meeting.id, row.payload)
            for user in users
        ],
        now,
    )


def cancel_stale(session: Session, meeting: Meeting) -> int:
    """Cancel pending scheduled posts of older versions of the meeting's time."""
    kinds = [kind for post, dm, _ in SCHEDULED.values() for kind in (post, dm) if kind] + [FANOUT]
    current = f"%:meeting={meeting.id}:v={meeting.schedule_version}:%"
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.key.not_like(current),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error="the meeting moved")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_all(session: Session, meeting: Meeting) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error="the meeting was cancelled")
        .execution_options(synchronize_session=False)
    )


def notify_now(
    session: Session,
    network: Network,
    meeting: Meeting,
    kind: str,
    config: PlanConfig,
    now: datetime,
    *,
    tag: str,
) -> int:
    """Immediate notices to the channel and every seat holder ("moved", "cancelled")."""
    rows: list[Planned] = []
    if config.channel:
        rows.append(
            Planned(
                f"{kind}:meeting={meeting.id}:{tag}:channel", kind, config.channel, now, meeting.id
            )
        )
    rows.extend(
        Planned(
            f"{kind}_dm:meeting={meeting.id}:{tag}:user={user}", f"{kind}_dm", user, now, meeting.id
        )
        for user in _holders(session, network, "all")
    )
    return enqueue(session, rows, now)


def agenda_changed(session: Session, meeting: Meeting, now: datetime) -> int:
    """If the agenda was posted, update that message in place (rendered from current data)."""
    posted = session.execute(
        select(OutboxMessage.key)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.kind == "agenda",
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).scalar()
    if posted is None or sent_message(session, posted) is None:
        return 0
    key = f"agenda_update:meeting={meeting.id}:rev={meeting.agenda_revision}:channel"
    return enqueue(
        session,
        [Planned(key, "agenda_update", "-", now, meeting.id, {"agenda_key": posted})],
        now,
    )


def plan_upcoming(session: Session, network: Network, config: PlanConfig, now: datetime) -> int:
    """Re-plan every meeting still ahead: after membership changes, and as a safety net."""
    return sum(
        plan_meeting(session, network, meeting, config, now)
        for meeting in _planned_meetings(session, network, now)
    )


def _planned_meetings(session: Session, network: Network, now: datetime) -> Iterable[Meeting]:
    return (
        m
        for m in meeting_domain.upcoming(session, network, now, limit=1000)
        if m.status != MeetingStatus.CANCELLED.value
    )
