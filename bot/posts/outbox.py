"""The outbox: every post that must happen is a row, planned once and delivered once.

Planning inserts rows with a unique idempotency key (insert-or-ignore), so planning twice is
harmless. Delivery claims due rows with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
replicas never claim the same row; SQLite: a single writer), posts, and marks a row sent only
while it still holds the lease. A crash leaves the lease to expire and the row is claimed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.orm import Session

from bot.db import insert_ignore, rows_affected
from bot.models import OutboxMessage, OutboxStatus

PENDING = OutboxStatus.PENDING.value


@dataclass(frozen=True, slots=True)
class Planned:
    key: str
    kind: str
    recipient: str
    due_at: datetime
    meeting_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None  # a direct message's person (internal id)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    key: str
    kind: str
    recipient: str
    meeting_id: int | None
    due_at: datetime
    attempts: int
    payload: dict[str, Any]
    message_channel: str | None
    message_ts: str | None
    person_id: int | None = None


# The columns of a Claimed, in its field order, for UPDATE … RETURNING.
_CLAIMED_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.key,
    OutboxMessage.kind,
    OutboxMessage.recipient,
    OutboxMessage.meeting_id,
    OutboxMessage.due_at,
    OutboxMessage.attempts,
    OutboxMessage.payload,
    OutboxMessage.message_channel,
    OutboxMessage.message_ts,
    OutboxMessage.person_id,
)


def enqueue(session: Session, rows: Iterable[Planned], now: datetime) -> int:
    """Insert the rows whose keys are new; returns how many were new."""
    values = [
        {
            "key": row.key,
            "kind": row.kind,
            "recipient": row.recipient,
            "due_at": row.due_at,
            "meeting_id": row.meeting_id,
            "person_id": row.person_id,
            "payload": row.payload,
            "status": PENDING,
            "attempts": 0,
            "last_error": "",
            "created_at": now,
        }
        for row in rows
    ]
    inserted = 0
    for start in range(0, len(values), 500):  # stay under the engines' bind-parameter limits
        inserted += insert_ignore(session, OutboxMessage.__table__, values[start : start + 500])  # type: ignore[arg-type]
    return inserted


def cancel_pending(
    session: Session, *, meeting_id: int, except_keys: Sequence[str] = (), reason: str = ""
) -> int:
    """Cancel a meeting's pending posts (it moved or was cancelled); returns how many."""
    return rows_affected(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id == meeting_id,
            OutboxMessage.status == PENDING,
            OutboxMessage.key.not_in(list(except_keys)) if except_keys else true(),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error=reason)
        .execution_options(synchronize_session=False),
    )


def claim_due(
    session: Session, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to ``limit`` due rows to ``owner``. Rows leased by a live worker are skipped."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(lease_owner=owner, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    claimed = [Claimed(*row) for row in rows]
    return sorted(claimed, key=lambda c: (c.due_at, c.id))


def _held(row_id: int, owner: str, now: datetime) -> Any:
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.status == PENDING,
        OutboxMessage.lease_owner == owner,
        OutboxMessage.lease_until >= now,
    )


def mark_sent(
    session: Session,
    row_id: int,
    owner: str,
    now: datetime,
    *,
    channel: str | None = None,
    ts: str | None = None,
) -> bool:
    """Sent, if we still hold the lease. False means another worker may have sent it too."""
    values: dict[str, Any] = {
        "status": OutboxStatus.SENT.value,
        "sent_at": now,
        "lease_owner": None,
        "lease_until": None,
        "last_error": "",
    }
    if channel is not None:
        values["message_channel"] = channel
        values["message_ts"] = ts
    return bool(
        rows_affected(
            session,
            update(OutboxMessage)
            .where(_held(row_id, owner, now))
            .values(**values)
            .execution_options(synchronize_session=False),
        )
    )


def save_progress(
    session: Session, row_id: int, owner: str, now: datetime, payload: dict[str, Any]
) -> bool:
    """Remember a finished step of a multi-step post (message posted, file still to upload)."""
    return bool(
        rows_affected(
            session,
            update(OutboxMessage)
            .where(_held(row_id, owner, now))
            .values(payload=payload)
            .execution_options(synchronize_session=False),
        )
    )


def reschedule(
    session: Session,
    row_id: int,
    owner: str,
    now: datetime,
    due_at: datetime,
    error: str,
    *,
    count_attempt: bool,
) -> bool:
    values: dict[str, Any] = {
        "due_at": due_at,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:1000],
    }
    if not count_attempt:  # a rate limit is Slack asking us to wait, not a failure
        values["attempts"] = OutboxMessage.attempts - 1
    return bool(
        rows_affected(
            session,
            update(OutboxMessage)
            .where(_held(row_id, owner, now))
            .values(**values)
            .execution_options(synchronize_session=False),
        )
    )


def finish(
    session: Session, row_id: int, owner: str, now: datetime, status: OutboxStatus, error: str
) -> bool:
    """End a row as dead or cancelled (with the reason)."""
    return bool(
        rows_affected(
            session,
            update(OutboxMessage)
            .where(_held(row_id, owner, now))
            .values(
                status=status.value, lease_owner=None, lease_until=None, last_error=error[:1000]
            )
            .execution_options(synchronize_session=False),
        )
    )


def mark_missed(session: Session, now: datetime, catchup: timedelta) -> list[Claimed]:
    """Pending rows more than ``catchup`` late are not sent any more; return them to report."""
    too_old = and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.due_at < now - catchup,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )
    rows = session.execute(
        update(OutboxMessage)
        .where(too_old)
        .values(status=OutboxStatus.MISSED.value, last_error="missed: the bot was down")
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    return [Claimed(*row) for row in rows]


def sent_message(session: Session, key: str) -> tuple[str, str] | None:
    """Where the post with this key landed (channel, ts), if it was sent."""
    row = session.execute(
        select(OutboxMessage.message_channel, OutboxMessage.message_ts).where(
            OutboxMessage.key == key, OutboxMessage.status == OutboxStatus.SENT.value
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return str(row[0]), str(row[1])


def next_due(session: Session, until: datetime) -> datetime | None:
    """The earliest pending due time not after ``until`` (the console's time travel)."""
    return session.scalar(
        select(OutboxMessage.due_at)
        .where(OutboxMessage.status == PENDING, OutboxMessage.due_at <= until)
        .order_by(OutboxMessage.due_at)
        .limit(1)
    )


def sent_to_channel(session: Session, meeting_id: int, kinds: Sequence[str]) -> bool:
    """Whether a channel post of one of ``kinds`` about the meeting went out."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.meeting_id == meeting_id,
                OutboxMessage.status == OutboxStatus.SENT.value,
                OutboxMessage.kind.in_(list(kinds)),
            )
            .limit(1)
        )
        is not None
    )
