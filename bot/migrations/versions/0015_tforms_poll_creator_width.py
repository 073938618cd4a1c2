"""a poll's creator holds any platform's account id (a Teams Entra object id has 36 characters)

Revision ID: 0015_tforms
Revises: 0014_loop
Create Date: 2026-12-07

``polls.created_by`` was 32 characters, enough for Slack's user ids but not for an Entra object
id, so a facilitator in Teams could not open a poll on PostgreSQL. It is 255 now, as
``meetings.created_by``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_tforms"
down_revision = "0014_loop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("polls") as batch_op:
        batch_op.alter_column(
            "created_by",
            existing_type=sa.String(length=32),
            type_=sa.String(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("polls") as batch_op:
        batch_op.alter_column(
            "created_by",
            existing_type=sa.String(length=255),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
