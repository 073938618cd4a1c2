"""KL facilitates the network without a municipal seat (issue 15, point 8), on both engines.

A facilitator's ``tilmeld`` explains this and registers nothing; nobody can give a facilitator a
seat (an offer, ``admin plads``); "KL" is no municipality anywhere a municipality is named; the
facilitators get the facilitators' messages and never a coordinator's, even one who still holds a
fixed seat from before; and that one can give the seat up and stay a facilitator.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory, transaction
from bot.domain import membership
from bot.domain.errors import ErrorKind
from bot.domain.facilitators import is_facilitator
from bot.domain.registration import get_network
from bot.models import Meeting, Person, Seat
from bot.posts import planner
from bot.replies import Action, FormErrors, RegistrationField, Reply, ResultKind
from bot.runtime import build_core
from bot.service.klimanet import RegistrationForm
from tests.support.actors import FACILITATOR, mention, named
from tests.support.deliverybot import CHANNEL, memory_delivery
from tests.support.fake_slack import FakeSlack
from tests.support.memory_notifier import MemoryNotifier
from tests.support.seats import pending_request_of
from tests.support.service import click, done, new_service, refused, say
from tests.support.slackbot import ADMIN, running_bot

ANNA = named("Anna Holm")
BO = named("Bo Hansen")
EVA = named("Eva Lund")
AARHUS = 751


def seats_held(sessions: SessionFactory) -> int:
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Seat).where(Seat.holder_id.is_not(None))
            )
            or 0
        )


def test_a_facilitators_tilmeld_explains_and_registers_nothing(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock)
    refused(say(service, FACILITATOR, "tilmeld Aarhus"), ErrorKind.FACILITATOR_NO_SEAT)
    answer = say(service, FACILITATOR, "tilmeld")  # the form is not even opened
    refused(answer, ErrorKind.FACILITATOR_NO_SEAT)
    assert "uden en plads i en kommune" in answer.text and "afmeld" in answer.text
    form = service.submit_registration_form(
        FACILITATOR, RegistrationForm(municipality_code=AARHUS, kind=None)
    )
    assert isinstance(form, FormErrors)
    assert "facilitator" in form.errors[RegistrationField.MUNICIPALITY]
    assert seats_held(sessions) == 0
    with sessions() as session:
        network = get_network(session, "klimanet")
        assert membership.members(session, network) == []
    network_reply = say(service, FACILITATOR, "kommuner")
    done(network_reply, ResultKind.NETWORK)
    assert "ingen medlemskommuner" in network_reply.text


def test_nobody_can_give_a_facilitator_a_seat(sessions: SessionFactory, clock: FixedClock) -> None:
    service = new_service(sessions, clock)
    done(say(service, ANNA, "tilmeld Aarhus"), ResultKind.REGISTERED)
    handover = say(service, ANNA, f"overdrag {mention(FACILITATOR)}")
    refused(handover, ErrorKind.TARGET_IS_FACILITATOR)
    assert "er facilitator for KL" in handover.text
    admin = say(service, FACILITATOR, f"admin plads Aarhus fleksibel 1 {mention(FACILITATOR)} Test")
    refused(admin, ErrorKind.TARGET_IS_FACILITATOR)
    assert seats_held(sessions) == 1


def test_kl_is_no_municipality_wherever_one_is_named(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock)
    for text in (
        "tilmeld KL",
        "tilmeld kl.",
        "tilmeld Kommunernes Landsforening",
        "pladser KL",
        "historik KL",
    ):
        answer = say(service, BO, text)
        refused(answer, ErrorKind.KL_NOT_A_MUNICIPALITY)
        assert "KL er ikke en kommune" in answer.text and not answer.buttons, text
    assert seats_held(sessions) == 0
    # A name that merely starts like it is still a municipality.
    done(say(service, BO, "tilmeld Kalundborg"), ResultKind.REGISTERED)


def test_facilitators_get_facilitator_dms_never_coordinator_dms_and_keep_the_role_seatless(
    database_url: str, clock: FixedClock
) -> None:
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

        def dms(marker: str, since: int = 0) -> list[str]:
            return sorted(
                m.recipient
                for m in notifier.sent()[since:]
                if m.recipient != CHANNEL and marker in m.text
            )

        def approve(actor: object) -> None:
            request = pending_request_of(sessions, actor)  # type: ignore[arg-type]
            assert request is not None
            done(
                click(service, FACILITATOR, "request_approve", request), ResultKind.REQUEST_APPROVED
            )

        # Anna held Aarhus' fixed seat before she became one of KL's facilitators.
        say(service, ANNA, "tilmeld Aarhus")
        say(service, EVA, "tilmeld Odense")
        approve(ANNA)
        approve(EVA)
        service.make_facilitator(ANNA.user_id)

        # A registration waiting for a facilitator: a facilitator's DM, to both of them.
        mark = len(notifier.sent())
        say(service, named("Frank Dahl"), "tilmeld Vejle")
        delivery.drain()
        assert dms("Frank Dahl", mark) == sorted([ANNA.user_id, FACILITATOR.user_id])
        # Aarhus' fixed seat is Anna's, but she is asked as a facilitator, not as its coordinator.
        mark = len(notifier.sent())
        pending = say(service, BO, "tilmeld Aarhus")
        assert "venter på godkendelse fra en facilitator fra KL" in pending.text
        delivery.drain()
        assert dms("Bo Hansen", mark) == sorted([ANNA.user_id, FACILITATOR.user_id])

        say(
            service,
            FACILITATOR,
            'møde opret 15.03.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1',
        )
        with sessions() as session:
            network = get_network(session, "klimanet")
            meeting = session.scalars(select(Meeting)).one()
            coordinators = planner.audience(
                session, network, meeting, planner.Audience.COORDINATORS
            )
            assert [e.person.account for e in coordinators] == [EVA.user_id]
        mark = len(notifier.sent())
        clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
        delivery.drain()
        # The announcement's "who do you send?" goes to Odense's coordinator, not to Anna.
        assert dms("kontaktperson", mark) == [EVA.user_id]

        # Anna gives the seat up and is still a facilitator; registering again is refused.
        asked = say(service, ANNA, "afmeld")
        done(asked, ResultKind.RELEASE_ASKED)
        done(click(service, ANNA, Action.RELEASE_CONFIRM, "release"), ResultKind.RELEASED)
        with transaction(sessions) as session:
            network = get_network(session, "klimanet")
            assert is_facilitator(session, network, ANNA.user_id)
            anna = session.scalars(select(Person).where(Person.account == ANNA.user_id)).one()
            assert session.scalar(select(Seat).where(Seat.holder_id == anna.id)) is None
        refused(say(service, ANNA, "tilmeld Aarhus"), ErrorKind.FACILITATOR_NO_SEAT)
        created = say(
            service,
            ANNA,
            'møde opret 14.06.2027 10:00-12:00 online "Sommermøde" link=https://m.example/2',
        )
        done(created, ResultKind.MEETING_CREATED)
        assert isinstance(service.command(ANNA, "overblik"), Reply)
    finally:
        delivery.close()
        core.engine.dispose()


def test_in_slack_a_facilitators_tilmeld_explains_and_opens_no_form(
    database_url: str, fake: FakeSlack, clock: FixedClock
) -> None:
    with running_bot(database_url, fake, clock, registration="approval") as bot:
        for text in ("tilmeld Aarhus", "tilmeld"):
            answer = bot.say(ADMIN, text)
            assert "KL faciliterer netværket uden en plads i en kommune" in answer, answer
        assert bot.fake.calls("views.open") == []
        assert "KL er ikke en kommune" in bot.say(ADMIN, "pladser KL")
        assert seats_held(bot.runtime.core.sessions) == 0
