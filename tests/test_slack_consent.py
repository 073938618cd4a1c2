"""Seat changes with consent, end to end as Slack sends them: signed slash commands and clicks on
the messages the bot really posted (delivered from the outbox to the fake Web API), answers on
the response_url, and consent messages updated in place with chat.update."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts
from bot.clock import FixedClock
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.mentions import Mention
from bot.models import Attendance, Meeting, Person, SeatOffer, SeatRequest
from bot.replies import Outcome
from bot.service.parsing import mentions, tokens
from handlers.slack.blocks import mrkdwn
from tests.support.fake_slack import Call, FakeSlack
from tests.support.seats import attendance, history
from tests.support.slackbot import ADMIN, SlackBot, buttons, running_bot, slack_error

ANNA, BO, CARL, DORTE, EVA, FRODE, GITTE = (
    "U0ANNA",
    "U0BO",
    "U0CARL",
    "U0DORTE",
    "U0EVA",
    "U0FRODE",
    "U0GITTE",
)
NAMES = {
    ADMIN: "Sara Røpke",
    ANNA: "Anna Jensen",
    BO: "Bo Hansen",
    CARL: "Carl Nielsen",
    DORTE: "Dorte Lund",
    EVA: "Eva Holm",
    FRODE: "Frode Berg",
    GITTE: "Gitte Krogh",
}
# 15 January 2027 10:00 Copenhagen (CET) = 09:00 UTC.
CREATE = (
    'møde opret 15.01.2027 10:00-12:00 online "Vintermøde" tema=affald link=https://m.example/1'
)
ANNOUNCE_AT = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)  # 14 days before at 09:00 CET
AGENDA_AT = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)  # 7 days before at 09:00 CET
CONFIRM_AT = datetime(2027, 1, 13, 8, 0, tzinfo=UTC)  # 2 days before at 09:00 CET


def ref(user_id: str) -> str:
    """A mention as Slack escapes it in a slash command's text."""
    return f"<@{user_id}|{NAMES[user_id].split()[0].lower()}>"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for user_id, name in NAMES.items():
            fake.add_user(user_id, name)
        yield fake
        fake.assert_no_invalid_payloads()


def _quick(bot: SlackBot) -> SlackBot:
    # Slack's one-post-per-second pacing only slows tests down; the fake does not rate limit.
    bot.runtime.delivery._pacer.interval = 0.0
    return bot


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock, registration="open") as bot:
        yield _quick(bot)


@pytest.fixture
def approval_bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock, registration="approval") as bot:
        yield _quick(bot)


# -- helpers ------------------------------------------------------------------------------------


def dm(bot: SlackBot, user_id: str, needle: str) -> dict[str, Any]:
    """The newest message in the bot's DM with ``user_id`` containing ``needle``, as it stands."""
    found = [m for m in bot.fake.messages(user_id) if needle in str(m.get("text"))]
    assert found, (needle, [m.get("text") for m in bot.fake.messages(user_id)])
    return found[-1]


def dms(bot: SlackBot, user_id: str) -> list[str]:
    return [str(m.get("text")) for m in bot.fake.messages(user_id)]


def updates_of(bot: SlackBot, message: dict[str, Any]) -> list[Call]:
    return [c for c in bot.fake.calls("chat.update", ok=True) if c.args["ts"] == message["ts"]]


def seated(bot: SlackBot) -> dict[tuple[int, str, int], tuple[str, str, str]]:
    """Who fills which seat at meeting #1 other than its holder by default."""
    return attendance(bot.runtime.core.sessions, 1)


def set_clock(clock: FixedClock, at: datetime) -> None:
    clock.advance(at - clock.now())


AARHUS, ODENSE = 751, 461


# -- approvals ----------------------------------------------------------------------------------


def test_first_registration_by_a_facilitator_the_next_by_the_coordinator(
    approval_bot: SlackBot,
) -> None:
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    assert bot.holder(AARHUS, "fixed") == ANNA  # held for her while it waits
    bot.drain()
    ask = dm(bot, ADMIN, "Anna Jensen")
    assert "første tilmelding" in ask["text"]
    assert list(buttons(ask)) == ["request_approve", "request_reject"]

    # Someone who may not approve is told so, in Danish; nothing changes.
    refused = bot.click(CARL, "request_approve", ask, f"D{ADMIN}")
    assert refused.args["text"] == slack_error(ErrorKind.NOT_APPROVER)
    assert refused.args.get("replace_original") is not True

    approved = bot.click(ADMIN, "request_approve", ask, f"D{ADMIN}")
    assert approved.args.get("replace_original") is True
    bot.drain()
    assert "Din tilmelding er godkendt" in dm(bot, ANNA, "godkendt")["text"]
    # The approval message is updated in place: the outcome, no buttons left.
    [update] = updates_of(bot, ask)
    assert "Anmodningen er *godkendt*" in update.args["text"]
    assert "actions" not in {b["type"] for b in update.args["blocks"]}

    # A double click on the stale Godkend.
    again = bot.click(ADMIN, "request_approve", ask, f"D{ADMIN}")
    assert again.args["text"] == slack_error(ErrorKind.REQUEST_CLOSED, status="approved")

    # The second registration in Aarhus goes to its coordinator (Anna), not to KL.
    admin_messages = len(bot.fake.messages(ADMIN))
    bot.say(BO, "tilmeld Aarhus")
    bot.drain()
    assert len(bot.fake.messages(ADMIN)) == admin_messages
    ask_anna = dm(bot, ANNA, "Bo Hansen")
    assert "første tilmelding" not in ask_anna["text"]
    approved = bot.click(ANNA, "request_approve", ask_anna, f"D{ANNA}")
    assert approved.args.get("replace_original") is True
    bot.drain()
    assert "Din tilmelding er godkendt" in dm(bot, BO, "godkendt")["text"]
    assert "Anmodningen er *godkendt*" in updates_of(bot, ask_anna)[-1].args["text"]
    assert bot.holder(AARHUS, "flexible", 1) == BO
    overview = bot.say(BO, "pladser")
    assert "Bo Hansen" in overview and "Anna Jensen" in overview


def test_a_rejected_registration_frees_the_seat(approval_bot: SlackBot) -> None:
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    bot.drain()
    bot.click(ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    bot.say(BO, "tilmeld Aarhus")
    bot.drain()
    ask = dm(bot, ANNA, "Bo Hansen")
    assert bot.holder(AARHUS, "flexible", 1) == BO  # held for him while pending

    rejected = bot.click(ANNA, "request_reject", ask, f"D{ANNA}")
    assert rejected.args.get("replace_original") is True
    bot.drain()
    assert "blev desværre afvist" in dm(bot, BO, "afvist")["text"]
    assert "Anmodningen er *afvist*" in updates_of(bot, ask)[-1].args["text"]
    assert bot.holder(AARHUS, "flexible", 1) is None
    already = slack_error(ErrorKind.REQUEST_CLOSED, status="rejected")
    assert bot.click(ANNA, "request_reject", ask, f"D{ANNA}").args["text"] == already
    assert bot.click(ANNA, "request_approve", ask, f"D{ANNA}").args["text"] == already
    assert bot.holder(AARHUS, "flexible", 1) is None
    with bot.runtime.core.sessions() as session:
        assert [r.status for r in session.scalars(select(SeatRequest))] == [
            "approved",
            "rejected",
        ]

    # The freed seat can be taken again.
    bot.say(CARL, "tilmeld Aarhus fleksibel")
    assert bot.holder(AARHUS, "flexible", 1) == CARL


# -- handover -----------------------------------------------------------------------------------


def offer_dm(bot: SlackBot, user_id: str) -> dict[str, Any]:
    bot.drain()
    message = dm(bot, user_id, ":handshake:")
    assert list(buttons(message)) == ["offer_accept", "offer_decline"]
    return message


def test_handover_accepted_moves_the_seat(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    sent = bot.command(ANNA, f"overdrag {ref(CARL)}")
    assert "Jeg har spurgt *Carl Nielsen*, om de vil overtage den faste plads" in sent.args["text"]
    assert list(buttons(sent.args)) == ["offer_withdraw"]
    offer = offer_dm(bot, CARL)
    assert "*Anna Jensen* vil overdrage den faste plads i *Aarhus* til dig" in offer["text"]

    accepted = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert accepted.args.get("replace_original") is True
    bot.drain()
    [update] = updates_of(bot, offer)
    assert "Tilbuddet er *accepteret*" in update.args["text"]
    assert "actions" not in {b["type"] for b in update.args["blocks"]}
    assert "*Carl Nielsen* har accepteret" in dm(bot, ANNA, "accepteret")["text"]
    assert bot.holder(AARHUS, "fixed", 1) == CARL
    assert bot.say(ANNA, "pladser") == mrkdwn(texts.registration.seats_not_registered())

    # A second click on Acceptér: a clear answer, nothing moves.
    again = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert again.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="accepted")
    # Anna's old "Træk tilbage" after the accept.
    late = bot.click(
        ANNA, "offer_withdraw", None, "C0NET", value=buttons(sent.args)["offer_withdraw"]
    )
    assert late.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="accepted")
    assert bot.holder(AARHUS, "fixed", 1) == CARL


def test_a_mention_reaches_the_service_as_a_neutral_mention(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Slack adapter reads ``<@U…|name>``; the service gets a ``bot.mentions`` mention."""
    service = bot.runtime.core.service
    seen: list[str] = []
    real = service.command

    def recording(actor: Actor, text: str) -> Outcome:
        seen.append(text)
        return real(actor, text)

    monkeypatch.setattr(service, "command", recording)
    bot.say(ANNA, "tilmeld Aarhus")
    bot.command(ANNA, f"overdrag {ref(CARL)} fast")
    found, rest = mentions(tokens(seen[-1]))
    assert found == [Mention(CARL, ref(CARL), "carl")] and rest == ["overdrag", "fast"]
    offer_dm(bot, CARL)  # the offer reached the person mentioned
    refusal = bot.command(ANNA, "overdrag <!here>")  # a broadcast names nobody
    assert refusal.args["text"] == slack_error(ErrorKind.MENTION_MISSING, command="overdrag")


def test_handover_declined(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    declined = bot.click(CARL, "offer_decline", offer, f"D{CARL}")
    assert declined.args.get("replace_original") is True
    bot.drain()
    assert "Tilbuddet er *afvist*" in updates_of(bot, offer)[-1].args["text"]
    assert "er afvist" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    assert bot.holder(AARHUS, "fixed", 1) == ANNA
    # Someone else's button: not theirs to press.
    bot.say(ANNA, f"overdrag {ref(DORTE)}")
    offer = offer_dm(bot, DORTE)
    not_yours = bot.click(BO, "offer_accept", offer, f"D{DORTE}")
    assert not_yours.args["text"] == slack_error(ErrorKind.OFFER_NOT_YOURS)
    assert bot.holder(AARHUS, "fixed", 1) == ANNA


def test_withdraw_by_button_and_by_fortryd(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    sent = bot.command(ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    # The offerer's answer is an ephemeral message: Slack sends no message with the click.
    value = buttons(sent.args)["offer_withdraw"]
    bot.click(ANNA, "offer_withdraw", None, "C0NET", value=value)
    bot.drain()
    assert "Tilbuddet er *trukket tilbage*" in updates_of(bot, offer)[-1].args["text"]
    stale = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert stale.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="withdrawn")
    assert bot.holder(AARHUS, "fixed", 1) == ANNA

    bot.say(ANNA, f"overdrag {ref(DORTE)}")
    offer = offer_dm(bot, DORTE)
    bot.say(ANNA, "fortryd")
    bot.drain()
    assert "Tilbuddet er *trukket tilbage*" in updates_of(bot, offer)[-1].args["text"]
    stale = bot.click(DORTE, "offer_accept", offer, f"D{DORTE}")
    assert stale.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="withdrawn")
    assert bot.say(ANNA, "fortryd") == slack_error(ErrorKind.NO_OPEN_OFFERS)
    assert bot.holder(AARHUS, "fixed", 1) == ANNA
    # The offerer is not told about their own withdrawal.
    assert not [t for t in dms(bot, ANNA) if "trukket tilbage" in t]


def test_an_expired_offer(bot: SlackBot, clock: FixedClock) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Odense")
    bot.say(ANNA, f"overdrag {ref(CARL)}")
    bot.say(BO, f"overdrag {ref(DORTE)}")
    offer_carl = offer_dm(bot, CARL)
    offer_dorte = offer_dm(bot, DORTE)
    clock.advance(timedelta(hours=72, minutes=1))

    # The expiry job closes the offer and updates the message.
    assert bot.runtime.core.service.expire_offers() == 2
    bot.drain()
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer_carl)[-1].args["text"]
    assert "er udløbet" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    stale = bot.click(CARL, "offer_accept", offer_carl, f"D{CARL}")
    assert stale.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="expired")
    assert bot.holder(AARHUS, "fixed", 1) == ANNA
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer_dorte)[-1].args["text"]
    assert bot.holder(ODENSE, "fixed", 1) == BO


def test_a_click_on_an_offer_past_its_time_before_the_expiry_job(
    bot: SlackBot, clock: FixedClock
) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    clock.advance(timedelta(hours=73))
    late = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert late.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="expired")
    assert bot.holder(AARHUS, "fixed", 1) == ANNA
    bot.drain()
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer)[-1].args["text"]
    assert "er udløbet" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    with bot.runtime.core.sessions() as session:
        assert [o.status for o in session.scalars(select(SeatOffer))] == ["expired"]
    # The offer is closed: Anna may offer the seat again.
    again = bot.command(ANNA, f"overdrag {ref(CARL)}")
    assert list(buttons(again.args)) == ["offer_withdraw"]
    with bot.runtime.core.sessions() as session:
        assert [o.status for o in session.scalars(select(SeatOffer))] == ["expired", "pending"]


# -- swap, substitutes, regrets, attendance, history, admin -------------------------------------


def test_swap(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    bot.say(CARL, "tilmeld Odense")
    other_town = bot.say(ANNA, f"byt {ref(CARL)}")
    assert other_town == slack_error(ErrorKind.NOT_SAME_MUNICIPALITY, name="Carl Nielsen")
    bot.say(ANNA, f"byt {ref(BO)}")
    offer = offer_dm(bot, BO)
    assert "bytte plads med dig: du får den faste plads i *Aarhus*" in offer["text"]
    bot.click(BO, "offer_accept", offer, f"D{BO}")
    bot.drain()
    assert "Tilbuddet er *accepteret*" in updates_of(bot, offer)[-1].args["text"]
    assert bot.holder(AARHUS, "fixed", 1) == BO
    assert bot.holder(AARHUS, "flexible", 1) == ANNA
    bot.say(ANNA, "historik")
    swapped = [e for e in history(bot.runtime.core.sessions, AARHUS) if e.action == "swapped"]
    assert [(e.kind, e.person, e.previous) for e in swapped] == [
        ("fixed", BO, ANNA),
        ("flexible", ANNA, BO),
    ]


def create_meeting(bot: SlackBot) -> Meeting:
    bot.say(ADMIN, CREATE)
    with bot.runtime.core.sessions() as session:
        return session.scalars(select(Meeting)).one()


def test_substitutes_regrets_and_the_roster(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")  # fixed: Aarhus' coordinator
    bot.say(BO, "tilmeld Aarhus")  # flexible 1
    bot.say(CARL, "tilmeld Aarhus")  # flexible 2
    bot.say(GITTE, "tilmeld Odense")
    create_meeting(bot)

    # The coordinator sends a colleague on flexible seat 2 for meeting #1, once Carl, who
    # holds it, has sent regrets: never in the place of someone who comes.
    not_coordinator = bot.say(BO, f"vikar 1 {ref(DORTE)} fleksibel 2")
    assert not_coordinator == slack_error(ErrorKind.NOT_COORDINATOR, municipality="Aarhus")
    carl_comes = bot.say(ANNA, f"vikar 1 {ref(DORTE)} fleksibel 2")
    assert carl_comes == slack_error(
        ErrorKind.HOLDER_COMING, name="Carl Nielsen", seat_kind="flexible", slot=2, number=1
    )
    assert "afbud 1" in carl_comes
    bot.say(CARL, "afbud 1")
    bot.say(ANNA, f"vikar 1 {ref(DORTE)} fleksibel 2")
    offer = offer_dm(bot, DORTE)
    assert "som vikar på den fleksible plads 2 i *Aarhus* til #1 Vintermøde" in offer["text"]
    accepted = bot.click(DORTE, "offer_accept", offer, f"D{DORTE}")
    assert accepted.args.get("replace_original") is True
    assert seated(bot)[(AARHUS, "flexible", 2)] == (DORTE, "substitute", "confirmed")
    bot.drain()
    # Carl is told who takes his seat, and for which meeting.
    told = dm(bot, CARL, "tager din plads")["text"]
    assert "*Dorte Lund* tager din plads (den fleksible plads 2 i *Aarhus*)" in told
    assert "#1 Vintermøde" in told
    assert "Tilbuddet er *accepteret*" in updates_of(bot, offer)[-1].args["text"]
    assert bot.holder(AARHUS, "flexible", 2) == CARL  # a substitute, not a handover

    # Regrets without a substitute: the coordinator is told.
    bot.say(BO, "afbud 1")
    assert seated(bot)[(AARHUS, "flexible", 1)] == (BO, "holder", "declined")
    bot.drain()
    notice = dm(bot, ANNA, "har meldt afbud")
    assert (
        "*Bo Hansen* har meldt afbud til #1 Vintermøde på den fleksible plads 1" in (notice["text"])
    )
    assert "vikar 1 @kollega" in notice["text"]
    # …and changed his mind.
    bot.say(BO, "deltager 1")
    assert seated(bot)[(AARHUS, "flexible", 1)] == (BO, "holder", "confirmed")

    # Regrets naming a substitute for one's own seat.
    bot.say(ANNA, f"afbud 1 {ref(EVA)}")
    offer = offer_dm(bot, EVA)
    bot.click(EVA, "offer_accept", offer, f"D{EVA}")
    # A substitute cannot pass the seat on.
    assert bot.say(EVA, f"afbud 1 {ref(FRODE)}") == slack_error(ErrorKind.SUBSTITUTE_CHAIN)

    # Odense's only holder sends regrets: nobody comes from Odense.
    bot.say(GITTE, "afbud 1")
    assert seated(bot) == {
        (AARHUS, "fixed", 1): (EVA, "substitute", "confirmed"),
        (AARHUS, "flexible", 1): (BO, "holder", "confirmed"),
        (AARHUS, "flexible", 2): (DORTE, "substitute", "confirmed"),
        (ODENSE, "fixed", 1): (GITTE, "holder", "declined"),
    }
    # What the roster makes of it, as people read it: who comes, and who nobody comes from.
    roster = bot.say(FRODE, "deltagere 1").lower()
    assert "*deltagere i #1 vintermøde*" in roster
    assert "fast plads: eva holm (vikar) – bekræftet" in roster
    assert "fast plads: gitte krogh – afbud" in roster
    assert "ingen kommer fra: odense" in roster
    assert "aarhus" not in roster.split("ingen kommer fra:")[1]

    # Aarhus' history is Aarhus': Gitte's regrets for Odense are not in it.
    assert "gitte" not in bot.say(ANNA, "historik").lower()
    assert "Gitte Krogh" in bot.say(ANNA, "historik Odense")
    sessions = bot.runtime.core.sessions
    events = {(e.action, e.kind, e.slot, e.person) for e in history(sessions, AARHUS)}
    assert {
        ("substitute", "flexible", 2, DORTE),
        ("regrets", "flexible", 1, BO),
        ("substitute", "fixed", 1, EVA),
    } <= events
    assert {e.person for e in history(sessions, ODENSE)} == {GITTE}


def test_facilitator_corrects_a_seat(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    bot.say(CARL, "tilmeld Aarhus")
    command = f"admin plads Aarhus fleksibel 2 {ref(FRODE)} Har forladt kommunen"
    assert bot.say(ANNA, command) == slack_error(ErrorKind.NOT_FACILITATOR)
    assert bot.holder(AARHUS, "flexible", 2) == CARL
    bot.say(ADMIN, command)
    assert bot.holder(AARHUS, "flexible", 2) == FRODE
    bot.drain()
    assert (
        "Begrundelse: Har forladt kommunen"
        in dm(bot, FRODE, "En facilitator har givet dig")["text"]
    )
    assert "som du havde" in dm(bot, CARL, "En facilitator har frigjort")["text"]
    bot.say(ANNA, "historik Aarhus")
    assert history(bot.runtime.core.sessions, AARHUS)[-1] == (
        "admin_set",
        "flexible",
        2,
        FRODE,
        CARL,
        "Har forladt kommunen",
    )
    # Someone who already holds a seat cannot be put on a second one.
    assert bot.say(ADMIN, f"admin plads Aarhus fast {ref(BO)} test") == slack_error(
        ErrorKind.TARGET_HAS_SEAT, name="Bo Hansen", municipality="Aarhus"
    )
    assert bot.holder(AARHUS, "fixed", 1) == ANNA


# -- the meeting's own rounds ---------------------------------------------------------------------


def test_announcement_pick_and_the_still_coming_round(bot: SlackBot, clock: FixedClock) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    meeting = create_meeting(bot)

    set_clock(clock, ANNOUNCE_AT - timedelta(minutes=1))
    bot.drain()
    assert dms(bot, ANNA) == []
    set_clock(clock, ANNOUNCE_AT)
    bot.drain()
    announce = dm(bot, ANNA, "Netværket mødes")
    picks = [
        b
        for b in announce["blocks"]
        if b.get("accessory", {}).get("type") == "users_select"
        and b["accessory"]["action_id"] == "pick_substitute"
    ]
    # Only the seat nobody fills has a picker: Bo comes, so nobody is sent in his place.
    assert [b["block_id"] for b in picks] == [f"pick:{meeting.id}:2"]
    assert "ledig" in picks[0]["text"]["text"]
    assert "Fleksibel plads 1: Bo Hansen – ikke bekræftet" in announce["text"]
    assert dms(bot, BO) == []  # the announcement DM is for the coordinator

    picked = bot.click(
        ANNA,
        "pick_substitute",
        announce,
        f"D{ANNA}",
        block_id=f"pick:{meeting.id}:2",
        action_type="users_select",
        selected_user=DORTE,
    )
    assert (
        "Jeg har spurgt *Dorte Lund*, om de vil tage den fleksible plads 2 i *Aarhus*"
        in (picked.args["text"])
    )
    offer = offer_dm(bot, DORTE)
    assert "som vikar på den fleksible plads 2 i *Aarhus* til #1 Vintermøde" in offer["text"]
    bot.click(DORTE, "offer_accept", offer, f"D{DORTE}")

    set_clock(clock, AGENDA_AT)
    bot.drain()
    set_clock(clock, CONFIRM_AT - timedelta(minutes=1))
    bot.drain()
    assert not [t for t in dms(bot, BO) if "Kommer du stadig?" in t]
    set_clock(clock, CONFIRM_AT)
    bot.drain()
    for user_id in (ANNA, BO):
        assert "Kommer du stadig?" in dm(bot, user_id, "Kommer du stadig?")["text"]
    # Dorte said yes to the offer: she is not asked again whether she comes.
    assert not [t for t in dms(bot, DORTE) if "Kommer du stadig?" in t]
    ask = dm(bot, BO, "Kommer du stadig?")
    assert list(buttons(ask)) == ["attend_yes", "attend_no"]

    answer = bot.click(BO, "attend_no", ask, f"D{BO}")
    assert answer.args.get("replace_original") is True
    bot.drain()
    notice = dm(bot, ANNA, "har meldt afbud")
    assert "*Bo Hansen* har meldt afbud til #1 Vintermøde" in notice["text"]
    assert "Vil du sende en kollega i stedet" in notice["text"]
    assert "vikar 1 @kollega fleksibel 1" in notice["text"]  # the seat Bo left, filled in
    with bot.runtime.core.sessions() as session:
        row = session.scalars(
            select(Attendance)
            .join(Person, Person.id == Attendance.person_id)
            .where(Person.account == BO, Attendance.meeting_id == meeting.id)
        ).one()
        assert (row.role, row.status) == ("holder", "declined")

    # The notice's picker sends a colleague to Bo's seat, not to another.
    picked = bot.click(
        ANNA,
        "pick_substitute",
        notice,
        f"D{ANNA}",
        block_id=f"pick:{meeting.id}:1",
        action_type="users_select",
        selected_user=EVA,
    )
    assert (
        "den fleksible plads 1 i *Aarhus* til #1 Vintermøde i stedet for Bo Hansen"
        in (picked.args["text"])
    )
    bot.click(EVA, "offer_accept", offer_dm(bot, EVA), f"D{EVA}")
    assert seated(bot) == {
        (AARHUS, "flexible", 1): (EVA, "substitute", "confirmed"),
        (AARHUS, "flexible", 2): (DORTE, "substitute", "confirmed"),
    }
    bot.drain()
    assert "*Eva Holm* tager din plads" in dm(bot, BO, "tager din plads")["text"]
    # Each one's meetings say it: Bo that Eva takes his place, Eva whose place she takes.
    assert "Eva Holm er vikar på din plads" in bot.say(BO, "møder")
    assert "Du er vikar for Bo Hansen på den fleksible plads 1 i Aarhus" in bot.say(EVA, "møder")


# -- mentions -----------------------------------------------------------------------------------


def test_mentions_that_cannot_be_used(bot: SlackBot, fake: FakeSlack) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    plain = bot.say(ANNA, "overdrag @carl")
    assert plain == slack_error(ErrorKind.MENTION_UNRESOLVED, value="@carl")
    fake.add_user("U0GONE", "Gorm Gået", deleted=True)
    gone = bot.say(ANNA, "overdrag <@U0GONE|gorm>")
    assert gone == slack_error(ErrorKind.TARGET_GONE, name="Gorm Gået")
    assert bot.say(ANNA, "overdrag") == slack_error(ErrorKind.MENTION_MISSING, command="overdrag")
    assert bot.say(ANNA, f"overdrag {ref(ANNA)}") == slack_error(ErrorKind.SELF_TARGET)
    with bot.runtime.core.sessions() as session:
        assert session.scalars(select(SeatOffer)).all() == []
    bot.drain()
    assert fake.calls("chat.postMessage") == []


# -- known bugs (strict: they fail loudly once fixed, then drop the marker) ----------------------


def test_an_offer_from_someone_who_has_left_the_seat(approval_bot: SlackBot) -> None:
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    bot.drain()
    bot.click(ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    bot.say(BO, "tilmeld Aarhus")
    bot.drain()
    bot.click(ANNA, "request_approve", dm(bot, ANNA, "Bo Hansen"), f"D{ANNA}")
    bot.say(BO, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    ask = bot.command(BO, "afmeld")
    value = buttons(ask.args)["release_confirm"]
    released = bot.click(BO, "release_confirm", None, "C0NET", value=value)
    assert released.args.get("replace_original") is True
    assert bot.holder(AARHUS, "flexible", 1) is None

    late = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert bot.holder(AARHUS, "flexible", 1) is None, late.args["text"]
    assert late.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="void")


def test_a_substitute_named_by_the_previous_holder(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    create_meeting(bot)
    bot.say(BO, f"afbud 1 {ref(EVA)}")
    substitute_offer = offer_dm(bot, EVA)
    bot.say(BO, f"overdrag {ref(CARL)}")
    bot.click(CARL, "offer_accept", offer_dm(bot, CARL), f"D{CARL}")
    assert bot.holder(AARHUS, "flexible", 1) == CARL

    late = bot.click(EVA, "offer_accept", substitute_offer, f"D{EVA}")
    roster = bot.say(ANNA, "deltagere 1").lower()
    assert "Du er vikar" not in late.args["text"], roster
    assert "fleksibel plads 1: carl nielsen" in roster, roster


def test_history_names_the_facilitator_by_their_profile_name(approval_bot: SlackBot) -> None:
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    bot.drain()
    bot.click(ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    bot.say(ADMIN, f"admin plads Aarhus fleksibel 1 {ref(BO)} Aftalt med KL")
    history = bot.say(ANNA, "historik")
    assert "godkendt – Anna Jensen, af Sara Røpke" in history, history
    assert "af Sara Røpke. Begrundelse: Aftalt med KL" in history, history


def test_an_expiry_found_by_a_click_is_in_the_history(bot: SlackBot, clock: FixedClock) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    clock.advance(timedelta(hours=73))
    late = bot.click(CARL, "offer_accept", offer, f"D{CARL}")
    assert late.args["text"] == slack_error(ErrorKind.OFFER_CLOSED, status="expired")
    bot.say(ANNA, "historik")
    assert [e.action for e in history(bot.runtime.core.sessions, AARHUS)][-1] == "expired"


def test_afventer_in_slack_puts_each_request_with_its_own_buttons(approval_bot: SlackBot) -> None:
    """A DM gets buried; ``afventer`` brings what waits back, and the same handlers answer."""
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Odense")
    bot.drain()
    answer = bot.command(ADMIN, "afventer")
    blocks = answer.args["blocks"]
    assert [b["type"] for b in blocks] == ["section", "section", "actions", "section", "actions"]
    assert "Anna Jensen" in blocks[1]["text"]["text"] and "Bo Hansen" in blocks[3]["text"]["text"]
    bo_approve = blocks[4]["elements"][0]
    assert bo_approve["action_id"] == "request_approve"
    approved = bot.click(ADMIN, "request_approve", None, f"D{ADMIN}", value=bo_approve["value"])
    assert "Tilmeldingen fra Bo Hansen er godkendt" in approved.args["text"]
    assert bot.holder(ODENSE, "fixed") == BO
    # The DM that asked first is updated too, and a second click is answered as stale.
    bot.drain()
    ask = dm(bot, ADMIN, "Bo Hansen")
    assert "Anmodningen er *godkendt*" in updates_of(bot, ask)[-1].args["text"]
    again = bot.click(ADMIN, "request_approve", None, f"D{ADMIN}", value=bo_approve["value"])
    assert "allerede godkendt" in again.args["text"]


def test_answering_one_afventer_item_in_slack_keeps_the_others_buttons(
    approval_bot: SlackBot,
) -> None:
    """The answer to one item comes below the list instead of replacing it: the other items'
    buttons stay, and answer what they say whichever was answered first."""
    bot = approval_bot
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Odense")
    bot.drain()
    blocks = bot.command(ADMIN, "afventer").args["blocks"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [a["block_id"] for a in actions] == ["item-1", "item-2"]
    bo_approve = actions[1]["elements"][0]
    approved = bot.click(
        ADMIN, "request_approve", None, f"D{ADMIN}", value=bo_approve["value"], block_id="item-2"
    )
    assert "Tilmeldingen fra Bo Hansen er godkendt" in approved.args["text"]
    assert approved.args.get("replace_original") is not True  # the list stays
    anna_approve = actions[0]["elements"][0]
    later = bot.click(
        ADMIN, "request_approve", None, f"D{ADMIN}", value=anna_approve["value"], block_id="item-1"
    )
    assert "Tilmeldingen fra Anna Jensen er godkendt" in later.args["text"]
    assert bot.holder(ODENSE, "fixed") == BO and bot.holder(AARHUS, "fixed") == ANNA


def test_did_you_mean_buttons_in_slack_complete_the_command(bot: SlackBot) -> None:
    answer = bot.command(ANNA, "tilmeld Sonderbrog fleksibel")
    [actions] = [b for b in answer.args["blocks"] if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    # Slack wants each action id once per block: the repeats are numbered.
    assert ids == ["pick_municipality", "pick_municipality#2", "pick_municipality#3"]
    second = actions["elements"][1]
    assert second["text"]["text"] == "Skanderborg"
    picked = bot.click(ANNA, second["action_id"], None, "C0NET", value=second["value"])
    assert "*Skanderborg Kommune* på den *fleksible plads 1*" in picked.args["text"]


def test_vikar_asks_which_seat_when_several_sent_regrets(bot: SlackBot) -> None:
    """Bo (flexible 1) and Carl (flexible 2) both send regrets: ``vikar`` never guesses; the
    seat chosen by button is the one the substitute takes, and its holder is told."""
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(BO, "tilmeld Aarhus")
    bot.say(CARL, "tilmeld Aarhus")
    create_meeting(bot)
    bot.say(BO, "afbud 1")
    bot.say(CARL, "afbud 1")
    answer = bot.command(ANNA, f"vikar 1 {ref(DORTE)}")
    assert "Flere fra *Aarhus* har meldt afbud til #1 Vintermøde" in answer.args["text"]
    choices = [
        e for b in answer.args["blocks"] if b.get("type") == "actions" for e in b["elements"]
    ]
    assert [e["text"]["text"] for e in choices] == [
        "Fast plads",
        "Fleksibel plads 1",
        "Fleksibel plads 2",
    ]
    assert all(e["action_id"].startswith("substitute_seat") for e in choices)
    assert seated(bot) == {
        (AARHUS, "flexible", 1): (BO, "holder", "declined"),
        (AARHUS, "flexible", 2): (CARL, "holder", "declined"),
    }
    carls = choices[2]
    sent = bot.click(ANNA, carls["action_id"], None, f"D{ANNA}", value=carls["value"])
    assert (
        "fleksible plads 2 i *Aarhus* til #1 Vintermøde i stedet for Carl Nielsen"
        in (sent.args["text"])
    )
    bot.click(DORTE, "offer_accept", offer_dm(bot, DORTE), f"D{DORTE}")
    assert seated(bot)[(AARHUS, "flexible", 2)] == (DORTE, "substitute", "confirmed")
    assert seated(bot)[(AARHUS, "flexible", 1)] == (BO, "holder", "declined")
    bot.drain()
    assert "*Dorte Lund* tager din plads" in dm(bot, CARL, "tager din plads")["text"]
    assert not [t for t in dms(bot, BO) if "tager din plads" in t]


def test_in_slack_a_colleague_takes_the_fixed_seat_the_coordinator_left(bot: SlackBot) -> None:
    for user in (ANNA, BO, CARL):
        bot.say(user, "tilmeld Aarhus")
    bot.command(ANNA, "afmeld")
    bot.click(ANNA, "release_confirm", None, f"D{ANNA}", value="release")
    bot.drain()
    to_bo = dm(bot, BO, "ikke længere en kontaktperson")
    to_carl = dm(bot, CARL, "ikke længere en kontaktperson")
    assert list(buttons(to_bo)) == ["take_fixed_seat"]
    taken = bot.click(BO, "take_fixed_seat", to_bo, f"D{BO}")
    assert "Du har nu den faste plads i *Aarhus*" in taken.args["text"]
    assert taken.args.get("replace_original") is True
    assert bot.holder(AARHUS, "fixed") == BO and bot.holder(AARHUS, "flexible") is None
    bot.drain()
    assert "er overtaget af Bo Hansen" in updates_of(bot, to_carl)[-1].args["text"]
    late = bot.click(CARL, "take_fixed_seat", to_carl, f"D{CARL}")
    assert late.args["text"] == slack_error(
        ErrorKind.FIXED_SEAT_CLAIMED, name="Bo Hansen", municipality="Aarhus"
    )
    assert bot.holder(AARHUS, "flexible", 2) == CARL
