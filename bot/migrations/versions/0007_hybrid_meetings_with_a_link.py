"""hybrid meetings: a link beside the address

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

A meeting was online (``location`` held its link) or physical (``location`` held its address).
A hybrid meeting has both, so the link moves to a column of its own: ``link`` for online and
hybrid meetings, ``location`` for the address of physical and hybrid ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.drop_constraint(batch_op.f("ck_meetings_format"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_meetings_format"), "format IN ('online', 'physical', 'hybrid')"
        )
    op.execute("UPDATE meetings SET link = location, location = '' WHERE format = 'online'")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("link", server_default=None)


def downgrade() -> None:
    # Back to one column: an online meeting's link is its location again; a hybrid meeting
    # becomes physical, with the link after the address so neither is lost.
    op.execute("UPDATE meetings SET location = link WHERE format = 'online'")
    op.execute(
        "UPDATE meetings SET format = 'physical', "
        "location = substr(location || ' – ' || link, 1, 500) WHERE format = 'hybrid'"
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_meetings_format"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_meetings_format"), "format IN ('online', 'physical')"
        )
        batch_op.drop_column("link")
