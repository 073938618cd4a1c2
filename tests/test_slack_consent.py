"""Seat changes with consent, end to end as Slack sends them: signed slash commands and clicks on
the messages the bot really posted (delivered from the outbox to the fake Web API), answers on
the response_url, and consent messages updated in place with chat.update."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import Attendance, Meeting, Person, Seat, SeatOffer, SeatRequest
from tests.support.fake_slack import Call, FakeSlack
from tests.support.slackbot import ADMIN, SlackBot, running_bot

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
ERRORS = ("Noget gik galt", "Traceback", "KN-")
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


def say(bot: SlackBot, user_id: str, text: str) -> str:
    """``/klimanet text`` as ``user_id``; the answer's text, checked for errors."""
    answer = bot.command(user_id, text)
    assert answer.ok, answer
    body = str(answer.args["text"])
    assert not any(e in body for e in ERRORS), body
    return body


def drain(bot: SlackBot) -> None:
    stats = bot.runtime.delivery.drain()
    assert stats.dead == 0 and stats.retried == 0, stats


def dm(bot: SlackBot, user_id: str, needle: str) -> dict[str, Any]:
    """The newest message in the bot's DM with ``user_id`` containing ``needle``, as it stands."""
    found = [m for m in bot.fake.messages(user_id) if needle in str(m.get("text"))]
    assert found, (needle, [m.get("text") for m in bot.fake.messages(user_id)])
    return found[-1]


def dms(bot: SlackBot, user_id: str) -> list[str]:
    return [str(m.get("text")) for m in bot.fake.messages(user_id)]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of the message's buttons."""
    return {
        e["action_id"]: e.get("value", "")
        for b in message.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    }


def click(
    bot: SlackBot,
    user_id: str,
    action_id: str,
    message: dict[str, Any] | None,
    channel: str,
    *,
    value: str | None = None,
    **kwargs: Any,
) -> Call:
    """Click ``action_id`` on ``message`` (in ``channel``) and return the answer on the
    response_url. An ephemeral message (``None``: Slack sends none with the click) needs the
    button's ``value``."""
    if message is not None:
        value = buttons(message).get(action_id)
    before = len(bot.fake.calls("response_url"))
    response = bot.driver.block_action(
        user_id, action_id, value, message=message, channel_id=channel, **kwargs
    )
    assert response.status_code == 200, response.text
    answer = bot.fake.wait_for("response_url", count=before + 1)[before]
    assert answer.ok, answer
    assert not any(e in str(answer.args["text"]) for e in ERRORS), answer.args["text"]
    return answer


def updates_of(bot: SlackBot, message: dict[str, Any]) -> list[Call]:
    return [c for c in bot.fake.calls("chat.update", ok=True) if c.args["ts"] == message["ts"]]


def holder_of(bot: SlackBot, code: int, kind: str, slot: int) -> str | None:
    with bot.runtime.core.sessions() as session:
        seat = session.scalars(
            select(Seat).where(Seat.municipality_code == code, Seat.kind == kind, Seat.slot == slot)
        ).one()
        if seat.holder_id is None:
            return None
        person = session.get(Person, seat.holder_id)
        assert person is not None
        return person.user_id


def set_clock(clock: FixedClock, at: datetime) -> None:
    clock.advance(at - clock.now())


AARHUS, ODENSE = 751, 461


# -- approvals ----------------------------------------------------------------------------------


def test_first_registration_by_a_facilitator_the_next_by_the_coordinator(
    approval_bot: SlackBot,
) -> None:
    bot = approval_bot
    assert "venter på godkendelse fra en facilitator fra KL" in say(bot, ANNA, "tilmeld Aarhus")
    drain(bot)
    ask = dm(bot, ADMIN, "Anna Jensen")
    assert "første tilmelding" in ask["text"]
    assert list(buttons(ask)) == ["request_approve", "request_reject"]

    # Someone who may not approve is told so, in Danish; nothing changes.
    refused = click(bot, CARL, "request_approve", ask, f"D{ADMIN}")
    assert "Du kan ikke godkende den tilmelding" in refused.args["text"]
    assert refused.args.get("replace_original") is not True

    approved = click(bot, ADMIN, "request_approve", ask, f"D{ADMIN}")
    assert "Tilmeldingen fra Anna Jensen er godkendt" in approved.args["text"]
    assert approved.args.get("replace_original") is True
    drain(bot)
    assert "Din tilmelding er godkendt" in dm(bot, ANNA, "godkendt")["text"]
    # The approval message is updated in place: the outcome, no buttons left.
    [update] = updates_of(bot, ask)
    assert "Anmodningen er *godkendt*" in update.args["text"]
    assert "actions" not in {b["type"] for b in update.args["blocks"]}

    # A double click on the stale Godkend.
    again = click(bot, ADMIN, "request_approve", ask, f"D{ADMIN}")
    assert "allerede godkendt" in again.args["text"]

    # The second registration in Aarhus goes to its coordinator (Anna), not to KL.
    admin_messages = len(bot.fake.messages(ADMIN))
    assert "venter på godkendelse fra Aarhus' kontaktperson" in say(bot, BO, "tilmeld Aarhus")
    drain(bot)
    assert len(bot.fake.messages(ADMIN)) == admin_messages
    ask_anna = dm(bot, ANNA, "Bo Hansen")
    assert "første tilmelding" not in ask_anna["text"]
    approved = click(bot, ANNA, "request_approve", ask_anna, f"D{ANNA}")
    assert "Tilmeldingen fra Bo Hansen er godkendt" in approved.args["text"]
    drain(bot)
    assert "Din tilmelding er godkendt" in dm(bot, BO, "godkendt")["text"]
    assert "Anmodningen er *godkendt*" in updates_of(bot, ask_anna)[-1].args["text"]
    assert holder_of(bot, AARHUS, "flexible", 1) == BO
    overview = say(bot, BO, "pladser")
    assert "Bo Hansen" in overview and "Anna Jensen" in overview


def test_a_rejected_registration_frees_the_seat(approval_bot: SlackBot) -> None:
    bot = approval_bot
    say(bot, ANNA, "tilmeld Aarhus")
    drain(bot)
    click(bot, ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    say(bot, BO, "tilmeld Aarhus")
    drain(bot)
    ask = dm(bot, ANNA, "Bo Hansen")
    assert holder_of(bot, AARHUS, "flexible", 1) == BO  # held for him while pending

    rejected = click(bot, ANNA, "request_reject", ask, f"D{ANNA}")
    assert "Tilmeldingen fra Bo Hansen er afvist" in rejected.args["text"]
    drain(bot)
    assert "blev desværre afvist" in dm(bot, BO, "afvist")["text"]
    assert "Anmodningen er *afvist*" in updates_of(bot, ask)[-1].args["text"]
    assert holder_of(bot, AARHUS, "flexible", 1) is None
    assert "allerede afvist" in click(bot, ANNA, "request_reject", ask, f"D{ANNA}").args["text"]
    assert "allerede afvist" in click(bot, ANNA, "request_approve", ask, f"D{ANNA}").args["text"]
    assert holder_of(bot, AARHUS, "flexible", 1) is None
    with bot.runtime.core.sessions() as session:
        assert [r.status for r in session.scalars(select(SeatRequest))] == [
            "approved",
            "rejected",
        ]

    # The freed seat can be taken again.
    say(bot, CARL, "tilmeld Aarhus fleksibel")
    assert holder_of(bot, AARHUS, "flexible", 1) == CARL


# -- handover -----------------------------------------------------------------------------------


def offer_dm(bot: SlackBot, user_id: str) -> dict[str, Any]:
    drain(bot)
    message = dm(bot, user_id, ":handshake:")
    assert list(buttons(message)) == ["offer_accept", "offer_decline"]
    return message


def test_handover_accepted_moves_the_seat(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    sent = bot.command(ANNA, f"overdrag {ref(CARL)}")
    assert "Jeg har spurgt *Carl Nielsen*, om de vil overtage den faste plads" in sent.args["text"]
    assert list(buttons(sent.args)) == ["offer_withdraw"]
    offer = offer_dm(bot, CARL)
    assert "*Anna Jensen* vil overdrage den faste plads i *Aarhus* til dig" in offer["text"]

    accepted = click(bot, CARL, "offer_accept", offer, f"D{CARL}")
    assert "Du har nu den faste plads i *Aarhus*" in accepted.args["text"]
    assert accepted.args.get("replace_original") is True
    drain(bot)
    [update] = updates_of(bot, offer)
    assert "Tilbuddet er *accepteret*" in update.args["text"]
    assert "actions" not in {b["type"] for b in update.args["blocks"]}
    assert "*Carl Nielsen* har accepteret" in dm(bot, ANNA, "accepteret")["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == CARL
    assert "Carl Nielsen" in say(bot, CARL, "pladser")
    assert "ingen plads i netværket" in say(bot, ANNA, "pladser")

    # A second click on Acceptér: a clear answer, nothing moves.
    again = click(bot, CARL, "offer_accept", offer, f"D{CARL}")
    assert "Tilbuddet er allerede accepteret" in again.args["text"]
    # Anna's old "Træk tilbage" after the accept.
    late = click(
        bot, ANNA, "offer_withdraw", None, "C0NET", value=buttons(sent.args)["offer_withdraw"]
    )
    assert "allerede accepteret" in late.args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == CARL


def test_handover_declined(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    declined = click(bot, CARL, "offer_decline", offer, f"D{CARL}")
    assert "Du har afvist tilbuddet fra Anna Jensen" in declined.args["text"]
    drain(bot)
    assert "Tilbuddet er *afvist*" in updates_of(bot, offer)[-1].args["text"]
    assert "er afvist" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA
    # Someone else's button: not theirs to press.
    say(bot, ANNA, f"overdrag {ref(DORTE)}")
    offer = offer_dm(bot, DORTE)
    assert "ikke til dig" in click(bot, BO, "offer_accept", offer, f"D{DORTE}").args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA


def test_withdraw_by_button_and_by_fortryd(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    sent = bot.command(ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    # The offerer's answer is an ephemeral message: Slack sends no message with the click.
    value = buttons(sent.args)["offer_withdraw"]
    withdrawn = click(bot, ANNA, "offer_withdraw", None, "C0NET", value=value)
    assert "Tilbuddet til Carl Nielsen er trukket tilbage" in withdrawn.args["text"]
    drain(bot)
    assert "Tilbuddet er *trukket tilbage*" in updates_of(bot, offer)[-1].args["text"]
    stale = click(bot, CARL, "offer_accept", offer, f"D{CARL}")
    assert "Tilbuddet er allerede trukket tilbage" in stale.args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA

    say(bot, ANNA, f"overdrag {ref(DORTE)}")
    offer = offer_dm(bot, DORTE)
    assert "Jeg har trukket 1 tilbud tilbage" in say(bot, ANNA, "fortryd")
    drain(bot)
    assert "Tilbuddet er *trukket tilbage*" in updates_of(bot, offer)[-1].args["text"]
    assert (
        "allerede trukket tilbage"
        in click(bot, DORTE, "offer_accept", offer, f"D{DORTE}").args["text"]
    )
    assert "ingen åbne tilbud" in say(bot, ANNA, "fortryd")
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA
    # The offerer is not told about their own withdrawal.
    assert not [t for t in dms(bot, ANNA) if "trukket tilbage" in t]


def test_an_expired_offer(bot: SlackBot, clock: FixedClock) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Odense")
    say(bot, ANNA, f"overdrag {ref(CARL)}")
    say(bot, BO, f"overdrag {ref(DORTE)}")
    offer_carl = offer_dm(bot, CARL)
    offer_dorte = offer_dm(bot, DORTE)
    clock.advance(timedelta(hours=72, minutes=1))

    # The expiry job closes the offer and updates the message.
    assert bot.runtime.core.service.expire_offers() == 2
    drain(bot)
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer_carl)[-1].args["text"]
    assert "er udløbet" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    stale = click(bot, CARL, "offer_accept", offer_carl, f"D{CARL}")
    assert "Tilbuddet er allerede udløbet" in stale.args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer_dorte)[-1].args["text"]
    assert holder_of(bot, ODENSE, "fixed", 1) == BO


def test_a_click_on_an_offer_past_its_time_before_the_expiry_job(
    bot: SlackBot, clock: FixedClock
) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    clock.advance(timedelta(hours=73))
    late = click(bot, CARL, "offer_accept", offer, f"D{CARL}")
    assert "Tilbuddet er allerede udløbet" in late.args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA
    drain(bot)
    assert "Tilbuddet er *udløbet*" in updates_of(bot, offer)[-1].args["text"]
    assert "er udløbet" in dm(bot, ANNA, "Dit tilbud til *Carl Nielsen*")["text"]
    with bot.runtime.core.sessions() as session:
        assert [o.status for o in session.scalars(select(SeatOffer))] == ["expired"]
    # The offer is closed: Anna may offer the seat again.
    assert "Jeg har spurgt" in say(bot, ANNA, f"overdrag {ref(CARL)}")


# -- swap, substitutes, regrets, attendance, history, admin -------------------------------------


def test_swap(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Aarhus")
    say(bot, CARL, "tilmeld Odense")
    assert "kun bytte" in say(bot, ANNA, f"byt {ref(CARL)}")
    assert "bytte til den faste plads" in say(bot, ANNA, f"byt {ref(BO)}")
    offer = offer_dm(bot, BO)
    assert "bytte plads med dig: du får den faste plads i *Aarhus*" in offer["text"]
    accepted = click(bot, BO, "offer_accept", offer, f"D{BO}")
    assert "Du har nu den faste plads i *Aarhus*" in accepted.args["text"]
    drain(bot)
    assert "Tilbuddet er *accepteret*" in updates_of(bot, offer)[-1].args["text"]
    assert holder_of(bot, AARHUS, "fixed", 1) == BO
    assert holder_of(bot, AARHUS, "flexible", 1) == ANNA
    history = say(bot, ANNA, "historik")
    assert history.count("byttet") == 2


def create_meeting(bot: SlackBot) -> Meeting:
    assert "Mødet er oprettet" in say(bot, ADMIN, CREATE)
    with bot.runtime.core.sessions() as session:
        return session.scalars(select(Meeting)).one()


def test_substitutes_regrets_and_the_roster(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")  # fixed: Aarhus' coordinator
    say(bot, BO, "tilmeld Aarhus")  # flexible 1
    say(bot, CARL, "tilmeld Aarhus")  # flexible 2
    say(bot, GITTE, "tilmeld Odense")
    create_meeting(bot)

    # The coordinator sends a colleague on flexible seat 2 for meeting #1.
    assert "kun Aarhus' kontaktperson" in say(bot, BO, f"vikar 1 {ref(DORTE)} fleksibel 2")
    sent = say(bot, ANNA, f"vikar 1 {ref(DORTE)} fleksibel 2")
    assert "Jeg har spurgt *Dorte Lund*, om de vil tage den fleksible plads 2" in sent
    offer = offer_dm(bot, DORTE)
    assert "som vikar på den fleksible plads 2 i *Aarhus* til #1 Vintermøde" in offer["text"]
    accepted = click(bot, DORTE, "offer_accept", offer, f"D{DORTE}")
    assert (
        "Du er vikar på den fleksible plads 2 i *Aarhus* til #1 Vintermøde"
        in (accepted.args["text"])
    )
    drain(bot)
    assert "Tilbuddet er *accepteret*" in updates_of(bot, offer)[-1].args["text"]
    assert holder_of(bot, AARHUS, "flexible", 2) == CARL  # a substitute, not a handover

    # Regrets without a substitute: the coordinator is told.
    assert "Dit afbud til #1 Vintermøde er noteret" in say(bot, BO, "afbud 1")
    drain(bot)
    notice = dm(bot, ANNA, "har meldt afbud")
    assert (
        "*Bo Hansen* har meldt afbud til #1 Vintermøde på den fleksible plads 1" in (notice["text"])
    )
    assert "vikar 1 @kollega" in notice["text"]
    # …and changed his mind.
    assert "du er noteret som deltager i #1 Vintermøde" in say(bot, BO, "deltager 1")

    # Regrets naming a substitute for one's own seat.
    regrets = say(bot, ANNA, f"afbud 1 {ref(EVA)}")
    assert "Jeg har spurgt Eva Holm, om de vil tage din plads" in regrets
    offer = offer_dm(bot, EVA)
    click(bot, EVA, "offer_accept", offer, f"D{EVA}")
    # A substitute cannot pass the seat on.
    assert "Som vikar kan du ikke sende pladsen videre" in say(bot, EVA, f"afbud 1 {ref(FRODE)}")

    # Odense's only holder sends regrets: nobody comes from Odense.
    say(bot, GITTE, "afbud 1")
    roster = say(bot, FRODE, "deltagere 1").lower()
    assert "*deltagere i #1 vintermøde*" in roster
    assert "fast plads: eva holm (vikar) – ikke bekræftet" in roster
    assert "fleksibel plads 1: bo hansen – bekræftet" in roster
    assert "fleksibel plads 2: dorte lund (vikar) – ikke bekræftet" in roster
    assert "fast plads: gitte krogh – afbud" in roster
    assert "ingen kommer fra: odense" in roster
    assert "aarhus" not in roster.split("ingen kommer fra:")[1]

    history = say(bot, ANNA, "historik").lower()
    assert "*historik for aarhus*" in history
    assert "fleksibel plads 2: vikar – dorte lund" in history
    assert "fleksibel plads 1: afbud – bo hansen" in history
    assert "fast plads: vikar – eva holm" in history
    assert "gitte" not in history  # Odense's history is Odense's
    assert "Gitte Krogh" in say(bot, ANNA, "historik Odense")


def test_facilitator_corrects_a_seat(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Aarhus")
    say(bot, CARL, "tilmeld Aarhus")
    command = f"admin plads Aarhus fleksibel 2 {ref(FRODE)} Har forladt kommunen"
    assert "kun for facilitatorer" in say(bot, ANNA, command)
    done = say(bot, ADMIN, command)
    assert "Frode Berg har nu den fleksible plads 2 i *Aarhus* (før: Carl Nielsen)" in done
    assert holder_of(bot, AARHUS, "flexible", 2) == FRODE
    drain(bot)
    assert (
        "Begrundelse: Har forladt kommunen"
        in dm(bot, FRODE, "En facilitator har givet dig")["text"]
    )
    assert "som du havde" in dm(bot, CARL, "En facilitator har frigjort")["text"]
    history = say(bot, ANNA, "historik Aarhus").lower()
    assert "fleksibel plads 2: sat af facilitator – frode berg (før: carl nielsen), af " in history
    assert "begrundelse: har forladt kommunen" in history
    # Someone who already holds a seat cannot be put on a second one.
    assert "har allerede en plads" in say(bot, ADMIN, f"admin plads Aarhus fast {ref(BO)} test")
    assert holder_of(bot, AARHUS, "fixed", 1) == ANNA


# -- the meeting's own rounds ---------------------------------------------------------------------


def test_announcement_pick_and_the_still_coming_round(bot: SlackBot, clock: FixedClock) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Aarhus")
    meeting = create_meeting(bot)

    set_clock(clock, ANNOUNCE_AT - timedelta(minutes=1))
    drain(bot)
    assert dms(bot, ANNA) == []
    set_clock(clock, ANNOUNCE_AT)
    drain(bot)
    announce = dm(bot, ANNA, "Netværket mødes")
    picks = [
        b
        for b in announce["blocks"]
        if b.get("accessory", {}).get("type") == "users_select"
        and b["accessory"]["action_id"] == "pick_substitute"
    ]
    assert [b["block_id"] for b in picks] == [f"pick:{meeting.id}:1", f"pick:{meeting.id}:2"]
    assert "Bo Hansen" in picks[0]["text"]["text"] and "ledig" in picks[1]["text"]["text"]
    assert dms(bot, BO) == []  # the announcement DM is for the coordinator

    picked = click(
        bot,
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
    click(bot, DORTE, "offer_accept", offer, f"D{DORTE}")

    set_clock(clock, AGENDA_AT)
    drain(bot)
    set_clock(clock, CONFIRM_AT - timedelta(minutes=1))
    drain(bot)
    assert not [t for t in dms(bot, BO) if "Kommer du stadig?" in t]
    set_clock(clock, CONFIRM_AT)
    drain(bot)
    for user_id in (ANNA, BO, DORTE):
        assert "Kommer du stadig?" in dm(bot, user_id, "Kommer du stadig?")["text"]
    ask = dm(bot, BO, "Kommer du stadig?")
    assert list(buttons(ask)) == ["attend_yes", "attend_no"]

    answer = click(bot, BO, "attend_no", ask, f"D{BO}")
    assert "dit afbud er noteret" in answer.args["text"]
    assert answer.args.get("replace_original") is True
    drain(bot)
    notice = dm(bot, ANNA, "har meldt afbud")
    assert "*Bo Hansen* har meldt afbud til #1 Vintermøde" in notice["text"]
    assert "Vil du sende en kollega i stedet" in notice["text"]
    with bot.runtime.core.sessions() as session:
        row = session.scalars(
            select(Attendance)
            .join(Person, Person.id == Attendance.person_id)
            .where(Person.user_id == BO, Attendance.meeting_id == meeting.id)
        ).one()
        assert (row.role, row.status) == ("holder", "declined")

    yes = click(bot, DORTE, "attend_yes", dm(bot, DORTE, "Kommer du stadig?"), f"D{DORTE}")
    assert "vi ses" in yes.args["text"]
    roster = say(bot, ANNA, "deltagere 1").lower()
    assert "fleksibel plads 1: bo hansen – afbud" in roster
    assert "fleksibel plads 2: dorte lund (vikar) – bekræftet" in roster


# -- mentions -----------------------------------------------------------------------------------


def test_mentions_that_cannot_be_used(bot: SlackBot, fake: FakeSlack) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    plain = say(bot, ANNA, "overdrag @carl")
    assert "Jeg kan ikke finde '@carl'" in plain
    fake.add_user("U0GONE", "Gorm Gået", deleted=True)
    gone = say(bot, ANNA, "overdrag <@U0GONE|gorm>")
    assert "Gorm Gået er ikke længere med i Slack" in gone
    assert "Hvem?" in say(bot, ANNA, "overdrag")
    assert "Du kan ikke give en plads til dig selv" in say(bot, ANNA, f"overdrag {ref(ANNA)}")
    with bot.runtime.core.sessions() as session:
        assert session.scalars(select(SeatOffer)).all() == []
    drain(bot)
    assert fake.calls("chat.postMessage") == []


# -- known bugs (strict: they fail loudly once fixed, then drop the marker) ----------------------


def test_an_offer_from_someone_who_has_left_the_seat(approval_bot: SlackBot) -> None:
    bot = approval_bot
    say(bot, ANNA, "tilmeld Aarhus")
    drain(bot)
    click(bot, ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    say(bot, BO, "tilmeld Aarhus")
    drain(bot)
    click(bot, ANNA, "request_approve", dm(bot, ANNA, "Bo Hansen"), f"D{ANNA}")
    say(bot, BO, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    ask = bot.command(BO, "afmeld")
    value = buttons(ask.args)["release_confirm"]
    assert (
        "Du er afmeldt"
        in click(bot, BO, "release_confirm", None, "C0NET", value=value).args["text"]
    )
    assert holder_of(bot, AARHUS, "flexible", 1) is None

    late = click(bot, CARL, "offer_accept", offer, f"D{CARL}")
    assert holder_of(bot, AARHUS, "flexible", 1) is None, late.args["text"]
    assert "allerede" in late.args["text"]


def test_a_substitute_named_by_the_previous_holder(bot: SlackBot) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Aarhus")
    create_meeting(bot)
    say(bot, BO, f"afbud 1 {ref(EVA)}")
    substitute_offer = offer_dm(bot, EVA)
    say(bot, BO, f"overdrag {ref(CARL)}")
    click(bot, CARL, "offer_accept", offer_dm(bot, CARL), f"D{CARL}")
    assert holder_of(bot, AARHUS, "flexible", 1) == CARL

    late = click(bot, EVA, "offer_accept", substitute_offer, f"D{EVA}")
    roster = say(bot, ANNA, "deltagere 1").lower()
    assert "Du er vikar" not in late.args["text"], roster
    assert "fleksibel plads 1: carl nielsen" in roster, roster


def test_history_names_the_facilitator_by_their_profile_name(approval_bot: SlackBot) -> None:
    bot = approval_bot
    say(bot, ANNA, "tilmeld Aarhus")
    drain(bot)
    click(bot, ADMIN, "request_approve", dm(bot, ADMIN, "Anna Jensen"), f"D{ADMIN}")
    say(bot, ADMIN, f"admin plads Aarhus fleksibel 1 {ref(BO)} Aftalt med KL")
    history = say(bot, ANNA, "historik")
    assert "godkendt – Anna Jensen, af Sara Røpke" in history, history
    assert "af Sara Røpke. Begrundelse: Aftalt med KL" in history, history


def test_an_expiry_found_by_a_click_is_in_the_history(bot: SlackBot, clock: FixedClock) -> None:
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, ANNA, f"overdrag {ref(CARL)}")
    offer = offer_dm(bot, CARL)
    clock.advance(timedelta(hours=73))
    assert "allerede udløbet" in click(bot, CARL, "offer_accept", offer, f"D{CARL}").args["text"]
    assert "tilbud udløbet" in say(bot, ANNA, "historik")


def test_afventer_in_slack_puts_each_request_with_its_own_buttons(approval_bot: SlackBot) -> None:
    """A DM gets buried; ``afventer`` brings what waits back, and the same handlers answer."""
    bot = approval_bot
    say(bot, ANNA, "tilmeld Aarhus")
    say(bot, BO, "tilmeld Odense")
    drain(bot)
    answer = bot.command(ADMIN, "afventer")
    blocks = answer.args["blocks"]
    assert [b["type"] for b in blocks] == ["section", "section", "actions", "section", "actions"]
    assert "Anna Jensen" in blocks[1]["text"]["text"] and "Bo Hansen" in blocks[3]["text"]["text"]
    bo_approve = blocks[4]["elements"][0]
    assert bo_approve["action_id"] == "request_approve"
    approved = click(bot, ADMIN, "request_approve", None, f"D{ADMIN}", value=bo_approve["value"])
    assert "Tilmeldingen fra Bo Hansen er godkendt" in approved.args["text"]
    assert holder_of(bot, ODENSE, "fixed", 1) == BO
    # The DM that asked first is updated too, and a second click is answered as stale.
    drain(bot)
    ask = dm(bot, ADMIN, "Bo Hansen")
    assert "Anmodningen er *godkendt*" in updates_of(bot, ask)[-1].args["text"]
    again = click(bot, ADMIN, "request_approve", None, f"D{ADMIN}", value=bo_approve["value"])
    assert "allerede godkendt" in again.args["text"]


def test_did_you_mean_buttons_in_slack_complete_the_command(bot: SlackBot) -> None:
    answer = bot.command(ANNA, "tilmeld Sonderbrog fleksibel")
    [actions] = [b for b in answer.args["blocks"] if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    # Slack wants each action id once per block: the repeats are numbered.
    assert ids == ["pick_municipality", "pick_municipality#2", "pick_municipality#3"]
    second = actions["elements"][1]
    assert second["text"]["text"] == "Skanderborg"
    picked = click(bot, ANNA, second["action_id"], None, "C0NET", value=second["value"])
    assert "*Skanderborg Kommune* på den *fleksible plads 1*" in picked.args["text"]
