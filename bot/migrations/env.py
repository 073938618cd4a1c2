"""Alembic environment: the connection is handed in by ``bot.db.upgrade``, never read from env."""

from __future__ import annotations

from alembic import context

from bot.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.db.upgrade (klimanet db upgrade)")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
