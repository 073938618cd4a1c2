"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bot.db import alembic_config, upgrade
from bot.models import Base


def test_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM municipalities")).scalar() == 98
        assert connection.execute(
            text("SELECT fixed_seats, flexible_seats FROM networks")
        ).one() == (1, 2)


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)  # the fixture's database is already at head: a second run changes nothing
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM municipalities")).scalar() == 98
