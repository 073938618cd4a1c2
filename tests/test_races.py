"""Seat races with real concurrency: threads on both engines, processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.synchronize import Event as EventType

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.domain.errors import ErrorKind
from bot.domain.municipalities import default_directory
from bot.models import Person, Seat, SeatEvent
from bot.replies import Reply, Result, ResultKind
from bot.service.klimanet import Klimanet, ServiceSettings
from tests.support.actors import person
from tests.support.service import checked, outcome

PEOPLE = 30


def assert_rule_held(sessions: SessionFactory, answers: list[Result]) -> None:
    kinds = Counter(a.error or a.kind for a in answers)
    assert kinds == {ResultKind.REGISTERED: 3, ErrorKind.MUNICIPALITY_FULL: len(answers) - 3}, kinds
    with sessions() as session:
        held = session.execute(
            select(Seat.kind, func.count()).where(Seat.holder_id.is_not(None)).group_by(Seat.kind)
        ).all()
        assert dict(held) == {"fixed": 1, "flexible": 2}
        # Nothing half-written: no person rows for the losers, one history row per winner.
        assert session.scalar(select(func.count()).select_from(Person)) == 3
        assert session.scalar(select(func.count()).select_from(SeatEvent)) == 3


def test_thirty_threads_register_into_one_municipality(
    service: Klimanet, sessions: SessionFactory
) -> None:
    barrier = threading.Barrier(PEOPLE)

    def attempt(n: int) -> Result:
        who = person(n)
        barrier.wait()
        reply = checked(service.command(who, "tilmeld Aarhus"))
        assert reply.result is not None
        return reply.result

    with ThreadPoolExecutor(PEOPLE) as pool:
        answers = list(pool.map(attempt, range(PEOPLE)))
    assert_rule_held(sessions, answers)


def test_one_person_double_submits_from_many_threads(
    service: Klimanet, sessions: SessionFactory
) -> None:
    """A double click or a retried request, many times at once: one seat, the rest told so."""
    barrier = threading.Barrier(10)
    who = person(1)

    def attempt(_: int) -> ResultKind | ErrorKind:
        barrier.wait()
        return outcome(checked(service.command(who, "tilmeld Odense")))

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(attempt, range(10)))
    kinds = Counter(answers)
    assert kinds == {ResultKind.REGISTERED: 1, ErrorKind.ALREADY_REGISTERED: 9}, kinds
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Seat.holder_id.is_not(None))) == 1


def _register_in_process(url: str, first: int, count: int, go: EventType) -> list[Result]:
    engine = make_engine(url)
    service = Klimanet(
        make_session_factory(engine),
        default_directory(),
        SystemClock(),
        settings=ServiceSettings(registration="open"),
    )
    go.wait(30)
    answers = []
    for n in range(first, first + count):
        reply = service.command(person(n), "tilmeld Aarhus")
        assert isinstance(reply, Reply) and reply.result is not None, reply
        answers.append(reply.result)
    engine.dispose()
    return answers


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_processes_register_into_one_municipality(
    database_url: str, sessions: SessionFactory
) -> None:
    processes, per_process = 6, 5
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        go = manager.Event()
        with context.Pool(processes) as pool:
            pending = [
                pool.apply_async(
                    _register_in_process, (database_url, p * per_process, per_process, go)
                )
                for p in range(processes)
            ]
            go.set()
            answers = [a for result in pending for a in result.get(timeout=120)]
    assert len(answers) == processes * per_process
    assert_rule_held(sessions, answers)
