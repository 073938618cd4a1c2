"""adapter memory: what a chat adapter keeps between restarts (a Teams conversation reference)

Revision ID: 0012_teams
Revises: 0011_polls
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_teams"
down_revision = "0011_polls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adapter_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("owner_kind", sa.String(length=8), nullable=False),
        sa.Column("owner_key", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "owner_kind IN ('person', 'place')", name=op.f("ck_adapter_refs_owner_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adapter_refs")),
        sa.UniqueConstraint(
            "platform",
            "owner_kind",
            "owner_key",
            name=op.f("uq_adapter_refs_platform_owner_kind_owner_key"),
        ),
    )


def downgrade() -> None:
    op.drop_table("adapter_refs")
