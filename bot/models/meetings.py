"""Meetings, their agendas, the news filed under them, and who was told about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime


class MeetingFormat(StrEnum):
    ONLINE = "online"
    PHYSICAL = "physical"
    HYBRID = "hybrid"  # both: an address and a link

    @property
    def has_link(self) -> bool:
        return self is not MeetingFormat.PHYSICAL

    @property
    def has_address(self) -> bool:
        return self is not MeetingFormat.ONLINE


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    MOVED = "moved"
    CANCELLED = "cancelled"


class AgendaKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    NEWS = "news"  # the standing item "Nyt fra KL"
    DISCUSSION = "discussion"
    BREAK = "break"


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    format: Mapped[str] = mapped_column(String(16))
    # The address (physical and hybrid meetings).
    location: Mapped[str] = mapped_column(String(500), default="")
    # The video link (online and hybrid meetings).
    link: Mapped[str] = mapped_column(String(500), default="")
    # The facilitator said to announce the meeting without its link or address (``møde send``);
    # until then its posts wait for the place (``bot.posts.place``).
    send_without_place: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED.value)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Raised on every change: the iCalendar SEQUENCE and the generation of schedule posts.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    agenda_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Raised only when the time changes: scheduled posts of an older version are stale.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    items: Mapped[list[AgendaItem]] = relationship(
        order_by="AgendaItem.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("network_id", "number"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("format IN ('online', 'physical', 'hybrid')", name="format"),
        CheckConstraint("status IN ('planned', 'moved', 'cancelled')", name="status"),
    )


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    presenter: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('internal', 'external', 'news', 'discussion', 'break')", name="kind"
        ),
    )


class NewsPost(Base):
    """A "Nyt fra KL" update, collected under the next meeting's standing item."""

    __tablename__ = "news_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingTold(Base):
    """Who was told about a meeting by direct message, by internal person id. A move or a
    cancellation is sent to them, and to nobody who never heard of the meeting."""

    __tablename__ = "meeting_told"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # the first post that told them
    told_at: Mapped[datetime] = mapped_column(UTCDateTime())
