"""Alembic environment: the connection is handed in by ``bot.db.upgrade``, never read from env."""

from __future__ import annotations

from alembic import context

from bot.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.db.upgrade (klimanet db upgrade)")

# SQLite changes a table by copying it into a new one (batch mode). A table whose rows others
# reference (``networks``) cannot be dropped with foreign keys on, and deferring them does not
# help (SQLite counts the dropped references, not the renamed copy), so they are off while the
# migrations run, as Alembic's batch documentation advises, and checked before the commit. The
# pragma only takes effect outside a transaction: ``bot.db.upgrade`` hands the connection over
# with none open.
sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
if sqlite:
    connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
try:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    if sqlite and connection.in_transaction():
        connection.commit()  # so the pragma below can take effect again
except BaseException:
    if sqlite and connection.in_transaction():
        connection.rollback()
    raise
finally:
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
