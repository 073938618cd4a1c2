"""Seats and everything that changes who sits on them: history, requests, offers, attendance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime
from bot.models.network import Person


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
    ERASED = "erased"  # released because the holder's data was erased ("slettet efter anmodning")
    DEACTIVATED = "deactivated"  # released because the workspace deactivated the holder
    TOOK_OVER = "took_over"  # a holder of another seat took the free fixed seat (coordinator)
    LEFT_FOR_FIXED = "left_for_fixed"  # their own seat, left free when they took the fixed one


class SeatStatus(StrEnum):
    HELD = "held"
    PENDING = "pending"


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
    """Append-only history of every seat change. Triggers in the migrations refuse deletes, and
    refuse updates except pseudonymisation's: pointing a row at a pseudonym (a person whose
    ``erased_at`` is set) and blanking its ``reason``."""

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
