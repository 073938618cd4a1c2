"""The seat rule lives once, in the slots table: every command, picker, overview and export
reads it, so a network whose rule has another number of flexible seats works throughout, and a
seat the rule does not have is refused with the seats it does have. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete, func, select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain import membership
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.domain.seats.rule import seat_slots
from bot.models import Meeting, Network, NetworkSeatSlot, SeatKind, SeatOffer
from bot.ports import Profile
from bot.replies import Reply, ResultKind
from bot.service.klimanet import Klimanet
from tests.support.actors import FACILITATOR, mention, named
from tests.support.seats import AARHUS, attendance, holder, holders, latest
from tests.support.service import arrange, click, done, error_text, new_service, refused, say

ANNA, BO, CARL, DORTE, EVA = (named(name) for name in ("Anna", "Bo", "Carl", "Dorte", "Eva"))
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE, EVA)}
MEETING = 'møde opret 25.06.2027 10:00-12:00 online "Sommermøde" tema=Affald link=https://m.x/1'
FIXED, FLEXIBLE = SeatKind.FIXED, SeatKind.FLEXIBLE


def with_rule(sessions: SessionFactory, clock: FixedClock, flexible: int) -> Klimanet:
    """The service of a network whose rule is one fixed and ``flexible`` flexible seats,
    written in the slots table before anything reads the rule."""
    with sessions.begin() as session:
        network_id = session.scalars(select(Network.id)).one()
        session.execute(
            delete(NetworkSeatSlot).where(
                NetworkSeatSlot.network_id == network_id, NetworkSeatSlot.kind == "flexible"
            )
        )
        session.add_all(
            NetworkSeatSlot(network_id=network_id, kind="flexible", slot=slot)
            for slot in range(1, flexible + 1)
        )
    return new_service(sessions, clock, profiles=PROFILES.get)


def meeting_id(sessions: SessionFactory, number: int) -> int:
    with sessions() as session:
        return session.scalars(select(Meeting.id).where(Meeting.number == number)).one()


def offers(sessions: SessionFactory) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SeatOffer)) or 0)


def register(service: Klimanet, *people: Actor) -> None:
    for who in people:
        done(say(service, who, "tilmeld Aarhus"), ResultKind.REGISTERED)


def csv_rows(reply: Reply) -> list[list[str]]:
    assert reply.attachment is not None, reply.text
    return list(
        csv.reader(io.StringIO(reply.attachment.content.decode("utf-8-sig")), delimiter=";")
    )


def not_a_seat(reply: Reply, typed: str, rule: list[tuple[SeatKind, int]]) -> None:
    refused(reply, ErrorKind.SEAT_SPEC_INVALID, value=typed, seats=rule)


KL_RULE = [(FIXED, 1), (FLEXIBLE, 1), (FLEXIBLE, 2)]


def test_kl_rule_refuses_flexible_seat_3_everywhere_naming_the_seats_it_has(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = with_rule(sessions, clock, flexible=2)
    register(service, ANNA, BO)
    done(arrange(service, FACILITATOR, MEETING), ResultKind.MEETING_CREATED, meeting=1)
    handover = say(service, BO, f"overdrag {mention(CARL)} fleksibel 3")
    not_a_seat(handover, "fleksibel 3", KL_RULE)
    assert handover.text == (
        "'fleksibel 3' er ikke en plads. Skriv 'fast', 'fleksibel 1' eller 'fleksibel 2'."
    )
    not_a_seat(say(service, ANNA, f"vikar 1 {mention(CARL)} fleks 3"), "fleks 3", KL_RULE)
    not_a_seat(say(service, BO, f"overdrag {mention(CARL)} fleksibel"), "fleksibel", KL_RULE)
    admin = say(service, FACILITATOR, f"admin plads Aarhus fleksibel 3 {mention(CARL)} Ny")
    not_a_seat(admin, "fleksibel 3", KL_RULE)
    picked = click(
        service, ANNA, "pick_substitute", f"pick:{meeting_id(sessions, 1)}:3", CARL.user_id
    )
    not_a_seat(picked, "fleksibel 3", KL_RULE)
    assert offers(sessions) == 0
    assert holder(sessions, AARHUS, "flexible", 3) is None
    # The seats the rule has still work.
    done(say(service, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2"), ResultKind.OFFER_SENT)


def test_a_rule_with_three_flexible_seats_works_throughout(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = with_rule(sessions, clock, flexible=3)
    register(service, ANNA, BO, CARL, DORTE)
    assert holders(sessions, AARHUS) == {
        ("fixed", 1): ANNA.user_id,
        ("flexible", 1): BO.user_id,
        ("flexible", 2): CARL.user_id,
        ("flexible", 3): DORTE.user_id,
    }
    full = say(service, EVA, "tilmeld Aarhus")
    assert full.result is not None and full.result.error is ErrorKind.MUNICIPALITY_FULL
    assert "alle fire pladser besat" in full.text
    with sessions() as session:
        network = session.scalars(select(Network)).one()
        assert seat_slots(session, network) == (
            (FIXED, 1),
            (FLEXIBLE, 1),
            (FLEXIBLE, 2),
            (FLEXIBLE, 3),
        )
        aarhus = next(s for s in membership.standings(session, network) if s.code == AARHUS)
        assert (aarhus.filled, aarhus.seats) == (4, 4)

    freed = say(service, FACILITATOR, "admin plads Aarhus fleksibel 3 Stoppet")
    done(freed, ResultKind.ADMIN_SEAT_FREED, municipality=AARHUS)
    assert holder(sessions, AARHUS, "flexible", 3) is None
    done(arrange(service, FACILITATOR, MEETING), ResultKind.MEETING_CREATED, meeting=1)
    rule = [*KL_RULE, (FLEXIBLE, 3)]
    not_a_seat(say(service, ANNA, f"vikar 1 {mention(EVA)} fleksibel 4"), "fleksibel 4", rule)
    # The coordinator's picker on the third flexible seat sends Eva for the meeting.
    picked = click(
        service, ANNA, "pick_substitute", f"pick:{meeting_id(sessions, 1)}:3", EVA.user_id
    )
    offer = done(picked, ResultKind.OFFER_SENT)["offer"]
    done(click(service, EVA, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    assert attendance(sessions, 1)[AARHUS, "flexible", 3] == (
        EVA.user_id,
        "substitute",
        "confirmed",
    )

    rows = csv_rows(say(service, FACILITATOR, "eksport medlemmer csv"))
    assert [r[2] for r in rows[1:]] == [
        "Fast plads",
        "Fleksibel plads 1",
        "Fleksibel plads 2",
        "Fleksibel plads 3",
    ]
    rows = csv_rows(say(service, FACILITATOR, "eksport deltagelse csv"))
    assert [r[3:6] for r in rows[1:] if r[3] == "Fleksibel plads 3"] == [
        ["Fleksibel plads 3", "", "Eva"]
    ]


@pytest.mark.parametrize("typed", ["fleksibel", "fleksibel 1"])
def test_a_rule_with_one_flexible_seat_needs_no_number(
    sessions: SessionFactory, clock: FixedClock, typed: str
) -> None:
    service = with_rule(sessions, clock, flexible=1)
    register(service, ANNA, BO)
    full = say(service, CARL, "tilmeld Aarhus")
    assert full.result is not None and full.result.error is ErrorKind.MUNICIPALITY_FULL
    assert "alle to pladser besat" in full.text
    not_a_seat(
        say(service, BO, f"overdrag {mention(CARL)} fleksibel 2"),
        "fleksibel 2",
        [(FIXED, 1), (FLEXIBLE, 1)],
    )
    sent = say(service, BO, f"overdrag {mention(CARL)} {typed}")
    offer = done(sent, ResultKind.OFFER_SENT)["offer"]
    assert offer == latest(sessions, SeatOffer)
    done(click(service, CARL, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    assert holder(sessions, AARHUS, "flexible", 1) == CARL.user_id


def test_the_flexible_seats_taken_are_counted_from_the_rule(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = with_rule(sessions, clock, flexible=3)
    for who in (BO, CARL, DORTE):
        done(say(service, who, "tilmeld Aarhus fleksibel"), ResultKind.REGISTERED)
    taken = say(service, EVA, "tilmeld Aarhus fleksibel")
    assert taken.result is not None and taken.result.error is ErrorKind.FLEXIBLE_SEATS_TAKEN
    assert taken.text.startswith("Alle tre fleksible pladser i Aarhus Kommune er besat")
    assert holder(sessions, AARHUS, "fixed") is None
    done(say(service, EVA, "tilmeld Aarhus fast"), ResultKind.REGISTERED)


def test_substitutes_are_told_the_flexible_seats_the_rule_has() -> None:
    assert error_text(ErrorKind.NOT_FLEXIBLE, seats=(1, 2, 3)) == (
        "Vikarer sendes på de fleksible pladser. "
        "Skriv 'fleksibel 1', 'fleksibel 2' eller 'fleksibel 3'."
    )
