"""shared rate limits: Teams' limits per tenant and per conversation, kept by all replicas

Revision ID: 0016_tchaos
Revises: 0015_tforms
Create Date: 2026-12-07

One row per key (a tenant, a conversation) with the send slots reserved lately: a replica
reserves its next slot in a short transaction that locks that row, so the replicas together
stay under Teams' 50 requests a second per tenant, not each of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_tchaos"
down_revision = "0015_tforms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
