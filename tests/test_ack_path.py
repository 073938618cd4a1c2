"""The ack path touches no database: a request is acknowledged without a statement on the threads
that ack it, and while another connection holds the database's write lock; the replay memory
lives in the transaction that acts, and refuses a replay on another replica once acted on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import delete, event, func, select, text

from bot.clock import FixedClock
from bot.db import make_engine, transaction
from bot.domain.meetings import MeetingDraft, create_meeting
from bot.domain.registration import get_network
from bot.models import (
    Attendance,
    InboundSeen,
    MeetingFormat,
    NetworkTheme,
    NewsPost,
    OutboxMessage,
    Person,
    Poll,
    Seat,
)
from bot.posts.kinds import PostKind
from tests.support.fake_slack import FakeSlack
from tests.support.logs import wait_for_message
from tests.support.slackbot import ADMIN, SlackBot, running_bot

ANNA, BO = "U0ANNA", "U0BO"
# The threads that take a request off the wire and run Bolt's listeners up to ack(): waitress's
# workers and Bolt's listener pool (bot.runtime names it "listener").
ACK_THREADS = ("waitress", "listener")
REPLAYED = "ignored a replayed request (its signature was already seen)"
# Far above a loaded CI machine's ack, far below SQLite's 30 s busy timeout.
FAST_ACK_S = 2.0


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Hansen")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def count(bot: SlackBot, model: Any, *where: Any) -> int:
    with bot.runtime.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_no_statement_runs_on_the_threads_that_ack(bot: SlackBot) -> None:
    threads: list[str] = []

    def record(*_: object) -> None:
        threads.append(threading.current_thread().name)

    engine = bot.runtime.core.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        bot.command(ANNA, "tilmeld Aarhus")  # a command that writes
        ask = bot.command(ANNA, "afmeld")  # one that reads, and a click that writes
        message = {
            "ts": "1700000000.000001",
            "text": ask.args["text"],
            "blocks": ask.args["blocks"],
        }
        bot.click(ANNA, "release_confirm", message, "C0NET")
        home = {"type": "app_home_opened", "user": ANNA, "channel": "D0ANNA", "tab": "home"}
        assert bot.driver.event(home, event_id="Ev0ACKPATH").status_code == 200
        bot.fake.wait_for("views.publish")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    on_ack_threads = [name for name in threads if name.startswith(ACK_THREADS)]
    assert threads, "the hook saw no statement at all"
    assert on_ack_threads == []
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 0  # the click was acted on


def _hold_the_write_lock(database_url: str) -> Iterator[None]:
    """Another connection that holds what every worker's write waits for."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE inbound_seen IN ACCESS EXCLUSIVE MODE"))
            # SQLite: the engine began this transaction with BEGIN IMMEDIATE, the write lock.
            connection.execute(text("SELECT count(*) FROM inbound_seen"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


def test_acks_return_while_another_connection_holds_the_write_lock(
    bot: SlackBot, database_url: str
) -> None:
    bot.command(ADMIN, "hjælp")  # connections and caches warm
    locker = _hold_the_write_lock(database_url)
    next(locker)
    try:
        acks: list[float] = []
        for user in (ANNA, BO, ADMIN):
            started = time.monotonic()
            response = bot.driver.command(user, "tilmeld Aarhus fleksibel")
            acks.append(time.monotonic() - started)
            assert response.status_code == 200
        assert max(acks) < FAST_ACK_S, acks
        time.sleep(0.3)
        assert len(bot.fake.calls("response_url")) == 1  # the work waits for the lock
    finally:
        next(locker, None)
    answers = bot.fake.wait_for("response_url", count=4)
    assert sum("Du er tilmeldt" in str(a.args.get("text")) for a in answers[1:]) == 2
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 2  # two flexible seats


def test_a_replay_to_another_replica_after_the_first_acted_is_refused(
    database_url: str, fake: FakeSlack, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    with (
        running_bot(database_url, fake, clock) as one,
        running_bot(database_url, fake, clock) as two,
    ):
        first = one.driver.command(ADMIN, "nyt Regeringens klimaplan er ude")
        assert first.status_code == 200
        fake.wait_for("response_url", count=1)
        assert count(one, NewsPost) == 1
        # The captured request, bytes and signature, sent to the other replica's URL.
        replay = first.request.copy()
        replay.prepare_url(two.driver.url, None)
        assert requests.Session().send(replay, timeout=10).status_code == 200
        wait_for_message(caplog, REPLAYED)
        # A later request to that replica is acted on, so the replay would have been by now.
        two.command(BO, "hjælp")
        assert count(two, NewsPost) == 1
        assert len(fake.calls("response_url")) == 2


def test_a_request_whose_action_failed_is_not_remembered(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    assert count(bot, InboundSeen) == 1
    # Refused by the domain inside the acting transaction: rolled back, its key with it.
    again = bot.command(ANNA, "tilmeld Aarhus")
    assert "allerede tilmeldt" in str(again.args["text"])
    assert count(bot, InboundSeen) == 1
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 1


def _meeting_in_two_weeks(bot: SlackBot, clock: FixedClock) -> int:
    with transaction(bot.runtime.core.sessions) as session:
        network = get_network(session, "klimanet")
        starts = clock.now() + timedelta(days=14)
        draft = MeetingDraft(
            title="Netværksmøde",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            format=MeetingFormat.ONLINE,
            link="https://meet.example/1",
        )
        return create_meeting(session, network, draft, ADMIN, clock.now()).id


def _homes_due_after(bot: SlackBot, moment: datetime) -> set[str]:
    with bot.runtime.core.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.kind == PostKind.HOME, OutboxMessage.due_at > moment
            )
        )
        return set(rows)


@pytest.mark.parametrize("answer", ["attend_yes", "attend_no"])
def test_a_still_coming_click_is_acked_without_sql_and_refreshes_the_municipalitys_homes(
    bot: SlackBot, clock: FixedClock, answer: str
) -> None:
    """The click burst's answer: nothing on the ack threads; the answer, and the Homes of the
    municipality's seat holders (and the facilitators) planned, as for any attendance change."""
    bot.command(ANNA, "tilmeld Aarhus")
    bot.command(BO, "tilmeld Aarhus")
    meeting_id = _meeting_in_two_weeks(bot, clock)
    clock.advance(timedelta(minutes=1))  # past the registrations' refresh window
    before = clock.now()
    threads: list[str] = []
    engine = bot.runtime.core.engine
    record = lambda *_: threads.append(threading.current_thread().name)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        answers = len(bot.fake.calls("response_url"))
        assert bot.driver.block_action(BO, answer, str(meeting_id)).status_code == 200
        reply = bot.fake.wait_for("response_url", count=answers + 1)[answers]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert threads, "the hook saw no statement at all"
    assert [name for name in threads if name.startswith(ACK_THREADS)] == []
    expected = "Tak, vi ses" if answer == "attend_yes" else "dit afbud er noteret"
    assert expected in str(reply.args["text"])
    assert {ANNA, BO, ADMIN} <= _homes_due_after(bot, before)
    with bot.runtime.core.sessions() as session:
        status = session.scalar(
            select(Attendance.status).where(Attendance.meeting_id == meeting_id)
        )
    assert status == ("confirmed" if answer == "attend_yes" else "declined")


def test_a_registration_form_is_acked_without_sql_and_registered_after(bot: SlackBot) -> None:
    from tests.support.slack_driver import state_value_static

    bot.driver.command(ANNA, "tilmeld")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    threads: list[str] = []

    def record(*_: object) -> None:
        threads.append(threading.current_thread().name)

    engine = bot.runtime.core.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        # A field that is wrong without asking the database is answered in the ack.
        unknown = {"municipality": {"value": state_value_static("999", "Ukendt")}}
        refused = bot.driver.view_submission(ANNA, view, unknown).json()
        assert refused["response_action"] == "errors" and "municipality" in refused["errors"]
        good = {"municipality": {"value": state_value_static("751", "Aarhus")}}
        ack = bot.driver.view_submission(ANNA, view, good).json()
        assert ack["response_action"] == "update"
        updated = bot.fake.wait_for("views.update", ok=True)[0].args
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Du er tilmeldt" in str(updated["view"])
    assert threads, "the hook saw no statement at all"
    assert [name for name in threads if name.startswith(ACK_THREADS)] == []
    assert count(bot, Seat, Seat.holder_id.is_not(None)) == 1


def _statements_on_ack_threads(bot: SlackBot) -> tuple[list[str], Any]:
    """Record the thread of every statement; returns the list and the hook to remove."""
    threads: list[str] = []

    def record(*_: object) -> None:
        threads.append(threading.current_thread().name)

    event.listen(bot.runtime.core.engine, "before_cursor_execute", record)
    return threads, record


def test_the_poll_form_is_checked_in_the_ack_without_sql_and_opened_after(
    bot: SlackBot, clock: FixedClock
) -> None:
    from tests.support.slack_driver import (
        state_value_datepicker,
        state_value_plain,
        state_value_timepicker,
    )

    assert bot.driver.command(ADMIN, "afstemning opret").status_code == 200
    view = bot.fake.wait_for("views.open")[0].args["view"]
    closes = (clock.now() + timedelta(days=7)).date().isoformat()
    good = {
        "poll_question": {"value": state_value_plain("Hvilket tema?")},
        "poll_options": {"value": state_value_plain("Affald\nMobilitet")},
        "poll_date": {"value": state_value_datepicker(closes)},
        "poll_time": {"value": state_value_timepicker("12:00")},
    }
    threads, record = _statements_on_ack_threads(bot)
    try:
        one = {**good, "poll_options": {"value": state_value_plain("Affald")}}
        refused = bot.driver.view_submission(ADMIN, view, one).json()
        assert refused["response_action"] == "errors" and list(refused["errors"]) == [
            "poll_options"
        ]
        # Who may open a poll is the database's: a member's submission is refused after the ack.
        assert bot.driver.view_submission(ANNA, view, good).json()["response_action"] == "update"
        not_facilitator = bot.fake.wait_for("views.update", ok=True)[0].args["view"]
        assert bot.driver.command(ADMIN, "afstemning opret").status_code == 200
        view = bot.fake.wait_for("views.open", count=2)[1].args["view"]
        assert bot.driver.view_submission(ADMIN, view, good).json()["response_action"] == "update"
        opened = bot.fake.wait_for("views.update", count=2, ok=True)[1].args["view"]
    finally:
        event.remove(bot.runtime.core.engine, "before_cursor_execute", record)
    assert threads, "the hook saw no statement at all"
    assert [name for name in threads if name.startswith(ACK_THREADS)] == []
    assert not_facilitator["title"]["text"] == "Ikke oprettet"
    assert opened["title"]["text"] == "Afstemning oprettet"
    assert count(bot, Poll) == 1


def test_the_themes_form_is_checked_in_the_ack_without_sql_and_saved_after(
    bot: SlackBot,
) -> None:
    from tests.support.slack_driver import state_value_multi_static

    bot.command(ANNA, "tilmeld Aarhus")
    bot.driver.block_action(ANNA, "home_themes", "themes")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    threads, record = _statements_on_ack_threads(bot)
    try:
        # A value the form did not offer: refused in the ack, next to the field.
        forged = {"themes": {"value": state_value_multi_static([("Madspild", "Madspild")])}}
        refused = bot.driver.view_submission(ANNA, view, forged).json()
        assert refused["response_action"] == "errors" and "Affald" in refused["errors"]["themes"]
        chosen = {"themes": {"value": state_value_multi_static([("Affald", "Affald")])}}
        assert bot.driver.view_submission(ANNA, view, chosen).json()["response_action"] == "update"
        saved = bot.fake.wait_for("views.update", ok=True)[0].args["view"]
    finally:
        event.remove(bot.runtime.core.engine, "before_cursor_execute", record)
    assert threads, "the hook saw no statement at all"
    assert [name for name in threads if name.startswith(ACK_THREADS)] == []
    assert saved["title"]["text"] == "Fagområder gemt"
    assert _themes_of(bot, ANNA) == ["Affald"]

    # Taken off the network's list after the form was opened: the ack cannot know; the modal
    # then says it was not saved, and nothing changed.
    bot.driver.block_action(ANNA, "home_themes", "themes")
    view = bot.fake.wait_for("views.open", count=2)[1].args["view"]
    with transaction(bot.runtime.core.sessions) as session:
        session.execute(delete(NetworkTheme).where(NetworkTheme.name == "Mobilitet"))
    chosen = {"themes": {"value": state_value_multi_static([("Mobilitet", "Mobilitet")])}}
    assert bot.driver.view_submission(ANNA, view, chosen).json()["response_action"] == "update"
    not_saved = bot.fake.wait_for("views.update", count=2, ok=True)[1].args["view"]
    assert not_saved["title"]["text"] == "Fagområder ikke gemt"
    assert _themes_of(bot, ANNA) == ["Affald"]


def _themes_of(bot: SlackBot, user_id: str) -> list[str]:
    with bot.runtime.core.sessions() as session:
        themes = session.scalar(select(Person.themes).where(Person.account == user_id))
    return list(themes or [])
