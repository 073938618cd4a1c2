"""Fresh PostgreSQL databases for the tests without a CREATE DATABASE per test.

``CREATE DATABASE … TEMPLATE`` copies the whole template (system catalogs included, ~9 MB) and
cost 0.2 s per test on an idle machine, over 1 s under load: the largest single cost of the
PostgreSQL half of the suite. A pool instead hands a test a database that an earlier test used
and that was put back exactly as the template is:

- every connection to it is ended (as ``DROP DATABASE … WITH (FORCE)`` did) and it is renamed,
  so nothing the test left running can reconnect by the old URL;
- when a catalog row is newer than its last reset, its schema is compared with the template's
  (tables, columns, defaults, constraints, indexes, sequences, views, functions, triggers,
  types); a test that changed it (the migration tests) gets its database dropped, never reused;
- each table whose rows or heap differ from the template's (a checksum over every row *and its
  physical position*, plus the table's size) is emptied with DELETE, then VACUUM truncates its
  heap to zero pages, so the next test's rows land in a fresh heap in insertion order, as in a
  new database; rows the migrations seeded (municipalities, the network, …) are put back in
  their original order, and a table whose heap VACUUM could not truncate sends the database
  to be dropped;
- sequences get the template's values back, and the planner's view of each table (page and row
  estimates, collected statistics) is the template's again, so queries plan as in a new database.

Any doubt (an error while checking or resetting) drops the database; the pool then makes a new
one from the template. So a test sees the template's schema, rows, ids, heap order and planner
estimates (only its indexes may keep emptied pages a new copy would not have), and one PostgreSQL database per test costs ~50-100 ms (under load) instead of
200-1000 ms. ``tests/test_pg_pool.py`` proves the reset.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text
         || ' ' || coalesce(array_to_string(c.reloptions, ','), '') AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL
  SELECT 'col ' || a.attrelid::regclass::text || ' ' || a.attnum || ' ' || a.attname || ' '
         || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || a.attidentity::text
         || ' ' || a.attgenerated::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint
   WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL
  SELECT 'idx ' || indexdef FROM pg_indexes
   WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT 'seq ' || schemaname || '.' || sequencename || ' ' || data_type::text || ' '
         || start_value || ' ' || increment_by || ' ' || cycle
    FROM pg_sequences
  UNION ALL
  SELECT 'view ' || schemaname || '.' || viewname || ' ' || definition FROM pg_views
   WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, ''))
    FROM pg_proc p WHERE p.pronamespace NOT IN
         ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL
  SELECT 'trg ' || tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger
   WHERE NOT tgisinternal
  UNION ALL
  SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text || ' '
         || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                        FROM pg_enum WHERE enumtypid = t.oid), '')
    FROM pg_type t WHERE t.typnamespace NOT IN
         ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
     AND t.typnamespace::regnamespace::text NOT LIKE 'pg_toast%'
  UNION ALL
  SELECT 'ext ' || extname || ' ' || extversion FROM pg_extension
  UNION ALL
  SELECT 'ns ' || nspname FROM pg_namespace
) AS items
"""

# Whether any schema object changed since a transaction id: DDL writes new versions of these
# catalog rows (VACUUM's and ANALYZE's in-place updates of pg_class do not). Only then is the
# (slower) fingerprint compared.
_CATALOGS = (
    "pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_index", "pg_type", "pg_proc",
    "pg_trigger", "pg_namespace", "pg_sequence", "pg_enum", "pg_rewrite", "pg_extension",
    "pg_depend",
)  # fmt: skip
_CATALOG_CHANGED = "SELECT " + " OR ".join(
    f"EXISTS (SELECT 1 FROM {c} WHERE xmin::text::bigint > :since)" for c in _CATALOGS
)
_NOW = "SELECT pg_current_xact_id()::text::bigint % 4294967296"

_TABLES = """
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY c.relname
"""

_SEQUENCES = """
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, last_value
  FROM pg_sequences ORDER BY 1
"""

# The planner's view of each relation: page and row estimates (a never-vacuumed table is
# planned as if it had 10 pages; one VACUUM has counted as empty is not).
_RELATIONS = """
WITH tables AS (
  SELECT oid, relname, reltoastrelid FROM pg_class
   WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'm')
), rels(key, oid) AS (
  SELECT relname::text, oid FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'toast of ' || relname, reltoastrelid FROM tables WHERE reltoastrelid <> 0
  UNION ALL
  SELECT 'toast index of ' || t.relname, i.indexrelid
    FROM tables t JOIN pg_index i ON i.indrelid = t.reltoastrelid WHERE t.reltoastrelid <> 0
)
"""

_REL_ESTIMATES = (
    _RELATIONS
    + """
SELECT r.key, c.relpages, c.reltuples, c.relallvisible
  FROM rels r JOIN pg_class c ON c.oid = r.oid ORDER BY 1
"""
)

_SET_ESTIMATES = (
    _RELATIONS
    + """
UPDATE pg_class c SET relpages = v.pages, reltuples = v.tuples, relallvisible = v.visible
  FROM json_to_recordset(CAST(:rows AS json)) AS v(name text, pages int, tuples real, visible int)
  JOIN rels r ON r.key = v.name
 WHERE c.oid = r.oid
"""
)

_STATISTICS = """
SELECT count(*) FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid
 WHERE c.relnamespace = 'public'::regnamespace
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _state_query(tables: list[str]) -> str:
    """One row: per table, a checksum over its rows with their physical position, and its size."""
    parts = []
    for table in tables:
        q = _quote(table)
        parts.append(
            f"(SELECT md5(coalesce(string_agg(t.ctid::text || ' ' || t::text, E'\\n' "
            f"ORDER BY t.ctid), '')) FROM {q} t)"
        )
        parts.append(f"pg_relation_size('public.{q}')")
    return "SELECT " + ", ".join(parts)


@dataclass(frozen=True)
class _Template:
    fingerprint: str
    tables: list[str]
    state: tuple[object, ...]
    seeds: dict[str, str]  # table -> its rows as JSON, in heap order
    sequences: dict[str, tuple[int, int | None]]
    estimates: dict[str, tuple[int, float, int]]


class PostgresPool:
    """Databases copied from one template, reset to the template's state between tests."""

    def __init__(self, admin_url: str, template: str) -> None:
        self._base = admin_url.rsplit("/", 1)[0]
        self._template_name = template
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._free: list[str] = []
        self.outcomes: Counter[str] = Counter()  # why databases were reused or dropped
        # Per database, a transaction id after which no schema change of ours happened.
        self._since: dict[str, int] = {}
        self._lock = threading.Lock()
        self._template = self._read_template()
        # The migrations may have left the seeded rows anywhere in their heaps (a later one
        # updates them); a reset puts them back compactly. Compact the template the same way
        # once, so a reset database and a new copy of the template are the same, page for page.
        engine = self._connect(template)
        try:
            with engine.connect() as connection:
                self._empty(connection, list(self._template.seeds))
                self._seed(connection, list(self._template.seeds))
                self._restore_sequences(connection)
                self._restore_estimates(connection)
        finally:
            engine.dispose()
        self._template = self._read_template()

    def url(self, database: str) -> str:
        return f"{self._base}/{database}"

    def _connect(self, database: str) -> Engine:
        return create_engine(self.url(database), isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def _read_template(self) -> _Template:
        engine = self._connect(self._template_name)
        try:
            with engine.connect() as connection:
                fingerprint = connection.execute(text(_SCHEMA_FINGERPRINT)).scalar_one()
                tables = list(connection.scalars(text(_TABLES)))
                state = tuple(connection.execute(text(_state_query(tables))).one())
                seeds = {}
                for table in tables:
                    rows = connection.execute(
                        text(f"SELECT json_agg(t)::text FROM {_quote(table)} t")
                    ).scalar_one()
                    if rows is not None:
                        seeds[table] = rows
                sequences = {
                    name: (int(start), None if last is None else int(last))
                    for name, start, last in connection.execute(text(_SEQUENCES))
                }
                estimates = {
                    name: (int(pages), float(tuples), int(visible))
                    for name, pages, tuples, visible in connection.execute(text(_REL_ESTIMATES))
                }
                if connection.execute(text(_STATISTICS)).scalar_one():
                    raise RuntimeError(
                        "the template has planner statistics; the reset assumes none"
                    )
                self._template_since = int(connection.execute(text(_NOW)).scalar_one())
        finally:
            engine.dispose()
        return _Template(fingerprint, tables, state, seeds, sequences, estimates)

    def acquire(self) -> str:
        with self._lock:
            if self._free:
                return self._free.pop()
        name = f"test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {self._template_name}"))
        return name

    def release(self, database: str) -> None:
        since = self._since.pop(database, self._template_since)
        renamed = self._detach(database)
        if renamed is None:
            self.outcomes["dropped: still in use"] += 1
            self._drop(database)
            return
        try:
            outcome = self._reset(renamed, since)
        except Exception as error:  # noqa: BLE001 - any doubt about the reset: not reused
            outcome = f"dropped: {type(error).__name__}: {error}"
        self.outcomes[outcome] += 1
        if outcome == "reused":
            with self._lock:
                self._free.append(renamed)
        else:
            self._drop(renamed)

    def _detach(self, database: str) -> str | None:
        """End every connection to the database and give it a new name, so that nothing the
        test left running (a bot process, a thread with a pool) can reconnect to it and write
        into the next test's data: its URL now names no database, as after the DROP this
        replaces. None when connections kept coming back."""
        renamed = f"test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            for _ in range(5):
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
                )
                try:
                    connection.execute(text(f"ALTER DATABASE {database} RENAME TO {renamed}"))
                except OperationalError:  # someone connected again in between
                    continue
                return renamed
        return None

    def _drop(self, database: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))

    def close(self) -> None:
        with self._lock:
            free, self._free = self._free, []
        for database in free:
            self._drop(database)
        self._admin.dispose()
        report = os.environ.get("KLIMANET_TEST_POOL_REPORT")
        if report:  # a file to append the outcomes to, to see how often databases are reused
            with open(report, "a", encoding="utf-8") as out:
                for outcome, count in sorted(self.outcomes.items()):
                    out.write(f"{count}\t{outcome}\n")

    def _reset(self, database: str, since: int) -> str:
        """Put the database back to the template's state: "reused", or why it cannot be.
        ``since``: a transaction id after which, unless a catalog row is newer, the schema is
        known to be the template's."""
        template = self._template
        engine = self._connect(database)
        try:
            with engine.connect() as connection:
                if connection.execute(text(_CATALOG_CHANGED), {"since": since}).scalar_one():
                    fingerprint = connection.execute(text(_SCHEMA_FINGERPRINT)).scalar_one()
                    if fingerprint != template.fingerprint:
                        return "dropped: schema changed"
                state = tuple(connection.execute(text(_state_query(template.tables))).one())
                dirty = [
                    table
                    for i, table in enumerate(template.tables)
                    if state[2 * i : 2 * i + 2] != template.state[2 * i : 2 * i + 2]
                ]
                if dirty:
                    self._empty(connection, dirty)
                    self._seed(connection, [t for t in dirty if t in template.seeds])
                self._restore_sequences(connection)
                self._restore_estimates(connection)
                state = tuple(connection.execute(text(_state_query(template.tables))).one())
                if state != template.state:
                    return "dropped: state differs"
                self._since[database] = int(connection.execute(text(_NOW)).scalar_one())
                return "reused"
        finally:
            engine.dispose()

    def _empty(self, connection: Connection, tables: list[str]) -> None:
        names = ", ".join(_quote(t) for t in tables)
        # Replica role: no foreign-key triggers, so the tables can be emptied in any order.
        connection.exec_driver_sql(
            "BEGIN; SET LOCAL session_replication_role = replica; "
            + "; ".join(f"DELETE FROM {_quote(t)}" for t in tables)
            + "; COMMIT"
        )
        connection.exec_driver_sql(f"VACUUM {names}")
        sizes = connection.execute(
            text("SELECT " + ", ".join(f"pg_relation_size('public.{_quote(t)}')" for t in tables))
        ).one()
        if any(sizes):
            raise RuntimeError("VACUUM did not truncate a table; the database is not reused")

    def _seed(self, connection: Connection, tables: list[str]) -> None:
        """The migrations' rows back, in the template's heap order (the heap is empty now)."""
        if not tables:
            return
        # No one else is connected: the rows may go in one by one, without foreign-key triggers.
        connection.exec_driver_sql("SET session_replication_role = replica")
        try:
            for table in tables:
                q = _quote(table)
                connection.execute(
                    text(
                        f"INSERT INTO {q} OVERRIDING SYSTEM VALUE SELECT * FROM "
                        f"json_populate_recordset(NULL::{q}, CAST(:rows AS json))"
                    ),
                    {"rows": self._template.seeds[table]},
                )
        finally:
            connection.exec_driver_sql("RESET session_replication_role")

    def _restore_sequences(self, connection: Connection) -> None:
        current = {
            name: (int(start), None if last is None else int(last))
            for name, start, last in connection.execute(text(_SEQUENCES))
        }
        for name, (start, last) in self._template.sequences.items():
            if current.get(name) == (start, last):
                continue
            if last is None:
                connection.execute(text("SELECT setval(:s, :v, false)"), {"s": name, "v": start})
            else:
                connection.execute(text("SELECT setval(:s, :v, true)"), {"s": name, "v": last})

    def _restore_estimates(self, connection: Connection) -> None:
        connection.execute(
            text(
                "DELETE FROM pg_statistic WHERE starelid IN "
                "(SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
            )
        )
        current = {
            name: (int(pages), float(tuples), int(visible))
            for name, pages, tuples, visible in connection.execute(text(_REL_ESTIMATES))
        }
        changed = [
            {"name": name, "pages": pages, "tuples": tuples, "visible": visible}
            for name, (pages, tuples, visible) in self._template.estimates.items()
            if current.get(name) != (pages, tuples, visible)
        ]
        if changed:
            connection.execute(text(_SET_ESTIMATES), {"rows": json.dumps(changed)})
