"""What must be posted for a meeting, and when: rows for the outbox.

The schedule is data (``KLIMANET_SCHEDULE``): offsets from the meeting's start, so a moved
meeting moves its posts. Keys carry the meeting's ``schedule_version``; a move raises it, cancels
the stale pending rows and plans new ones. A post whose time passed before the meeting was planned
(a meeting created or moved late) goes out at once, in the schedule's order; only the posts of a
meeting that has started are skipped. Planning is idempotent: run it as often as you like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import meetings as meeting_domain
from bot.domain.facilitators import facilitator_ids
from bot.domain.schedule import Offset, due_at
from bot.domain.seats.attendance import Expected, coordinators_at, expected_at
from bot.models import (
    AddressedTo,
    AttendanceStatus,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Network,
    OutboxMessage,
    OutboxStatus,
)
from bot.posts import kinds, loop
from bot.posts import polls as poll_posts
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue, sent_message, sent_to_channel
from bot.posts.weekend import off_the_weekend


class Audience(StrEnum):
    """Who a kind of direct message about a meeting is for, always drawn from the one answer to
    "who is expected" (``expected_at``) at the moment it is sent."""

    EXPECTED = "expected"
    # Those expected who have not said yes yet ("Kommer du stadig?"): a confirmation counts.
    UNCONFIRMED = "unconfirmed"
    # The holders of a fixed seat, also one who sent regrets: they still decide whom to send.
    COORDINATORS = "coordinators"
    TOLD = "told"  # the expected who were already told about the meeting


# Scheduled kinds: (channel post, direct-message kind or None).
SCHEDULED: dict[str, tuple[PostKind | None, PostKind | None]] = {
    "announce": (PostKind.ANNOUNCE, PostKind.ANNOUNCE_DM),
    "agenda": (PostKind.AGENDA, None),
    "reminder": (PostKind.REMINDER, PostKind.REMINDER_DM),
    "starting": (PostKind.STARTING, None),
    # "Kommer du stadig?" to everyone expected; rendered only if they still are at send time.
    "confirm": (None, PostKind.CONFIRM_DM),
}
DM_AUDIENCE: dict[str, Audience] = {
    PostKind.ANNOUNCE_DM: Audience.COORDINATORS,
    PostKind.CONFIRM_DM: Audience.UNCONFIRMED,
    PostKind.REMINDER_DM: Audience.EXPECTED,
    PostKind.MOVED_DM: Audience.TOLD,
    PostKind.CANCELLED_DM: Audience.TOLD,
}
# The direct-message notice that goes with each notice of a change in the channel.
NOTICE_DMS = {PostKind.MOVED: PostKind.MOVED_DM, PostKind.CANCELLED: PostKind.CANCELLED_DM}
# Channel posts that tell the channel about a meeting: after one of them, a move or a
# cancellation is announced in the channel too.
CHANNEL_KINDS = (
    PostKind.ANNOUNCE,
    PostKind.AGENDA,
    PostKind.AGENDA_UPDATE,
    PostKind.REMINDER,
    PostKind.STARTING,
    PostKind.MOVED,
)
# Posted once per meeting: a move brings a "moved" notice, not a second announcement.
ONCE_PER_MEETING = {PostKind.ANNOUNCE, PostKind.ANNOUNCE_DM, PostKind.AGENDA}
FANOUT = PostKind.FANOUT


@dataclass(frozen=True, slots=True)
class PlanConfig:
    schedule: dict[str, Offset]
    tz: ZoneInfo
    channel: str | None
    # Nudges before a themed meeting (``bot.posts.nudges``); off: none is planned, and those
    # planned are cancelled when the meeting is planned again (at the latest on start).
    nudges: bool = True


def audience(
    session: Session, network: Network, meeting: Meeting, which: Audience
) -> list[Expected]:
    """The people a direct message of the given audience goes to now."""
    if which is Audience.COORDINATORS:
        # KL's facilitators get the facilitators' messages, never a municipality's: not even
        # one who still holds a fixed seat from before facilitators took none.
        kl = set(facilitator_ids(session, network.id))
        return [e for e in coordinators_at(session, network, meeting) if e.person.account not in kl]
    expected = expected_at(session, network, meeting)
    if which is Audience.UNCONFIRMED:
        return [e for e in expected if e.status != AttendanceStatus.CONFIRMED.value]
    if which is Audience.TOLD:
        told = meeting_domain.told_people(session, meeting)
        return [e for e in expected if e.person.id in told]
    return expected


def addressee(
    session: Session, network: Network, meeting: Meeting, kind: str, person_id: int
) -> Expected | None:
    """The person as a recipient of ``kind`` about the meeting, if they are one right now."""
    which = DM_AUDIENCE.get(kind)
    if which is None:
        return None
    return next(
        (e for e in audience(session, network, meeting, which) if e.person.id == person_id), None
    )


def _key(kind: str, meeting: Meeting, target: str) -> str:
    return kinds.meeting_key(kind, meeting.id, meeting.schedule_version, target)


def _posted_once(session: Session, meeting: Meeting) -> dict[str, datetime]:
    """The once-per-meeting kinds of this meeting's posts already sent, with when (a fan-out row
    counts for its DMs): a moved meeting does not post them again."""
    rows = session.execute(
        select(OutboxMessage.key, OutboxMessage.sent_at, OutboxMessage.due_at).where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
    )
    posted: dict[str, datetime] = {}
    for key, sent_at, due in rows:
        kind = key.split(":", 1)[0]
        if kind in ONCE_PER_MEETING:
            when = sent_at or due
            posted[kind] = min(posted.get(kind, when), when)
    return posted


def _already_posted(session: Session, meeting: Meeting) -> set[str]:
    return set(_posted_once(session, meeting))


@dataclass(frozen=True, slots=True)
class PlannedTime:
    """When one scheduled post of a meeting goes out, as ``plan_meeting`` has it."""

    name: str  # the schedule's name for it: "announce", "reminder", …
    when: datetime
    # "now": its time had passed before the meeting was planned, so it goes out at once;
    # "skipped": the meeting has started; "sent": a once-per-meeting post that went out already
    # (``when`` is when), and a moved meeting does not post it again.
    state: Literal["planned", "now", "skipped", "sent"]


def planned_times(
    session: Session, meeting: Meeting, config: PlanConfig, now: datetime
) -> list[PlannedTime]:
    """Each scheduled post of the meeting (the channel's, where there is one) in the order they
    go out: a post moved off a weekend may overtake another."""
    posted = _posted_once(session, meeting)
    times: list[PlannedTime] = []
    for name, offset in config.schedule.items():
        if name not in SCHEDULED:
            continue
        if name == "starting" and not MeetingFormat(meeting.format).has_link:
            continue
        channel_kind, dm_kind = SCHEDULED[name]
        kind = channel_kind or dm_kind
        assert kind is not None
        if kind in posted:
            times.append(PlannedTime(name, posted[kind], "sent"))
            continue
        when = going_out(kind, offset, meeting, config.tz, now)
        if when is None:
            times.append(PlannedTime(name, due_at(meeting.starts_at, offset, config.tz), "skipped"))
        else:
            times.append(PlannedTime(name, when, "now" if when <= now else "planned"))
    return sorted(times, key=lambda t: t.when)


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
        channel_kind, dm_kind = SCHEDULED[name]
        if name == "starting" and not MeetingFormat(meeting.format).has_link:
            continue
        payload = {"offset": name}
        if config.channel and channel_kind and channel_kind not in posted:
            when = going_out(channel_kind, offset, meeting, config.tz, now)
            if when is not None:
                rows.append(
                    Planned(
                        _key(channel_kind, meeting, "channel"),
                        channel_kind,
                        config.channel,
                        when,
                        meeting.id,
                        payload,
                        addressed_to=AddressedTo.PLACE,
                    )
                )
        if dm_kind and dm_kind not in posted:
            when = going_out(dm_kind, offset, meeting, config.tz, now)
            if when is not None:
                rows.append(
                    _fanout(_key(dm_kind, meeting, "fanout"), dm_kind, meeting, when, payload)
                )
    return (
        enqueue(session, rows, now)
        + loop.plan_after(session, meeting, config.tz, now)
        + _plan_nudges(session, meeting, config, now)
    )


def _plan_nudges(session: Session, meeting: Meeting, config: PlanConfig, now: datetime) -> int:
    """The nudges before the meeting (``bot.posts.loop``): the coordinators' goes out with the
    agenda; none when they are turned off (and those planned are dropped)."""
    if not config.nudges:
        loop.cancel_nudges(session, meeting)
        return 0
    offset = config.schedule.get("agenda")
    agenda_at = (
        going_out(PostKind.AGENDA, offset, meeting, config.tz, now) if offset is not None else None
    )
    if agenda_at is not None and PostKind.AGENDA in _already_posted(session, meeting):
        agenda_at = None  # the agenda went out before: a move does not nudge again
    return loop.plan_nudges(session, meeting, agenda_at, config.tz, now)


def going_out(
    kind: str, offset: Offset, meeting: Meeting, tz: ZoneInfo, now: datetime
) -> datetime | None:
    """When a scheduled post goes out: its due time, moved off a weekend (``bot.posts.weekend``).
    At once when that time has passed (the meeting was created or moved after it: people must
    still hear of it); None only when the meeting has started, when the post says nothing new."""
    if meeting.starts_at <= now:
        return None
    due = due_at(meeting.starts_at, offset, tz)
    return max(off_the_weekend(kind, offset, meeting.starts_at, due, tz), now)


def _fanout(
    key: str, dm_kind: str, meeting: Meeting, when: datetime, payload: dict[str, Any]
) -> Planned:
    """One row for all the direct messages of a kind: who gets them is decided when it is due,
    from the state as it is then (see expand_fanout)."""
    return Planned(
        key,
        FANOUT,
        "-",
        when,
        meeting.id,
        {**payload, "kind": dm_kind},
        addressed_to=AddressedTo.PERSON,
    )


def expand_fanout(session: Session, row: Claimed, now: datetime) -> int:
    """Turn a due fan-out row into one direct message per current recipient (insert-or-ignore,
    so expanding twice after a crash creates nothing twice). Returns how many were new."""
    if "poll_id" in row.payload:  # a poll's reminder to the coordinators (posts/polls.py)
        return poll_posts.expand_reminders(session, row, now)
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    network = session.get(Network, meeting.network_id) if meeting is not None else None
    dm_kind = str(row.payload["kind"])
    if meeting is None or network is None:
        return 0
    if meeting.status == MeetingStatus.CANCELLED.value and dm_kind != PostKind.CANCELLED_DM:
        return 0
    if dm_kind in loop.FANOUT_KINDS:
        return enqueue(session, loop.expanded(session, network, meeting, row, dm_kind), now)
    if dm_kind not in DM_AUDIENCE:
        return 0
    prefix = row.key.removesuffix(":fanout")
    recipients = audience(session, network, meeting, DM_AUDIENCE[dm_kind])
    return enqueue(
        session,
        [
            Planned(
                kinds.person_target(prefix, e.person.id),
                dm_kind,
                e.person.account,
                row.due_at,
                meeting.id,
                row.payload,
                person_id=e.person.id,
                addressed_to=AddressedTo.PERSON,
            )
            for e in recipients
        ],
        now,
    )


def cancel_stale(session: Session, meeting: Meeting) -> int:
    """Cancel pending scheduled posts of older versions of the meeting's time. The material's
    fan-out is once per meeting, whatever its time: it follows the move instead
    (``loop.material_follows``)."""
    scheduled = [kind for post, dm in SCHEDULED.values() for kind in (post, dm) if kind] + [FANOUT]
    current = f"%:meeting={meeting.id}:v={meeting.schedule_version}:%"
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.kind.in_(scheduled),
            OutboxMessage.key.not_like(current),
            OutboxMessage.key != kinds.material_dm_key(meeting.id),
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
    kind: PostKind,
    config: PlanConfig,
    now: datetime,
    *,
    tag: str,
    payload: dict[str, Any] | None = None,
) -> int:
    """Immediate notices of a change ("moved", "cancelled"), only to those already told about the
    meeting: the channel if a post about it went there, and by direct message the expected people
    who were told (decided when the notice goes out). A meeting nobody heard of tells nobody.
    ``payload``: what the notice needs beyond the meeting as it is now (a move's old time)."""
    payload = payload or {}
    rows: list[Planned] = []
    if config.channel and sent_to_channel(session, meeting.id, CHANNEL_KINDS):
        rows.append(
            Planned(
                kinds.meeting_key(kind, meeting.id, None, f"{tag}:channel"),
                kind,
                config.channel,
                now,
                meeting.id,
                payload,
                addressed_to=AddressedTo.PLACE,
            )
        )
    rows.append(
        _fanout(
            kinds.meeting_key(NOTICE_DMS[kind], meeting.id, None, f"{tag}:fanout"),
            NOTICE_DMS[kind],
            meeting,
            now,
            payload,
        )
    )
    return enqueue(session, rows, now)


def moved_from(starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    """The payload of a move's notices: the time the meeting had before."""
    return {"was_starts_at": starts_at.isoformat(), "was_ends_at": ends_at.isoformat()}


def agenda_changed(session: Session, meeting: Meeting, now: datetime) -> int:
    """If the agenda was posted, update that message in place (rendered from current data)."""
    posted = session.execute(
        select(OutboxMessage.key)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.kind == PostKind.AGENDA,
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).scalar()
    if posted is None or sent_message(session, posted) is None:
        return 0
    key = kinds.agenda_update_key(meeting.id, meeting.agenda_revision)
    return enqueue(
        session,
        [
            Planned(
                key,
                PostKind.AGENDA_UPDATE,
                "-",
                now,
                meeting.id,
                {"agenda_key": posted},
                addressed_to=AddressedTo.PLACE,
            )
        ],
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
