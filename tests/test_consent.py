"""Seat changes with consent through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.models import Attendance, Meeting, OutboxMessage, SeatEvent, SeatOffer, SeatRequest
from bot.ports import Profile
from bot.posts.outbox import Claimed
from bot.posts.render import RenderContext, render
from bot.replies import Reply, Result, ResultKind
from bot.service.klimanet import Klimanet, ServiceSettings

FACILITATOR = Actor("T0001", "UFACIL01", "Sara Røpke")
ANNA, BO, CARL, DORTE, EVA = (
    Actor("T0001", f"U0{name.upper()}", name) for name in ("Anna", "Bo", "Carl", "Dorte", "Eva")
)
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE, EVA)}
PROFILES["U0GONE"] = Profile("Gerda", deleted=True)


def mention(actor: Actor) -> str:
    return f"<@{actor.user_id}|{actor.name.lower()}>"


@pytest.fixture
def service(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration="approval"),
    )
    service.make_facilitator(FACILITATOR.user_id)
    return service


def say(service: Klimanet, actor: Actor, text: str) -> str:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply), outcome
    return outcome.text


def click(service: Klimanet, actor: Actor, action: str, value: int | str) -> str:
    return service.click(actor, action, str(value)).text


def latest(sessions: SessionFactory, model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.max(model.id))) or 0)  # type: ignore[attr-defined]


def approvals_to(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "approval"))
        )


def test_first_registration_waits_for_a_facilitator_later_ones_for_the_coordinator(
    service: Klimanet, sessions: SessionFactory
) -> None:
    assert "venter på godkendelse fra en facilitator fra KL" in say(service, ANNA, "tilmeld Aarhus")
    assert approvals_to(sessions) == [FACILITATOR.user_id]
    assert "(afventer godkendelse)" in say(service, ANNA, "pladser")
    first = latest(sessions, SeatRequest)
    assert "Du kan ikke godkende" in click(service, BO, "request_approve", first)
    assert "godkendt" in click(service, FACILITATOR, "request_approve", first)
    assert "allerede godkendt" in click(
        service, FACILITATOR, "request_approve", first
    )  # double click

    assert "venter på godkendelse fra Aarhus' kontaktperson" in say(service, BO, "tilmeld Aarhus")
    assert approvals_to(sessions) == [FACILITATOR.user_id, ANNA.user_id]
    second = latest(sessions, SeatRequest)
    assert "afvist" in click(service, ANNA, "request_reject", second)
    assert "ingen plads" in say(service, BO, "pladser")
    assert "Fleksibel plads 1: _ledig_" in say(service, ANNA, "pladser")


def test_pending_seats_count_as_taken(service: Klimanet) -> None:
    for who in (ANNA, BO, CARL):
        say(service, who, "tilmeld Odense")
    assert "alle tre pladser besat" in say(service, DORTE, "tilmeld Odense")


@pytest.fixture
def aarhus(service: Klimanet, sessions: SessionFactory) -> Klimanet:
    """Anna (fixed, coordinator) and Bo (flexible 1) in Aarhus, both approved."""
    say(service, ANNA, "tilmeld Aarhus")
    click(service, FACILITATOR, "request_approve", latest(sessions, SeatRequest))
    say(service, BO, "tilmeld Aarhus")
    click(service, ANNA, "request_approve", latest(sessions, SeatRequest))
    return service


def test_handover_accept_decline_withdraw(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    sent = say(service, BO, f"overdrag {mention(CARL)}")
    assert "Jeg har spurgt *Carl*" in sent
    offer = latest(sessions, SeatOffer)
    assert "ikke til dig" in click(service, DORTE, "offer_accept", offer)
    assert "Du har afvist" in click(service, CARL, "offer_decline", offer)
    assert "allerede afvist" in click(service, CARL, "offer_accept", offer)

    say(service, BO, f"overdrag {mention(CARL)}")
    offer = latest(sessions, SeatOffer)
    assert "trukket tilbage" in click(service, BO, "offer_withdraw", offer)
    assert "allerede trukket tilbage" in click(service, CARL, "offer_accept", offer)

    say(service, BO, f"overdrag {mention(CARL)}")
    offer = latest(sessions, SeatOffer)
    assert "Du har nu den fleksible plads 1 i *Aarhus*" in click(
        service, CARL, "offer_accept", offer
    )
    assert "Fleksibel plads 1: Carl" in say(service, ANNA, "pladser")
    assert "ingen plads" in say(service, BO, "pladser")
    history = say(service, ANNA, "historik")
    assert "overdraget – Carl (før: Bo)" in history


def test_offer_rules(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    assert "til dig selv" in say(service, BO, f"overdrag {mention(BO)}")
    assert "Anna har allerede en plads" in say(service, BO, f"overdrag {mention(ANNA)}")
    assert "Jeg kan ikke finde '@carl'" in say(service, BO, "overdrag @carl")
    assert "Hvem?" in say(service, BO, "overdrag")
    assert "ikke længere med i Slack" in say(service, BO, "overdrag <@U0GONE|gerda>")
    assert "ingen plads" in say(service, CARL, f"overdrag {mention(DORTE)}")
    say(service, BO, f"overdrag {mention(CARL)}")
    # Two offers to one person, and two offers of one seat, cannot both be open.
    assert "allerede et åbent tilbud" in say(service, ANNA, f"overdrag {mention(CARL)}")
    assert "allerede tilbudt Carl" in say(service, BO, f"overdrag {mention(DORTE)}")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SeatOffer)) == 1


def test_offers_expire(aarhus: Klimanet, sessions: SessionFactory, clock: FixedClock) -> None:
    service = aarhus
    say(service, BO, f"overdrag {mention(CARL)}")
    offer = latest(sessions, SeatOffer)
    clock.advance(timedelta(hours=73))
    # A click on the expired offer before the job ran: a clear answer, and the offer is closed.
    assert "allerede udløbet" in click(service, CARL, "offer_accept", offer)
    assert service.expire_offers() == 0
    with sessions() as session:
        assert session.get(SeatOffer, offer).status == "expired"
    say(service, BO, f"overdrag {mention(DORTE)}")
    clock.advance(timedelta(hours=73))
    assert service.expire_offers() == 1


def test_swap(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    assert "også har en plads i din kommune" in say(service, BO, f"byt {mention(CARL)}")
    say(service, BO, f"byt {mention(ANNA)}")
    click(service, ANNA, "offer_accept", latest(sessions, SeatOffer))
    seats = say(service, ANNA, "pladser")
    assert "Fast plads: Bo" in seats and "Fleksibel plads 1: Anna" in seats
    with sessions() as session:
        assert session.scalar(select(func.count()).where(SeatEvent.action == "swapped")) == 2


MEETING = (
    'møde opret 25.06.2027 10:00-12:00 online "Sommermøde" tema=Affald link=https://m.example/1'
)


def test_substitutes_regrets_and_roster(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    say(service, FACILITATOR, MEETING)
    # The coordinator sends Carl on flexible seat 2 for meeting #1.
    assert "Jeg har spurgt *Carl*" in say(service, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2")
    click(service, CARL, "offer_accept", latest(sessions, SeatOffer))
    # No chains: Carl, a substitute, cannot pass the seat on.
    assert "kan du ikke sende pladsen videre" in say(service, CARL, f"afbud 1 {mention(DORTE)}")
    # Nobody on two seats of one meeting.
    assert "allerede en plads" in say(service, BO, f"afbud 1 {mention(ANNA)}")
    # Bo sends regrets and names Dorte; she accepts.
    assert "Dit afbud til #1 Sommermøde er noteret" in say(service, BO, f"afbud 1 {mention(DORTE)}")
    click(service, DORTE, "offer_accept", latest(sessions, SeatOffer))
    assert "Carl er allerede" not in say(service, DORTE, "deltager 1")
    roster = say(service, ANNA, "deltagere 1")
    assert (
        "Fleksibel plads 1: Dorte (vikar)" in roster and "Fleksibel plads 2: Carl (vikar)" in roster
    )
    assert "Fast plads: Anna – ikke bekræftet" in roster
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 2
    # The seat is still Bo's: substitutes only hold it for the meeting.
    assert "Fleksibel plads 1: Bo" in say(service, ANNA, "pladser")


def test_coordinator_is_told_of_regrets(aarhus: Klimanet, sessions: SessionFactory) -> None:
    service = aarhus
    say(service, FACILITATOR, MEETING)
    assert "kan ikke finde møde '26.06.2027'" in say(service, BO, "afbud 26.06.2027")
    say(service, BO, "afbud 25.06.2027")  # a meeting by its date works as well as by number
    with sessions() as session:
        notices = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "regrets_notice")
        ).all()
    assert notices == [ANNA.user_id]
    assert "afbud" in say(service, ANNA, "deltagere 1")


def test_admin_sets_and_frees_seats(aarhus: Klimanet) -> None:
    service = aarhus
    assert "kun for facilitatorer" in say(
        service, ANNA, f"admin plads Aarhus fleksibel 2 {mention(CARL)}"
    )
    done = say(
        service, FACILITATOR, f"admin plads Aarhus fleksibel 2 {mention(CARL)} Ny i klimateamet"
    )
    assert "Carl har nu den fleksible plads 2" in done
    freed = say(service, FACILITATOR, "admin plads Aarhus fleksibel 1 Har forladt kommunen")
    assert "frigjort (før: Bo)" in freed
    assert "Begrundelse: Har forladt kommunen" in say(service, FACILITATOR, "historik Aarhus")
    assert "ikke medlem" in say(service, FACILITATOR, "admin plads Odense fast")
    assert "er ikke en plads" in say(service, FACILITATOR, "admin plads Aarhus midterste")


# --- the approver registers, a waiting applicant, who decides, and what waits ----------------


def result_of(service: Klimanet, actor: Actor, text: str) -> Result | None:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply), outcome
    return outcome.result


def test_a_facilitator_who_registers_is_approved_at_once(
    service: Klimanet, sessions: SessionFactory
) -> None:
    result = result_of(service, FACILITATOR, "tilmeld Aarhus")
    assert result is not None and result.kind is ResultKind.REGISTERED
    assert approvals_to(sessions) == []
    assert "Fast plads: Sara Røpke\n" in say(service, FACILITATOR, "pladser") + "\n"
    assert "tilmeldt – Sara Røpke" in say(service, FACILITATOR, "historik")


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
    waiting = say(service, DORTE, "tilmeld Vejle")
    assert "venter stadig på godkendelse fra en facilitator fra KL" in waiting


def test_first_registration_is_only_said_of_the_first(
    service: Klimanet, sessions: SessionFactory
) -> None:
    say(service, ANNA, "tilmeld Vejle")  # Vejle's first: a facilitator decides
    say(service, BO, "tilmeld Vejle")  # Anna waits, so nobody holds the fixed seat yet
    waiting = say(service, FACILITATOR, "afventer")
    anna, bo = waiting.split("\n\n")[1:3]
    assert "Anna" in anna and "Det er Vejles første tilmelding" in anna
    assert "Bo" in bo and "første" not in bo
    assert "Vejle har ingen kontaktperson" in bo


def test_meetings_say_that_a_waiting_seat_waits(service: Klimanet) -> None:
    say(service, FACILITATOR, MEETING)
    say(service, ANNA, "tilmeld Aarhus")
    meetings = say(service, ANNA, "møder")
    assert "Din plads: fast plads – din tilmelding venter stadig på godkendelse" in meetings
    click(service, FACILITATOR, "request_approve", 1)
    assert "Din plads: fast plads." in say(service, ANNA, "møder")


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
    assert "(afventer godkendelse)" not in say(service, ANNA, "pladser")
    history = say(service, ANNA, "historik")
    assert "godkendt – Carl, af Sara Røpke. Begrundelse: Aftalt med Anna" in history
    # Anna's stale button gets the clear answer.
    assert "allerede godkendt" in click(service, ANNA, "request_approve", request)


def test_afventer_lists_requests_and_offers_with_their_buttons(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    assert say(service, ANNA, "afventer").startswith("Der venter ingen")
    say(service, CARL, "tilmeld Aarhus")
    request = latest(sessions, SeatRequest)
    say(service, BO, f"byt {mention(ANNA)}")
    offer = latest(sessions, SeatOffer)
    answer = service.command(ANNA, "afventer")
    assert isinstance(answer, Reply)
    assert answer.result == Result(ResultKind.WAITING, ids={"requests": 1, "offers": 1})
    assert "Carl* vil have den fleksible plads 2" in answer.marked_text.replace("\ue001", "")
    assert [(b.action_id, b.value, b.under) for b in answer.buttons] == [
        ("request_approve", str(request), 1),
        ("request_reject", str(request), 1),
        ("offer_accept", str(offer), 2),
        ("offer_decline", str(offer), 2),
    ]
    # The same handlers answer them; a stale one gets the same clear answer.
    assert "godkendt" in click(service, ANNA, "request_approve", request)
    assert "allerede godkendt" in click(service, ANNA, "request_approve", request)
    after = service.command(ANNA, "afventer")
    assert isinstance(after, Reply) and after.result is not None
    assert after.result.ids == {"requests": 0, "offers": 1}
    # A facilitator sees what waits for a facilitator, not a coordinator's requests.
    assert say(service, FACILITATOR, "afventer").startswith("Der venter ingen")


def test_a_substitute_offer_expires_no_later_than_the_meeting_starts(
    aarhus: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    service = aarhus
    # Monday 30 November 2026 08:00, less than the 72 hours an offer lasts from now.
    say(service, FACILITATOR, 'møde opret 30.11.2026 08:00-10:00 fysisk "Snart" sted=KL')
    sent = say(service, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2")
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
            claimed = Claimed(
                row.id, row.key, row.kind, row.recipient, row.meeting_id, row.due_at,
                row.attempts, row.payload, None, None, row.person_id,
            )  # fmt: skip
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
    accepted = click(service, ANNA, "offer_accept", latest(sessions, SeatOffer))
    assert "Du har nu den fleksible plads 1 i *Aarhus*" in accepted
    (to_bo,) = rendered(sessions, "offer_result", BO.user_id)
    assert "du har nu den faste plads i *Aarhus*, og Anna har den fleksible plads 1" in to_bo


def test_a_substitutes_yes_tells_the_offerer_it_is_for_that_one_meeting(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, FACILITATOR, MEETING)
    say(service, BO, f"afbud 1 {mention(CARL)}")  # Bo's own seat, for meeting #1
    assert "Du er vikar" in click(service, CARL, "offer_accept", latest(sessions, SeatOffer))
    (to_bo,) = rendered(sessions, "offer_result", BO.user_id)
    assert "*Carl* har sagt ja til at være vikar på den fleksible plads 1 i *Aarhus*" in to_bo
    assert "kun til #1 Sommermøde. Bagefter er pladsen din igen." in to_bo
    say(service, ANNA, f"vikar 1 {mention(DORTE)} fleksibel 2")  # a free seat, by Anna
    click(service, DORTE, "offer_accept", latest(sessions, SeatOffer))
    (to_anna,) = rendered(sessions, "offer_result", ANNA.user_id)
    assert "kun til #1 Sommermøde. Bagefter er pladsen ledig igen." in to_anna
