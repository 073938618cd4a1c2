"""SQLAlchemy 2.0 typed models. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SeatKind(StrEnum):
    FIXED = "fixed"
    FLEXIBLE = "flexible"


class SeatAction(StrEnum):
    REGISTERED = "registered"
    RELEASED = "released"
    REQUESTED = "requested"  # registration awaiting approval
    APPROVED = "approved"
    REJECTED = "rejected"
    OFFERED = "offered"
    HANDED_OVER = "handed_over"
    SWAPPED = "swapped"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    ADMIN_SET = "admin_set"
    ADMIN_FREED = "admin_freed"
    SUBSTITUTE = "substitute"  # someone takes the seat for one meeting
    REGRETS = "regrets"  # afbud


class SeatStatus(StrEnum):
    HELD = "held"
    PENDING = "pending"


class Municipality(Base):
    __tablename__ = "municipalities"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    official_name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[int] = mapped_column(Integer)
    region_name: Mapped[str] = mapped_column(String(64))


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fixed_seats: Mapped[int] = mapped_column(Integer)
    flexible_seats: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("fixed_seats >= 0 AND flexible_seats >= 0", name="seat_counts"),
    )


class NetworkSeatSlot(Base):
    """The seat rule as rows: a seat can only exist on a slot its network's rule has."""

    __tablename__ = "network_seat_slots"

    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

    __table_args__ = (CheckConstraint("kind IN ('fixed', 'flexible')", name="kind"),)


class NetworkFacilitator(Base):
    __tablename__ = "network_facilitators"

    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class NetworkTheme(Base):
    """The network's themes: the fagområder a member can pick, in the order they are offered."""

    __tablename__ = "network_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))

    __table_args__ = (UniqueConstraint("network_id", "name"),)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipalities.code"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("network_id", "municipality_code"),)


class Seat(Base):
    """One seat of a member municipality. The constraints are the seat rule:

    - (network, municipality, kind, slot) is unique and must be a slot of the network's rule,
      so a municipality can never have more seats than the rule gives;
    - (network, holder) is unique, so a person holds at most one seat per network.
    """

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    municipality_code: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[int] = mapped_column(Integer)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "pending": taken by an applicant awaiting approval; it counts as taken for the rule.
    status: Mapped[str] = mapped_column(String(16), default="held", server_default="held")

    holder: Mapped[Person | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("network_id", "municipality_code", "kind", "slot"),
        UniqueConstraint("network_id", "holder_id"),
        ForeignKeyConstraint(
            ["network_id", "kind", "slot"],
            ["network_seat_slots.network_id", "network_seat_slots.kind", "network_seat_slots.slot"],
        ),
        ForeignKeyConstraint(
            ["network_id", "municipality_code"],
            ["memberships.network_id", "memberships.municipality_code"],
        ),
    )


class SeatEvent(Base):
    """Append-only history of every seat change (triggers in the migration refuse edits)."""

    __tablename__ = "seat_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipalities.code"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    previous_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_seat_events_municipality", "network_id", "municipality_code"),)


class MeetingFormat(StrEnum):
    ONLINE = "online"
    PHYSICAL = "physical"


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
    location: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED.value)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Raised on every change: the iCalendar SEQUENCE and the generation of schedule posts.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    agenda_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Raised only when the time changes: scheduled posts of an older version are stale.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    items: Mapped[list[AgendaItem]] = relationship(
        order_by="AgendaItem.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("network_id", "number"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("format IN ('online', 'physical')", name="format"),
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
    author_user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # failed for good; facilitators were told
    MISSED = "missed"  # fell due while the bot was down longer than the catch-up window
    CANCELLED = "cancelled"  # no longer wanted (meeting cancelled or moved, recipient left)


class OutboxMessage(Base):
    """One post that must happen: planned once (unique key), delivered once (lease)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # A channel id (C…) or a user id (U…, a direct message).
    recipient: Mapped[str] = mapped_column(String(32))
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
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
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
        # The tick's only query when nothing is due: pending rows by due time.
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_meeting", "meeting_id"),
    )


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class SeatRequest(Base):
    """A registration waiting for a facilitator (a municipality's first) or its coordinator."""

    __tablename__ = "seat_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    approver: Mapped[str] = mapped_column(String(16))  # "facilitator" | "coordinator"
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    __table_args__ = (
        CheckConstraint("approver IN ('facilitator', 'coordinator')", name="approver"),
        Index(
            "uq_seat_requests_pending_seat",
            "seat_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class OfferKind(StrEnum):
    HANDOVER = "handover"
    SWAP = "swap"
    SUBSTITUTE = "substitute"


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    VOID = "void"  # the world changed under it (the seat moved on), so it can no longer apply


class SeatOffer(Base):
    """A seat offered to someone who must accept: a handover, a swap or a substitute."""

    __tablename__ = "seat_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipalities.code"))
    kind: Mapped[str] = mapped_column(String(16))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    counter_seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # "seat" for handovers and swaps, "meeting=<id>" for substitutes: one pending offer per scope.
    scope: Mapped[str] = mapped_column(String(32))
    from_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Who held the seat when it was offered; an accept must still find it so, or the offer is void.
    seat_holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("kind IN ('handover', 'swap', 'substitute')", name="kind"),
        CheckConstraint("from_person_id <> to_person_id", name="not_oneself"),
        # Two offers to one person, or two offers of one seat, cannot both be open.
        Index(
            "uq_seat_offers_pending_to",
            "network_id",
            "to_person_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "uq_seat_offers_pending_seat",
            "seat_id",
            "scope",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class AttendanceStatus(StrEnum):
    EXPECTED = "expected"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Attendance(Base):
    """Who fills a seat at one meeting, when it is not simply its holder attending by default."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(16))  # "holder" | "substitute"
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One person per seat per meeting, and one seat per person per meeting.
        UniqueConstraint("meeting_id", "seat_id"),
        UniqueConstraint("meeting_id", "person_id"),
        CheckConstraint("role IN ('holder', 'substitute')", name="role"),
        CheckConstraint("status IN ('expected', 'confirmed', 'declined')", name="status"),
    )


class MeetingTold(Base):
    """Who was told about a meeting by direct message, by internal person id. A move or a
    cancellation is sent to them, and to nobody who never heard of the meeting."""

    __tablename__ = "meeting_told"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # the first post that told them
    told_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundSeen(Base):
    """Inbound requests already acted on (a signature, a Socket Mode envelope, an event id), kept
    for Slack's 5-minute window so that every replica refuses a replay."""

    __tablename__ = "inbound_seen"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_inbound_seen_seen_at", "seen_at"),)
