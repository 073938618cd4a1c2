"""Teams' mentions as the core's neutral mentions: each mention entity resolved through the
roster to the person's Entra object id (their account in the core), a name split over several
``<at>`` tags as one person, tag/channel mentions and unknown members refused in Danish, and the
mentioned person reached in their own 1:1 chat (through the fake Bot Connector, with the real
Agents SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.mentions import read as read_mention
from bot.models import Attendance, OutboxMessage, OwnerKind, Person
from bot.posts.kinds import PostKind
from bot.replies import Action, Reply, as_written
from handlers.teams.cards import ACTION_KEY, VALUE_KEY
from handlers.teams.inbound import command_line, read_activity, with_marks
from handlers.teams.settings import TeamsSettings
from tests.support.fake_bot_connector import Member
from tests.support.seats import holders
from tests.test_teams_inbound import (
    ANNA,
    APP,
    BO,
    BOT,
    CHANNEL,
    PERSONAL,
    SARA,
    TENANT,
    Bot,
    _bot,
    texts_in,
)

AARHUS = 751
AT_BOT = "<at>Klimanet</at>"
BOT_MENTION = {"type": "mention", "text": AT_BOT, "mentioned": {"id": BOT, "name": "Klimanet"}}


@pytest.fixture
def bot(database_url: str) -> Iterator[Bot]:
    settings = TeamsSettings(APP, None, None, "http://127.0.0.1", insecure_local=True)
    yield from _bot(database_url, settings)


def at(member: Member, *tags: str) -> list[dict[str, Any]]:
    """Mention entities naming ``member`` (one per ``<at>`` tag)."""
    return [
        {"type": "mention", "text": f"<at>{tag}</at>", "mentioned": {"id": member.id}}
        for tag in tags
    ]


def answers(bot: Bot, count: int, conversation: str = PERSONAL) -> list[str]:
    bot.wait_for(lambda: len(bot.fake.activities(conversation)) >= count, f"{count} answers")
    return texts_in(bot, conversation)


def registered(bot: Bot) -> None:
    """Anna holds Aarhus' fixed seat (registration is open)."""
    bot.send(bot.message("tilmeld Aarhus"))
    answers(bot, 1)
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id


def chat_of(bot: Bot, member: Member) -> str:
    bot.wait_for(lambda: bot.fake.conversation_of(member.id) is not None, f"{member.name}'s chat")
    chat = bot.fake.conversation_of(member.id)
    assert chat is not None
    return chat


def accept(bot: Bot, member: Member, chat: str) -> None:
    """``member`` clicks the accept button of the request in their 1:1 chat."""
    (question,) = [s for s in bot.fake.activities(chat) if s.cards]
    buttons = {a["data"][ACTION_KEY]: a["data"] for a in question.cards[0]["actions"]}
    click = bot.message(
        "",
        sender=member,
        conversation=chat,
        value=buttons[Action.OFFER_ACCEPT],
        reply_to=question.id,
    )
    bot.send(click)
    bot.wait_for(lambda: bot.fake.find(chat, question.id).updated == 1, "the accepted card")  # type: ignore[union-attr]


# -- through the fake Bot Connector ---------------------------------------------------------------


def test_a_handover_by_mention_reaches_the_colleague_in_their_own_chat(bot: Bot) -> None:
    registered(bot)
    # Bo has never written to Klimanet: the roster names him, and the bot opens his chat.
    assert bot.runtime.memory.recall(OwnerKind.PERSON, BO.object_id) is None
    bot.send(bot.message("overdrag <at>Bo Hansen</at>", entities=at(BO, "Bo Hansen")))
    assert "Bo Hansen" in answers(bot, 2)[1]
    bot.runtime.delivery.drain()
    chat = chat_of(bot, BO)
    bot.wait_for(lambda: bool(bot.fake.activities(chat)), "the consent request")
    accept(bot, BO, chat)
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == BO.object_id
    assert bot.fake.count("member") == 1


def test_a_substitute_named_by_a_mention_split_over_two_tags(bot: Bot) -> None:
    registered(bot)
    facilitator = Actor(TENANT, SARA.object_id, SARA.name, platform="teams")
    bot.runtime.core.service.command(
        facilitator, 'møde opret 25.06.2027 10:00-12:00 online "Sommermøde" link=https://m.dk/1'
    )
    # Teams writes "Bo Hansen" as two tags of one member; it is one person, looked up once.
    entities = [BOT_MENTION, *at(BO, "Bo", "Hansen")]
    text = f"{AT_BOT} afbud 1 <at>Bo</at> <at>Hansen</at>"
    bot.send(bot.message(text, conversation=CHANNEL, kind="channel", entities=entities))
    (answer,) = answers(bot, 2)[1:]  # to Anna's own chat, not the channel
    assert "Bo Hansen" in answer
    assert bot.fake.activities(CHANNEL) == []
    assert bot.fake.count("member") == 1
    bot.runtime.delivery.drain()
    chat = chat_of(bot, BO)
    bot.wait_for(lambda: bool(bot.fake.activities(chat)), "the substitute request")
    accept(bot, BO, chat)
    with bot.runtime.core.sessions() as session:
        substitute = session.scalar(
            select(Person.account)
            .join(Attendance, Attendance.person_id == Person.id)
            .where(Attendance.role == "substitute")
        )
    assert substitute == BO.object_id


def test_a_tag_or_channel_mention_is_refused_and_nothing_is_done(bot: Bot) -> None:
    registered(bot)
    tag = {
        "type": "mention",
        "text": "<at>Klimafolk</at>",
        "mentioned": {"id": "MTk6dGFnQHRocmVhZA==", "name": "Klimafolk", "type": "tag"},
    }
    bot.send(bot.message("overdrag <at>Klimafolk</at>", entities=[tag]))
    refusal = answers(bot, 2)[1]
    assert "@Klimafolk er ikke en person" in refusal
    channel = {"type": "mention", "text": "<at>Generelt</at>", "mentioned": {"id": CHANNEL}}
    bot.send(bot.message("overdrag <at>Generelt</at>", entities=[channel]))
    assert "@Generelt er ikke en person" in answers(bot, 3)[2]
    assert bot.fake.count("member") == 0  # refused before the roster is asked
    bot.runtime.delivery.drain()
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id
    assert bot.fake.conversation_of(BO.id) is None


def test_a_member_the_roster_does_not_know_is_answered_in_danish(bot: Bot) -> None:
    registered(bot)
    gone = Member("29:gone", "0b0b0b0b-0000-0000-0000-00000000gone", "Gitte Gone")
    bot.send(bot.message("overdrag <at>Gitte</at>", entities=at(gone, "Gitte")))
    assert "Jeg kan ikke finde @Gitte blandt medlemmerne i Teams" in answers(bot, 2)[1]
    assert bot.fake.count("member", status=404) == 1
    # Teams did not answer at all: nothing done, and the person is told to try again.
    bot.fake.fail_next("member", 503)
    bot.send(bot.message("overdrag <at>Bo</at>", entities=at(BO, "Bo")))
    assert "Prøv igen om lidt" in answers(bot, 3)[2]
    bot.runtime.delivery.drain()
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id
    assert bot.runtime.memory.recall(OwnerKind.PERSON, BO.object_id) is None


# -- reading the entities -------------------------------------------------------------------------


def test_only_entities_mention_and_a_split_name_becomes_one_neutral_mention() -> None:
    activity = {
        "text": f"{AT_BOT} overdrag <at>Bo</at> <at>Hansen</at> fast",
        "recipient": {"id": BOT},
        "entities": [BOT_MENTION, *at(BO, "Bo", "Hansen"), {"type": "clientInfo"}],
    }
    line, mentions = command_line(activity)
    assert line == "overdrag <at>Bo</at> <at>Hansen</at> fast"
    ((tagged),) = mentions
    assert (tagged.member_id, tagged.person, tagged.typed) == (BO.id, True, "@Bo Hansen")
    marked = with_marks(line, mentions, {BO.id: "MARK"})
    assert marked == "overdrag MARK fast"
    # A forged <at> without an entity is text; a mark typed into the text is removed.
    line, mentions = command_line(
        {"text": "overdrag <at>Eve</at> \ue100x\ue101y\ue101z\ue102", "recipient": {"id": BOT}}
    )
    assert mentions == () and line == "overdrag <at>Eve</at> xyz"
    assert all(read_mention(word) is None for word in line.split())


# -- departures from the network's team -----------------------------------------------------------

TEAM = "19:team-kl@thread.skype"


def network_channel(bot: Bot) -> None:
    """Sara makes CHANNEL (of TEAM) the network's channel."""
    activity = bot.message(
        f"{AT_BOT} kanal", sender=SARA, conversation=CHANNEL, kind="channel",
        entities=[BOT_MENTION],
    )  # fmt: skip
    activity["channelData"]["team"] = {"id": TEAM}
    bot.send(activity)
    bot.wait_for(lambda: bool(bot.fake.activities(CHANNEL)), "the channel confirmed")
    channel = bot.runtime.memory.recall(OwnerKind.PLACE, "KANAL")
    assert channel is not None and channel["team"] == TEAM


def removed(bot: Bot, *members: str | Member, team: str = TEAM) -> dict[str, Any]:
    """Teams' ``conversationUpdate`` for members removed from ``team``."""
    return {
        "type": "conversationUpdate",
        "id": f"upd-{next(bot.ids)}",
        "serviceUrl": bot.fake.service_url,
        "channelId": "msteams",
        "from": {"id": "29:admin", "aadObjectId": "0b0b0b0b-0000-0000-0000-0000000admin"},
        "recipient": {"id": BOT, "name": "Klimanet"},
        "conversation": {"id": team, "conversationType": "channel", "tenantId": TENANT},
        "channelData": {
            "eventType": "teamMemberRemoved",
            "team": {"id": team},
            "tenant": {"id": TENANT},
        },
        "membersRemoved": [
            {"id": m} if isinstance(m, str) else {"id": m.id, "aadObjectId": m.object_id}
            for m in members
        ],
    }


def departed_notices(bot: Bot) -> int:
    with bot.runtime.core.sessions() as session:
        return len(
            session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.kind == PostKind.DEPARTED_NOTICE)
            ).all()
        )


def test_a_holder_removed_from_the_team_is_named_to_the_facilitators_who_free_the_seat(
    bot: Bot,
) -> None:
    network_channel(bot)
    registered(bot)
    assert bot.send(removed(bot, ANNA)).status_code == 200
    bot.wait_for(lambda: departed_notices(bot) == 1, "the facilitators' notice planned")
    bot.runtime.inbound.handle(read_activity(removed(bot, ANNA)))  # type: ignore[arg-type]
    assert departed_notices(bot) == 1  # told twice: one notice
    bot.runtime.delivery.drain()
    chat = chat_of(bot, SARA)
    (notice,) = bot.fake.activities(chat)
    (card,) = notice.cards
    shown = " ".join(b.get("text", "") for b in card["body"])
    assert "Anna Jensen fra **Aarhus**" in shown and "den faste plads" in shown
    # Nothing was released: the seat is still hers until a facilitator says so.
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id
    (button,) = card["actions"]
    assert button["data"][ACTION_KEY] == Action.DEPARTED_RELEASE
    # Only a facilitator frees it.
    anna = Actor(TENANT, ANNA.object_id, ANNA.name, platform="teams")
    refused = bot.runtime.core.service.click(
        anna, Action.DEPARTED_RELEASE, button["data"][VALUE_KEY]
    )
    assert refused.result is not None and refused.result.error == ErrorKind.NOT_FACILITATOR
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id
    bot.send(bot.message("", sender=SARA, conversation=chat, value=button["data"],
                         reply_to=notice.id))  # fmt: skip
    bot.wait_for(lambda: bot.fake.find(chat, notice.id).updated >= 1, "the card answered")  # type: ignore[union-attr]
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] is None
    answered = bot.fake.find(chat, notice.id)
    assert answered is not None and "actions" not in answered.cards[0]
    assert "som Anna Jensen havde, er frigivet" in answered.cards[0]["body"][0]["text"]
    # The coordinator (Anna held the fixed seat) and the facilitators hear that it is free.
    bot.runtime.delivery.drain()
    assert any("er ledig" in text for text in texts_in(bot, chat))


def test_the_bot_or_someone_without_a_seat_removed_or_another_team_tells_no_one(
    bot: Bot,
) -> None:
    network_channel(bot)
    registered(bot)
    handle = bot.runtime.inbound.handle
    handle(read_activity(removed(bot, BOT)))  # type: ignore[arg-type]  # the bot: logged only
    handle(read_activity(removed(bot, BO)))  # type: ignore[arg-type]  # no seat: nothing
    other = removed(bot, ANNA, team="19:other-team@thread.skype")
    handle(read_activity(other))  # type: ignore[arg-type]  # not the network's team
    assert departed_notices(bot) == 0
    bot.runtime.delivery.drain()
    assert bot.fake.conversation_of(SARA.id) is None
    assert holders(bot.runtime.core.sessions, AARHUS)[("fixed", 1)] == ANNA.object_id


# -- who cannot be reached --------------------------------------------------------------------------


class _NoPicture:
    """``overblik`` without drawing the map (a second of work the test is not about)."""

    @staticmethod
    def get_or_render(*args: Any, **kwargs: Any) -> Any:
        return SimpleNamespace(png=b"\x89PNG")


def test_people_teams_will_not_let_the_bot_write_to_are_named_to_the_facilitators(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.service.overview.REPORT_CACHE", _NoPicture)
    bot.fake.add_member(BO, installed=False)  # Bo has not got the app
    registered(bot)
    bot.send(bot.message("overdrag <at>Bo Hansen</at>", entities=at(BO, "Bo Hansen")))
    answers(bot, 2)
    bot.runtime.delivery.drain()  # the consent request: 403, not retried
    assert bot.fake.count("create", status=403) == 1
    # Anna removes the app from her own chat.
    uninstalled = bot.message("", activity_id="uninstall-1")
    uninstalled.update(type="installationUpdate", action="remove")
    bot.runtime.inbound.handle(read_activity(uninstalled))  # type: ignore[arg-type]
    sara = Actor(TENANT, SARA.object_id, SARA.name, platform="teams")
    service = bot.runtime.core.service
    home = service.home(sara)
    assert home.result is not None and home.result.ids["unreachable"] == 2
    shown = " ".join(getattr(part, "text", "") for part in home.parts)
    assert "Anna Jensen (Aarhus) og Bo Hansen" in as_written(shown)
    overview = service.command(sara, "overblik")
    assert isinstance(overview, Reply)
    assert "Anna Jensen (Aarhus) og Bo Hansen" in as_written(overview.text)
    # Installing the app again makes her reachable: she is no longer named.
    installed = bot.message("", activity_id="install-2")
    installed.update(type="installationUpdate", action="add")
    bot.runtime.inbound.handle(read_activity(installed))  # type: ignore[arg-type]
    home = service.home(sara)
    assert home.result is not None and home.result.ids["unreachable"] == 1
    assert "Anna Jensen" not in as_written(" ".join(getattr(p, "text", "") for p in home.parts))
