"""Substitutes take the seat of the one who sent regrets, on SQLite and PostgreSQL.

Aarhus has all three seats held: Anna (fixed, the coordinator), Bo (flexible 1) and Carl
(flexible 2). Every combination of regrets among the three is played out: ``vikar 1 @Dorte``
goes to the one seat whose holder sent regrets, asks which seat (buttons) when none or several
did, and a seat whose holder comes is refused.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import SessionFactory, transaction
from bot.domain.digest import DigestTime
from bot.domain.errors import ErrorKind
from bot.models import Meeting, Network, OutboxMessage, Seat, SeatOffer
from bot.ports import Profile
from bot.posts import digest, notices, planner
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed
from bot.posts.render import Rendered, announce_dm_reply
from bot.replies import Action, Attachment, Posted, Reply, ResultKind, as_written
from bot.service.klimanet import Klimanet
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import FACILITATOR, mention, named
from tests.support.seats import AARHUS, attendance, latest, pending_offer_to, pending_request_of
from tests.support.service import click, done, network_id, new_service, refused, said, say

ANNA, BO, CARL, DORTE, EVA, FRANK, GITTE = (
    named(n) for n in ("Anna Jensen", "Bo Hansen", "Carl Nielsen", "Dorte Lund", "Eva Holm",
                       "Frank Berg", "Gitte Krogh")
)  # fmt: skip
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE, EVA, FRANK, GITTE)}
TZ = ZoneInfo("Europe/Copenhagen")
HOLDERS = {"fixed": ANNA, "flexible 1": BO, "flexible 2": CARL}
SEAT_WORDS = {"fixed": "fast", "flexible 1": "fleksibel 1", "flexible 2": "fleksibel 2"}
KEY = {"fixed": ("fixed", 1), "flexible 1": ("flexible", 1), "flexible 2": ("flexible", 2)}
# Thursday 14 January 2027, 10:00 in Copenhagen.
MEETING = (
    'møde opret 14.01.2027 10:00-12:00 online "Vintermøde" tema=affald link=https://m.example/1'
)


@pytest.fixture
def aarhus(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    service = new_service(sessions, clock, profiles=PROFILES.get)
    for actor in (ANNA, BO, CARL):
        done(say(service, actor, "tilmeld Aarhus"), ResultKind.REGISTERED)
    done(say(service, FACILITATOR, MEETING), ResultKind.MEETING_CREATED, meeting=1)
    return service


def offered_seat(sessions: SessionFactory, offer_id: int) -> tuple[str, int]:
    with sessions() as session:
        offer = session.get(SeatOffer, offer_id)
        assert offer is not None
        seat = session.get(Seat, offer.seat_id)
        assert seat is not None
        return seat.kind, seat.slot


COMBINATIONS = [
    frozenset(c)
    for n in range(4)
    for c in itertools.combinations(("fixed", "flexible 1", "flexible 2"), n)
]


@pytest.mark.parametrize("regrets", COMBINATIONS, ids=lambda c: "+".join(sorted(c)) or "none")
def test_vikar_goes_to_the_seat_whose_holder_sent_regrets(
    aarhus: Klimanet, sessions: SessionFactory, regrets: frozenset[str]
) -> None:
    service = aarhus
    for seat in sorted(regrets):
        done(say(service, HOLDERS[seat], "afbud 1"), ResultKind.REGRETS_SAVED, meeting=1)

    # A flexible seat whose holder comes is refused, with the reason, whoever asks.
    for seat in ("flexible 1", "flexible 2"):
        if seat not in regrets:
            refusal = say(service, ANNA, f"vikar 1 {mention(DORTE)} {SEAT_WORDS[seat]}")
            refused(refusal, ErrorKind.HOLDER_COMING)
            assert HOLDERS[seat].name in refusal.text and "afbud 1" in refusal.text
    assert pending_offer_to(sessions, DORTE) is None

    answer = say(service, ANNA, f"vikar 1 {mention(DORTE)}")
    if len(regrets) == 1:
        (seat,) = regrets
        offer = done(answer, ResultKind.OFFER_SENT)["offer"]
        assert offered_seat(sessions, offer) == KEY[seat]
        assert "til #1 Vintermøde" in answer.text  # the confirmation names the meeting
    else:
        # Never a guess: which seat? One button per seat that may take a substitute (the
        # flexible seats whose holder sent regrets, and the coordinator's own).
        done(answer, ResultKind.SUBSTITUTE_SEAT_ASKED, meeting=1)
        assert pending_offer_to(sessions, DORTE) is None
        # Each button is the command completed with its seat: "… fast" or "… fleksibel 2".
        choices = {b.value.split()[-1]: b for b in answer.buttons}
        wanted = {"fast"} | {s.split()[-1] for s in regrets if s != "fixed"}
        assert set(choices) == wanted
        assert all(b.action_id == Action.SUBSTITUTE_SEAT for b in answer.buttons)
        seat = max(regrets - {"fixed"}, default="fixed")
        button = choices["fast" if seat == "fixed" else seat.split()[-1]]
        chosen = click(service, ANNA, button.action_id, button.value)
        offer = done(chosen, ResultKind.OFFER_SENT)["offer"]
        assert chosen.replace_original
        assert offered_seat(sessions, offer) == KEY[seat]

    done(click(service, DORTE, "offer_accept", offer), ResultKind.OFFER_ACCEPTED)
    seated = attendance(sessions, 1)
    kind, slot = KEY[seat]
    # Dorte said yes to the offer: she comes.
    assert seated[(AARHUS, kind, slot)] == (DORTE.user_id, "substitute", "confirmed")
    for other in set(HOLDERS) - {seat}:
        row = seated.get((AARHUS, *KEY[other]))
        if other in regrets:
            assert row == (HOLDERS[other].user_id, "holder", "declined")
        else:
            assert row is None  # untouched: still expected
    # The holder someone else replaced is told; a holder who named their own is not.
    with sessions() as session:
        told = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == PostKind.SUBSTITUTE_NOTICE)
        ).all()
    assert told == ([] if seat == "fixed" else [HOLDERS[seat].user_id])


def test_a_substitute_offer_for_regrets_taken_back_is_void(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, BO, "afbud 1")
    offer = done(say(service, ANNA, f"vikar 1 {mention(DORTE)}"), ResultKind.OFFER_SENT)["offer"]
    done(say(service, BO, "deltager 1"), ResultKind.ATTENDANCE_CONFIRMED)  # he comes after all
    refused(click(service, DORTE, "offer_accept", offer), ErrorKind.OFFER_CLOSED)
    assert attendance(sessions, 1) == {(AARHUS, "flexible", 1): (BO.user_id, "holder", "confirmed")}


def test_a_vacant_flexible_seat_takes_a_substitute_and_a_holder_names_their_own(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock, profiles=PROFILES.get)
    say(service, ANNA, "tilmeld Aarhus")
    say(service, BO, "tilmeld Aarhus")
    say(service, FACILITATOR, MEETING)
    # Flexible 2 has no holder: the coordinator may send someone there for the meeting.
    offer = done(say(service, ANNA, f"vikar 1 {mention(DORTE)} fleksibel 2"), ResultKind.OFFER_SENT)
    assert offered_seat(sessions, offer["offer"]) == ("flexible", 2)
    # Bo, not the coordinator, names a substitute for his own seat: that is his to decide.
    offer = done(say(service, BO, f"vikar 1 {mention(EVA)}"), ResultKind.OFFER_SENT)
    assert offered_seat(sessions, offer["offer"]) == ("flexible", 1)
    # Nothing else is open: the coordinator is asked, and only her own seat is offered.
    asked = done(say(service, ANNA, f"vikar 1 {mention(FRANK)}"), ResultKind.SUBSTITUTE_SEAT_ASKED)
    assert asked == {"meeting": 1}


def test_the_coordinators_dms_show_who_comes_and_a_confirmation_counts(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, ANNA, "afbud 1")  # the coordinator cannot come herself
    say(service, CARL, f"afbud 1 {mention(DORTE)}")
    click(service, DORTE, "offer_accept", latest(sessions, SeatOffer))
    say(service, BO, "deltager 1")
    with sessions() as session:
        network = session.scalars(select(Network)).one()
        meeting = session.scalars(select(Meeting)).one()
        coordinators = planner.audience(session, network, meeting, planner.Audience.COORDINATORS)
        # Anna sent regrets and is still the one to ask whom Aarhus sends.
        assert [(c.person.account, c.status) for c in coordinators] == [(ANNA.user_id, "declined")]
        unconfirmed = planner.audience(session, network, meeting, planner.Audience.UNCONFIRMED)
        # Bo confirmed and Dorte accepted: nobody from Aarhus is asked "Kommer du stadig?".
        assert unconfirmed == []
        text = announce_dm_reply(session, meeting, coordinators[0], TZ).text
    assert "Du har selv meldt afbud" in text
    assert "Fast plads: ingen – Anna Jensen har meldt afbud" in text
    assert "Fleksibel plads 1: Bo Hansen – bekræftet" in text
    assert "Fleksibel plads 2: Dorte Lund (vikar for Carl Nielsen) – bekræftet" in text
    # Carl's and Dorte's meetings say it.
    assert "Dorte Lund er vikar på din plads" in said(service, CARL, "møder")
    assert "Du er vikar for Carl Nielsen på den fleksible plads 2 i Aarhus" in said(
        service, DORTE, "møder"
    )
    home = service.home(DORTE)
    assert any(
        "Du er vikar for Carl Nielsen" in as_written(getattr(p, "text", "")) for p in home.parts
    )


# -- every post kind renders without an unfilled placeholder -------------------------------------

PLACEHOLDER = re.compile(r"[<‹][a-zæøå][a-zæøå ]*[>›]|\{[a-z_]+\}", re.IGNORECASE)


class Recorder:
    """A notifier that keeps nothing: the delivery's ``on_sent`` sees each rendered post."""

    def __init__(self) -> None:
        self.count = 0

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        self.count += 1
        return Posted(recipient if recipient != "-" else "D0", f"{self.count}.0")

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        return None

    def upload(self, attachment: Attachment) -> str:
        return attachment.filename

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        pass

    def find_share(self, posted: Posted, file_id: str) -> bool:
        return False

    def update(self, posted: Posted, reply: Reply) -> None:
        pass

    def delete(self, posted: Posted) -> None:
        pass


@pytest.fixture
def delivered(sessions: SessionFactory, clock: FixedClock) -> Iterator[dict[str, list[str]]]:
    """Every post kind delivered in a season's worth of clicks, by kind: their texts."""
    seen: dict[str, list[str]] = {}

    def on_sent(row: Claimed, rendered: Rendered) -> None:
        seen.setdefault(row.kind, []).append(rendered.reply.text + " ".join(
            f"{p.label} {p.placeholder} {p.command}" for p in rendered.reply.picks))  # fmt: skip

    delivery = Delivery(
        sessions, Recorder(), clock, ZoneInfo("Europe/Copenhagen"), network_id=network_id(sessions),
        config=DeliveryConfig(workers=1, per_channel_interval=0), on_sent=on_sent,
    )  # fmt: skip
    try:
        yield from _season(sessions, clock, delivery, seen)
    finally:
        delivery.close()


def _season(
    sessions: SessionFactory, clock: FixedClock, delivery: Delivery, seen: dict[str, list[str]]
) -> Iterator[dict[str, list[str]]]:
    service = new_service(sessions, clock, registration="approval", profiles=PROFILES.get)
    with transaction(sessions) as session:  # KL's weekly digest, as KLIMANET_DIGEST plans it
        network = session.scalars(select(Network)).one()
        digest.plan(
            session, network, DigestTime(0, time(8, 0)), ZoneInfo("Europe/Copenhagen"), clock.now()
        )

    def until(when: datetime) -> None:
        while (due := service.next_post_due(when)) is not None and due <= when:
            clock.set(max(due, clock.now()))
            delivery.drain()
        clock.set(when)
        delivery.drain()

    def approve(actor: object, by: object = FACILITATOR) -> None:
        request = pending_request_of(sessions, actor)  # type: ignore[arg-type]
        click(service, by, "request_approve", request)  # type: ignore[arg-type]

    say(service, ANNA, "tilmeld Aarhus")
    approve(ANNA)
    for actor in (BO, CARL):
        say(service, actor, "tilmeld Aarhus")
        approve(actor, ANNA)
    say(service, GITTE, "tilmeld Odense")
    say(service, FACILITATOR, MEETING)
    say(
        service, FACILITATOR, MEETING.replace("14.01.2027", "21.01.2027").replace("Vinter", "Andet")
    )
    # A meeting planned before its link exists: reminded, then its announcement waits.
    say(service, FACILITATOR, 'møde opret 28.01.2027 10:00-12:00 online "Uden link endnu"')
    say(service, FACILITATOR, "nyt Husk at tilmelde jer")
    delivery.drain()
    click(service, FACILITATOR, "request_reject", pending_request_of(sessions, GITTE))
    say(service, BO, f"overdrag {mention(EVA)}")
    delivery.drain()
    click(service, EVA, "offer_decline", pending_offer_to(sessions, EVA))
    say(service, FACILITATOR, f"admin plads Odense fast {mention(FRANK)} Ny kontaktperson")
    # A poll: Carl casts Aarhus' vote, Anna changes it (Carl is told), Odense's coordinator is
    # reminded the day before, and the result comes at closing.
    say(service, FACILITATOR, 'afstemning opret "Tema?" "Affald" "Mobilitet" luk 10.12.2026 12:00')
    delivery.drain()
    click(service, CARL, "poll_vote", "1:1")
    click(service, ANNA, "poll_vote", "1:2")
    until(datetime(2026, 12, 31, 8, 0, tzinfo=UTC))  # the announcement of #1 (14 days before)
    say(service, FACILITATOR, "møde flyt 1 14.01.2027 11:00-13:00")
    until(datetime(2027, 1, 7, 9, 0, tzinfo=UTC))  # the agenda (7 days before)
    say(service, FACILITATOR, 'punkt tilføj 1 "Affaldsplaner" type=eksternt')
    say(service, CARL, "afbud 1")
    delivery.drain()
    say(service, ANNA, f"vikar 1 {mention(DORTE)}")
    delivery.drain()
    click(service, DORTE, "offer_accept", pending_offer_to(sessions, DORTE))
    delivery.drain()
    say(service, BO, "slet-mig")
    service.click(BO, Action.ERASE_CONFIRM, "")
    with sessions() as session:
        now = clock.now()
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "agenda")).first()
        assert row is not None
        claimed = Claimed.as_first_post(row)
        notices.facilitators_told(
            session, [claimed], [FACILITATOR.user_id], PostKind.DEAD_NOTICE, "not_in_channel", now
        )
        notices.facilitators_told(
            session, [claimed], [FACILITATOR.user_id], PostKind.MISSED_NOTICE, "missed", now
        )
        notices.lookup_unavailable(
            session, "history", "channels:history", [FACILITATOR.user_id], now
        )
        session.commit()
    # Slides before the meeting go out when it ends; the minutes after it update that post.
    say(service, FACILITATOR, "materiale 1 https://kl.dk/oplaeg.pdf Oplæg")
    until(datetime(2027, 1, 14, 12, 30, tzinfo=UTC))  # through the meeting's start and end
    say(service, FACILITATOR, "materiale 1 https://kl.dk/referat.pdf Referat")
    cancelled = say(service, FACILITATOR, "møde aflys 2 Sygdom")
    for button in cancelled.buttons[:1]:  # where cancelling asks for a confirmation first
        click(service, FACILITATOR, button.action_id, button.value)
    # Frank is removed from the network's place on the platform: the facilitators are told.
    service.member_departed(FRANK)
    # The coordinator leaves: Carl, the other holder, is offered the fixed seat.
    say(service, ANNA, "slet-mig")
    service.click(ANNA, Action.ERASE_CONFIRM, "")
    until(datetime(2027, 1, 15, 9, 0, tzinfo=UTC))
    yield seen


def test_every_post_kind_renders_without_a_placeholder_left(
    delivered: dict[str, list[str]],
) -> None:
    # FANOUT stands for direct messages until it is due; HOME is published, not posted.
    every = {k.value for k in PostKind} - {PostKind.FANOUT, PostKind.HOME}
    assert every <= set(delivered), every - set(delivered)
    for kind, found in delivered.items():
        for text in found:
            assert not PLACEHOLDER.search(text), (kind, PLACEHOLDER.search(text), text)
    # The coordinator's notice names the seat to send a colleague to.
    assert any("vikar 1 @kollega fleksibel 2" in t for t in delivered[PostKind.REGRETS_NOTICE])
    assert any("tager din plads" in t for t in delivered[PostKind.SUBSTITUTE_NOTICE])


def test_a_coordinator_whose_seat_a_substitute_fills_is_still_asked_whom_to_send(
    aarhus: Klimanet, sessions: SessionFactory
) -> None:
    service = aarhus
    say(service, ANNA, f"afbud 1 {mention(EVA)}")
    click(service, EVA, "offer_accept", latest(sessions, SeatOffer))
    with sessions() as session:
        network = session.scalars(select(Network)).one()
        meeting = session.scalars(select(Meeting)).one()
        (anna,) = planner.audience(session, network, meeting, planner.Audience.COORDINATORS)
        assert anna.person.account == ANNA.user_id
        text = announce_dm_reply(session, meeting, anna, TZ).text
    assert "Du har selv meldt afbud" not in text  # Eva already takes her place
    assert "Fast plads: Eva Holm (vikar for Anna Jensen) – bekræftet" in text
