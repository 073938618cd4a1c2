"""Shared fixtures: a migrated database per test, on SQLite and on the real PostgreSQL server.

The PostgreSQL server is started by ``tests/with_postgres.sh`` (``make test`` and ``.ci/run``),
which exports ``KLIMANET_TEST_POSTGRES_URL``. Without it the PostgreSQL tests fail rather than
skip, so a missing server can never pass as green; set ``KLIMANET_TESTS_WITHOUT_POSTGRES=1`` to
skip them knowingly on a machine without PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text

from bot.clock import FixedClock
from bot.db import SessionFactory, make_engine, make_session_factory, upgrade
from bot.domain.municipalities import default_directory
from bot.service.klimanet import Klimanet, ServiceSettings
from tests.support.fake_slack import FakeSlack
from tests.support.pg_pool import PostgresPool

# CI replays the same examples every run, so a submission's result does not depend on luck;
# locally every run explores new ones (and keeps failures in .hypothesis/ to replay).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEMPLATE_DB = "klimanet_template"


def template_db_name() -> str:
    """One template database per pytest-xdist worker: workers create and drop their own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{TEMPLATE_DB}_{worker}"


def postgres_admin_url() -> str:
    url = os.environ.get("KLIMANET_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("KLIMANET_TESTS_WITHOUT_POSTGRES") == "1":
        pytest.skip("PostgreSQL tests skipped on request (KLIMANET_TESTS_WITHOUT_POSTGRES=1)")
    pytest.fail(
        "KLIMANET_TEST_POSTGRES_URL is not set: run the suite with `make test` "
        "(it starts PostgreSQL), or set KLIMANET_TESTS_WITHOUT_POSTGRES=1 to skip knowingly"
    )


def _url_for(admin_url: str, database: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "klimanet.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresPool]:
    """This worker's template database, migrated once, and the pool of its copies."""
    admin_url = postgres_admin_url()
    template = template_db_name()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {template}"))
        connection.execute(text(f"CREATE DATABASE {template}"))
    admin.dispose()
    engine = make_engine(_url_for(admin_url, template))
    upgrade(engine)
    engine.dispose()
    pool = PostgresPool(admin_url, template)
    yield pool
    pool.close()


def new_database_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database as the migrations leave it, for this test alone (see tests/support/pg_pool)."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "klimanet.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    pool: PostgresPool = request.getfixturevalue("postgres_template")
    name = pool.acquire()
    try:
        yield pool.url(name)
    finally:
        pool.release(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(request.param, request, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def service(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    # Trials' mode: most tests are about what happens once someone has a seat.
    return Klimanet(
        sessions, default_directory(), clock, settings=ServiceSettings(registration="open")
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The loopback fake of Slack's Web API; every payload the bot sent must have been valid."""
    with FakeSlack() as fake:
        yield fake
        fake.assert_no_invalid_payloads()
