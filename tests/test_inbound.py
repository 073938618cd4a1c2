"""The shared memory of inbound requests, on SQLite and PostgreSQL: once per key, across
"replicas" (separate engines on one database), and forgotten after Slack's window."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.clock import FixedClock
from bot.db import SessionFactory, make_engine, make_session_factory, transaction
from bot.models import InboundSeen
from bot.service.inbound import AlreadyActedOn, InboundMemory
from tests.conftest import START


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def memory(sessions: SessionFactory, clock: FixedClock) -> InboundMemory:
    return InboundMemory(sessions, clock)


def rows(sessions: SessionFactory) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboundSeen)) or 0)


def test_a_key_is_new_once(memory: InboundMemory) -> None:
    assert memory.first_time("sig:v0=abc")
    assert not memory.first_time("sig:v0=abc")
    assert memory.first_time("sig:v0=abd")
    assert memory.first_time("envelope:abc")  # the kinds of key do not collide


def test_old_keys_are_purged_and_may_come_again(
    memory: InboundMemory, sessions: SessionFactory, clock: FixedClock
) -> None:
    memory.first_time("event:Ev1")
    clock.advance(timedelta(minutes=4))
    memory.first_time("event:Ev2")
    assert not memory.first_time("event:Ev1")
    clock.advance(timedelta(minutes=2))  # Ev1 is 6 minutes old, Ev2 2 minutes
    assert memory.purge() == 1
    assert rows(sessions) == 1
    assert memory.first_time("event:Ev1")
    assert not memory.first_time("event:Ev2")


def test_purging_happens_on_insert_at_most_every_30_seconds(
    memory: InboundMemory, sessions: SessionFactory, clock: FixedClock
) -> None:
    memory.first_time("a")
    clock.advance(timedelta(minutes=6))
    memory.first_time("b")  # purges "a": the first insert of this memory purged at START
    assert rows(sessions) == 1
    clock.advance(timedelta(minutes=6))
    memory.first_time("c")  # 6 minutes since the last purge: purges "b"
    assert rows(sessions) == 1
    clock.advance(timedelta(seconds=10))
    memory.first_time("d")  # 10 s since the last purge: no purge, cheap insert only
    assert rows(sessions) == 2


def test_an_expired_key_not_purged_yet_counts_as_new(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    memory = InboundMemory(sessions, clock, purge_every=timedelta(days=1))
    assert memory.first_time("k")
    clock.advance(timedelta(minutes=5, seconds=1))
    assert memory.first_time("k")  # taken over, not purged
    assert not memory.first_time("k")


def test_a_signature_from_the_future_is_remembered_until_it_expires(
    memory: InboundMemory, clock: FixedClock
) -> None:
    # Slack's check accepts timestamps up to 5 minutes ahead of our clock, so the signature stays
    # valid until 10 minutes from now; the memory must last as long.
    assert memory.first_time("sig:x", valid_from=START + timedelta(minutes=5))
    clock.advance(timedelta(minutes=9))
    memory.purge()
    assert not memory.first_time("sig:x", valid_from=START + timedelta(minutes=5))


def test_long_keys_are_hashed_not_truncated(memory: InboundMemory) -> None:
    prefix = "x" * 250
    assert memory.first_time(prefix + "1")
    assert memory.first_time(prefix + "2")
    assert not memory.first_time(prefix + "1")


@pytest.fixture
def replicas(database_url: str, engine: Engine) -> Iterator[list[InboundMemory]]:
    """Four memories on four engines: what four replicas of the bot have."""
    engines = [make_engine(database_url) for _ in range(4)]
    yield [InboundMemory(make_session_factory(e), FixedClock(START)) for e in engines]
    for e in engines:
        e.dispose()


def test_replicas_racing_on_one_key_have_one_winner(replicas: list[InboundMemory]) -> None:
    for round_number in range(10):
        key = f"sig:race-{round_number}"
        barrier = threading.Barrier(len(replicas) * 2)

        def claim(
            memory: InboundMemory, key: str = key, barrier: threading.Barrier = barrier
        ) -> bool:
            barrier.wait()
            return memory.first_time(key)

        with ThreadPoolExecutor(len(replicas) * 2) as pool:
            results = list(pool.map(claim, [m for m in replicas for _ in (1, 2)]))
        assert sorted(results) == [False] * (len(results) - 1) + [True]


# -- remembered in the transaction that acts --------------------------------------------------


def test_a_key_is_remembered_with_the_action_and_a_replay_writes_nothing(
    memory: InboundMemory, sessions: SessionFactory
) -> None:
    from sqlalchemy import insert

    def act(once_key: str) -> None:
        with transaction(sessions) as session:
            memory.once(once_key).remember(session)
            # The action's own write (any row would do; this table needs no other rows).
            session.execute(insert(InboundSeen).values(key="effect:" + once_key, seen_at=START))

    act("sig:one")
    with pytest.raises(AlreadyActedOn):
        act("sig:one")
    assert rows(sessions) == 2  # the key and its effect, once


def test_a_rolled_back_action_leaves_no_key(
    memory: InboundMemory, sessions: SessionFactory
) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        memory.once("sig:two").remember(session)
        raise RuntimeError("the action failed")
    assert rows(sessions) == 0
    assert memory.first_time("sig:two")


def test_the_runner_remembers_a_request_once_across_its_transactions(
    memory: InboundMemory, sessions: SessionFactory
) -> None:
    from bot.service.context import TransactionRunner

    run = TransactionRunner(sessions, "klimanet")
    with memory.once("sig:three"):
        run(lambda s, n: None)
        run(lambda s, n: None)  # a second transaction of the same call: no second insert
    assert rows(sessions) == 1
    with pytest.raises(AlreadyActedOn), memory.once("sig:three"):
        run(lambda s, n: None)
    run(lambda s, n: None)  # outside a request: nothing remembered
    assert rows(sessions) == 1
