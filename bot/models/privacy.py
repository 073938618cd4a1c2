"""Erasures: that a person's data was erased, when, why and by whom (never who they were)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class ErasureCause(StrEnum):
    REQUEST = "request"  # the person asked (``slet-mig``)
    FACILITATOR = "facilitator"  # a facilitator, for a request that came another way
    RETENTION = "retention"  # nothing happened for longer than the retention period


class Erasure(Base):
    """The record that an erasure was carried out, so the operator can show that requests were
    honoured. ``person_id`` is the pseudonym; ``reason`` is what the facilitator gave."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    cause: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("cause IN ('request', 'facilitator', 'retention')", name="cause"),
    )
