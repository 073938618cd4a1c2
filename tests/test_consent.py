"""Seat changes with consent through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.models import (
    Attendance,
    Meeting,
    OutboxMessage,
    Person,
    Seat,
    SeatEvent,
    SeatOffer,
    SeatRequest,
)
from bot.ports import Profile
from bot.posts.outbox import Claimed
from bot.posts.render import RenderContext, render
from bot.replies import Reply, Result, ResultKind
from bot.service.klimanet import Klimanet
from tests.support.actors import FACILITATOR, mention, mention_of, named
from tests.support.seats import AARHUS, attendance, history, holder, holders, latest, offer_status
from tests.support.service import click, clicked, closed, done, new_service, refused, said, say

ANNA, BO, CARL, DORTE, EVA = (named(name) for name in ("Anna", "Bo", "Carl", "Dorte", "Eva"))
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE, EVA)}
PROFILES["U0GONE"] = Profile("Gerda", deleted=True)


@pytest.fixture
def service(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock, registration="approval", profiles=PROFILES.get)


def approvals_to(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "approval"))
        )


def seat_status(sessions: SessionFactory, user: str) -> str:
    with sessions() as session:
        return session.scalars(
            select(Seat.status)
            .join(Person, Person.id == Seat.holder_id)
            .where(Person.account == user)
        ).one()


def approver_of(sessions: SessionFactory, request_id: int) -> str:
    with sessions() as session:
        request = session.get(SeatRequest, request_id)
        assert request is not None
        return request.approver


def test_first_registration_waits_for_a_facilitator_later_ones_for_the_coordinator(
    service: Klimanet, sessions: SessionFactory
) -> None:
    first = done(say(service, ANNA, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
    assert first == {"municipality": AARHUS, "request": latest(sessions, SeatRequest)}
    assert approver_of(sessions, first["request"]) == "facilitator"
    assert approvals_to(sessions) == [FACILITATOR.user_id]
    done(say(service, ANNA, "pladser"), ResultKind.SEATS, municipality=AARHUS)
    assert holder(sessions, AARHUS, "fixed") == ANNA.user_id
    assert seat_status(sessions, ANNA.user_id) == "pending"
    refused(click(service, BO, "request_approve", first["request"]), ErrorKind.NOT_APPROVER)
    approved = click(service, FACILITATOR, "request_approve", first["request"])
    done(approved, ResultKind.REQUEST_APPROVED, request=first["request"])
    assert seat_status(sessions, ANNA.user_id) == "held"
    double_click = click(service, FACILITATOR, "request_approve", first["request"])
    closed(double_click, "approved", offer=False)

    second = done(say(service, BO, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
    assert approver_of(sessions, second["request"]) == "coordinator"
    assert approvals_to(sessions) == [FACILITATOR.user_id, ANNA.user_id]
    rejected = click(service, ANNA, "request_reject", second["request"])
    done(rejected, ResultKind.REQUEST_REJECTED, request=second["request"])
    refused(say(service, BO, "pladser"), ErrorKind.NOT_REGISTERED)
    done(say(service, ANNA, "pladser"), ResultKind.SEATS, municipality=AARHUS)
    assert holders(sessions, AARHUS) == {
        ("fixed", 1): ANNA.user_id,
        ("flexible", 1): None,
        ("flexible", 2): None,
    }


def test_pending_seats_count_as_taken(service: Klimanet) -> None:
    for who in (ANNA, BO, CARL):
        done(say(service, who, "tilmeld Odense"), ResultKind.REGISTRATION_PENDING)
    refused(say(service, DORTE, "tilmeld Odense"), ErrorKind.MUNICIPALITY_FULL)


@pytest.fixture
def aarhus(service: Klimanet, sessions: SessionFactory) -> Klimanet:
    """Anna (fixed, coordinator) and Bo (flexible 1) in Aarhus, both approved."""
    for member, approver in ((ANNA, FACILITATOR), (BO, ANNA)):
        request = done(say(service, member, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)[
            "request"
        ]
        done(click(service, approver, "request_approve", request), ResultKind.REQUEST_APPROVED)
    return service


def test_handover_accept_decline_withdraw(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    sent = say(service, BO, f"overdrag {mention(CARL)}")
    offer = done(sent, ResultKind.OFFER_SENT)["offer"]
    assert offer == latest(sessions, SeatOffer)
    assert [(b.action_id, b.value) for b in sent.buttons] == [("offer_withdraw", str(offer))]
    refused(click(service, DORTE, "offer_accept", offer), ErrorKind.OFFER_NOT_YOURS)
    done(click(service, CARL, "offer_decline", offer), ResultKind.OFFER_DECLINED, offer=offer)
    closed(click(service, CARL, "offer_accept", offer), "declined")

    offer = done(say(service, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)["offer"]
    done(click(service, BO, "offer_withdraw", offer), ResultKind.OFFER_WITHDRAWN, offer=offer)
    closed(click(service, CARL, "offer_accept", offer), "withdrawn")
    assert holder(sessions, AARHUS, "flexible", 1) == BO.user_id

    offer = done(say(service, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)["offer"]
    done(click(service, CARL, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    assert offer_status(sessions, offer) == "accepted"
    assert holder(sessions, AARHUS, "flexible", 1) == CARL.user_id
    refused(say(service, BO, "pladser"), ErrorKind.NOT_REGISTERED)
    done(say(service, ANNA, "historik"), ResultKind.HISTORY, municipality=AARHUS)
    assert history(sessions, AARHUS)[-1][:5] == (
        "handed_over",
        "flexible",
        1,
        CARL.user_id,
        BO.user_id,
    )


def test_offer_rules(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    refused(say(service, BO, f"overdrag {mention(BO)}"), ErrorKind.SELF_TARGET)
    refused(say(service, BO, f"overdrag {mention(ANNA)}"), ErrorKind.TARGET_HAS_SEAT)
    refused(say(service, BO, "overdrag @carl"), ErrorKind.MENTION_UNRESOLVED, value="@carl")
    refused(say(service, BO, "overdrag"), ErrorKind.MENTION_MISSING, command="overdrag")
    refused(
        say(service, BO, f"overdrag {mention_of('U0GONE', 'gerda')}"),
        ErrorKind.TARGET_GONE,
        name="Gerda",
    )
    refused(say(service, CARL, f"overdrag {mention(DORTE)}"), ErrorKind.NOT_HOLDER)
    done(say(service, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)
    # Two offers to one person, and two offers of one seat, cannot both be open.
    refused(say(service, ANNA, f"overdrag {mention(CARL)}"), ErrorKind.OFFER_PENDING_TO_TARGET)
    refused(say(service, BO, f"overdrag {mention(DORTE)}"), ErrorKind.OFFER_PENDING_FOR_SEAT)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SeatOffer)) == 1


def test_offers_expire(aarhus: Klimanet, sessions: SessionFactory, clock: FixedClock) -> None:
    service = aarhus
    offer = done(say(service, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)["offer"]
    clock.advance(timedelta(hours=73))
    # A click on the expired offer before the job ran: a clear answer, and the offer is closed.
    closed(click(service, CARL, "offer_accept", offer), "expired")
    assert service.expire_offers() == 0
    assert offer_status(sessions, offer) == "expired"
    assert holder(sessions, AARHUS, "flexible", 1) == BO.user_id
    done(say(service, BO, f"overdrag {mention(DORTE)}"), ResultKind.OFFER_SENT)
    clock.advance(timedelta(hours=73))
    assert service.expire_offers() == 1


def test_swap(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    refused(say(service, BO, f"byt {mention(CARL)}"), ErrorKind.NOT_SAME_MUNICIPALITY)
    offer = done(say(service, BO, f"byt {mention(ANNA)}"), ResultKind.OFFER_SENT)["offer"]
    done(click(service, ANNA, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    assert holders(sessions, AARHUS) == {
        ("fixed", 1): BO.user_id,
        ("flexible", 1): ANNA.user_id,
        ("flexible", 2): None,
    }
    with sessions() as session:
        assert session.scalar(select(func.count()).where(SeatEvent.action == "swapped")) == 2


MEETING = (
    'møde opret 25.06.2027 10:00-12:00 online "Sommermøde" tema=Affald link=https://m.example/1'
)


def test_substitutes_regrets_and_roster(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    done(say(service, FACILITATOR, MEETING), ResultKind.MEETING_CREATED, meeting=1)
    # The coordinator sends Carl on flexible seat 2 for meeting #1.
    sent = say(service, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2")
    offer = done(sent, ResultKind.OFFER_SENT)["offer"]
    done(click(service, CARL, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    # No chains: Carl, a substitute, cannot pass the seat on.
    refused(say(service, CARL, f"afbud 1 {mention(DORTE)}"), ErrorKind.SUBSTITUTE_CHAIN)
    # Nobody on two seats of one meeting.
    refused(say(service, BO, f"afbud 1 {mention(ANNA)}"), ErrorKind.TARGET_HAS_SEAT)
    # Bo sends regrets and names Dorte; she accepts.
    done(say(service, BO, f"afbud 1 {mention(DORTE)}"), ResultKind.REGRETS_SAVED, meeting=1)
    offer = latest(sessions, SeatOffer)
    done(click(service, DORTE, "offer_accept", offer), ResultKind.OFFER_ACCEPTED, offer=offer)
    done(say(service, DORTE, "deltager 1"), ResultKind.ATTENDANCE_CONFIRMED, meeting=1)
    done(say(service, ANNA, "deltagere 1"), ResultKind.ROSTER, meeting=1)
    # Anna has no row: she is expected by default and has not confirmed. Carl said yes to the
    # offer, which is saying he comes.
    assert attendance(sessions, 1) == {
        (AARHUS, "flexible", 1): (DORTE.user_id, "substitute", "confirmed"),
        (AARHUS, "flexible", 2): (CARL.user_id, "substitute", "confirmed"),
    }
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 2
    # The seat is still Bo's: substitutes only hold it for the meeting.
    done(say(service, ANNA, "pladser"), ResultKind.SEATS, municipality=AARHUS)
    assert holder(sessions, AARHUS, "flexible", 1) == BO.user_id


def test_coordinator_is_told_of_regrets(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    say(service, FACILITATOR, MEETING)
    unknown = say(service, BO, "afbud 26.06.2027")
    # An unknown date lists the meetings there are.
    known = ["#1 Sommermøde (fredag den 25. juni 2027 kl. 10.00)"]
    refused(unknown, ErrorKind.MEETING_UNKNOWN, ref="26.06.2027", known=known)
    # A meeting by its date works as well as by number.
    done(say(service, BO, "afbud 25.06.2027"), ResultKind.REGRETS_SAVED, meeting=1)
    with sessions() as session:
        notices = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "regrets_notice")
        ).all()
    assert notices == [ANNA.user_id]
    done(say(service, ANNA, "deltagere 1"), ResultKind.ROSTER, meeting=1)
    assert attendance(sessions, 1) == {
        (AARHUS, "flexible", 1): (BO.user_id, "holder", "declined"),
    }


def test_admin_sets_and_frees_seats(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    refused(
        say(service, ANNA, f"admin plads Aarhus fleksibel 2 {mention(CARL)}"),
        ErrorKind.NOT_FACILITATOR,
    )
    assert holder(sessions, AARHUS, "flexible", 2) is None
    command = f"admin plads Aarhus fleksibel 2 {mention(CARL)} Ny i klimateamet"
    done(say(service, FACILITATOR, command), ResultKind.ADMIN_SEAT_SET, municipality=AARHUS)
    assert holder(sessions, AARHUS, "flexible", 2) == CARL.user_id
    freed = say(service, FACILITATOR, "admin plads Aarhus fleksibel 1 Har forladt kommunen")
    done(freed, ResultKind.ADMIN_SEAT_FREED, municipality=AARHUS)
    assert holder(sessions, AARHUS, "flexible", 1) is None
    done(say(service, FACILITATOR, "historik Aarhus"), ResultKind.HISTORY, municipality=AARHUS)
    assert history(sessions, AARHUS)[-2:] == [
        ("admin_set", "flexible", 2, CARL.user_id, None, "Ny i klimateamet"),
        ("admin_freed", "flexible", 1, None, BO.user_id, "Har forladt kommunen"),
    ]
    refused(say(service, FACILITATOR, "admin plads Odense fast"), ErrorKind.NOT_A_MEMBER)
    refused(say(service, FACILITATOR, "admin plads Aarhus midterste"), ErrorKind.SEAT_SPEC_INVALID)


# --- the approver registers, a waiting applicant, who decides, and what waits ----------------


def result_of(service: Klimanet, actor: Actor, text: str) -> Result | None:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply), outcome
    return outcome.result


def test_a_facilitator_takes_no_seat_so_nothing_waits_for_approval(
    service: Klimanet, sessions: SessionFactory
) -> None:
    """KL facilitates without a municipal seat (issue 15, point 8): no seat, no request."""
    result = result_of(service, FACILITATOR, "tilmeld Aarhus")
    assert result is not None and result.error is ErrorKind.FACILITATOR_NO_SEAT
    assert approvals_to(sessions) == []
    assert "er ikke med i netværket" in said(service, FACILITATOR, "pladser Aarhus")


def test_a_waiting_applicant_who_registers_again_is_told_it_waits_and_for_whom(
    aarhus: Klimanet,
) -> None:
    service = aarhus
    say(service, CARL, "tilmeld Aarhus")  # flexible 2, waits for Anna (the coordinator)
    for again in ("tilmeld Aarhus", "tilmeld Odense", "tilmeld"):
        answer = service.command(CARL, again)
        assert isinstance(answer, Reply) and answer.result is not None
        assert answer.result.error is ErrorKind.REGISTRATION_WAITING, again
        assert "venter stadig på godkendelse fra Aarhus' kontaktperson, Anna" in answer.text
        assert "allerede tilmeldt" not in answer.text
    say(service, DORTE, "tilmeld Vejle")
    waiting = said(service, DORTE, "tilmeld Vejle")
    assert "venter stadig på godkendelse fra en facilitator fra KL" in waiting


def test_first_registration_is_only_said_of_the_first(
    service: Klimanet, sessions: SessionFactory
) -> None:
    say(service, ANNA, "tilmeld Vejle")  # Vejle's first: a facilitator decides
    say(service, BO, "tilmeld Vejle")  # Anna waits, so nobody holds the fixed seat yet
    waiting = said(service, FACILITATOR, "afventer")
    anna, bo = waiting.split("\n\n")[1:3]
    assert "Anna" in anna and "Det er Vejles første tilmelding" in anna
    assert "Bo" in bo and "første" not in bo
    assert "Vejle har ingen kontaktperson" in bo


def test_meetings_say_that_a_waiting_seat_waits(service: Klimanet) -> None:
    say(service, FACILITATOR, MEETING)
    say(service, ANNA, "tilmeld Aarhus")
    meetings = said(service, ANNA, "møder")
    assert "Din plads: fast plads – din tilmelding venter stadig på godkendelse" in meetings
    click(service, FACILITATOR, "request_approve", 1)
    assert "Din plads: fast plads." in said(service, ANNA, "møder")


def test_admin_plads_on_the_seat_someone_waits_for_approves_them(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, CARL, "tilmeld Aarhus")  # flexible 2, waiting
    request = latest(sessions, SeatRequest)
    answer = service.command(
        FACILITATOR, f"admin plads Aarhus fleksibel 2 {mention(CARL)} Aftalt med Anna"
    )
    assert isinstance(answer, Reply) and answer.result is not None
    assert answer.result.kind is ResultKind.ADMIN_SEAT_SET
    assert answer.result.ids["request"] == request
    assert "tilmeldingen er nu godkendt" in answer.text
    with sessions() as session:
        assert session.get(SeatRequest, request).status == "approved"  # type: ignore[union-attr]
        results = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "approval_result")
        ).all()
    assert CARL.user_id in results
    assert "(afventer godkendelse)" not in said(service, ANNA, "pladser")
    history = said(service, ANNA, "historik")
    assert "godkendt – Carl, af Sara Røpke. Begrundelse: Aftalt med Anna" in history
    # Anna's stale button gets the clear answer.
    assert "allerede godkendt" in clicked(service, ANNA, "request_approve", request)


def test_afventer_lists_requests_and_offers_with_their_buttons(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    assert said(service, ANNA, "afventer").startswith("Der venter ingen")
    say(service, CARL, "tilmeld Aarhus")
    request = latest(sessions, SeatRequest)
    say(service, BO, f"byt {mention(ANNA)}")
    offer = latest(sessions, SeatOffer)
    answer = service.command(ANNA, "afventer")
    assert isinstance(answer, Reply)
    assert answer.result == Result(ResultKind.WAITING, ids={"requests": 1, "offers": 1})
    assert "🙋 Carl vil have den fleksible plads 2" in answer.text
    assert [(b.action_id, b.value, b.under) for b in answer.buttons] == [
        ("request_approve", str(request), 1),
        ("request_reject", str(request), 1),
        ("offer_accept", str(offer), 2),
        ("offer_decline", str(offer), 2),
    ]
    # The same handlers answer them; a stale one gets the same clear answer.
    assert "godkendt" in clicked(service, ANNA, "request_approve", request)
    assert "allerede godkendt" in clicked(service, ANNA, "request_approve", request)
    after = service.command(ANNA, "afventer")
    assert isinstance(after, Reply) and after.result is not None
    assert after.result.ids == {"requests": 0, "offers": 1}
    # A facilitator sees what waits for a facilitator, not a coordinator's requests.
    assert said(service, FACILITATOR, "afventer").startswith("Der venter ingen")


def test_a_substitute_offer_expires_no_later_than_the_meeting_starts(
    aarhus: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    service = aarhus
    # Monday 30 November 2026 08:00, less than the 72 hours an offer lasts from now.
    say(service, FACILITATOR, 'møde opret 30.11.2026 08:00-10:00 fysisk "Snart" sted=KL')
    sent = said(service, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2")
    assert "gælder til mandag den 30. november 2026 kl. 08.00" in sent
    with sessions() as session:
        offer = session.scalars(select(SeatOffer)).one()
        meeting_start = session.scalar(select(Meeting.starts_at))
    assert offer.expires_at == meeting_start
    clock.set(meeting_start)
    assert service.expire_offers() == 1


def rendered(sessions: SessionFactory, kind: str, recipient: str) -> list[str]:
    """The texts the outbox rows of ``kind`` to ``recipient`` render to now."""
    found = []
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == kind, OutboxMessage.recipient == recipient
            )
        ).all()
        for row in rows:
            claimed = Claimed.as_first_post(row)
            context = RenderContext(ZoneInfo("Europe/Copenhagen"), timedelta(hours=6), row.due_at)
            out = render(session, claimed, context)
            if out is not None:
                found.append(out.reply.text)
    return found


def test_after_a_swap_each_is_told_which_seat_they_now_hold(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, BO, f"byt {mention(ANNA)}")  # Bo (flexible 1) offers Anna (fixed) a swap
    accepted = clicked(service, ANNA, "offer_accept", latest(sessions, SeatOffer))
    assert "Du har nu den fleksible plads 1 i Aarhus" in accepted
    (to_bo,) = rendered(sessions, "offer_result", BO.user_id)
    assert "du har nu den faste plads i Aarhus, og Anna har den fleksible plads 1" in to_bo


def test_a_substitutes_yes_tells_the_offerer_it_is_for_that_one_meeting(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, FACILITATOR, MEETING)
    say(service, BO, f"afbud 1 {mention(CARL)}")  # Bo's own seat, for meeting #1
    assert "Du er vikar" in clicked(service, CARL, "offer_accept", latest(sessions, SeatOffer))
    (to_bo,) = rendered(sessions, "offer_result", BO.user_id)
    assert "Carl har sagt ja til at være vikar på den fleksible plads 1 i Aarhus" in to_bo
    assert "kun til #1 Sommermøde. Bagefter er pladsen din igen." in to_bo
    say(service, ANNA, f"vikar 1 {mention(DORTE)} fleksibel 2")  # a free seat, by Anna
    click(service, DORTE, "offer_accept", latest(sessions, SeatOffer))
    (to_anna,) = rendered(sessions, "offer_result", ANNA.user_id)
    assert "kun til #1 Sommermøde. Bagefter er pladsen ledig igen." in to_anna


def test_a_rejected_applicant_is_never_a_seat_former_holder(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    """Turned down, Carl never held the seat: the history and its export name him as the one
    the refusal is about, not as who had the seat before; the next holder has no "før"."""
    service = aarhus
    request = done(say(service, CARL, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)["request"]
    done(click(service, ANNA, "request_reject", request), ResultKind.REQUEST_REJECTED)
    second = done(say(service, DORTE, "tilmeld Aarhus"), ResultKind.REGISTRATION_PENDING)
    done(click(service, ANNA, "request_approve", second["request"]), ResultKind.REQUEST_APPROVED)
    shown = said(service, ANNA, "historik")
    assert "afvist – Carl, af Anna" in shown
    assert "(før: Carl)" not in shown
    export = say(service, FACILITATOR, "eksport historik csv")
    assert export.attachment is not None
    rows = export.attachment.content.decode("utf-8-sig").splitlines()
    rejected = [r.split(";") for r in rows if ";afvist;" in r]
    assert len(rejected) == 1 and rejected[0][4:6] == ["Carl", ""], rejected
    assert not any(r.split(";")[5] == "Carl" for r in rows[1:])
