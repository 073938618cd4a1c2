"""A municipality that loses its coordinator, on SQLite and PostgreSQL: whichever way they leave
(``afmeld``, ``slet-mig``, ``admin slet``, a deactivated account), the holders of its other seats
are offered the fixed seat by direct message, the first to accept takes it (a conditional
update: two accepts at once cannot both win, with real threads), the loser is told who was
first, and the facilitators hear whether anyone was offered it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.models import OutboxMessage, Seat
from bot.ports import Profile
from bot.replies import Action, Button, Reply, ResultKind
from bot.service.klimanet import Klimanet
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import FACILITATOR, mention, mention_of, named
from tests.support.privacy import Recorder
from tests.support.seats import AARHUS, history, holder, holders
from tests.support.service import (
    checked,
    click,
    done,
    error_text,
    network_id,
    new_service,
    refused,
    say,
)

ANNA, BO, CARL, DORTE = (named(name) for name in ("Anna", "Bo", "Carl", "Dorte"))
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE)}
ODENSE = 461


@dataclass
class World:
    service: Klimanet
    delivery: Delivery
    recorder: Recorder
    sessions: SessionFactory

    def deliver(self) -> None:
        self.delivery.drain()

    def dms_to(self, user_id: str) -> list[Reply]:
        return [reply for who, _, reply in self.recorder.posts if who == user_id]

    def take_button(self, user_id: str) -> Button:
        [offer] = [r for r in self.dms_to(user_id) if r.buttons]
        [button] = offer.buttons
        assert button.action_id == Action.TAKE_FIXED_SEAT
        return button


@pytest.fixture
def world(sessions: SessionFactory, clock: FixedClock) -> Iterator[World]:
    # Open registration: the first is the coordinator.
    service = new_service(sessions, clock, profiles=PROFILES.get)
    recorder = Recorder()
    delivery = Delivery(
        sessions,
        recorder,
        clock,
        service.settings.tz,
        network_id=network_id(sessions),
        config=DeliveryConfig(per_channel_interval=0),
    )
    for actor in (ANNA, BO, CARL):
        say(service, actor, "tilmeld Aarhus")
    assert holder(sessions, AARHUS, "fixed") == ANNA.user_id
    try:
        yield World(service, delivery, recorder, sessions)
    finally:
        delivery.close()


def offers_sent(sessions: SessionFactory) -> int:
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "fixed_seat_offer")
            )
            or 0
        )


def afmeld(world: World, actor: Actor) -> Reply:
    asked = say(world.service, ANNA, "afmeld")
    assert "Kommunens øvrige pladsholdere får tilbudt at overtage den faste plads" in asked.text
    return checked(world.service.click(ANNA, Action.RELEASE_CONFIRM, "release"))


LEAVING: dict[str, Callable[[World], object]] = {
    "afmeld": lambda w: afmeld(w, ANNA),
    "slet-mig": lambda w: (
        say(w.service, ANNA, "slet-mig"),
        w.service.click(ANNA, Action.ERASE_CONFIRM, "erase"),
    ),
    "admin slet": lambda w: say(w.service, FACILITATOR, f"admin slet {mention_of(ANNA.user_id)}"),
    "deactivated": lambda w: w.service.privacy.deactivated(ANNA),
}


@pytest.mark.parametrize("how", list(LEAVING))
def test_the_others_are_offered_the_fixed_seat_and_the_first_takes_it(
    world: World, how: str
) -> None:
    LEAVING[how](world)
    world.deliver()
    assert holder(world.sessions, AARHUS, "fixed") is None
    # Both other holders are offered it by direct message, with a button.
    for heir, seat in ((BO, "fleksible plads 1"), (CARL, "fleksible plads 2")):
        [offer] = [r for r in world.dms_to(heir.user_id) if r.buttons]
        assert "Aarhus har ikke længere en kontaktperson" in offer.text
        assert f"Du har den {seat}" in offer.text
    # The facilitators hear that the seat is free and who was offered it.
    [to_kl] = world.dms_to(FACILITATOR.user_id)[-1:]
    assert "Den faste plads i Aarhus er ledig" in to_kl.text
    assert "Kommunens øvrige pladsholdere (Bo og Carl) har fået tilbudt" in to_kl.text
    # The one who left gets no such message.
    assert not [r for r in world.dms_to(ANNA.user_id) if "kontaktperson" in r.text]

    taken = click(
        world.service, CARL, Action.TAKE_FIXED_SEAT, world.take_button(CARL.user_id).value
    )
    ids = done(taken, ResultKind.FIXED_SEAT_TAKEN)
    assert taken.replace_original
    assert "Du har nu den faste plads i Aarhus og er kommunens kontaktperson" in taken.text
    assert holders(world.sessions, AARHUS) == {
        ("fixed", 1): CARL.user_id,
        ("flexible", 1): BO.user_id,
        ("flexible", 2): None,
    }
    assert ids["municipality"] == AARHUS
    # Bo's click comes second: a clear answer naming who was first; he keeps his seat.
    late = click(world.service, BO, Action.TAKE_FIXED_SEAT, world.take_button(BO.user_id).value)
    refused(late, ErrorKind.FIXED_SEAT_CLAIMED, name="Carl", municipality="Aarhus")
    assert "Carl nåede at overtage den faste plads i Aarhus før dig" in late.text
    assert holder(world.sessions, AARHUS, "flexible", 1) == BO.user_id
    # Bo's offer is updated in place: no button that can only say no.
    world.deliver()
    updated = [reply.text for _, reply in world.recorder.updates]
    assert "Den faste plads i Aarhus er overtaget af Carl, som nu er kommunens kontaktperson." in (
        updated
    )
    # The history says what happened, on both seats.
    actions = [(e.kind, e.slot, e.action) for e in history(world.sessions, AARHUS)][-2:]
    assert actions == [("flexible", 2, "left_for_fixed"), ("fixed", 1, "took_over")]


def test_a_coordinator_is_told_the_others_are_offered_it_never_promised_a_message(
    world: World,
) -> None:
    asked = say(world.service, ANNA, "slet-mig")
    assert "kontaktpersonen og KL's facilitatorer får besked" not in asked.text
    assert texts.succession.leaving_coordinator() in asked.text
    # A flexible holder is still told their coordinator hears of it.
    assert (
        "kontaktpersonen og KL's facilitatorer får besked"
        in say(world.service, BO, "slet-mig").text
    )
    released = afmeld(world, ANNA)
    assert texts.succession.leaving_coordinator() in released.text


def test_without_other_holders_only_the_facilitators_are_told(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock)
    recorder = Recorder()
    delivery = Delivery(
        sessions,
        recorder,
        clock,
        service.settings.tz,
        network_id=network_id(sessions),
        config=DeliveryConfig(per_channel_interval=0),
    )
    try:
        say(service, DORTE, "tilmeld Odense")
        say(service, DORTE, "afmeld")
        service.click(DORTE, Action.RELEASE_CONFIRM, "release")
        delivery.drain()
    finally:
        delivery.close()
    assert offers_sent(sessions) == 0
    [to_kl] = [r.text for who, _, r in recorder.posts if who == FACILITATOR.user_id]
    assert "Den faste plads i Odense er ledig" in to_kl
    assert "Kommunen har ingen andre pladsholdere" in to_kl


def test_a_flexible_holder_leaving_offers_nothing(world: World) -> None:
    say(world.service, BO, "afmeld")
    world.service.click(BO, Action.RELEASE_CONFIRM, "release")
    world.deliver()
    assert offers_sent(world.sessions) == 0
    assert holder(world.sessions, AARHUS, "fixed") == ANNA.user_id


def test_only_a_holder_of_the_municipality_can_take_it(world: World) -> None:
    say(world.service, DORTE, "tilmeld Odense")
    afmeld(world, ANNA)
    with world.sessions() as session:
        fixed = session.scalars(
            select(Seat.id).where(Seat.municipality_code == AARHUS, Seat.kind == "fixed")
        ).one()
    refused(
        click(world.service, DORTE, Action.TAKE_FIXED_SEAT, fixed),
        ErrorKind.NOT_AN_HEIR,
        municipality="Aarhus",
    )
    assert holder(world.sessions, AARHUS, "fixed") is None
    done(click(world.service, BO, Action.TAKE_FIXED_SEAT, fixed), ResultKind.FIXED_SEAT_TAKEN)
    refused(
        click(world.service, BO, Action.TAKE_FIXED_SEAT, fixed),
        ErrorKind.FIXED_SEAT_YOURS,
        municipality="Aarhus",
    )
    assert error_text(ErrorKind.FIXED_SEAT_YOURS, municipality="Aarhus").startswith(
        "Du har allerede den faste plads"
    )


def test_the_new_coordinator_decides_waiting_registrations(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock, registration="approval")
    for actor, approver in ((ANNA, FACILITATOR), (BO, ANNA)):
        request = done(say(service, actor, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
        done(
            click(service, approver, Action.REQUEST_APPROVE, request["request"]),
            ResultKind.REQUEST_APPROVED,
        )
    say(service, ANNA, "afmeld")
    service.click(ANNA, Action.RELEASE_CONFIRM, "release")
    with sessions() as session:
        fixed = session.scalars(
            select(Seat.id).where(Seat.municipality_code == AARHUS, Seat.kind == "fixed")
        ).one()
    done(click(service, BO, Action.TAKE_FIXED_SEAT, fixed), ResultKind.FIXED_SEAT_TAKEN)
    # Carl's registration now waits for Bo, the new coordinator.
    waiting = done(say(service, CARL, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
    done(
        click(service, BO, Action.REQUEST_APPROVE, waiting["request"]),
        ResultKind.REQUEST_APPROVED,
    )
    assert holder(sessions, AARHUS, "flexible", 1) == CARL.user_id  # the seat Bo left


# -- the race: everyone accepts at once -------------------------------------------------------

CLICKS = 3


def test_two_accepts_at_once_cannot_both_win(world: World) -> None:
    """Bo and Carl (several clicks each) accept on their own threads, released together:
    exactly one takes the seat, every other click is told who was first, and both still hold
    exactly one seat each."""
    afmeld(world, ANNA)
    world.deliver()
    value = world.take_button(BO.user_id).value
    calls = [BO, CARL] * CLICKS
    barrier = threading.Barrier(len(calls))

    def run(actor: Actor) -> object:
        barrier.wait()
        try:
            return world.service.click(actor, Action.TAKE_FIXED_SEAT, value)
        except Exception as error:  # noqa: BLE001 - a finding, reported below
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        answers = [checked(a) for a in pool.map(run, calls)]
    kinds = [a.result.kind if a.result else None for a in answers]
    assert kinds.count(ResultKind.FIXED_SEAT_TAKEN) == 1, [a.text for a in answers]
    winner = calls[kinds.index(ResultKind.FIXED_SEAT_TAKEN)]
    loser = CARL if winner is BO else BO
    for answer in answers:
        if answer.result is not None and answer.result.kind is ResultKind.FIXED_SEAT_TAKEN:
            continue
        assert answer.result is not None
        assert answer.result.error in (ErrorKind.FIXED_SEAT_CLAIMED, ErrorKind.FIXED_SEAT_YOURS)
        if answer.result.error is ErrorKind.FIXED_SEAT_CLAIMED:
            assert f"{winner.name} nåede at overtage" in answer.text, answer.text
    seats = holders(world.sessions, AARHUS)
    assert seats[("fixed", 1)] == winner.user_id
    assert loser.user_id in seats.values()
    assert sum(1 for h in seats.values() if h is not None) == 2  # the winner's old seat is free
    took = [e for e in history(world.sessions, AARHUS) if e.action == "took_over"]
    assert len(took) == 1


def test_a_facilitator_can_make_one_of_the_holders_the_coordinator(world: World) -> None:
    """``admin plads Aarhus fast @Bo``: Bo, on a flexible seat, is moved to the free fixed
    seat (his own is free), and Carl's offer shows the seat is taken."""
    afmeld(world, ANNA)
    world.deliver()
    answer = say(world.service, FACILITATOR, f"admin plads Aarhus fast {mention(BO)} Aftalt")
    done(answer, ResultKind.ADMIN_SEAT_SET, municipality=AARHUS)
    assert "Den fleksible plads 1, som Bo havde, er nu ledig." in answer.text
    assert holders(world.sessions, AARHUS) == {
        ("fixed", 1): BO.user_id,
        ("flexible", 1): None,
        ("flexible", 2): CARL.user_id,
    }
    world.deliver()
    updated = [reply.text for _, reply in world.recorder.updates]
    assert any("er overtaget af Bo" in text for text in updated), updated
    late = click(world.service, CARL, Action.TAKE_FIXED_SEAT, world.take_button(CARL.user_id).value)
    refused(late, ErrorKind.FIXED_SEAT_CLAIMED, name="Bo", municipality="Aarhus")
    actions = [(e.kind, e.slot, e.action) for e in history(world.sessions, AARHUS)][-2:]
    assert actions == [("flexible", 1, "left_for_fixed"), ("fixed", 1, "admin_set")]
    # Someone of another municipality still cannot be put on a seat while holding one.
    say(world.service, DORTE, "tilmeld Odense")
    refused(
        say(world.service, FACILITATOR, f"admin plads Aarhus fleksibel 1 {mention(DORTE)}"),
        ErrorKind.TARGET_HAS_SEAT,
        name="Dorte",
        municipality="Odense",
    )


def test_afventer_lists_the_offer_until_someone_takes_it(world: World) -> None:
    afmeld(world, ANNA)
    world.deliver()
    listed = say(world.service, BO, "afventer")
    done(listed, ResultKind.WAITING, requests=0, offers=1)
    assert "Aarhus har ikke længere en kontaktperson" in listed.text
    [button] = listed.buttons
    assert (button.action_id, button.value) == (
        Action.TAKE_FIXED_SEAT,
        world.take_button(BO.user_id).value,
    )
    click(world.service, CARL, Action.TAKE_FIXED_SEAT, button.value)
    done(say(world.service, BO, "afventer"), ResultKind.WAITING, requests=0, offers=0)
    done(say(world.service, CARL, "afventer"), ResultKind.WAITING, requests=0, offers=0)
