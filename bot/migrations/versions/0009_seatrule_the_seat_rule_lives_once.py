"""the seat rule lives once: drop the never-read seat counts on networks

Revision ID: 0009_seatrule
Revises: 0008_meet
Create Date: 2026-12-07

A network's seat rule is its rows in ``network_seat_slots`` (which the seats' foreign key
enforces). ``networks.fixed_seats``/``flexible_seats`` said the same a second time and were never
read; they go. The downgrade writes them back as counted from the slots.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_seatrule"
down_revision = "0008_meet"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_networks_seat_counts"), type_="check")
        batch_op.drop_column("fixed_seats")
        batch_op.drop_column("flexible_seats")


def _counted(kind: str) -> sa.ScalarSelect[int]:
    slots = sa.table("network_seat_slots", sa.column("network_id"), sa.column("kind"))
    networks = sa.table("networks", sa.column("id"))
    return (
        sa.select(sa.func.count())
        .select_from(slots)
        .where(slots.c.network_id == networks.c.id, slots.c.kind == kind)
        .scalar_subquery()
    )


def downgrade() -> None:
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fixed_seats", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("flexible_seats", sa.Integer(), nullable=True))
    networks = sa.table(
        "networks",
        sa.column("id"),
        sa.column("fixed_seats", sa.Integer),
        sa.column("flexible_seats", sa.Integer),
    )
    op.execute(
        networks.update().values(fixed_seats=_counted("fixed"), flexible_seats=_counted("flexible"))
    )
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.alter_column("fixed_seats", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("flexible_seats", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_networks_seat_counts"), "fixed_seats >= 0 AND flexible_seats >= 0"
        )
