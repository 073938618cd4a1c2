"""adapter files: what a chat adapter serves behind a signed link (Teams' calendar files and
exports), kept so that every replica and a restarted bot can serve it until it expires

Revision ID: 0017_te2e
Revises: 0016_tchaos
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_te2e"
down_revision = "0016_tchaos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adapter_files",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("owner_key", sa.String(length=255), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adapter_files")),
    )
    op.create_index(
        op.f("ix_adapter_files_expires_at"), "adapter_files", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_adapter_files_expires_at"), table_name="adapter_files")
    op.drop_table("adapter_files")
