"""What is posted after a meeting, and to whom: the material, the facilitators' attendance
list, and "Hvordan var mødet?". Recipients are drawn when a fan-out row is due, from the state
as it is then (``planner.expand_fanout`` calls ``expanded``), like every meeting's DMs.

Keys: the attendance list and the feedback carry the meeting's schedule version (a move makes
them stale and plans new ones); the material is once per meeting whatever its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.domain import loop as domain
from bot.domain.facilitators import facilitator_ids
from bot.domain.seats.attendance import Expected, coordinators_at, invited_at
from bot.domain.timeparse import local_to_utc
from bot.models import (
    AddressedTo,
    Meeting,
    MeetingStatus,
    Network,
    OutboxMessage,
    OutboxStatus,
    Seat,
    SeatKind,
)
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue, sent_message

# The direct-message kinds whose recipients this module draws.
FANOUT_KINDS = frozenset(
    {
        PostKind.MATERIAL_DM,
        PostKind.ATTENDANCE_DM,
        PostKind.FEEDBACK_DM,
        PostKind.NUDGE_DM,
        PostKind.NUDGE_FACILITATORS,
    }
)
# Nudges go to each person once per meeting, also when a move plans them again.
ONCE_EACH = frozenset({PostKind.NUDGE_DM, PostKind.NUDGE_FACILITATORS})
FACILITATOR_KINDS = frozenset({PostKind.ATTENDANCE_DM, PostKind.NUDGE_FACILITATORS})
# The facilitators' nudge: two days before the meeting, in the afternoon (the morning's
# "Kommer du stadig?" has had time to be answered).
NUDGE_FACILITATORS_DAYS = 2
NUDGE_FACILITATORS_AT = time(15, 0)
# "Hvordan var mødet?" goes out the day after, at this hour on the network's wall clock.
FEEDBACK_AT = time(10, 0)


@dataclass(frozen=True, slots=True)
class Recipient:
    target: str  # "person=7" or "facilitator=2": the end of its key
    user_id: str
    person_id: int | None


def recipients(
    session: Session, network: Network, meeting: Meeting, dm_kind: str
) -> list[Recipient]:
    """Who a direct message of ``dm_kind`` about the meeting goes to now."""
    if dm_kind in FACILITATOR_KINDS:
        return [
            Recipient(f"facilitator={position}", user, None)
            for position, user in enumerate(facilitator_ids(session, network.id), 1)
        ]
    if dm_kind == PostKind.MATERIAL_DM:
        people = [e.person for e in invited_at(session, network, meeting)]
    elif dm_kind == PostKind.FEEDBACK_DM:
        people = domain.attended(session, network, meeting)
    elif dm_kind == PostKind.NUDGE_DM:
        people = [e.person for e in nudged_coordinators(session, network, meeting)]
    else:
        return []
    return [Recipient(f"person={p.id}", p.account, p.id) for p in people if p.erased_at is None]


def is_recipient(session: Session, network: Network, meeting: Meeting, row: Claimed) -> bool:
    """The row's recipient is still one of its kind (checked when it is rendered)."""
    target = row.key.rsplit(":", 1)[-1]
    return any(
        r.target == target and r.user_id == row.recipient
        for r in recipients(session, network, meeting, row.kind)
    )


def expanded(
    session: Session, network: Network, meeting: Meeting, row: Claimed, dm_kind: str
) -> list[Planned]:
    """One direct message per current recipient of a due fan-out row."""
    prefix = row.key.removesuffix(":fanout")
    done = _told_before(session, meeting, dm_kind) if dm_kind in ONCE_EACH else set()
    return [
        Planned(
            f"{prefix}:{r.target}",
            dm_kind,
            r.user_id,
            row.due_at,
            meeting.id,
            row.payload,
            person_id=r.person_id,
            addressed_to=AddressedTo.PERSON,
        )
        for r in recipients(session, network, meeting, dm_kind)
        if r.target not in done
    ]


def _told_before(session: Session, meeting: Meeting, dm_kind: str) -> set[str]:
    """The targets a nudge of this kind about the meeting was sent to, or is about to be (under
    any version): a move while an older version's message waits to go out plans no second."""
    keys = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.kind == dm_kind,
            OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.PENDING.value]),
        )
    )
    return {key.rsplit(":", 1)[-1] for key in keys}


def nudged_coordinators(session: Session, network: Network, meeting: Meeting) -> list[Expected]:
    """The coordinators of member municipalities with a free flexible seat (nobody holds it, nor
    applied for it): a colleague could take it for the meeting's themes. KL's facilitators get
    none, and nobody does for a meeting without themes."""
    if not meeting.themes:
        return []
    kl = set(facilitator_ids(session, network.id))
    free = set(
        session.scalars(
            select(Seat.municipality_code).where(
                Seat.network_id == network.id,
                Seat.kind == SeatKind.FLEXIBLE.value,
                Seat.holder_id.is_(None),
            )
        )
    )
    return [
        e
        for e in coordinators_at(session, network, meeting)
        if e.seat.municipality_code in free and e.person.account not in kl
    ]


def plan_nudges(
    session: Session, meeting: Meeting, agenda_at: datetime | None, tz: ZoneInfo, now: datetime
) -> int:
    """The coordinators' nudge with the agenda, and the facilitators' two days before."""
    if meeting.status == MeetingStatus.CANCELLED.value or meeting.starts_at <= now:
        return 0
    version = meeting.schedule_version

    def key(kind: PostKind) -> str:
        return kinds.meeting_key(kind, meeting.id, version, "fanout")

    day = meeting.starts_at.astimezone(tz).date() - timedelta(days=NUDGE_FACILITATORS_DAYS)
    facilitators_at = local_to_utc(day, NUDGE_FACILITATORS_AT, tz)
    rows = []
    if now <= facilitators_at:  # a meeting created (or moved) later than that gets none
        rows.append(
            _fanout(
                key(PostKind.NUDGE_FACILITATORS),
                PostKind.NUDGE_FACILITATORS,
                meeting,
                facilitators_at,
            )
        )
    if agenda_at is not None and meeting.themes:
        rows.append(_fanout(key(PostKind.NUDGE_DM), PostKind.NUDGE_DM, meeting, agenda_at))
    return enqueue(session, rows, now)


def cancel_nudges(session: Session, meeting: Meeting) -> None:
    """Nudges are turned off: those still to go about the meeting are dropped."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            or_(
                OutboxMessage.kind.in_(list(ONCE_EACH)),
                OutboxMessage.key.like(f"{PostKind.NUDGE_DM}:%"),
                OutboxMessage.key.like(f"{PostKind.NUDGE_FACILITATORS}:%"),
            ),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error="nudges are turned off")
        .execution_options(synchronize_session=False)
    )


def _fanout(key: str, dm_kind: str, meeting: Meeting, when: datetime) -> Planned:
    return Planned(
        key,
        PostKind.FANOUT,
        "-",
        when,
        meeting.id,
        {"kind": dm_kind},
        addressed_to=AddressedTo.PERSON,
    )


def feedback_at(meeting: Meeting, tz: ZoneInfo) -> datetime:
    """The day after the meeting ended, in the morning."""
    day = meeting.ends_at.astimezone(tz).date() + timedelta(days=1)
    return local_to_utc(day, FEEDBACK_AT, tz)


def plan_after(session: Session, meeting: Meeting, tz: ZoneInfo, now: datetime) -> int:
    """The attendance list to the facilitators when the meeting ends, and the feedback the day
    after (part of planning the meeting: a move plans them again at the new time)."""
    if meeting.status == MeetingStatus.CANCELLED.value or meeting.ends_at <= now:
        return 0
    version = meeting.schedule_version

    def key(kind: PostKind) -> str:
        return kinds.meeting_key(kind, meeting.id, version, "fanout")

    material_follows(session, meeting, now)
    return enqueue(
        session,
        [
            _fanout(key(PostKind.ATTENDANCE_DM), PostKind.ATTENDANCE_DM, meeting, meeting.ends_at),
            _fanout(
                key(PostKind.FEEDBACK_DM), PostKind.FEEDBACK_DM, meeting, feedback_at(meeting, tz)
            ),
        ],
        now,
    )


def material_follows(session: Session, meeting: Meeting, now: datetime) -> None:
    """Material added before the meeting waits for its end: when the meeting moves, its posts
    (keyed once per meeting, not per version) move with the end time instead of being planned
    again. A cancelled meeting's are cancelled with its other posts (``planner.cancel_all``)."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.key.in_(
                [kinds.material_key(meeting.id), kinds.material_dm_key(meeting.id)]
            ),
        )
        .values(due_at=max(now, meeting.ends_at))
        .execution_options(synchronize_session=False)
    )


def material_added(
    session: Session, meeting: Meeting, material_id: int, channel: str | None, now: datetime
) -> int:
    """New material: the first goes out (once) to the channel and by direct message when the
    meeting is over; later ones update the channel's post in place once it is there (until
    then the post, rendered when sent, shows them all)."""
    posted = sent_message(session, kinds.material_key(meeting.id))
    if posted is not None:
        update = Planned(
            kinds.material_update_key(meeting.id, material_id),
            PostKind.MATERIAL_UPDATE,
            "-",
            now,
            meeting.id,
            {"of": kinds.material_key(meeting.id)},
            addressed_to=AddressedTo.PLACE,
        )
        return enqueue(session, [update], now)
    when = max(now, meeting.ends_at)
    rows = [_fanout(kinds.material_dm_key(meeting.id), PostKind.MATERIAL_DM, meeting, when)]
    if channel:
        rows.append(
            Planned(
                kinds.material_key(meeting.id),
                PostKind.MATERIAL,
                channel,
                when,
                meeting.id,
                addressed_to=AddressedTo.PLACE,
            )
        )
    return enqueue(session, rows, now)
