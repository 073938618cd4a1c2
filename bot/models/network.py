"""The network, the municipalities and their membership, facilitators, themes and people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class Municipality(Base):
    __tablename__ = "municipalities"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    official_name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[int] = mapped_column(Integer)
    region_name: Mapped[str] = mapped_column(String(64))


class Network(Base):
    """A network. Its seat rule is its rows in ``network_seat_slots`` (``bot.domain.seats.rule``)."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class NetworkTheme(Base):
    """The network's themes: the fagområder a member can pick, in the order they are offered."""

    __tablename__ = "network_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))

    __table_args__ = (UniqueConstraint("network_id", "name"),)


class Person(Base):
    """A person as Klimanet knows them. Once erased (or forgotten by retention) the row is a
    pseudonym: ``erased_at`` is set, the name reads "Slettet bruger <id>", and the workspace and
    account no longer name a chat account, so the history keeps its shape without naming anyone.

    A person is keyed by where their chat account lives: ``(platform, workspace, account)``, e.g.
    ``("slack", team id, user id)``, ``("console", "local", …)``, ``("teams", tenant id, Entra
    object id)``. The core never reads the shape of these ids."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(255))
    account: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The pseudonym that stands for this person in history older than the retention period.
    history_alias_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    __table_args__ = (UniqueConstraint("platform", "workspace", "account"),)


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipalities.code"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("network_id", "municipality_code"),)
