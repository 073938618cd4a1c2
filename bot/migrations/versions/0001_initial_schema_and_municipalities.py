"""initial schema and municipalities

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from importlib.resources import files

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("official_name", sa.String(length=128), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("region_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("name", name=op.f("uq_municipalities_name")),
    )
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fixed_seats", sa.Integer(), nullable=False),
        sa.Column("flexible_seats", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fixed_seats >= 0 AND flexible_seats >= 0", name=op.f("ck_networks_seat_counts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
        sa.UniqueConstraint("slug", name=op.f("uq_networks_slug")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_people_team_id_user_id")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_memberships_municipality_code_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_memberships_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "network_id",
            "municipality_code",
            name=op.f("uq_memberships_network_id_municipality_code"),
        ),
    )
    op.create_table(
        "network_facilitators",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_network_facilitators_network_id_networks"),
        ),
        sa.PrimaryKeyConstraint("network_id", "user_id", name=op.f("pk_network_facilitators")),
    )
    op.create_table(
        "network_seat_slots",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.CheckConstraint(
            "kind IN ('fixed', 'flexible')", name=op.f("ck_network_seat_slots_kind")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_seat_slots_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("network_id", "kind", "slot", name=op.f("pk_network_seat_slots")),
    )
    op.create_table(
        "seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["people.id"], name=op.f("fk_seats_holder_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "kind", "slot"],
            ["network_seat_slots.network_id", "network_seat_slots.kind", "network_seat_slots.slot"],
            name=op.f("fk_seats_network_id_kind_slot_network_seat_slots"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "municipality_code"],
            ["memberships.network_id", "memberships.municipality_code"],
            name=op.f("fk_seats_network_id_municipality_code_memberships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seats")),
        sa.UniqueConstraint("network_id", "holder_id", name=op.f("uq_seats_network_id_holder_id")),
        sa.UniqueConstraint(
            "network_id",
            "municipality_code",
            "kind",
            "slot",
            name=op.f("uq_seats_network_id_municipality_code_kind_slot"),
        ),
    )
    op.create_table(
        "seat_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("previous_person_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_seat_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_seat_events_municipality_code_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_seat_events_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_seat_events_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["previous_person_id"],
            ["people.id"],
            name=op.f("fk_seat_events_previous_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["seats.id"], name=op.f("fk_seat_events_seat_id_seats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_events")),
    )
    op.create_index(
        "ix_seat_events_municipality", "seat_events", ["network_id", "municipality_code"]
    )
    _forbid_history_edits()
    _load_municipalities()
    _create_klimanet_network()


def _forbid_history_edits() -> None:
    # The seat history is append-only: the database itself refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION seat_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'seat_events is append-only'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER seat_events_append_only BEFORE UPDATE OR DELETE ON seat_events "
            "FOR EACH ROW EXECUTE FUNCTION seat_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER seat_events_no_{verb.lower()} BEFORE {verb} ON seat_events "
                "BEGIN SELECT RAISE(ABORT, 'seat_events is append-only'); END"
            )


def _load_municipalities() -> None:
    data = files("bot.data")
    base = list(csv.DictReader(io.StringIO(data.joinpath("kommuner.csv").read_text("utf-8"))))
    aliases = {
        row["code"]: row
        for row in csv.DictReader(
            io.StringIO(data.joinpath("kommuner_aliases.csv").read_text("utf-8"))
        )
    }
    table = sa.table(
        "municipalities",
        sa.column("code", sa.Integer),
        sa.column("name", sa.String),
        sa.column("official_name", sa.String),
        sa.column("region_code", sa.Integer),
        sa.column("region_name", sa.String),
    )
    op.bulk_insert(
        table,
        [
            {
                "code": int(row["code"]),
                "name": row["name"],
                "official_name": aliases[row["code"]]["official_name"],
                "region_code": int(row["region_code"]),
                "region_name": row["region_name"],
            }
            for row in base
        ],
    )


def _create_klimanet_network() -> None:
    networks = sa.table(
        "networks",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("fixed_seats", sa.Integer),
        sa.column("flexible_seats", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        networks,
        [
            {
                "id": 1,
                "slug": "klimanet",
                "name": "Kommunernes klimapolitiske netværk",
                "fixed_seats": 1,
                "flexible_seats": 2,
                "created_at": datetime(2020, 5, 19, tzinfo=UTC),
            }
        ],
    )
    slots = sa.table(
        "network_seat_slots",
        sa.column("network_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("slot", sa.Integer),
    )
    op.bulk_insert(
        slots,
        [
            {"network_id": 1, "kind": "fixed", "slot": 1},
            {"network_id": 1, "kind": "flexible", "slot": 1},
            {"network_id": 1, "kind": "flexible", "slot": 2},
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids do not advance the sequence; later networks must not collide with 1.
        op.execute("SELECT setval('networks_id_seq', (SELECT max(id) FROM networks))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS seat_events_append_only ON seat_events")
        op.execute("DROP FUNCTION IF EXISTS seat_events_append_only()")
    op.drop_table("seat_events")
    op.drop_table("seats")
    op.drop_table("network_seat_slots")
    op.drop_table("network_facilitators")
    op.drop_table("memberships")
    op.drop_table("people")
    op.drop_table("networks")
    op.drop_table("municipalities")
