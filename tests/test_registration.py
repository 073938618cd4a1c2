"""Registration and seats on SQLite and PostgreSQL: the rule, the answers, the history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot import texts
from bot.clock import FixedClock
from bot.db import SessionFactory, transaction
from bot.domain import membership
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.models import Membership, Person, Seat, SeatEvent, SeatKind
from bot.replies import Action, FormErrors, Reply, Result, ResultKind, as_written
from bot.service.klimanet import Klimanet, RegistrationForm
from tests.support.actors import mention_of
from tests.support.seats import holder, holders
from tests.support.service import done, form_error, refused, say

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
        person_id = session.scalar(select(Person.id).where(Person.account == "U0001"))
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


def test_service_answers(service: Klimanet, sessions: SessionFactory, clock: FixedClock) -> None:
    anna, bo, carl, dorte = actor(1, "Anna"), actor(2, "Bo"), actor(3, "Carl"), actor(4, "Dorte")
    done(say(service, anna, "tilmeld Aarhus Kommune"), ResultKind.REGISTERED, municipality=AARHUS)
    done(say(service, bo, "tilmeld århus"), ResultKind.REGISTERED, municipality=AARHUS)
    refused(say(service, carl, "tilmeld 751 fast"), ErrorKind.FIXED_SEAT_TAKEN)
    done(say(service, carl, "tilmeld aarhus"), ResultKind.REGISTERED, municipality=AARHUS)
    assert holders(sessions, AARHUS) == {
        ("fixed", 1): anna.user_id,
        ("flexible", 1): bo.user_id,
        ("flexible", 2): carl.user_id,
    }
    refused(say(service, dorte, "tilmeld Aarhus"), ErrorKind.MUNICIPALITY_FULL)
    refused(say(service, anna, "tilmeld Odense"), ErrorKind.ALREADY_REGISTERED)
    refused(
        say(service, dorte, "tilmeld Silkebrog"),
        ErrorKind.MUNICIPALITY_UNKNOWN,
        query="Silkebrog",
        suggestions=["Silkeborg"],
    )
    refused(say(service, dorte, "tilmeld Christiansø"), ErrorKind.NOT_A_MUNICIPALITY)
    refused(say(service, dorte, "tilmeld fast"), ErrorKind.MUNICIPALITY_MISSING)
    assert count(sessions, Membership) == 1  # refused tries made no member
    done(say(service, anna, "pladser"), ResultKind.SEATS, municipality=AARHUS)
    done(say(service, anna, "pladser Odense"), ResultKind.SEATS, municipality=ODENSE)
    refused(say(service, dorte, "pladser"), ErrorKind.NOT_REGISTERED)
    done(say(service, dorte, "kommuner"), ResultKind.NETWORK)
    unknown = say(service, dorte, "tilmelt")
    done(unknown, ResultKind.UNKNOWN_COMMAND)
    assert unknown.text == as_written(texts.help.unknown_command("tilmelt", "tilmeld"))
    for spelling in ("", "hjælp", "HJAELP", "help"):
        help_text = say(service, dorte, spelling)
        done(help_text, ResultKind.HELP)
        assert help_text.sections == tuple(texts.help.help_text(clock.now().date()))


def test_release_needs_confirmation(service: Klimanet, sessions: SessionFactory) -> None:
    anna = actor(1, "Anna")
    say(service, anna, "tilmeld Aarhus")
    ask = say(service, anna, "afmeld")
    done(ask, ResultKind.RELEASE_ASKED)
    assert [b.action_id for b in ask.buttons] == ["release_confirm", "release_cancel"]
    assert holder(sessions, AARHUS, "fixed") == anna.user_id  # nothing changed yet
    done(
        service.click(anna, Action.RELEASE_CONFIRM, "release"),
        ResultKind.RELEASED,
        municipality=AARHUS,
    )
    assert holder(sessions, AARHUS, "fixed") is None
    # A double click on the confirm button: a clear answer, no error.
    refused(service.click(anna, Action.RELEASE_CONFIRM, "release"), ErrorKind.NOT_REGISTERED)
    refused(say(service, anna, "afmeld"), ErrorKind.NOT_REGISTERED)


def test_form_errors_point_at_the_field(service: Klimanet, sessions: SessionFactory) -> None:
    for n in (1, 2, 3):
        service.command(actor(n), "tilmeld Aarhus")
    full = service.submit_registration_form(actor(9), RegistrationForm(AARHUS, None))
    # The same refusal as the one-line command, as plain text next to the municipality.
    as_command = say(service, actor(9), "tilmeld Aarhus")
    refused(as_command, ErrorKind.MUNICIPALITY_FULL)
    assert full == FormErrors({"municipality": texts.common.plain(as_command.marked_text)})
    missing = service.submit_registration_form(actor(9), RegistrationForm(None, None))

    assert missing == FormErrors({"municipality": texts.registration.form_municipality_required()})
    long_title = service.submit_registration_form(
        actor(9), RegistrationForm(ODENSE, None, "x" * 151)
    )
    assert long_title == FormErrors(
        {"title": form_error(ErrorKind.TEXT_TOO_LONG, field="titel", limit=150)}
    )
    ok = service.submit_registration_form(
        actor(9), RegistrationForm(ODENSE, SeatKind.FLEXIBLE, "Klimachef", ["Affald", "affald "])
    )
    assert isinstance(ok, Reply)
    done(ok, ResultKind.REGISTERED, municipality=ODENSE)
    assert holder(sessions, ODENSE, "flexible", 1) == actor(9).user_id
    with sessions() as session:
        person = session.scalars(select(Person).where(Person.account == actor(9).user_id)).one()
        assert (person.title, person.themes) == ("Klimachef", ["Affald"])


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
    answer = service.command(
        actor(1), f'admin plads "Tarnbi" fast {mention_of("U0009")} Ny kontaktperson'
    )
    assert isinstance(answer, Reply)
    assert (
        answer.buttons[0].value == f'admin plads "185" fast {mention_of("U0009")} Ny kontaktperson'
    )


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
    service.click(bo, Action.RELEASE_CONFIRM, "release")  # Odense's only member left
    summary = text_of(service.command(anna, "kommuner"))
    assert "1 kommune · 1 af 3 pladser besat" in summary and "Odense" not in summary
    assert "97 af landets 98 kommuner har ingen på en plads i netværket" in summary
    assert "er ikke med i netværket" in text_of(service.command(anna, "pladser Odense"))
    # A registration that waits does not make a municipality a member; it is counted apart.
    register_waiting(sessions, clock, actor(3, "Carl"), ODENSE)
    with transaction(sessions) as session:
        network = reg.get_network(session, "klimanet")
        standing = {s.code: s for s in membership.standings(session, network)}
        summary_now = reg.summary(session, network)
    assert (standing[ODENSE].filled, standing[ODENSE].pending) == (0, 1)
    assert standing[ODENSE].only_pending and not standing[ODENSE].is_member
    assert standing[AARHUS].is_member
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


def text_of(outcome: object) -> str:
    assert isinstance(outcome, Reply), outcome
    return outcome.text
