"""Polls with one vote per municipality (``afstemning``): the poll, its options, and one ballot
per municipality holding the options it chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class Poll(Base):
    """A question to the member municipalities. Open until ``closes_at``; ``version`` counts
    changes of the closing time (an extension, an early close), so posts planned for an older
    closing time know they are stale."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    multiple: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("network_id", "number"),
        CheckConstraint("version >= 1", name="version"),
    )


class PollOption(Base):
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(150))

    __table_args__ = (
        UniqueConstraint("poll_id", "position"),
        # The target of the choices' composite key: a choice names an option of its own poll.
        UniqueConstraint("poll_id", "id", name="uq_poll_options_poll_id_id"),
    )


class PollBallot(Base):
    """A municipality's vote: ONE per poll and municipality, by the unique key (not a check).
    A later vote by another holder changes this row; ``revision`` counts the changes. The voter
    is kept without their name after an erasure (``voter_person_id`` NULL)."""

    __tablename__ = "poll_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipalities.code"))
    voter_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("poll_id", "municipality_code"),
        UniqueConstraint("poll_id", "id", name="uq_poll_ballots_poll_id_id"),
    )


class PollChoice(Base):
    """One option a ballot chose. Both composite keys carry the poll: a ballot can only choose
    options of the poll it belongs to, whatever a button claimed."""

    __tablename__ = "poll_choices"

    ballot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    option_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(
            ["poll_id", "ballot_id"],
            ["poll_ballots.poll_id", "poll_ballots.id"],
            name="fk_poll_choices_ballot",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["poll_id", "option_id"],
            ["poll_options.poll_id", "poll_options.id"],
            name="fk_poll_choices_option",
        ),
    )
