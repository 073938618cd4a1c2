"""Registration and seats on SQLite and PostgreSQL: the rule, the answers, the history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.clock import FixedClock
from bot.db import SessionFactory, transaction
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.models import Membership, Person, Seat, SeatEvent, SeatKind
from bot.replies import Action, Reply, Result, ResultKind
from bot.service.klimanet import Klimanet, RegistrationForm

AARHUS = 751
ODENSE = 461


def actor(n: int, name: str | None = None) -> reg.Actor:
    return reg.Actor(team_id="T0001", user_id=f"U{n:04d}", name=name or f"Person {n}")


def register(
    sessions: SessionFactory,
    clock: FixedClock,
    who: reg.Actor,
    code: int,
    kind: SeatKind | None = None,
) -> reg.Registration:
    with transaction(sessions) as session:
        network = reg.get_network(session, "klimanet")
        return reg.register(session, network, who, code, kind, clock.now())


def count(sessions: SessionFactory, model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_fixed_first_then_flexible_then_full(sessions: SessionFactory, clock: FixedClock) -> None:
    first = register(sessions, clock, actor(1), AARHUS)
    assert (first.seat.kind, first.seat.slot) == (SeatKind.FIXED, 1)
    assert first.became_member
    second = register(sessions, clock, actor(2), AARHUS)
    third = register(sessions, clock, actor(3), AARHUS)
    assert [(s.seat.kind, s.seat.slot) for s in (second, third)] == [
        (SeatKind.FLEXIBLE, 1),
        (SeatKind.FLEXIBLE, 2),
    ]
    assert not second.became_member
    assert [h.name for h in third.overview.holders] == ["Person 1", "Person 2", "Person 3"]

    with pytest.raises(DomainError) as full:
        register(sessions, clock, actor(4), AARHUS)
    assert full.value.kind is ErrorKind.MUNICIPALITY_FULL
    assert [h.user_id for h in full.value.params["municipality"].holders] == [
        "U0001",
        "U0002",
        "U0003",
    ]
    # The refused person left nothing behind: the transaction rolled back their person row too.
    assert count(sessions, Person) == 3


def test_requested_kind_is_respected(sessions: SessionFactory, clock: FixedClock) -> None:
    assert (
        register(sessions, clock, actor(1), ODENSE, SeatKind.FLEXIBLE).seat.kind
        is SeatKind.FLEXIBLE
    )
    assert register(sessions, clock, actor(2), ODENSE, SeatKind.FIXED).seat.kind is SeatKind.FIXED
    with pytest.raises(DomainError) as taken:
        register(sessions, clock, actor(3), ODENSE, SeatKind.FIXED)
    assert taken.value.kind is ErrorKind.FIXED_SEAT_TAKEN
    assert register(sessions, clock, actor(3), ODENSE, SeatKind.FLEXIBLE).seat.slot == 2
    with pytest.raises(DomainError) as flex:
        register(sessions, clock, actor(4), ODENSE, SeatKind.FLEXIBLE)
    assert flex.value.kind is ErrorKind.MUNICIPALITY_FULL


def test_flexible_seats_taken_offers_the_fixed(sessions: SessionFactory, clock: FixedClock) -> None:
    register(sessions, clock, actor(1), ODENSE, SeatKind.FLEXIBLE)
    register(sessions, clock, actor(2), ODENSE, SeatKind.FLEXIBLE)
    with pytest.raises(DomainError) as err:
        register(sessions, clock, actor(3), ODENSE, SeatKind.FLEXIBLE)
    assert err.value.kind is ErrorKind.FLEXIBLE_SEATS_TAKEN


def test_one_seat_per_person(sessions: SessionFactory, clock: FixedClock) -> None:
    register(sessions, clock, actor(1), AARHUS)
    for code in (AARHUS, ODENSE):
        with pytest.raises(DomainError) as err:
            register(sessions, clock, actor(1), code)
        assert err.value.kind is ErrorKind.ALREADY_REGISTERED
    assert count(sessions, Membership) == 1  # Odense did not become a member by a refused try
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Seat.holder_id.is_not(None))) == 1


def test_release_frees_the_seat_and_keeps_history(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    register(sessions, clock, actor(1), AARHUS)
    with transaction(sessions) as session:
        released = reg.release(session, reg.get_network(session, "klimanet"), actor(1), clock.now())
    assert released.seat.kind is SeatKind.FIXED
    assert released.overview.holders == []
    with pytest.raises(DomainError) as again, transaction(sessions) as session:
        reg.release(session, reg.get_network(session, "klimanet"), actor(1), clock.now())
    assert again.value.kind is ErrorKind.NOT_REGISTERED
    # The seat is free again for someone else, fixed first.
    assert register(sessions, clock, actor(2), AARHUS).seat.kind is SeatKind.FIXED
    with sessions() as session:
        events = session.execute(
            select(SeatEvent.action, SeatEvent.person_id, SeatEvent.previous_person_id).order_by(
                SeatEvent.id
            )
        ).all()
    assert [e.action for e in events] == ["registered", "released", "registered"]


def test_history_is_append_only(sessions: SessionFactory, clock: FixedClock) -> None:
    register(sessions, clock, actor(1), AARHUS)
    for statement in (
        update(SeatEvent).values(reason="rewritten"),
        text("DELETE FROM seat_events"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
            session.execute(statement)
    assert count(sessions, SeatEvent) == 1


def test_database_refuses_a_fourth_seat_and_a_second_seat(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    register(sessions, clock, actor(1), AARHUS)
    register(sessions, clock, actor(2), ODENSE)
    # A flexible slot 3 is not part of the network's rule: the composite foreign key refuses it.
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(
            insert(Seat).values(network_id=1, municipality_code=AARHUS, kind="flexible", slot=3)
        )
    # A second fixed seat in the same municipality collides with the unique seat key.
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(
            insert(Seat).values(network_id=1, municipality_code=AARHUS, kind="fixed", slot=1)
        )
    # The same person on a seat in another municipality collides with one-seat-per-person.
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        person_id = session.scalar(select(Person.id).where(Person.user_id == "U0001"))
        session.execute(
            update(Seat)
            .where(Seat.municipality_code == ODENSE, Seat.kind == "flexible", Seat.slot == 1)
            .values(holder_id=person_id)
        )


def test_summary_counts_members_and_seats(sessions: SessionFactory, clock: FixedClock) -> None:
    for n in range(1, 4):
        register(sessions, clock, actor(n), AARHUS)
    register(sessions, clock, actor(4), 101)
    with transaction(sessions) as session:
        summary = reg.summary(session, reg.get_network(session, "klimanet"))
    assert (summary.member_count, summary.filled, summary.seats) == (2, 4, 6)
    assert [(r.name, [m.name for m in r.members]) for r in summary.regions] == [
        ("Region Midtjylland", ["Aarhus"]),  # regions in DAGI order: 1082 before 1084
        ("Region Hovedstaden", ["København"]),
    ]


def text_of(outcome: object) -> str:
    assert isinstance(outcome, Reply), outcome
    return outcome.text


def test_service_answers_in_danish(service: Klimanet) -> None:
    anna, bo, carl, dorte = actor(1, "Anna"), actor(2, "Bo"), actor(3, "Carl"), actor(4, "Dorte")
    assert "faste plads" in text_of(service.command(anna, "tilmeld Aarhus Kommune"))
    assert "Aarhus er nu medlem" not in text_of(service.command(bo, "tilmeld århus"))
    taken = text_of(service.command(carl, "tilmeld 751 fast"))
    assert "Den faste plads i *Aarhus Kommune* er besat af Anna" in taken
    assert "fleksibel" in taken
    assert "fleksible plads 2" in text_of(service.command(carl, "tilmeld aarhus"))
    full = text_of(service.command(dorte, "tilmeld Aarhus"))
    assert "alle tre pladser besat: Anna, Bo og Carl" in full and "afmeld" in full
    assert "allerede tilmeldt" in text_of(service.command(anna, "tilmeld Odense"))
    assert "Mente du Silkeborg" in text_of(service.command(dorte, "tilmeld Silkebrog"))
    assert "ikke en kommune" in text_of(service.command(dorte, "tilmeld Christiansø"))
    assert "Hvilken kommune?" in text_of(service.command(dorte, "tilmeld fast"))
    seats = text_of(service.command(anna, "pladser"))
    assert "3 af 3 pladser besat" in seats and "Fleksibel plads 2: Carl" in seats
    assert "ikke med i netværket" in text_of(service.command(anna, "pladser Odense"))
    assert "ingen plads" in text_of(service.command(dorte, "pladser"))
    assert "1 kommune · 3 af 3 pladser besat" in text_of(service.command(dorte, "kommuner"))
    assert "Kender ikke 'tilmelt' – mente du 'tilmeld'?" in text_of(
        service.command(dorte, "tilmelt")
    )
    for spelling in ("", "hjælp", "HJAELP", "help"):
        assert "/klimanet tilmeld" in text_of(service.command(dorte, spelling))


def test_release_needs_confirmation(service: Klimanet) -> None:
    anna = actor(1, "Anna")
    service.command(anna, "tilmeld Aarhus")
    ask = service.command(anna, "afmeld")
    assert isinstance(ask, Reply) and [b.action_id for b in ask.buttons] == [
        "release_confirm",
        "release_cancel",
    ]
    assert "Aarhus Kommune" in text_of(service.command(anna, "pladser"))  # nothing changed yet
    assert "Du er afmeldt" in service.confirm_release(anna).text
    # A double click on the confirm button: a clear answer, no error.
    assert "ingen plads" in service.confirm_release(anna).text
    assert "ingen plads" in text_of(service.command(anna, "afmeld"))


def test_form_errors_point_at_the_field(service: Klimanet) -> None:
    for n in (1, 2, 3):
        service.command(actor(n), "tilmeld Aarhus")
    full = service.submit_registration_form(actor(9), RegistrationForm(AARHUS, None))
    assert not isinstance(full, Reply) and "alle tre pladser" in full.errors["municipality"]
    missing = service.submit_registration_form(actor(9), RegistrationForm(None, None))
    assert not isinstance(missing, Reply) and "Vælg en kommune" in missing.errors["municipality"]
    long_title = service.submit_registration_form(
        actor(9), RegistrationForm(ODENSE, None, "x" * 151)
    )
    assert not isinstance(long_title, Reply) and "150" in long_title.errors["title"]
    ok = service.submit_registration_form(
        actor(9), RegistrationForm(ODENSE, SeatKind.FLEXIBLE, "Klimachef", ["Affald", "affald "])
    )
    assert isinstance(ok, Reply) and "fleksible plads 1" in ok.text and "Klimachef" in ok.text


# --- "Mente du …?" as choices ---------------------------------------------------------------


def test_suggestions_are_buttons_that_complete_the_command(service: Klimanet) -> None:
    anna = actor(1, "Anna")
    answer = service.command(anna, "tilmeld Sonderbrog fleksibel")
    assert isinstance(answer, Reply) and answer.result is not None
    assert answer.result.error is ErrorKind.MUNICIPALITY_UNKNOWN
    assert [b.label for b in answer.buttons][0] == "Sønderborg"
    assert {b.action_id for b in answer.buttons} == {Action.PICK_MUNICIPALITY}
    assert answer.buttons[0].value == "tilmeld 540 fleksibel"
    # A click completes the original command: 'fleksibel' is kept.
    clicked = service.click(anna, Action.PICK_MUNICIPALITY, answer.buttons[0].value)
    assert clicked.result == Result(ResultKind.REGISTERED, ids={"municipality": 540})
    assert "fleksible plads 1" in clicked.text and clicked.replace_original


def test_ambiguous_names_offer_each_choice(service: Klimanet) -> None:
    answer = service.command(actor(1), "pladser frederiks")
    assert isinstance(answer, Reply)
    assert [b.label for b in answer.buttons] == ["Frederiksberg", "Frederikshavn", "Frederikssund"]
    clicked = service.click(actor(1), Action.PICK_MUNICIPALITY, answer.buttons[1].value)
    assert clicked.result == Result(ResultKind.SEATS, ids={"municipality": 813})


def test_admin_plads_suggestions_keep_the_seat_the_person_and_the_reason(
    service: Klimanet,
) -> None:
    answer = service.command(actor(1), 'admin plads "Tarnbi" fast <@U0009> Ny kontaktperson')
    assert isinstance(answer, Reply)
    assert answer.buttons[0].value == 'admin plads "185" fast <@U0009> Ny kontaktperson'


@pytest.mark.parametrize(
    "forged",
    ["møde aflys 1", "tilmeld", "afmeld", "x" * 5000, "", "kalender 1", "\x00tilmeld"],
)
def test_a_forged_choice_gets_a_danish_answer_and_does_nothing(
    service: Klimanet, forged: str
) -> None:
    clicked = service.click(actor(1), Action.PICK_MUNICIPALITY, forged)
    assert clicked.result == Result(ResultKind.UNKNOWN_BUTTON)
    assert "knap" in clicked.text
    assert count_members(service) == 0


def count_members(service: Klimanet) -> int:
    answer = service.command(actor(99), "kommuner")
    assert isinstance(answer, Reply)
    return 0 if "ingen medlemskommuner" in answer.text else 1


def test_kommuner_counts_municipalities_with_someone_on_a_seat(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    anna, bo = actor(1, "Anna"), actor(2, "Bo")
    service.command(anna, "tilmeld Aarhus")
    service.command(bo, "tilmeld Odense")
    assert "2 kommuner · 2 af 6 pladser besat" in text_of(service.command(anna, "kommuner"))
    service.confirm_release(bo)  # Odense's only member left
    summary = text_of(service.command(anna, "kommuner"))
    assert "1 kommune · 1 af 3 pladser besat" in summary and "Odense" not in summary
    assert "97 af landets 98 kommuner har ingen på en plads i netværket" in summary
    assert "er ikke med i netværket" in text_of(service.command(anna, "pladser Odense"))
    # A registration that waits does not make a municipality a member; it is counted apart.
    register_waiting(sessions, clock, actor(3, "Carl"), ODENSE)
    with transaction(sessions) as session:
        network = reg.get_network(session, "klimanet")
        standing = reg.standings(session, network)
        summary_now = reg.summary(session, network)
    assert standing[ODENSE] == reg.Standing(ODENSE, held=0, pending=1)
    assert not standing[ODENSE].represented and standing[AARHUS].represented
    assert (summary_now.member_count, summary_now.without_anyone, summary_now.waiting) == (1, 97, 1)
    assert "1 af dem har en tilmelding, der venter på godkendelse" in text_of(
        service.command(anna, "kommuner")
    )


def register_waiting(
    sessions: SessionFactory, clock: FixedClock, who: reg.Actor, code: int
) -> reg.Registration:
    with transaction(sessions) as session:
        network = reg.get_network(session, "klimanet")
        return reg.register(session, network, who, code, None, clock.now(), needs_approval=True)
