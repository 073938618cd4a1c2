"""calendar subscriptions: a person's private feed link, stored as the hash of its secret

Revision ID: 0013_digest
Revises: 0012_teams
Create Date: 2026-12-07

``kalender abonner`` gives a person a private link to a calendar feed. Only the sha256 of the
link's secret is kept, so a copy of the database gives no working link; revoking deletes the row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_digest"
down_revision = "0012_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scope IN ('personal', 'network')", name=op.f("ck_calendar_subscriptions_scope")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_calendar_subscriptions_network_id_networks"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_calendar_subscriptions_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_subscriptions")),
        sa.UniqueConstraint(
            "network_id",
            "person_id",
            "scope",
            name=op.f("uq_calendar_subscriptions_network_id_person_id_scope"),
        ),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_subscriptions_secret_hash")),
    )


def downgrade() -> None:
    op.drop_table("calendar_subscriptions")
