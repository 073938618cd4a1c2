"""A meeting planned before its link or address exists: its posts wait for the place.

Creating an online meeting without its link (a physical one without its address, a hybrid one
without either) is allowed: the facilitator is warned in the answer, and reminded by one direct
message two days before the announcement if the place is still missing. When a scheduled post of
the meeting falls due while the place is missing, it is not sent: it stays pending (due again at
the meeting's start), and the facilitator is told once. Adding the place (``møde ret <nr> link=…``) or
going ahead without it (``møde send <nr>``) releases the waiting posts at once, in their order.
A post still waiting when the meeting starts is dropped: there is nothing left to announce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.domain import meetings as meeting_domain
from bot.domain.timeparse import local_to_utc
from bot.models import AddressedTo, Meeting, MeetingStatus, OutboxMessage, OutboxStatus
from bot.posts import kinds, planner
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue, mark_due_now

# The scheduled posts of a meeting: each says where and how to take part, or comes after the
# announcement that does, so none goes out before the place is known.
MAY_WAIT = frozenset(
    kind for pair in planner.SCHEDULED.values() for kind in pair if kind is not None
)
WAITING = "waiting for the meeting's link or address"
REMIND_BEFORE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Wait:
    """A due post that must not go out now: look again at ``until``, or drop it (None)."""

    until: datetime | None


def waiting(session: Session, row: Claimed, now: datetime) -> Wait | None:
    """Whether a due row of a meeting waits for the meeting's place (and tell the facilitator
    once that it does). None: deliver it as usual."""
    kind = str(row.payload.get("kind")) if row.kind == PostKind.FANOUT else row.kind
    if kind not in MAY_WAIT or row.meeting_id is None:
        return None
    meeting = session.get(Meeting, row.meeting_id)
    if meeting is None or meeting.status == MeetingStatus.CANCELLED.value:
        return None
    if not meeting_domain.waits_for_place(meeting):
        return None
    if meeting.starts_at <= now:
        return Wait(None)
    _tell_once(session, meeting, now)
    # Only adding the place (``møde ret``, ``møde flyt``) or going ahead (``møde send``) ends
    # the wait, and both release the row; else it comes due at the start, to be dropped. Never
    # due before that, so a clock that jumps (the console) or a bot down for hours does not
    # mark a waiting announcement as missed.
    return Wait(meeting.starts_at)


def _tell_once(session: Session, meeting: Meeting, now: datetime) -> None:
    if not meeting.created_by:
        return
    enqueue(
        session,
        [
            Planned(
                kinds.meeting_key(PostKind.PLACE_WAITING, meeting.id, None, "facilitator"),
                PostKind.PLACE_WAITING,
                meeting.created_by,
                now,
                meeting.id,
                addressed_to=AddressedTo.PERSON,
            )
        ],
        now,
    )


def release(session: Session, meeting: Meeting, now: datetime) -> int:
    """The place is there, or the facilitator said to go ahead: the meeting's waiting posts are
    due now (in the order they were planned). Returns how many."""
    if meeting_domain.waits_for_place(meeting):
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.last_error == WAITING,
        )
        .values(due_at=now, last_error="")
        .execution_options(synchronize_session=False)
    )
    released = int(getattr(result, "rowcount", 0) or 0)
    if released:
        mark_due_now(session)
    return released


def reminder_at(meeting: Meeting, config: planner.PlanConfig, now: datetime) -> datetime | None:
    """When the facilitator is reminded of a missing place: two days (on the wall clock) before
    the announcement goes out; None when there is nothing to remind of or that time has passed."""
    offset = config.schedule.get("announce")
    if offset is None or not meeting_domain.waits_for_place(meeting):
        return None
    announce = planner.going_out(PostKind.ANNOUNCE, offset, meeting, config.tz, now)
    if announce is None:
        return None
    local = announce.astimezone(config.tz)
    at = local_to_utc(local.date() - timedelta(days=REMIND_BEFORE.days), local.time(), config.tz)
    return at if at > now else None


def plan_reminder(
    session: Session, meeting: Meeting, config: planner.PlanConfig, now: datetime
) -> datetime | None:
    """Plan the reminder (keyed by the meeting's time, so a move plans a new one and the old
    one is stale); returns when it goes out."""
    at = reminder_at(meeting, config, now)
    if at is None or not meeting.created_by:
        return None
    key = kinds.meeting_key(
        PostKind.PLACE_REMINDER, meeting.id, meeting.schedule_version, "facilitator"
    )
    announce = announcement_at(meeting, config, now)
    payload = {"announce_at": announce.isoformat()} if announce else {}
    enqueue(
        session,
        [
            Planned(
                key,
                PostKind.PLACE_REMINDER,
                meeting.created_by,
                at,
                meeting.id,
                payload,
                addressed_to=AddressedTo.PERSON,
            )
        ],
        now,
    )
    return at


def announcement_at(meeting: Meeting, config: planner.PlanConfig, now: datetime) -> datetime | None:
    """When the announcement is due (for the reminder's text)."""
    offset = config.schedule.get("announce")
    if offset is None:
        return None
    return planner.going_out(PostKind.ANNOUNCE, offset, meeting, config.tz, now)
