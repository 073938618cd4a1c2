"""trust: who was told about a meeting, the network's themes, inbound replay memory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The network's themes (fagområder), seeded for the one network the first migration created.
THEMES = (
    "Affald",
    "Grønne indkøb",
    "Klimatilpasning",
    "Energiplanlægning",
    "Cirkulær økonomi",
    "CO2-regnskaber",
    "Klimaplaner",
    "Mobilitet",
)


def upgrade() -> None:
    op.create_table(
        "network_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_themes_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_themes")),
        sa.UniqueConstraint("network_id", "name", name=op.f("uq_network_themes_network_id_name")),
    )
    op.create_table(
        "meeting_told",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_told_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_meeting_told_person_id_people")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_meeting_told")),
    )
    op.create_table(
        "inbound_seen",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbound_seen")),
    )
    with op.batch_alter_table("inbound_seen", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_seen_seen_at", ["seen_at"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_person_id_people"), "people", ["person_id"], ["id"]
        )

    themes = sa.table(
        "network_themes",
        sa.column("network_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("name", sa.String),
    )
    network_ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM networks"))]
    op.bulk_insert(
        themes,
        [
            {"network_id": network_id, "position": position, "name": name}
            for network_id in network_ids
            for position, name in enumerate(THEMES, 1)
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_person_id_people"), type_="foreignkey")
        batch_op.drop_column("person_id")
    with op.batch_alter_table("inbound_seen", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_seen_seen_at")
    op.drop_table("inbound_seen")
    op.drop_table("meeting_told")
    op.drop_table("network_themes")
