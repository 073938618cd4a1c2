"""The loop after a meeting: its material, who actually came (fremmøde), and the feedback."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class MeetingMaterial(Base):
    """A link to a meeting's slides, minutes ("referat") or recording, added by a facilitator."""

    __tablename__ = "meeting_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[str] = mapped_column(String(255), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingPresence(Base):
    """Whether one person expected at a meeting came, as a facilitator marked it. Until the
    attendance is confirmed (``MeetingAttendanceConfirmed``) a missing row means the answer
    they gave (regrets: no; otherwise yes)."""

    __tablename__ = "meeting_presence"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingAttendanceConfirmed(Base):
    """A facilitator confirmed who came: from then on the marks are the attendance."""

    __tablename__ = "meeting_attendance_confirmed"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    confirmed_by: Mapped[str] = mapped_column(String(255), default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingFeedback(Base):
    """One person's answer to "Hvordan var mødet?": answering again replaces it. The comment is
    shown to the facilitators without the person's name unless ``signed``."""

    __tablename__ = "meeting_feedback"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)
