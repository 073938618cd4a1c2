"""the loop after a meeting: material, confirmed attendance (fremmøde), feedback

Revision ID: 0014_loop
Revises: 0013_digest
Create Date: 2026-12-07

Four tables, all about one meeting each: links to its material, who a facilitator marked as
present, whether that attendance was confirmed, and each person's answer to "Hvordan var mødet?"
(one per person: answering again replaces it, so the primary key is the pair).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0014_loop"
down_revision = "0013_digest"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _meeting_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["meetings.id"],
        name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )


def _person_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people")
    )


def upgrade() -> None:
    op.create_table(
        "meeting_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        _when("added_at"),
        _meeting_key("meeting_material"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_material")),
    )
    op.create_index(
        op.f("ix_meeting_material_meeting_id"), "meeting_material", ["meeting_id"], unique=False
    )
    op.create_table(
        "meeting_presence",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        _when("marked_at"),
        _meeting_key("meeting_presence"),
        _person_key("meeting_presence"),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_meeting_presence")),
    )
    op.create_table(
        "meeting_attendance_confirmed",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=255), nullable=False),
        _when("confirmed_at"),
        _meeting_key("meeting_attendance_confirmed"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_attendance_confirmed")),
    )
    op.create_table(
        "meeting_feedback",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        _when("answered_at"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_meeting_feedback_rating")),
        _meeting_key("meeting_feedback"),
        _person_key("meeting_feedback"),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_meeting_feedback")),
    )


def downgrade() -> None:
    op.drop_table("meeting_feedback")
    op.drop_table("meeting_attendance_confirmed")
    op.drop_table("meeting_presence")
    op.drop_index(op.f("ix_meeting_material_meeting_id"), table_name="meeting_material")
    op.drop_table("meeting_material")
