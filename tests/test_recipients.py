"""Who gets which post about a meeting: one definition ("who is expected"), decided when a post
is sent, and moves and cancellations only to those already told.

The first test plays every combination out on both engines, delivered to the in-memory
recording notifier (this is about addressing, not about a platform). The property
drives random seat and attendance histories and checks each post's recipients against a formula
written here from the raw tables, independently of the code under test.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.models import (
    Attendance,
    OutboxMessage,
    OutboxStatus,
    Person,
    Seat,
    SeatRequest,
)
from bot.replies import Action, ResultKind
from bot.runtime import build_core
from bot.service.klimanet import Klimanet, ServiceSettings
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import FACILITATOR, mention, named
from tests.support.deliverybot import CHANNEL, memory_delivery
from tests.support.memory_notifier import MemoryNotifier
from tests.support.seats import pending_offer_to, pending_request_of
from tests.support.service import click, done, network_id, say

PEOPLE = {
    name: named(name)
    for name in (
        [
            "Anna",
            "Bo",
            "Carl",
            "Dorte",
            "Eva",
            "Frank",
            "Gitte",
            "Hans",
            "Ida",
            "Jens",
            "Kirsten",
            "Lars",
            "Mona",
        ]
    )
}
A = PEOPLE


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- every combination, on both engines ----------------------------------------------------------


def test_every_post_reaches_exactly_the_expected(database_url: str, clock: FixedClock) -> None:
    settings = Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({FACILITATOR.user_id}),
        registration="approval",
    )
    core = build_core(settings, clock)
    notifier = MemoryNotifier(clock=clock)
    delivery = memory_delivery(core, notifier, settings, clock)
    service, sessions = core.service, core.sessions
    try:

        def at(when: datetime) -> None:
            clock.set(when)
            delivery.drain()

        def approve(actor: Actor) -> None:
            request = pending_request_of(sessions, actor)
            assert request is not None, actor
            approved = click(service, FACILITATOR, "request_approve", request)
            done(approved, ResultKind.REQUEST_APPROVED, request=request)

        def accept(actor: Actor, yes: bool = True) -> None:
            offer = pending_offer_to(sessions, actor)
            assert offer is not None, actor
            answer = click(service, actor, "offer_accept" if yes else "offer_decline", offer)
            decided = ResultKind.OFFER_ACCEPTED if yes else ResultKind.OFFER_DECLINED
            done(answer, decided, offer=offer)

        def dms(marker: str, since: int = 0) -> list[str]:
            """Who got a direct message containing ``marker`` (user ids, sorted)."""
            return sorted(
                m.recipient
                for m in notifier.sent()[since:]
                if m.recipient != CHANNEL and marker in m.text
            )

        def channel_posts(marker: str) -> int:
            return sum(marker in text for text in notifier.texts(CHANNEL))

        def files(since: int = 0) -> list[str]:
            """Who got a file (user ids, sorted)."""
            return sorted(s.channel for s in notifier.shared()[since:])

        # Aarhus: Anna coordinates; Bo sends regrets; Carl names Dorte, who accepts.
        # Odense: Eva coordinates; Frank stays pending; Gitte is approved late.
        # Vejle: Hans sends regrets naming Ida, who declines.
        # Kolding: Jens hands his seat over to Kirsten. Herning: Lars gives his seat up.
        for name, town in [
            ("Anna", "Aarhus"), ("Bo", "Aarhus"), ("Carl", "Aarhus"),
            ("Eva", "Odense"), ("Frank", "Odense"), ("Gitte", "Odense"),
            ("Hans", "Vejle"), ("Jens", "Kolding"), ("Lars", "Herning"),
        ]:  # fmt: skip
            say(service, A[name], f"tilmeld {town}")
        for name in ("Anna", "Bo", "Carl", "Eva", "Hans", "Jens", "Lars"):
            approve(A[name])
        say(
            service,
            FACILITATOR,
            'møde opret 15.03.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1',
        )
        at(utc(2027, 2, 28, 12, 0))
        say(service, A["Bo"], "afbud 1")
        say(service, A["Hans"], f"afbud 1 {mention(A['Ida'])}")
        delivery.drain()  # the request reaches Ida before she answers it
        accept(A["Ida"], yes=False)

        # Announcement: the channel, and every coordinator (Hans too, who sent regrets: he
        # still decides whom Vejle sends).
        mark = len(notifier.sent())
        at(utc(2027, 3, 1, 8, 0))
        assert channel_posts("Nyt møde") == 1
        assert dms("kontaktperson", mark) == ["U0ANNA", "U0EVA", "U0HANS", "U0JENS", "U0LARS"]

        # Gitte is approved after the announcement; the meeting moves a day later.
        approve(A["Gitte"])
        mark = len(notifier.sent())
        say(service, FACILITATOR, "møde flyt 1 16.03.2027 10:00-12:00")
        delivery.drain()
        # Only those told and expected: the channel and four coordinators (Hans sent regrets);
        # Gitte never heard of it.
        assert channel_posts("Mødet er flyttet") == 1
        assert dms("Mødet er flyttet", mark) == ["U0ANNA", "U0EVA", "U0JENS", "U0LARS"]
        # Each DM of the move brings the updated calendar file (the same event, moved).
        assert files() == ["U0ANNA", "U0EVA", "U0JENS", "U0LARS"]
        files_before = len(notifier.shared())

        # After the move: Carl names Dorte, Jens hands over to Kirsten, Lars gives up his seat.
        say(service, A["Carl"], f"afbud 1 {mention(A['Dorte'])}")
        accept(A["Dorte"])
        say(service, A["Jens"], f"overdrag {mention(A['Kirsten'])}")
        accept(A["Kirsten"])
        service.click(A["Lars"], Action.RELEASE_CONFIRM, "release")
        expected = ["U0ANNA", "U0DORTE", "U0EVA", "U0GITTE", "U0KIRSTEN"]

        mark = len(notifier.sent())
        at(utc(2027, 3, 12, 8, 0))  # confirm=2d@09:00 before 16 March: a Sunday, so Friday
        # Dorte said yes to the offer: she is not asked again whether she comes.
        assert dms("Kommer du stadig?", mark) == [e for e in expected if e != "U0DORTE"]
        # Eva sends regrets an hour before the reminder: it is respected.
        at(utc(2027, 3, 15, 7, 0))
        say(service, A["Eva"], "afbud 1")
        mark = len(notifier.sent())
        at(utc(2027, 3, 15, 8, 0))  # reminder=1d@09:00
        assert channel_posts("Påmindelse") == 1
        reminded = [e for e in expected if e != "U0EVA"]
        assert dms("Påmindelse", mark) == reminded
        # The .ics files with the reminders.
        assert files(files_before) == reminded
        files_before = len(notifier.shared())

        # Cancelled: the channel, and everyone told who is still expected.
        mark = len(notifier.sent())
        say(service, FACILITATOR, "møde aflys 1 bekræft Sygdom")
        delivery.drain()
        assert channel_posts("Mødet er aflyst") == 1
        assert dms("Mødet er aflyst", mark) == reminded
        # And with the cancellation, the file that marks the event cancelled.
        assert files(files_before) == reminded
        # Frank (pending) never got a direct message; Ida (declined) only the request itself.
        got = [m.recipient for m in notifier.sent()]
        assert "U0FRANK" not in got
        assert got.count("U0IDA") == 1 and dms("vikar", 0).count("U0IDA") == 1
    finally:
        delivery.close()
        core.engine.dispose()


# -- the property: random histories, recipients from the raw tables ------------------------------


def expected_from_tables(sessions: SessionFactory) -> set[str]:
    """Who is expected at meeting 1, from the raw rows: accepted substitutes who did not send
    regrets, and approved holders of seats with no substitute who did not send regrets."""
    with sessions() as session:
        rows = list(session.scalars(select(Attendance)))
        seats = list(session.scalars(select(Seat)))
        ids = {p.id: p.user_id for p in session.scalars(select(Person))}
    users = {ids[r.person_id] for r in rows if r.role == "substitute" and r.status != "declined"}
    for seat in seats:
        if seat.holder_id is None or seat.status != "held":
            continue
        on_seat = [r for r in rows if r.seat_id == seat.id]
        if any(r.role == "substitute" for r in on_seat):
            continue
        if any(r.person_id == seat.holder_id and r.status == "declined" for r in on_seat):
            continue
        users.add(ids[seat.holder_id])
    return users


def coordinators_from_tables(sessions: SessionFactory) -> set[str]:
    """Every approved holder of a fixed seat, whether they come or not: a coordinator who sent
    regrets still decides whom the municipality sends."""
    with sessions() as session:
        return set(
            session.scalars(
                select(Person.account)
                .join(Seat, Seat.holder_id == Person.id)
                .where(Seat.kind == "fixed", Seat.status == "held")
            )
        )


def confirmed_from_tables(sessions: SessionFactory) -> set[str]:
    """Who said yes for meeting 1 (``deltager``, "Ja", or accepting a substitute's offer)."""
    with sessions() as session:
        ids = {p.id: p.user_id for p in session.scalars(select(Person))}
        return {
            ids[r.person_id] for r in session.scalars(select(Attendance)) if r.status == "confirmed"
        }


def told_from_outbox(sessions: SessionFactory) -> set[str]:
    """Everyone a direct message about meeting 1 went to (the delivery ledger)."""
    with sessions() as session:
        return set(
            session.scalars(
                select(OutboxMessage.recipient).where(
                    OutboxMessage.meeting_id.is_not(None),
                    OutboxMessage.person_id.is_not(None),
                    OutboxMessage.status == OutboxStatus.SENT.value,
                )
            )
        )


MEMBERS = ["Anna", "Bo", "Carl", "Dorte", "Eva", "Frank"]
TOWNS = ["Aarhus", "Odense"]
step = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(MEMBERS), st.sampled_from(TOWNS)),
    st.tuples(st.just("approve"), st.sampled_from(MEMBERS), st.none()),
    st.tuples(st.just("release"), st.sampled_from(MEMBERS), st.none()),
    st.tuples(st.just("regrets"), st.sampled_from(MEMBERS), st.none()),
    st.tuples(st.just("confirm"), st.sampled_from(MEMBERS), st.none()),
    st.tuples(st.just("substitute"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS)),
    st.tuples(st.just("send"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS)),
    st.tuples(st.just("handover"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS)),
    st.tuples(st.just("answer"), st.sampled_from(MEMBERS), st.booleans()),
)
history = st.lists(step, max_size=8)


def apply(service: Klimanet, sessions: SessionFactory, op: tuple[str, str, object]) -> None:
    """One step of a history; steps the rules refuse are answered in Danish and change nothing."""
    what, who, other = op
    actor = A[who]
    target = A[str(other)] if isinstance(other, str) and other in A else None
    match what:
        case "register":
            service.command(actor, f"tilmeld {other}")
        case "approve":
            with sessions() as session:
                pending = session.scalars(
                    select(SeatRequest.id)
                    .join(Person, Person.id == SeatRequest.person_id)
                    .where(Person.account == actor.user_id, SeatRequest.status == "pending")
                ).first()
            if pending is not None:
                service.click(FACILITATOR, "request_approve", str(pending))
        case "release":
            service.click(actor, Action.RELEASE_CONFIRM, "release")
        case "regrets":
            service.command(actor, "afbud 1")
        case "confirm":
            service.command(actor, "deltager 1")
        case "substitute":
            assert target is not None
            service.command(actor, f"afbud 1 {mention(target)}")
        case "send":
            assert target is not None
            service.command(actor, f"vikar 1 {mention(target)} fleksibel 1")
        case "handover":
            assert target is not None
            service.command(actor, f"overdrag {mention(target)}")
        case "answer":
            offer = pending_offer_to(sessions, actor)
            if offer is not None:
                service.click(actor, "offer_accept" if other else "offer_decline", str(offer))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=history, after_announce=history, after_confirm=history, late=history)
def test_recipients_follow_the_state_at_send_time(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[str, str, object]],
    after_announce: list[tuple[str, str, object]],
    after_confirm: list[tuple[str, str, object]],
    late: list[tuple[str, str, object]],
) -> None:
    path = tmp_path_factory.mktemp("prop") / "klimanet.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    clock = FixedClock(utc(2027, 1, 4, 9, 0))
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        settings=ServiceSettings(channel=CHANNEL, registration="approval"),
    )
    service.make_facilitator(FACILITATOR.user_id)
    recorder = MemoryNotifier()
    delivery = Delivery(
        sessions,
        recorder,
        clock,
        ServiceSettings().tz,
        network_id=network_id(sessions),
        config=DeliveryConfig(workers=1, per_channel_interval=0),
    )
    try:
        # A Thursday, so that every post falls on a weekday (none moves off a weekend).
        say(service, FACILITATOR, 'møde opret 18.03.2027 10:00-12:00 fysisk "Forårsmøde" sted=KL')

        def phase(ops: list[tuple[str, str, object]], at: datetime) -> set[str]:
            """Apply ``ops`` shortly before ``at``, then deliver what falls due at ``at``;
            return the direct-message recipients of that moment."""
            clock.set(at - timedelta(hours=1))
            for op in ops:
                apply(service, sessions, op)
            delivery.drain()
            mark = len(recorder.sent())
            clock.set(at)
            delivery.drain()
            return {m.recipient for m in recorder.sent()[mark:] if m.recipient != CHANNEL}

        announced = phase(before, utc(2027, 3, 4, 8, 0))
        assert announced == coordinators_from_tables(sessions)

        asked = phase(after_announce, utc(2027, 3, 16, 8, 0))
        assert asked == expected_from_tables(sessions) - confirmed_from_tables(sessions)

        reminded = phase(after_confirm, utc(2027, 3, 17, 8, 0))
        assert reminded == expected_from_tables(sessions)

        clock.set(utc(2027, 3, 17, 12, 0))
        for op in late:
            apply(service, sessions, op)
        delivery.drain()
        told = told_from_outbox(sessions)
        expected = expected_from_tables(sessions)
        mark = len(recorder.sent())
        say(service, FACILITATOR, "møde aflys 1 bekræft")
        delivery.drain()
        cancelled = {m.recipient for m in recorder.sent()[mark:] if m.recipient != CHANNEL}
        assert cancelled == expected & told
        assert CHANNEL in {m.recipient for m in recorder.sent()[mark:]}  # the channel was told
    finally:
        delivery.close()
        engine.dispose()
