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


# The slowest tests (a `--durations` profile of the whole suite, slowest first) start first,
# so that under pytest-xdist the run does not end with one worker busy on a long test while
# the others are idle (pyproject's --maxschedchunk=1 spreads them over the workers). Only the
# order changes; a test missing here runs in its usual place. Tests that share a module-scoped
# fixture that is slow to set up (test_consent_races' worker processes) are left out.
SLOWEST_FIRST = (
    "tests/test_privacy_property.py::test_the_erased_person_is_nowhere_and_the_seat_rules_hold",
    "tests/test_seat_state_machine.py::TestSeats",
    "tests/test_platforms.py::test_the_console_platform_runs_reports_health_and_stops",
    "tests/test_recipients.py::test_recipients_follow_the_state_at_send_time",
    "tests/test_races.py::test_processes_register_into_one_municipality",
    "tests/test_polls.py::test_the_console_plays_a_poll_from_opening_to_result",
    "tests/test_run_modes.py::test_socket_mode_process_reports_health_and_metrics_and_stops_on_sigterm",
    "tests/test_vocabulary.py::test_every_reply_and_post_kind_through_every_renderer",
    "tests/test_hostile_text.py::test_member_text_never_becomes_a_link_mention_or_broadcast",
    "tests/test_polls.py::test_the_console_form_asks_again_what_it_refused",
    "tests/test_crash.py::test_one_of_two_replicas_killed_during_a_dm_fanout",
    "tests/test_substitutes.py::test_every_post_kind_renders_without_a_placeholder_left",
    "tests/test_properties.py::test_any_text_gets_an_answer_that_says_what_happened",
    "tests/test_crash.py::test_sigkill_mid_delivery_loses_nothing_and_doubles_nothing",
    "tests/test_crash.py::test_a_rolling_restart_with_sigterm_loses_and_doubles_nothing",
    "tests/test_succession.py::test_two_accepts_at_once_cannot_both_win",
    "tests/test_races.py::test_thirty_threads_register_into_one_municipality",
    "tests/test_run_modes.py::test_socket_mode_process_uses_the_configured_api_and_plain_ws",
    "tests/test_reports.py::test_importing_the_bot_and_the_reports_loads_no_plotting_or_spreadsheet_library",
    "tests/test_privacy.py::test_coming_back_after_erasure_is_a_new_person",
    "tests/test_run_modes.py::test_http_process_caps_bodies_and_refuses_replays",
    "tests/test_substitutes.py::test_the_coordinators_dms_show_who_comes_and_a_confirmation_counts",
    "tests/test_slack_consent.py::test_in_slack_a_colleague_takes_the_fixed_seat_the_coordinator_left",
    "tests/test_polls.py::test_every_poll_post_reaches_exactly_its_recipients",
    "tests/test_socket_mode.py::test_a_connection_that_dies_without_a_close_frame_is_replaced_within_15_seconds",
    "tests/test_privacy.py::test_a_former_facilitator_without_a_person_row_is_erased_from_meetings_and_posts",
    "tests/test_succession.py::test_a_facilitator_can_make_one_of_the_holders_the_coordinator",
    "tests/test_console.py::test_after_a_restart_waiting_requests_are_shown_and_answerable",
    "tests/test_chat_speed.py::test_a_handover_offer_reaches_the_colleague_at_chat_speed",
)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than there are cores. Part of the suite waits (spawned bots
    starting, real sockets, the few real sleeps a race or a timeout needs), and a worker that
    waits leaves its core idle; PYTEST_XDIST_AUTO_NUM_WORKERS still overrides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses != "auto":
        return None  # xdist's own answer
    return len(os.sched_getaffinity(0)) + 1


def _rank(nodeid: str) -> int:
    base = nodeid.split("[", 1)[0]
    for rank, prefix in enumerate(SLOWEST_FIRST):
        if base == prefix or base.startswith(prefix + "::"):
            return rank
    return len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: _rank(item.nodeid))  # stable: the rest keep their order
