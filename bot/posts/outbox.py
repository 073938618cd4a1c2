"""The outbox: every post that must happen is a row, planned once and delivered once.

Planning inserts rows with a unique idempotency key (insert-or-ignore), so planning twice is
harmless. Delivery claims due rows with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
replicas never claim the same row; SQLite: a single writer), posts, and marks a row sent only
while it still holds the lease. A crash leaves the lease to expire and the row is claimed again.

"Holding the lease" means being the row's recorded owner: only a claim changes the owner, and a
claim takes only rows whose lease ran out. A worker whose lease ran out but which nobody else
claimed may still finish; one whose row was claimed by another worker may not.

Before a call that posts, the worker records the attempt (``attempted_at``); the answer clears
it. A row claimed with an attempt still recorded had its post's fate left unknown (a crash, a
timeout, a 5xx): delivery asks the platform whether that post exists before sending it again.

Planning in a transaction that also marks rows due now (a consent request, a notice) flags the
session, and ``wake_on_commit`` calls the delivery loop's wake hook once that commit is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import SessionFactory, insert_ignore, rows_affected
from bot.models import AddressedTo, OutboxMessage, OutboxStatus

PENDING = OutboxStatus.PENDING.value
# session.info key: this transaction planned rows that are due now.
_DUE_NOW = "klimanet_outbox_due_now"


@dataclass(frozen=True, slots=True)
class Planned:
    key: str
    kind: str
    recipient: str
    due_at: datetime
    meeting_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None  # a direct message's person (internal id)
    # To a person (a direct message) or to a place (the network's channel): always said by who
    # plans the post, never read from the recipient's id.
    addressed_to: AddressedTo = field(kw_only=True)


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
    # When the last call that posts was made, if its answer never arrived (the fate is unknown).
    attempted_at: datetime | None = None
    addressed_to: str = AddressedTo.PERSON.value  # the row's column; always read with the row

    @property
    def to_place(self) -> bool:
        """Addressed to a place (the network's channel), not to a person."""
        return self.addressed_to == AddressedTo.PLACE.value

    @classmethod
    def as_first_post(cls, message: OutboxMessage) -> Claimed:
        """A row as delivery would see it on its first claim: not posted anywhere yet and no
        attempt outstanding (rendering a sent post again, from current data)."""
        return cls(
            id=message.id,
            key=message.key,
            kind=message.kind,
            recipient=message.recipient,
            meeting_id=message.meeting_id,
            due_at=message.due_at,
            attempts=message.attempts,
            payload=message.payload,
            message_channel=None,
            message_ts=None,
            person_id=message.person_id,
            addressed_to=message.addressed_to,
        )


# The columns of a Claimed (its fields by name), for UPDATE … RETURNING.
_CLAIMED_COLUMNS = tuple(getattr(OutboxMessage, f.name) for f in fields(Claimed))


def enqueue(session: Session, rows: Iterable[Planned], now: datetime) -> int:
    """Insert the rows whose keys are new; returns how many were new."""
    rows = list(rows)
    values = [
        {
            "key": row.key,
            "kind": row.kind,
            "recipient": row.recipient,
            "addressed_to": row.addressed_to.value,
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
    if inserted and any(row.due_at <= now for row in rows):
        session.info[_DUE_NOW] = True
    return inserted


def mark_due_now(session: Session) -> None:
    """This transaction made rows due now (not by planning them): wake delivery on commit."""
    session.info[_DUE_NOW] = True


def wake_on_commit(sessions: SessionFactory, wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit of a session from ``sessions`` that planned rows due
    now, so the replica that made them delivers them at once instead of at its next tick."""

    def after_commit(session: Session) -> None:
        if session.info.pop(_DUE_NOW, False):
            wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(_DUE_NOW, None)

    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", lambda session, _: after_rollback(session))


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
    claimed = [Claimed(**row._asdict()) for row in rows]
    return sorted(claimed, key=lambda c: (c.due_at, c.id))


def _update_held(session: Session, row_id: int, owner: str, values: dict[str, Any]) -> bool:
    """Update a row only while this worker holds it. The owner, not the clock, says who holds a
    row: only a claim (of an expired lease) changes it, so a slow worker nobody overtook may
    still finish, and an overtaken one may not."""
    return bool(
        rows_affected(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.status == PENDING,
                OutboxMessage.lease_owner == owner,
            )
            .values(**values)
            .execution_options(synchronize_session=False),
        )
    )


def _update_owned(session: Session, row_ids: Sequence[int], owner: str, **values: Any) -> int:
    """Update the rows among ``row_ids`` this worker still owns; returns how many."""
    if not row_ids:
        return 0
    return rows_affected(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(row_ids)),
            OutboxMessage.status == PENDING,
            OutboxMessage.lease_owner == owner,
        )
        .values(**values)
        .execution_options(synchronize_session=False),
    )


def record_attempt(
    session: Session,
    row_id: int,
    owner: str,
    now: datetime,
    lease: timedelta,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Remember that a call that posts is about to be made (and renew the lease for it).

    False: another worker has taken the row over, and this one must not call the platform.
    """
    values: dict[str, Any] = {"attempted_at": now, "lease_until": now + lease}
    if payload is not None:
        values["payload"] = payload
    return _update_held(session, row_id, owner, values)


def renew_leases(
    session: Session, row_ids: Sequence[int], owner: str, now: datetime, lease: timedelta
) -> int:
    """Extend the leases a live worker still holds, so only a dead worker's run out."""
    return _update_owned(session, row_ids, owner, lease_until=now + lease)


def release(session: Session, row_ids: Sequence[int], owner: str) -> int:
    """Give back claimed rows this worker did not start (it is stopping): another replica may
    claim them at once. Their claim does not count as an attempt."""
    return _update_owned(
        session,
        row_ids,
        owner,
        lease_owner=None,
        lease_until=None,
        attempts=OutboxMessage.attempts - 1,
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
        "attempted_at": None,
    }
    if channel is not None:
        values["message_channel"] = channel
        values["message_ts"] = ts
    return _update_held(session, row_id, owner, values)


def save_progress(
    session: Session, row_id: int, owner: str, now: datetime, payload: dict[str, Any]
) -> bool:
    """Remember a finished step of a multi-step post (message posted, file still to share).

    The step's answer arrived, so no attempt is outstanding any more."""
    return _update_held(session, row_id, owner, dict(payload=payload, attempted_at=None))


def reschedule(
    session: Session,
    row_id: int,
    owner: str,
    now: datetime,
    due_at: datetime,
    error: str,
    *,
    count_attempt: bool,
    fate_unknown: bool = False,
) -> bool:
    """Try again at ``due_at``. ``fate_unknown``: the failed call may have posted, so the
    attempt stays recorded and the next try looks for the post first."""
    values: dict[str, Any] = {
        "due_at": due_at,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:1000],
    }
    if not fate_unknown:
        values["attempted_at"] = None
    if not count_attempt:  # a rate limit is Slack asking us to wait, not a failure
        values["attempts"] = OutboxMessage.attempts - 1
    return _update_held(session, row_id, owner, values)


def finish(
    session: Session, row_id: int, owner: str, now: datetime, status: OutboxStatus, error: str
) -> bool:
    """End a row as dead or cancelled (with the reason)."""
    return _update_held(
        session,
        row_id,
        owner,
        dict(status=status.value, lease_owner=None, lease_until=None, last_error=error[:1000]),
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
    return [Claimed(**row._asdict()) for row in rows]


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


def count_by_status(session: Session) -> dict[str, int]:
    """Outbox rows by status (the metrics)."""
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """The due time of the longest-waiting pending row that is due (the metrics)."""
    return session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == PENDING, OutboxMessage.due_at <= now
        )
    )
