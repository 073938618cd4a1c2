"""polls with one vote per municipality

Revision ID: 0011_polls
Revises: 0010_address
Create Date: 2026-12-07

``afstemning``: a poll, its options, one ballot per municipality (a unique key, so racing
holders of one municipality end with one vote) and the options each ballot chose (composite
keys that carry the poll, so a ballot can only choose options of its own poll). A voter's
erasure keeps the ballot without the person (``voter_person_id`` SET NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_polls"
down_revision = "0010_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_polls_version")),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_polls_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sa.UniqueConstraint("network_id", "number", name=op.f("uq_polls_network_id_number")),
    )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_options_poll_id_polls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
        sa.UniqueConstraint("poll_id", "id", name="uq_poll_options_poll_id_id"),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_options_poll_id_position")),
    )
    op.create_table(
        "poll_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("voter_person_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_poll_ballots_municipality_code_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_ballots_poll_id_polls")
        ),
        sa.ForeignKeyConstraint(
            ["voter_person_id"],
            ["people.id"],
            name=op.f("fk_poll_ballots_voter_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_ballots")),
        sa.UniqueConstraint(
            "poll_id", "municipality_code", name=op.f("uq_poll_ballots_poll_id_municipality_code")
        ),
        sa.UniqueConstraint("poll_id", "id", name="uq_poll_ballots_poll_id_id"),
    )
    op.create_table(
        "poll_choices",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id", "ballot_id"],
            ["poll_ballots.poll_id", "poll_ballots.id"],
            name="fk_poll_choices_ballot",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id", "option_id"],
            ["poll_options.poll_id", "poll_options.id"],
            name="fk_poll_choices_option",
        ),
        sa.PrimaryKeyConstraint("ballot_id", "option_id", name=op.f("pk_poll_choices")),
    )


def downgrade() -> None:
    op.drop_table("poll_choices")
    op.drop_table("poll_ballots")
    op.drop_table("poll_options")
    op.drop_table("polls")
