"""The core never reads the shape of a chat id: a 200-character conversation id as the network's
channel and GUID user ids (Entra object ids, as Microsoft Teams has them) go through
registration, delivery, erasure and export, on SQLite and PostgreSQL, with the posts addressed
to a place or a person by the outbox row alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.registration import Actor
from bot.models import AddressedTo, OutboxMessage, Person
from bot.replies import Action, ResultKind
from bot.runtime import build_core
from tests.support.deliverybot import MemoryBot, memory_delivery
from tests.support.memory_notifier import MemoryNotifier

PLATFORM = "teams"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# A Teams channel conversation id, padded to 200 characters: nothing like Slack's C…/G….
CHANNEL = "19:" + "a3f9c1e2b7d84f0e" * 11 + "@thread.tacv2"
CHANNEL = CHANNEL[:3] + "b" * (200 - len(CHANNEL)) + CHANNEL[3:]
FACILITATOR = Actor(TENANT, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "Sara Røpke", platform=PLATFORM)
ANNA = Actor(TENANT, "8d3f4a21-7c6b-4e59-a1d2-3b4c5d6e7f80", "Anna Jensen", platform=PLATFORM)
BO = Actor(TENANT, "e2c4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d", "Bo Hansen", platform=PLATFORM)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def bot(database_url: str) -> Iterator[MemoryBot]:
    clock = FixedClock(utc(2027, 1, 11, 9, 0))
    settings = Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({FACILITATOR.user_id}),
        registration="open",
    )
    core = build_core(settings, clock)
    notifier = MemoryNotifier(clock=clock)
    delivery = memory_delivery(core, notifier, settings, clock)
    try:
        yield MemoryBot(
            core=core, delivery=delivery, notifier=notifier, clock=clock, settings=settings
        )
    finally:
        delivery.close()
        core.engine.dispose()


def test_long_and_guid_ids_go_through_registration_delivery_export_and_erasure(
    bot: MemoryBot,
) -> None:
    assert len(CHANNEL) == 200
    service = bot.core.service

    # Registration: people keyed by (platform, workspace, account).
    for actor in (ANNA, BO):
        answer = bot.say(actor, "tilmeld Aarhus")
        assert answer.result is not None and answer.result.kind is ResultKind.REGISTERED, (
            answer.text
        )
    with bot.core.sessions() as session:
        people = session.execute(
            select(Person.platform, Person.workspace, Person.account).order_by(Person.id)
        ).all()
    assert [tuple(p) for p in people] == [
        (PLATFORM, TENANT, ANNA.user_id),
        (PLATFORM, TENANT, BO.user_id),
    ]

    # Delivery: the announcement goes to the place, the coordinator's question to the person.
    created = bot.arrange(
        FACILITATOR,
        'møde opret 15.03.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1',
    )
    assert created.result is not None and created.result.kind is ResultKind.MEETING_CREATED
    bot.at(utc(2027, 3, 1, 8, 0))
    to_place = bot.posts(CHANNEL)
    assert [m.reply.public for m in to_place] == [True], [m.text for m in to_place]
    assert "Vintermøde" in to_place[0].text
    to_anna = bot.posts(ANNA.user_id)
    assert to_anna and all(not m.reply.public for m in to_anna)
    with bot.core.sessions() as session:
        rows = session.execute(
            select(
                OutboxMessage.recipient, OutboxMessage.addressed_to, OutboxMessage.message_channel
            )
            .where(OutboxMessage.status == "sent")
            .order_by(OutboxMessage.id)
        ).all()
    addressed = {(r.recipient, r.addressed_to) for r in rows}
    assert (CHANNEL, AddressedTo.PLACE.value) in addressed
    assert (ANNA.user_id, AddressedTo.PERSON.value) in addressed
    assert CHANNEL in {r.message_channel for r in rows}  # stored whole, where it landed

    # Export: the keys name the platform, the workspace and the account.
    mine = bot.say(ANNA, "mine-data")
    assert mine.result is not None and mine.result.kind is ResultKind.MY_DATA
    data = json.loads(next(f for f in mine.files if f.filename.endswith(".json")).content)
    assert {k: data["person"][k] for k in ("platform", "workspace", "account")} == {
        "platform": PLATFORM,
        "workspace": TENANT,
        "account": ANNA.user_id,
    }

    # Erasure: Anna's direct messages are deleted in the chat, the channel's post stays.
    assert bot.notifier.messages(ANNA.user_id)
    asked = bot.say(ANNA, "slet-mig")
    assert asked.result is not None and asked.result.kind is ResultKind.ERASE_ASKED
    erased = service.click(ANNA, Action.ERASE_CONFIRM, "erase")
    assert erased.result is not None and erased.result.kind is ResultKind.ERASED
    bot.delivery.drain()
    assert bot.notifier.messages(ANNA.user_id) == []
    deleted = [c for c in bot.notifier.calls if c.method == "delete" and c.ok]
    assert {c.recipient for c in deleted} == {ANNA.user_id}
    assert len(bot.notifier.messages(CHANNEL)) == 1
    assert bot.notifier.messages(BO.user_id) == bot.notifier.sent(BO.user_id)  # Bo's untouched
    with bot.core.sessions() as session:
        assert session.scalar(select(Person.id).where(Person.account == ANNA.user_id)) is None
        assert (
            session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == ANNA.user_id))
            is None
        )
