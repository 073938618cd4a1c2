"""meetings without their link or address yet: the facilitator's go-ahead to announce anyway

Revision ID: 0008_meet
Revises: 0007
Create Date: 2026-12-07

An online meeting may be created before its link exists (a physical one before its address).
Its posts wait for the place until the facilitator adds it or says to go ahead without it
(``møde send``); ``send_without_place`` remembers that go-ahead.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_meet"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("send_without_place", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("send_without_place", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("send_without_place")
