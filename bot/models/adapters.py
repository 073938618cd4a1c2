"""What a chat adapter must remember between requests and restarts (a Teams conversation
reference: conversation id, service URL, tenant), opaque to the core."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class OwnerKind(StrEnum):
    PERSON = "person"  # a person's direct conversation (forgotten when they are erased)
    PLACE = "place"  # a channel the bot posts to


# The one flag in a person's reference that the core reads (``bot.domain.reachability``): the
# platform refuses to let the bot write to them (Teams: 403, or the app uninstalled), so the
# facilitators see who cannot be reached. The adapter sets and clears it.
UNREACHABLE = "unreachable"


class AdapterRef(Base):
    """One remembered reference per (platform, owner). ``owner_key`` is the id the core hands the
    adapter for that person or place; ``reference`` is the adapter's own JSON, never read by the
    core (but for the ``UNREACHABLE`` flag)."""

    __tablename__ = "adapter_refs"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    owner_kind: Mapped[str] = mapped_column(String(8))
    owner_key: Mapped[str] = mapped_column(String(255))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("platform", "owner_kind", "owner_key"),
        CheckConstraint("owner_kind IN ('person', 'place')", name="owner_kind"),
    )


class RateWindow(Base):
    """A rate limit shared by every replica: the send slots reserved lately under one key (a
    Teams tenant, a conversation), as epoch seconds. Kept as one row per key so a reservation
    is one short transaction that locks just that row (``handlers.teams.ratelimit``)."""

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    slots: Mapped[list[float]] = mapped_column(JSON)


class AdapterFile(Base):
    """A file a chat adapter serves behind a signed, expiring link (Teams shares files as links
    on the bot's own host): kept in the database so any replica, and the bot after a restart,
    can serve it. ``owner_key`` is the one person who may open it (an export), or empty for a
    file anyone with the link may open (a meeting's calendar file). Expired rows are removed by
    the retention job; an erased person's go with them."""

    __tablename__ = "adapter_files"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    owner_key: Mapped[str] = mapped_column(String(255), default="")
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
