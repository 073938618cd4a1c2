"""address: chat ids fit any platform, people keyed by (platform, workspace, account), and every
outbox row says whether it goes to a person or a place

Revision ID: 0010_address
Revises: 0009_seatrule
Create Date: 2026-12-07

Chat ids were ``String(32)``, Slack's size; a Teams conversation id is often longer than 60
characters, so every column holding one becomes ``String(255)``. ``people`` was keyed by Slack's
``(team_id, user_id)``; it becomes ``(platform, workspace, account)`` and today's rows are Slack's.
The outbox gets ``addressed_to`` ("person" or "place"), said by the planner from now on; existing rows
are filled from Slack's id shapes here, the one place that still reads them (a data conversion:
C…/G… channels and the agenda's update in place were channel posts, everything else direct).
The downgrade narrows the ids again (it fails, as it should, if a longer id is stored), drops the
platform (only Slack's people can go back) and ``addressed_to``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_address"
down_revision = "0009_seatrule"
branch_labels = None
depends_on = None

# table -> its chat-id columns (nullable or not)
CHAT_IDS = {
    "networks": {"channel_id": True},
    "network_facilitators": {"user_id": False},
    "meetings": {"created_by": False},
    "news_posts": {"author_user_id": False},
    "outbox": {"recipient": False, "message_channel": True, "message_ts": True},
}

OUTBOX = sa.table(
    "outbox",
    sa.column("recipient", sa.String),
    sa.column("kind", sa.String),
    sa.column("addressed_to", sa.String),
)
PEOPLE = sa.table("people", sa.column("platform", sa.String))


def _widen(table: str, columns: dict[str, bool], old: int, new: int) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column, nullable in columns.items():
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=old),
                type_=sa.String(length=new),
                existing_nullable=nullable,
            )


def _legacy_rename(on: bool) -> None:
    """SQLite rebuilds ``people`` as a copy renamed into place; since 3.26 that rename checks
    every trigger, and ``seat_events``' triggers name ``people``, which is missing for that
    moment. The legacy rename does not check them (the documented way for such rebuilds)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA legacy_alter_table = {'ON' if on else 'OFF'}")


def upgrade() -> None:
    for table, columns in CHAT_IDS.items():
        _widen(table, columns, 32, 255)

    _legacy_rename(True)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=32), nullable=True))
    op.execute(PEOPLE.update().values(platform="slack"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_people_team_id_user_id"), type_="unique")
        batch_op.alter_column("platform", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column(
            "team_id",
            new_column_name="workspace",
            existing_type=sa.String(length=32),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            new_column_name="account",
            existing_type=sa.String(length=32),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    # A batch drops a new constraint on columns it renames in the same batch: its own batch.
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            op.f("uq_people_platform_workspace_account"), ["platform", "workspace", "account"]
        )
    _legacy_rename(False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addressed_to", sa.String(length=8), nullable=True))
    place = sa.or_(
        OUTBOX.c.recipient.like("C%"),
        OUTBOX.c.recipient.like("G%"),
        OUTBOX.c.kind == "agenda_update",
    )
    op.execute(OUTBOX.update().where(place).values(addressed_to="place"))
    op.execute(OUTBOX.update().where(OUTBOX.c.addressed_to.is_(None)).values(addressed_to="person"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("addressed_to", existing_type=sa.String(length=8), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_outbox_addressed_to"), "addressed_to IN ('person', 'place')"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_addressed_to"), type_="check")
        batch_op.drop_column("addressed_to")

    _legacy_rename(True)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_people_platform_workspace_account"), type_="unique")
        batch_op.drop_column("platform")
        batch_op.alter_column(
            "workspace",
            new_column_name="team_id",
            existing_type=sa.String(length=255),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "account",
            new_column_name="user_id",
            existing_type=sa.String(length=255),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_people_team_id_user_id"), ["team_id", "user_id"])
    _legacy_rename(False)

    for table, columns in CHAT_IDS.items():
        _widen(table, columns, 255, 32)
