"""The outbox (every post that must happen) and the memory of inbound requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # failed for good; facilitators were told
    MISSED = "missed"  # fell due while the bot was down longer than the catch-up window
    CANCELLED = "cancelled"  # no longer wanted (meeting cancelled or moved, recipient left)


class AddressedTo(StrEnum):
    """Whom a post is addressed to, said when it is planned: the adapter resolves where that is
    on its platform, and nothing reads it from the shape of the recipient's id."""

    PERSON = "person"  # a direct message to a chat account
    PLACE = "place"  # the network's channel


class OutboxMessage(Base):
    """One post that must happen: planned once (unique key), delivered once (lease)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # The chat id of the place (the network's channel) or of the person (a direct message);
    # ``addressed_to`` says which. "-" once forgotten, or for rows that post nothing themselves.
    recipient: Mapped[str] = mapped_column(String(255))
    addressed_to: Mapped[str] = mapped_column(String(8))
    # The person a direct message is for (internal id): who was told what stays answerable.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the post landed, so a later change can update it in place (chat.update).
    message_channel: Mapped[str | None] = mapped_column(String(255))
    message_ts: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set just before a call that posts (or shares a file), cleared when the platform answers.
    # Still set on the next claim means the post's fate is unknown (crash, timeout, 5xx): the
    # platform is asked whether it exists before it is sent again.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sent', 'dead', 'missed', 'cancelled')", name="status"
        ),
        CheckConstraint("addressed_to IN ('person', 'place')", name="addressed_to"),
        # The tick's only query when nothing is due: pending rows by due time.
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_meeting", "meeting_id"),
    )


class InboundSeen(Base):
    """Inbound requests already acted on (a signature, a Socket Mode envelope, an event id), kept
    for Slack's 5-minute window so that every replica refuses a replay."""

    __tablename__ = "inbound_seen"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_inbound_seen_seen_at", "seen_at"),)
