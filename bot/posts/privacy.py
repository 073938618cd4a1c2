"""The outbox's part of data protection: forgetting a person's posts, deleting the direct
messages they got, telling who needs to know that a seat is free, and keeping only a tombstone
of old posts.

A tombstone is a row with its key, kind, status and times: planning is insert-or-ignore on the
key, so a post that was sent is never planned again, and who was told about a meeting stays
answerable (``meeting_told``, by internal id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, false, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.models import OutboxMessage, OutboxStatus, Person
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Planned, enqueue

PENDING = OutboxStatus.PENDING.value
EMPTY_PAYLOAD = "{}"


def _is_direct(recipient: str) -> bool:
    return recipient[:1] in ("U", "W")


def _is_channel(column: Any) -> ColumnElement[bool]:
    return or_(column.like("C%"), column.like("G%"))


@dataclass(frozen=True, slots=True)
class Forgotten:
    cancelled: int = 0  # posts that were waiting for them
    deleted: int = 0  # direct messages to delete in the chat


def forget_recipient(
    session: Session,
    person_id: int | None,
    user_id: str,
    words: Mapping[str, str],
    now: datetime,
) -> Forgotten:
    """Remove a person from the outbox: posts waiting for them are cancelled, direct messages
    they got (whose place is known) are deleted through the outbox, and their chat id leaves
    every row: recipients, keys, payloads, errors. ``words`` maps what named them (chat id,
    name, title) to what stands in its place in the text of other posts' payloads."""
    mine: list[ColumnElement[bool]] = []
    if person_id is not None:
        mine.append(OutboxMessage.person_id == person_id)
    if user_id:
        mine.append(OutboxMessage.recipient == user_id)
    rows = list(session.scalars(select(OutboxMessage).where(or_(false(), *mine))))
    cancelled, places = 0, set()
    deletes: list[Planned] = []
    for row in rows:
        if row.status == PENDING:
            row.status, row.last_error = OutboxStatus.CANCELLED.value, "recipient erased"
            row.lease_owner, row.lease_until = None, None
            cancelled += 1
        if row.message_channel and row.message_ts and _is_direct(row.recipient):
            places.add((row.message_channel, row.message_ts))
            deletes.append(
                Planned(
                    kinds.delete_key(row.id),
                    PostKind.DELETE,
                    "-",
                    now,
                    None,
                    {"channel": row.message_channel, "ts": row.message_ts},
                )
            )
        if _is_direct(row.recipient) or row.recipient == user_id:
            row.recipient = "-"
            row.message_channel, row.message_ts = None, None
    session.flush()
    # Updates in place of those messages (a refreshed consent request) knew where they were.
    for channel, ts in places:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_channel == channel, OutboxMessage.message_ts == ts)
            .values(message_channel=None, message_ts=None)
            .execution_options(synchronize_session=False)
        )
    _scrub_text(session, words)
    enqueue(session, deletes, now)
    return Forgotten(cancelled, len(deletes))


def _scrub_text(session: Session, words: Mapping[str, str]) -> None:
    """Every key, payload and error that names them, in any post (a facilitator's reason in
    someone else's notice, a failed post's recipient in a notice to the facilitators). Posts
    older than the tombstone age carry no payload, so this reads recent rows only."""
    patterns = [
        (re.compile(rf"(?<!\w){re.escape(word)}(?!\w)"), replacement)
        for word, replacement in words.items()
        if len(word.strip()) >= 2
    ]
    if not patterns:
        return
    rows = session.scalars(
        select(OutboxMessage).where(
            or_(
                cast(OutboxMessage.payload, String) != EMPTY_PAYLOAD,
                OutboxMessage.last_error != "",
                *(OutboxMessage.key.contains(word) for word in words if len(word.strip()) >= 2),
            )
        )
    ).all()
    for row in rows:
        payload = _replace(row.payload, patterns)
        if payload != row.payload:
            row.payload = payload
        error = _replace(row.last_error, patterns)
        if error != row.last_error:
            row.last_error = error
        key = _replace(row.key, [(p, f"~{row.id}") for p, _ in patterns])
        if key != row.key:
            row.key = key
    session.flush()


def _replace(value: Any, patterns: Sequence[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_replace(v, patterns) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, patterns) for k, v in value.items()}
    return value


def seat_freed(
    session: Session,
    event_id: int,
    coordinator: Person | None,
    facilitators: Sequence[str],
    now: datetime,
) -> None:
    """Tell the municipality's coordinator and the facilitators that a seat is free (the
    history event ``event_id`` says which, and why)."""
    rows = []
    if coordinator is not None:
        rows.append(
            Planned(
                kinds.seat_freed_key(event_id, kinds.approver_tag(coordinator.id, 0)),
                PostKind.SEAT_FREED,
                coordinator.account,
                now,
                None,
                {"event_id": event_id},
                person_id=coordinator.id,
            )
        )
    for position, user in enumerate(facilitators, 1):
        if coordinator is not None and user == coordinator.account:
            continue  # a facilitator who is also the coordinator hears it once
        rows.append(
            Planned(
                kinds.seat_freed_key(event_id, kinds.approver_tag(None, position)),
                PostKind.SEAT_FREED,
                user,
                now,
                None,
                {"event_id": event_id},
            )
        )
    enqueue(session, rows, now)


def tombstone(session: Session, cutoff: datetime) -> int:
    """Finished posts due before ``cutoff`` keep only a tombstone: key, kind, status and times.
    Direct messages lose their recipient and where they landed; channel posts keep where they
    landed (a channel id names no one, and the posted agenda is still updated in place)."""
    finished = [OutboxMessage.status != PENDING, OutboxMessage.due_at < cutoff]
    has_text = or_(
        cast(OutboxMessage.payload, String) != EMPTY_PAYLOAD, OutboxMessage.last_error != ""
    )
    channels = rows_affected(
        session,
        update(OutboxMessage)
        .where(*finished, _is_channel(OutboxMessage.recipient), has_text)
        .values(payload={}, last_error="")
        .execution_options(synchronize_session=False),
    )
    others = rows_affected(
        session,
        update(OutboxMessage)
        .where(
            *finished,
            ~_is_channel(OutboxMessage.recipient),
            or_(
                has_text,
                OutboxMessage.recipient != "-",
                OutboxMessage.message_ts.is_not(None),
                OutboxMessage.message_channel.is_not(None),
            ),
        )
        .values(
            payload={},
            last_error="",
            recipient="-",
            message_channel=None,
            message_ts=None,
            lease_owner=None,
        )
        .execution_options(synchronize_session=False),
    )
    return channels + others


def forget_delete_payload(session: Session, row_id: int) -> None:
    """A deletion that was carried out keeps no trace of where the message was."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(payload={}, message_channel=None, message_ts=None)
        .execution_options(synchronize_session=False)
    )


def cancel_waiting(session: Session, person_id: int, user_id: str, reason: str) -> int:
    """Posts still waiting for a person who can no longer get them (a deactivated account)."""
    return rows_affected(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.person_id == person_id, OutboxMessage.recipient == user_id),
        )
        .values(
            status=OutboxStatus.CANCELLED.value,
            last_error=reason,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False),
    )


def has_posts(session: Session, user_id: str) -> bool:
    """Whether any post names this chat account as its recipient."""
    return bool(user_id) and (
        session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == user_id).limit(1))
        is not None
    )
