"""Calendar subscriptions: a person's private feed link, kept only as the hash of its secret."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class FeedScope(StrEnum):
    PERSONAL = "personal"  # the meetings the person is expected at
    NETWORK = "network"  # every meeting of the network


class CalendarSubscription(Base):
    """One live feed link. The secret itself is never stored: a leaked table gives no working
    link. Revoking deletes the row, so a revoked secret and one never issued look the same."""

    __tablename__ = "calendar_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    scope: Mapped[str] = mapped_column(String(16))
    # sha256 of the secret, hex: what a request's secret is looked up by.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One live link per person and kind of feed: a new one replaces the old.
        UniqueConstraint("network_id", "person_id", "scope"),
        CheckConstraint("scope IN ('personal', 'network')", name="scope"),
    )
