"""data protection: pseudonyms, the record of erasures, history that pseudonymisation may touch

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REFUSED = "seat_events is append-only: only pseudonymisation may change a row"

# An update may only point a row at a pseudonym and blank its reason; everything else stays.
_UNCHANGED = (
    "NEW.id = OLD.id AND NEW.network_id = OLD.network_id "
    "AND NEW.municipality_code = OLD.municipality_code AND NEW.seat_id = OLD.seat_id "
    "AND NEW.kind = OLD.kind AND NEW.slot = OLD.slot AND NEW.action = OLD.action "
    "AND NEW.created_at = OLD.created_at"
)


def _to_pseudonym(column: str, same: str) -> str:
    return (
        f"(NEW.{column} {same} OLD.{column} OR EXISTS "
        f"(SELECT 1 FROM people WHERE people.id = NEW.{column} AND people.erased_at IS NOT NULL))"
    )


def _allowed(same: str, details: str) -> str:
    refs = " AND ".join(
        _to_pseudonym(column, same) for column in ("person_id", "previous_person_id", "actor_id")
    )
    return f"{_UNCHANGED} AND {details} AND (NEW.reason = OLD.reason OR NEW.reason = '') AND {refs}"


def upgrade() -> None:
    # Plain ADD COLUMN (with the key inline on SQLite): a batch would copy and drop ``people``,
    # which every other table refers to.
    op.add_column("people", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE people ADD COLUMN history_alias_id INTEGER "
            "CONSTRAINT fk_people_history_alias_id_people REFERENCES people (id)"
        )
    else:
        op.add_column("people", sa.Column("history_alias_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_people_history_alias_id_people"),
            "people",
            "people",
            ["history_alias_id"],
            ["id"],
        )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cause IN ('request', 'facilitator', 'retention')", name=op.f("ck_erasures_cause")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_erasures_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_erasures_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_erasures_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    _history_open_to_pseudonymisation()
    _keys_without_user_ids()


def _history_open_to_pseudonymisation() -> None:
    if op.get_bind().dialect.name == "postgresql":
        allowed = _allowed("IS NOT DISTINCT FROM", "NEW.details::text = OLD.details::text")
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION seat_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND {allowed} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{REFUSED}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        return
    op.execute("DROP TRIGGER IF EXISTS seat_events_no_update")
    allowed = _allowed("IS", "NEW.details IS OLD.details")
    op.execute(
        "CREATE TRIGGER seat_events_no_update BEFORE UPDATE ON seat_events "
        f"WHEN NOT ({allowed}) BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    )


def _keys_without_user_ids() -> None:
    """Outbox keys planned before keys carried internal ids only ended in ``:user=<Slack id>``
    (approval requests, notices to facilitators); the row's own id takes the Slack id's place."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, key FROM outbox WHERE key LIKE :pattern"), {"pattern": "%:user=%"}
    ).all()
    for row_id, key in rows:
        head = key[: key.index(":user=")]
        bind.execute(
            sa.text("UPDATE outbox SET key = :key WHERE id = :id"),
            {"key": f"{head}:row={row_id}", "id": row_id},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION seat_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'seat_events is append-only'; END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS seat_events_no_update")
        op.execute(
            "CREATE TRIGGER seat_events_no_update BEFORE UPDATE ON seat_events "
            "BEGIN SELECT RAISE(ABORT, 'seat_events is append-only'); END"
        )
    op.drop_table("erasures")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_people_history_alias_id_people"), "people", type_="foreignkey")
        op.drop_column("people", "history_alias_id")
        op.drop_column("people", "erased_at")
    else:
        # A later rebuild of ``people`` (0010) wrote the reference as a table constraint, which
        # SQLite's DROP COLUMN refuses: rebuild the table without the columns (no trigger names
        # ``people`` any more at this point).
        with op.batch_alter_table("people", schema=None) as batch_op:
            batch_op.drop_column("history_alias_id")
            batch_op.drop_column("erased_at")
