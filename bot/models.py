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
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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
