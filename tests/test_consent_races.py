"""Consent races with real concurrency: double clicks, an accept racing a withdraw, two offers
racing for one seat or one person, two approvers deciding at once. Threads on both engines,
processes on PostgreSQL. Every answer must be a clear Danish sentence and the rules must hold
afterwards."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.managers import SyncManager
from multiprocessing.pool import Pool
from threading import Barrier as BarrierType

import pytest
from sqlalchemy import Executable, event, func, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.db import SessionFactory, make_engine, make_session_factory, rows_affected
from bot.domain.errors import ErrorKind
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.domain.seats import admin as seats_admin
from bot.domain.seats import answers as seat_answers
from bot.domain.seats import approvals as seat_approvals
from bot.models import (
    OfferStatus,
    OutboxMessage,
    Person,
    Seat,
    SeatOffer,
    SeatRequest,
)
from bot.replies import Reply, ResultKind
from bot.service.klimanet import Klimanet
from tests.conftest import START
from tests.support.actors import FACILITATOR, PLATFORM, mention, named
from tests.support.seats import (
    AARHUS,
    events,
    history,
    holder,
    latest,
    offer_status,
    pending_offer_to,
    request_status,
)
from tests.support.service import checked, done, is_closed, new_service, outcome, say

ANNA, BO, CARL, DORTE, EVA, FRODE = (
    named(name) for name in ("Anna", "Bo", "Carl", "Dorte", "Eva", "Frode")
)


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock)


@pytest.fixture
def approvals(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock, registration="approval")


def race(*calls: Callable[[], object]) -> list[Reply]:
    """Run the calls on their own threads, released together; their replies in order. An
    exception in any of them is a finding: the test fails with all of them."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - reported with the other answers below
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        outcomes = list(pool.map(run, calls))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    return [checked(o) for o in outcomes]


def command(service: Klimanet, actor: Actor, text: str) -> Callable[[], object]:
    return lambda: service.command(actor, text)


def clicking(service: Klimanet, actor: Actor, action: str, value: int) -> Callable[[], object]:
    return lambda: service.click(actor, action, str(value))


def offer_to(sessions: SessionFactory, actor: Actor) -> int:
    offer_id = pending_offer_to(sessions, actor)
    assert offer_id is not None, actor
    return offer_id


def count(replies: list[Reply], what: ResultKind | ErrorKind) -> int:
    return sum(outcome(r) is what for r in replies)


def count_closed(replies: list[Reply], status: str, *, offer: bool = True) -> int:
    return sum(is_closed(r, status, offer=offer) for r in replies)


def assert_invariants(sessions: SessionFactory) -> None:
    """≤1 fixed and ≤2 flexible seats held per municipality, one seat per person, at most one
    open offer per person and per seat, at most one pending request per seat."""
    with sessions() as session:
        held = session.execute(
            select(Seat.municipality_code, Seat.kind, func.count(Seat.holder_id)).group_by(
                Seat.municipality_code, Seat.kind
            )
        ).all()
        for code, kind, count in held:
            assert count <= (1 if kind == "fixed" else 2), (code, kind, count)
        holders = list(session.scalars(select(Seat.holder_id).where(Seat.holder_id.is_not(None))))
        assert len(holders) == len(set(holders)), holders
        open_offers = session.execute(
            select(SeatOffer.to_person_id, SeatOffer.seat_id, SeatOffer.scope).where(
                SeatOffer.status == OfferStatus.PENDING.value
            )
        ).all()
        targets = [o.to_person_id for o in open_offers]
        assert len(targets) == len(set(targets)), open_offers
        scopes = [(o.seat_id, o.scope) for o in open_offers]
        assert len(scopes) == len(set(scopes)), open_offers
        requests = list(
            session.scalars(select(SeatRequest.seat_id).where(SeatRequest.status == "pending"))
        )
        assert len(requests) == len(set(requests)), requests


# -- two accepts of one offer -------------------------------------------------------------------

CLICKS = 4
# (municipality, code, offerer, target)
HANDOVERS = [("Aarhus", 751, ANNA, CARL), ("Odense", 461, BO, DORTE), ("Vejle", 630, EVA, FRODE)]


def test_double_accept_from_many_threads(klimanet: Klimanet, sessions: SessionFactory) -> None:
    for municipality, code, offerer, target in HANDOVERS:
        say(klimanet, offerer, f"tilmeld {municipality}")
        sent = say(klimanet, offerer, f"overdrag {mention(target)}")
        offer_id = done(sent, ResultKind.OFFER_SENT)["offer"]
        assert offer_id == offer_to(sessions, target)

        answers = race(
            *(clicking(klimanet, target, "offer_accept", offer_id) for _ in range(CLICKS))
        )
        assert count(answers, ResultKind.OFFER_ACCEPTED) == 1, answers
        assert count_closed(answers, "accepted") == CLICKS - 1, answers
        assert holder(sessions, code, "fixed", 1) == target.user_id
        assert offer_status(sessions, offer_id) == "accepted"
        assert events(sessions, "handed_over", offer_id=offer_id) == 1
        with sessions() as session:
            results = session.scalar(
                select(func.count()).where(OutboxMessage.key.like(f"offer_result:{offer_id}:%"))
            )
            assert results == 1
    assert_invariants(sessions)


def _click_in_process(
    url: str, start_at: datetime, user_id: str, action: str, value: str, go: BarrierType
) -> Reply | str:
    engine = make_engine(url)
    service = Klimanet(make_session_factory(engine), default_directory(), FixedClock(start_at))
    go.wait(60)  # every process is up before any clicks
    try:
        return service.click(Actor("T0001", user_id, user_id, platform=PLATFORM), action, value)
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        return f"EXCEPTION {type(error).__name__}: {error}"
    finally:
        engine.dispose()


WORKERS = 4


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    """Worker processes (spawned, like separate bot replicas), shared by this module's tests:
    starting Python with the bot's imports is the slow part."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(WORKERS) as pool:
        yield Workers(pool, manager)


@dataclass
class Workers:
    pool: Pool
    manager: SyncManager

    def click(self, database_url: str, clicks: list[tuple[str, str, str]]) -> list[Reply]:
        """Each (user id, action, value) clicked in its own process, all released together."""
        assert len(clicks) <= WORKERS  # more would wait at the barrier for a free worker forever
        go = self.manager.Barrier(len(clicks))
        pending = [
            self.pool.apply_async(_click_in_process, (database_url, START, *click, go))
            for click in clicks
        ]
        answers = [result.get(timeout=120) for result in pending]
        assert all(isinstance(a, Reply) for a in answers), answers
        return [checked(a) for a in answers]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_double_accept_from_processes(
    database_url: str, klimanet: Klimanet, sessions: SessionFactory, workers: Workers
) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, ANNA, f"overdrag {mention(CARL)}")
    offer_id = offer_to(sessions, CARL)
    # Meanwhile Anna, in another process, withdraws: one of the four wins, all agree on which.
    answers = workers.click(
        database_url,
        [(CARL.user_id, "offer_accept", str(offer_id))] * 3
        + [(ANNA.user_id, "offer_withdraw", str(offer_id))],
    )
    accepts, withdraw = answers[:3], answers[3]
    status = offer_status(sessions, offer_id)
    if status == "accepted":
        assert count(accepts, ResultKind.OFFER_ACCEPTED) == 1, answers
        assert count_closed(accepts, "accepted") == 2, answers
        assert is_closed(withdraw, "accepted"), answers
        assert holder(sessions, AARHUS, "fixed", 1) == CARL.user_id
        assert events(sessions, "handed_over", offer_id=offer_id) == 1
    else:
        assert status == "withdrawn", status
        done(withdraw, ResultKind.OFFER_WITHDRAWN, offer=offer_id)
        assert count_closed(accepts, "withdrawn") == 3, answers
        assert holder(sessions, AARHUS, "fixed", 1) == ANNA.user_id
        assert events(sessions, "handed_over") == 0
    assert_invariants(sessions)


# -- accept against withdraw ----------------------------------------------------------------------


def test_accept_races_withdraw(klimanet: Klimanet, sessions: SessionFactory) -> None:
    outcomes = []
    for municipality, code, offerer, target in HANDOVERS:
        say(klimanet, offerer, f"tilmeld {municipality}")
        say(klimanet, offerer, f"overdrag {mention(target)}")
        offer_id = offer_to(sessions, target)
        accept, withdraw = race(
            clicking(klimanet, target, "offer_accept", offer_id),
            clicking(klimanet, offerer, "offer_withdraw", offer_id),
        )
        status = offer_status(sessions, offer_id)
        outcomes.append(status)
        if status == "accepted":
            done(accept, ResultKind.OFFER_ACCEPTED, offer=offer_id)
            assert is_closed(withdraw, "accepted"), (accept, withdraw)
            assert holder(sessions, code, "fixed", 1) == target.user_id
            assert events(sessions, "handed_over", offer_id=offer_id) == 1
        else:
            assert status == "withdrawn", status
            assert is_closed(accept, "withdrawn"), (accept, withdraw)
            done(withdraw, ResultKind.OFFER_WITHDRAWN, offer=offer_id)
            assert holder(sessions, code, "fixed", 1) == offerer.user_id
            assert events(sessions, "handed_over", offer_id=offer_id) == 0
        assert events(sessions, "withdrawn", offer_id=offer_id) == (status == "withdrawn")
    assert_invariants(sessions)


# -- two offers at once ---------------------------------------------------------------------------


def test_one_seat_offered_to_two_people_at_once(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    first, second = race(
        command(klimanet, ANNA, f"overdrag {mention(CARL)}"),
        command(klimanet, ANNA, f"overdrag {mention(DORTE)}"),
    )
    outcomes = sorted([outcome(first), outcome(second)])
    assert outcomes == sorted([ResultKind.OFFER_SENT, ErrorKind.OFFER_PENDING_FOR_SEAT]), outcomes
    winner = first if outcome(first) is ResultKind.OFFER_SENT else second
    assert done(winner, ResultKind.OFFER_SENT)["offer"] == latest(sessions, SeatOffer)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SeatOffer)) == 1
        assert session.scalar(select(func.count()).where(OutboxMessage.kind == "offer")) == 1
    assert events(sessions, "offered") == 1
    assert_invariants(sessions)


def test_one_person_offered_two_seats_at_once(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Odense")
    say(klimanet, EVA, "tilmeld Vejle")
    answers = race(
        command(klimanet, ANNA, f"overdrag {mention(CARL)}"),
        command(klimanet, BO, f"overdrag {mention(CARL)}"),
        command(klimanet, EVA, f"overdrag {mention(CARL)}"),
    )
    assert count(answers, ResultKind.OFFER_SENT) == 1, answers
    assert count(answers, ErrorKind.OFFER_PENDING_TO_TARGET) == 2, answers
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SeatOffer)) == 1
    assert events(sessions, "offered") == 1
    # The one offer can be accepted, and only the seat it names moves.
    offer_id = offer_to(sessions, CARL)
    accepted = klimanet.click(CARL, "offer_accept", str(offer_id))
    done(accepted, ResultKind.OFFER_ACCEPTED, offer=offer_id)
    assert [holder(sessions, code, "fixed", 1) for code in (751, 461, 630)].count(CARL.user_id) == 1
    assert_invariants(sessions)


# -- two approvers at once ------------------------------------------------------------------------


def _approved_coordinator(approvals: Klimanet, sessions: SessionFactory) -> None:
    request_id = applied(approvals, sessions, ANNA, "facilitator")
    approved = approvals.click(FACILITATOR, "request_approve", str(request_id))
    done(approved, ResultKind.REQUEST_APPROVED, request=request_id)


def applied(approvals: Klimanet, sessions: SessionFactory, actor: Actor, approver: str) -> int:
    """``actor`` registers in Aarhus; the request waits for ``approver``. Its id."""
    request_id = done(say(approvals, actor, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)[
        "request"
    ]
    assert request_id == latest(sessions, SeatRequest)
    with sessions() as session:
        request = session.get(SeatRequest, request_id)
        assert request is not None and request.approver == approver, request
    return request_id


def test_coordinator_approves_while_a_facilitator_rejects(
    approvals: Klimanet, sessions: SessionFactory
) -> None:
    _approved_coordinator(approvals, sessions)
    for round_, applicant in enumerate((BO, CARL), start=2):
        request_id = applied(approvals, sessions, applicant, "coordinator")
        approve, reject = race(
            clicking(approvals, ANNA, "request_approve", request_id),
            clicking(approvals, FACILITATOR, "request_reject", request_id),
        )
        status = request_status(sessions, request_id)
        with sessions() as session:
            request = session.get(SeatRequest, request_id)
            assert request is not None
            seat = session.get(Seat, request.seat_id)
            assert seat is not None
        if status == "approved":
            done(approve, ResultKind.REQUEST_APPROVED, request=request_id)
            assert is_closed(reject, "approved", offer=False), (approve, reject)
            assert seat.status == "held"
            assert holder(sessions, 751, seat.kind, seat.slot) == applicant.user_id
        else:
            assert status == "rejected", status
            done(reject, ResultKind.REQUEST_REJECTED, request=request_id)
            assert is_closed(approve, "rejected", offer=False), (approve, reject)
            assert seat.holder_id is None
        assert events(sessions, "approved") + events(sessions, "rejected") == round_
    assert_invariants(sessions)


def test_two_approvals_at_once(approvals: Klimanet, sessions: SessionFactory) -> None:
    _approved_coordinator(approvals, sessions)
    request_id = applied(approvals, sessions, BO, "coordinator")
    answers = race(
        clicking(approvals, ANNA, "request_approve", request_id),
        clicking(approvals, FACILITATOR, "request_approve", request_id),
        clicking(approvals, ANNA, "request_approve", request_id),
    )
    assert count(answers, ResultKind.REQUEST_APPROVED) == 1, answers
    assert count_closed(answers, "approved", offer=False) == 2, answers
    assert request_status(sessions, request_id) == "approved"
    assert events(sessions, "approved") == 2  # Anna's, then Bo's once
    with sessions() as session:
        assert (
            session.scalar(
                select(func.count()).where(OutboxMessage.key == f"approval_result:{request_id}")
            )
            == 1
        )
    assert holder(sessions, 751, "flexible", 1) == BO.user_id
    assert_invariants(sessions)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_approvers_in_processes(
    database_url: str, approvals: Klimanet, sessions: SessionFactory, workers: Workers
) -> None:
    _approved_coordinator(approvals, sessions)
    request_id = str(applied(approvals, sessions, BO, "coordinator"))
    answers = workers.click(
        database_url,
        [
            (ANNA.user_id, "request_approve", request_id),
            (FACILITATOR.user_id, "request_reject", request_id),
            (ANNA.user_id, "request_approve", request_id),
            (FACILITATOR.user_id, "request_approve", request_id),
        ],
    )
    status = request_status(sessions, int(request_id))
    decision = ResultKind.REQUEST_APPROVED if status == "approved" else ResultKind.REQUEST_REJECTED
    assert count(answers, decision) == 1, answers
    assert count_closed(answers, status, offer=False) == 3, answers
    expected = BO.user_id if status == "approved" else None
    assert holder(sessions, 751, "flexible", 1) == expected
    assert_invariants(sessions)


# -- lockstep on PostgreSQL -----------------------------------------------------------------------
# Free-running threads often finish one after the other. Here every thread is held inside its
# transaction, after its reads and right before its first conditional UPDATE (or its INSERT of
# an offer), until all are there: each has seen the same "pending" state, so the database's
# row locks and partial unique indexes alone must decide. (SQLite's BEGIN IMMEDIATE admits one
# writer at a time, so this interleaving cannot happen there.)


@contextmanager
def lockstep(parties: int, *, at: str = "update") -> Iterator[None]:
    barrier = threading.Barrier(parties, timeout=10)
    seen = threading.local()

    def hold() -> None:
        if not getattr(seen, "held", False):  # once per thread: retries run free
            seen.held = True
            barrier.wait()

    if at == "update":

        def held_update(session: Session, statement: Executable) -> int:
            hold()
            return rows_affected(session, statement)

        with pytest.MonkeyPatch.context() as patch:
            for module in (seat_answers, seat_approvals):
                patch.setattr(module, "rows_affected", held_update)
            yield
    else:

        def held_insert(*_: object) -> None:
            hold()

        event.listen(SeatOffer, "before_insert", held_insert)
        try:
            yield
        finally:
            event.remove(SeatOffer, "before_insert", held_insert)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_lockstep_double_accept(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, ANNA, f"overdrag {mention(CARL)}")
    offer_id = offer_to(sessions, CARL)
    with lockstep(3):
        answers = race(*(clicking(klimanet, CARL, "offer_accept", offer_id) for _ in range(3)))
    assert count(answers, ResultKind.OFFER_ACCEPTED) == 1, answers
    assert count_closed(answers, "accepted") == 2, answers
    assert holder(sessions, 751, "fixed", 1) == CARL.user_id
    assert events(sessions, "handed_over", offer_id=offer_id) == 1
    assert_invariants(sessions)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_lockstep_accept_against_withdraw(klimanet: Klimanet, sessions: SessionFactory) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, ANNA, f"overdrag {mention(CARL)}")
    offer_id = offer_to(sessions, CARL)
    with lockstep(2):
        accept, withdraw = race(
            clicking(klimanet, CARL, "offer_accept", offer_id),
            clicking(klimanet, ANNA, "offer_withdraw", offer_id),
        )
    status = offer_status(sessions, offer_id)
    if status == "accepted":
        done(accept, ResultKind.OFFER_ACCEPTED, offer=offer_id)
        assert is_closed(withdraw, "accepted"), (accept, withdraw)
        assert holder(sessions, 751, "fixed", 1) == CARL.user_id
    else:
        assert status == "withdrawn", status
        assert is_closed(accept, "withdrawn"), (accept, withdraw)
        done(withdraw, ResultKind.OFFER_WITHDRAWN, offer=offer_id)
        assert holder(sessions, 751, "fixed", 1) == ANNA.user_id
    assert_invariants(sessions)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_lockstep_approve_against_reject(approvals: Klimanet, sessions: SessionFactory) -> None:
    _approved_coordinator(approvals, sessions)
    request_id = applied(approvals, sessions, BO, "coordinator")
    with lockstep(3):
        answers = race(
            clicking(approvals, ANNA, "request_approve", request_id),
            clicking(approvals, FACILITATOR, "request_reject", request_id),
            clicking(approvals, FACILITATOR, "request_approve", request_id),
        )
    status = request_status(sessions, request_id)
    decision = ResultKind.REQUEST_APPROVED if status == "approved" else ResultKind.REQUEST_REJECTED
    assert count(answers, decision) == 1, answers
    assert count_closed(answers, status, offer=False) == 2, answers
    assert holder(sessions, 751, "flexible", 1) == (BO.user_id if status == "approved" else None)
    assert events(sessions, "approved") + events(sessions, "rejected") == 2
    assert_invariants(sessions)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("conflict", ["one seat", "one person"])
def test_lockstep_two_offers_settled_by_the_unique_index(
    klimanet: Klimanet, sessions: SessionFactory, conflict: str
) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Odense")
    # People known beforehand: the first mention of a new person inserts them, and a second
    # transaction's insert of the same person waits for the first one's commit, so the two
    # could not meet at the barrier.
    for person in (CARL, DORTE):
        say(klimanet, BO, f"overdrag {mention(person)}")
        say(klimanet, BO, "fortryd")
    if conflict == "one seat":
        calls = [command(klimanet, ANNA, f"overdrag {mention(p)}") for p in (CARL, DORTE)]
        refusal = ErrorKind.OFFER_PENDING_FOR_SEAT
    else:
        calls = [command(klimanet, p, f"overdrag {mention(CARL)}") for p in (ANNA, BO)]
        refusal = ErrorKind.OFFER_PENDING_TO_TARGET
    with lockstep(2, at="insert"):
        answers = race(*calls)
    assert count(answers, ResultKind.OFFER_SENT) == 1, answers
    assert count(answers, refusal) == 1, answers
    with sessions() as session:
        pending = select(func.count()).where(SeatOffer.status == "pending")
        assert session.scalar(pending) == 1
    assert events(sessions, "offered") == 3
    assert_invariants(sessions)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_facilitator_correction_while_a_handover_is_accepted(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    """A facilitator puts Frode on Bo's seat while Carl accepts Bo's handover of it. The
    facilitator's transaction locks the seat row while it reads who holds it, so Carl's accept
    waits and then finds the seat no longer as offered: no lost update, and everyone's answer
    names who really held the seat."""
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    say(klimanet, BO, f"overdrag {mention(CARL)}")
    offer_id = offer_to(sessions, CARL)

    admin_has_read = threading.Event()
    original = seats_admin.holder_of
    admin_answer: list[Reply] = []
    accept_answer: list[Reply] = []

    def holder_then_pause(session: Session, seat: Seat) -> Person | None:
        found = original(session, seat)
        if threading.current_thread().name == "facilitator" and not admin_has_read.is_set():
            admin_has_read.set()  # the facilitator holds the row lock and has read Bo…
            time.sleep(1.0)  # …while Carl's accept runs into the lock
        return found

    def facilitator() -> None:
        text = f"admin plads Aarhus fleksibel 1 {mention(FRODE)} rettelse"
        admin_answer.append(say(klimanet, FACILITATOR, text))

    def accept() -> None:
        accept_answer.append(checked(klimanet.click(CARL, "offer_accept", str(offer_id))))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(seats_admin, "holder_of", holder_then_pause)
        admin = threading.Thread(target=facilitator, name="facilitator")
        admin.start()
        assert admin_has_read.wait(10)
        carl = threading.Thread(target=accept, name="carl")
        carl.start()
        admin.join(20)
        carl.join(20)
    assert holder(sessions, 751, "flexible", 1) == FRODE.user_id
    done(admin_answer[0], ResultKind.ADMIN_SEAT_SET, municipality=AARHUS)
    assert history(sessions, AARHUS)[-1][:5] == (
        "admin_set",
        "flexible",
        1,
        FRODE.user_id,
        BO.user_id,
    )
    assert is_closed(accept_answer[0], "void"), accept_answer
    assert offer_status(sessions, offer_id) == "void"
    assert_invariants(sessions)
    with sessions() as session:
        notified = set(
            session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.kind == "admin_notice")
            )
        )
    assert notified == {BO.user_id, FRODE.user_id}
