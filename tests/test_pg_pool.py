"""The PostgreSQL pool gives each test a database indistinguishable from a new copy of the
template (tests/support/pg_pool.py): rows, seeded rows, ids and schema all as the migrations
left them, and nothing from the earlier test can still reach it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from tests.support.pg_pool import PostgresPool

pytestmark = pytest.mark.postgres


def _snapshot(url: str) -> dict[str, object]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return {
                "municipalities": connection.execute(
                    text("SELECT code, name FROM municipalities ORDER BY code")
                ).all(),
                "themes": connection.execute(
                    text("SELECT ctid::text, * FROM network_themes ORDER BY ctid")
                ).all(),
                "people": connection.scalar(text("SELECT count(*) FROM people")),
                "meetings": connection.scalar(text("SELECT count(*) FROM meetings")),
                "version": connection.scalar(text("SELECT version_num FROM alembic_version")),
            }
    finally:
        engine.dispose()


def _scribble(url: str) -> None:
    """What a test may do: add rows, change seeded ones, burn ids in a failed insert."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE municipalities SET name = 'Ændret' WHERE code = 751"))
            connection.execute(text("DELETE FROM network_themes WHERE id = (SELECT min(id) FROM network_themes)"))  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO network_themes (network_id, name, position) "
                    "SELECT network_id, 'Nyt tema', 99 FROM network_themes LIMIT 1"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("INSERT INTO network_themes (network_id, name, position) VALUES (-1, 'x', 1)")
            )
    finally:
        engine.dispose()


def _next_theme_id(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT nextval(pg_get_serial_sequence('network_themes', 'id'))")))  # fmt: skip
    finally:
        engine.dispose()


def test_a_reused_database_is_the_template_again(postgres_template: PostgresPool) -> None:
    pool = postgres_template
    fresh = pool.acquire()
    new = _snapshot(pool.url(fresh))
    expected_id = _next_theme_id(pool.url(fresh))
    pool.release(fresh)

    first = pool.acquire()
    _scribble(pool.url(first))
    assert _snapshot(pool.url(first)) != new
    lingering = create_engine(pool.url(first), pool_pre_ping=True)
    lingering.connect().close()  # a pool the test left behind, with a connection in it
    before = dict(pool.outcomes)
    pool.release(first)
    assert pool.outcomes["reused"] == before.get("reused", 0) + 1, pool.outcomes

    second = pool.acquire()
    try:
        assert second != first
        assert _snapshot(pool.url(second)) == new
        assert _next_theme_id(pool.url(second)) == expected_id  # ids start where they did
        with pytest.raises(OperationalError), lingering.connect():
            pass  # the old name is gone: nothing left running reaches the next test's data
    finally:
        lingering.dispose()
        pool.release(second)


def test_a_changed_schema_is_never_reused(postgres_template: PostgresPool) -> None:
    pool = postgres_template
    name = pool.acquire()
    engine = create_engine(pool.url(name), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE people ADD COLUMN extra integer"))
    engine.dispose()
    before = dict(pool.outcomes)
    pool.release(name)
    assert pool.outcomes["dropped: schema changed"] == before.get("dropped: schema changed", 0) + 1
    again = pool.acquire()
    try:
        engine = create_engine(pool.url(again), poolclass=NullPool)
        with engine.connect() as connection:
            columns = connection.scalars(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'people'"
                )
            ).all()
        engine.dispose()
        assert "extra" not in columns
    finally:
        pool.release(again)
