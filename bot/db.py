"""Engine, sessions, transactions and migrations."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from importlib.resources import files
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Executable, Table, create_engine, event, make_url, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.sql.dml import Insert as StandardInsert
from sqlalchemy.sql.visitors import InternalTraversal

log = logging.getLogger(__name__)

SessionFactory = sessionmaker[Session]
T = TypeVar("T")

# The migration that introduced secure_delete: the first upgrade through it vacuums a SQLite file
# once, so rows deleted before it (with their bytes still in free pages) are overwritten.
SECURE_DELETE_REVISION = "0006"
# One connection attempt to PostgreSQL gives up after this many seconds (a host that drops
# packets would otherwise hold the start for minutes).
CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine tuned for the bot's access pattern.

    SQLite: WAL and a busy timeout so concurrent handlers queue instead of failing, and every
    transaction starts with BEGIN IMMEDIATE so a reader never has to upgrade to a writer (the
    upgrade is what deadlocks with "database is locked"). PostgreSQL: a pool sized for the
    HTTP server's threads, pre-ping so a restarted server does not surface as an error.

    Both: ``hide_parameters``, so a database error in a log line never carries the values of
    the statement (names, titles, what someone typed). SQLite: ``secure_delete`` on every
    connection, so deleted and overwritten content is zeroed in the file, not left in free space.
    """
    if url.startswith("sqlite"):
        is_memory = url in ("sqlite://", "sqlite:///:memory:")
        # Pooled connections: closing the last connection to a WAL database checkpoints it,
        # which made every transaction pay for a checkpoint when connections were not kept.
        turns = None if is_memory else _write_turns(url)
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        if turns is not None:
            connect_args["factory"] = _TurnTakingConnection
        engine = create_engine(
            url,
            connect_args=connect_args,
            pool_size=pool_size,
            max_overflow=pool_size,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Hand transaction control to SQLAlchemy's begin event below.
            dbapi_connection.isolation_level = None
            if isinstance(dbapi_connection, _TurnTakingConnection):
                dbapi_connection.turns = turns
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA secure_delete=ON")
            if not is_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            dbapi_connection = connection.connection.dbapi_connection
            if isinstance(dbapi_connection, _TurnTakingConnection):
                dbapi_connection.take_turn()
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


class _WriteTurns:
    """The turn to write to one SQLite file, taken by this process's threads one at a time.

    Every transaction starts with BEGIN IMMEDIATE, so transactions on one file run one after the
    other anyway. Left to SQLite, a thread that finds the file locked sleeps in steps of up to
    100 ms (its busy handler) and wakes long after the lock was free: in a burst, workers spent
    two thirds of their time so. Waiting here instead, the next thread starts the moment the
    last one committed. Another process on the same file still meets SQLite's busy timeout.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()


# One per SQLite file, shared by every engine of this process on it (replicas in one test, say).
_TURNS: dict[str, _WriteTurns] = {}
_TURNS_LOCK = threading.Lock()
# How long a thread waits for its turn before it leaves the waiting to SQLite (as without
# turns): the busy timeout. Only a thread that holds a turn and begins a second transaction on
# another connection (which SQLite would refuse after its timeout too) would wait this long.
TURN_TIMEOUT_S = 30.0


def _write_turns(url: str) -> _WriteTurns:
    path = os.path.realpath(make_url(url).database or "")
    with _TURNS_LOCK:
        return _TURNS.setdefault(path, _WriteTurns())


class _TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection that takes the file's write turn before BEGIN IMMEDIATE and gives it
    back when its transaction ends (commit, rollback, also the pool's rollback on return, or
    close), whichever thread that happens on."""

    turns: _WriteTurns | None = None
    holds_turn = False

    def take_turn(self) -> None:
        if self.turns is not None and not self.holds_turn:
            self.holds_turn = self.turns.lock.acquire(timeout=TURN_TIMEOUT_S)

    def _give_back(self) -> None:
        if self.holds_turn and self.turns is not None:
            self.holds_turn = False
            self.turns.lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


class DatabaseUnavailable(Exception):
    """The database could not be reached at start; the message says where and for how long."""


def wait_for_database(engine: Engine, patience: timedelta, *, sleep: float = 1.0) -> None:
    """Connect once, retrying PostgreSQL for ``patience`` (it may be starting beside us).

    Raises ``DatabaseUnavailable`` with one line that names the server (host and port) or the
    SQLite file, how long it tried, and the driver's reason.
    """
    started = time.monotonic()
    deadline = started + patience.total_seconds()
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except DBAPIError as error:
            if engine.dialect.name != "postgresql":
                raise DatabaseUnavailable(
                    f"cannot open the SQLite database {engine.url.database}: {_reason(error)}"
                ) from None
            now = time.monotonic()
            if now >= deadline:
                url = engine.url
                raise DatabaseUnavailable(
                    f"cannot reach PostgreSQL at {url.host or 'localhost'}:{url.port or 5432} "
                    f"(tried for {max(1, round(now - started))} s): {_reason(error)}"
                ) from None
            log.info("database not reachable yet, retrying: %s", _reason(error))
            time.sleep(min(sleep, deadline - now))


def _reason(error: DBAPIError) -> str:
    """The driver's own message, on one line."""
    lines = [line.strip() for line in str(error.orig).splitlines() if line.strip()]
    return lines[0] if lines else type(error.orig).__name__


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, always close."""
    with factory() as session, session.begin():
        yield session


def insert_ignore(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on both engines; returns how many rows were new.

    Idempotent creation without check-then-write: concurrent writers of the same key wait for
    each other inside the database and exactly one of them inserts.
    """
    if not rows:
        return 0
    # One statement executed for many parameter sets: compiled once and cached, and batched by
    # SQLAlchemy's insertmanyvalues. RETURNING yields exactly the inserted rows; rowcount is not
    # reliable across drivers for ON CONFLICT DO NOTHING.
    statement = _insert_ignore_statement(session, table)
    return len(_execute_core(session, statement, rows).all())


def _execute_core(session: Session, statement: Any, rows: Sequence[dict[str, Any]]) -> Any:
    """A Core INSERT on the session's connection: one row as a plain execution, several batched
    (insertmanyvalues). Neither goes through the ORM's execution, which a Core statement does
    not need and which cost more than the statement in a burst (inserts of one row mostly)."""
    parameters: Any = dict(rows[0]) if len(rows) == 1 else list(rows)
    return session.connection().execute(statement, parameters)


_INSERT_IGNORE_STATEMENTS: dict[tuple[str, Table], Any] = {}


def _insert_ignore_statement(session: Session, table: Table) -> Any:
    """The statement for ``table``, built once per dialect: building it anew (and its cache
    key, which SQLAlchemy memoizes per statement object) cost more than running it, several
    times per request in a burst. Statements are immutable, so threads share them."""
    dialect = session.get_bind().dialect.name
    statement = _INSERT_IGNORE_STATEMENTS.get((dialect, table))
    if statement is None:
        key = next(iter(table.primary_key.columns))
        statement = insert_ignoring(session, table).returning(key)
        _INSERT_IGNORE_STATEMENTS[(dialect, table)] = statement
    return statement


_INSERT_ROWS: dict[tuple[str, Table, bool], tuple[Any, list[tuple[str, str]]]] = {}


def insert_ignore_objects(
    session: Session, entity: type[T], rows: Sequence[dict[str, Any]]
) -> list[T]:
    """``insert_ignore`` for a mapped class: the objects of the rows that were new, persistent
    in ``session`` as if loaded (a key that existed yields nothing).

    Core, not the ORM's bulk INSERT … RETURNING: the ORM annotated its statement anew on every
    execution, so its cache key was computed twice per call, and turned each row into an object
    through its loading machinery; in a burst that cost more than the statement. The statement
    is built once per dialect and the objects from the columns it returns.
    """
    return _insert_objects(session, entity, rows, ignore_existing=True)


def insert_objects(session: Session, entity: type[T], rows: Sequence[dict[str, Any]]) -> list[T]:
    """INSERT of rows of a mapped class, as ``insert_ignore_objects`` makes them: Core, the
    objects persistent in ``session`` as if loaded, ids and defaults from RETURNING."""
    return _insert_objects(session, entity, rows, ignore_existing=False)


def _insert_objects(
    session: Session, entity: type[T], rows: Sequence[dict[str, Any]], *, ignore_existing: bool
) -> list[T]:
    if not rows:
        return []
    mapper: Any = sa_inspect(entity)
    table = mapper.local_table
    dialect = session.get_bind().dialect.name
    cached = _INSERT_ROWS.get((dialect, table, ignore_existing))
    if cached is None:
        columns = list(table.columns)
        names = [(column.name, mapper.get_property_by_column(column).key) for column in columns]
        insert_ = insert_ignoring(session, table) if ignore_existing else table.insert()
        cached = (insert_.returning(*columns), names)
        _INSERT_ROWS[(dialect, table, ignore_existing)] = cached
    statement, names = cached
    objects: list[T] = []
    for row in _execute_core(session, statement, rows).mappings():
        instance = entity(**{key: row[name] for name, key in names})
        make_transient_to_detached(instance)
        session.add(instance)
        objects.append(instance)
    return objects


def _cached_insert_ignore(dml: Any) -> type[Any]:
    """The dialect's INSERT … ON CONFLICT DO NOTHING as a statement SQLAlchemy can cache.

    SQLAlchemy 2.0 compiles a dialect ``insert()`` with ``on_conflict_…`` anew on every execution
    (its classes opt out of the compiled cache, as their conflict clauses take arguments the cache
    key does not cover). Ours takes none: DO NOTHING, always. Compiling took longer than running
    the statement, five times per registration in a burst.
    """

    class DoNothing(dml.OnConflictDoNothing):  # type: ignore[misc]
        inherit_cache = True
        _traverse_internals: list[Any] = []  # no arguments: the class is the whole key

        def __init__(self) -> None:
            super().__init__()

    class InsertIgnore(dml.Insert):  # type: ignore[misc]
        inherit_cache = True
        _traverse_internals = StandardInsert._traverse_internals + [
            ("_post_values_clause", InternalTraversal.dp_clauseelement)
        ]

        def __init__(self, target: Any) -> None:
            super().__init__(target)
            self._post_values_clause = DoNothing()

    return InsertIgnore


_INSERT_IGNORE = {
    "sqlite": _cached_insert_ignore(sqlite.dml),
    "postgresql": _cached_insert_ignore(postgresql.dml),
}


def insert_ignoring(session: Session, target: Any) -> Any:
    """``INSERT INTO target … ON CONFLICT DO NOTHING`` for the session's engine (a table or an
    ORM entity; ``.values()`` and ``.returning()`` as usual), compiled once and cached."""
    dialect = session.get_bind().dialect.name
    return _INSERT_IGNORE["postgresql" if dialect == "postgresql" else "sqlite"](target)


def try_job_lock(session: Session, key: int) -> bool:
    """PostgreSQL: whether this transaction may run the job ``key`` (another replica running
    it now holds the lock until its transaction ends). SQLite has one writer: always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def rows_affected(session: Session, statement: Executable) -> int:
    """Execute a conditional UPDATE/DELETE and say how many rows it changed."""
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def flush_wal(sessions: SessionFactory, *, attempts: int = 50, pause: float = 0.1) -> bool:
    """SQLite: copy the write-ahead log into the database file and truncate it to nothing, so
    the bytes an erasure overwrote are gone from the WAL file too. Retried while a reader or
    writer keeps it busy; True when it completed (always, on PostgreSQL)."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return True
    connection = engine.raw_connection()
    try:
        for _ in range(attempts):
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = cursor.fetchone()
            finally:
                cursor.close()
            if row is None or not row[0]:  # (busy, log frames, checkpointed frames)
                return True
            time.sleep(pause)
        log.warning("the WAL checkpoint stayed busy after %d attempts", attempts)
        return False
    finally:
        connection.close()


def _vacuum(engine: Engine) -> None:
    """Rewrite a SQLite file from its live rows (outside any transaction), then move the result
    out of the write-ahead log, so neither file keeps the old pages."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("VACUUM")
        cursor.close()
    finally:
        connection.close()
    flush_wal(make_session_factory(engine))


def _applied(connection: Any, config: Config, revision: str) -> bool:
    """Whether ``revision`` is already part of the database's migrated history."""
    script = ScriptDirectory.from_config(config)
    for head in MigrationContext.configure(connection).get_current_heads():
        if any(r.revision == revision for r in script.iterate_revisions(head, "base")):
            return True
    return False


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bot") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema; safe to run on every start and from several replicas at once."""
    vacuum = False
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Replicas starting together must not race each other's DDL.
            connection.execute(text("SELECT pg_advisory_lock(4711)"))
            connection.commit()
        try:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            had_history = bool(MigrationContext.configure(connection).get_current_heads())
            before = _applied(connection, config, SECURE_DELETE_REVISION)
            connection.commit()  # end the read, so Alembic runs (and commits) its own transaction
            command.upgrade(config, revision)
            after = _applied(connection, config, SECURE_DELETE_REVISION)
            vacuum = engine.dialect.name == "sqlite" and had_history and after and not before
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(4711)"))
                connection.commit()
    if vacuum:
        _vacuum(engine)


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # health check: any failure means "not healthy"
        log.warning("database health check failed", exc_info=True)
        return False
