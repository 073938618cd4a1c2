"""Teams' inbound side: ``POST /api/messages`` behind the SDK's JWT check, messages as the same
commands as Slack's ``/klimanet``, mentions from the entities, card submits as Slack's button
clicks with the clicked card updated in place, and replays refused."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests
from aiohttp import web
from sqlalchemy import func, select

from bot.clock import FixedClock, SystemClock
from bot.config import Settings
from bot.db import SessionFactory, make_engine, make_session_factory, transaction
from bot.domain.privacy import drop_expired_files
from bot.domain.privacy.pseudonyms import forget_adapter_refs
from bot.mentions import Mention
from bot.mentions import read as read_mention
from bot.models import AdapterFile, OwnerKind
from bot.replies import Action, Attachment
from bot.runtime import CoreAssembly
from handlers.teams.app import MESSAGES_PATH, TeamsRuntime
from handlers.teams.cards import ACTION_KEY, VALUE_KEY
from handlers.teams.files import FileStore, link_key
from handlers.teams.inbound import Incoming, command_line, read_activity
from handlers.teams.settings import TeamsSettings
from tests.support.fake_bot_connector import FakeBotConnector, Member

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
BOT = f"28:{APP}"
ANNA = Member("29:anna", "0b0b0b0b-0000-0000-0000-00000000anna", "Anna Jensen")
BO = Member("29:bo", "0b0b0b0b-0000-0000-0000-000000000bo0", "Bo Hansen")
SARA = Member("29:sara", "0b0b0b0b-0000-0000-0000-0000000facil", "Sara Røpke")  # facilitator
CHANNEL = "19:net@thread.tacv2"
PERSONAL = "a:personal-anna"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclass
class Bot:
    fake: FakeBotConnector
    runtime: TeamsRuntime
    url: str
    ids: Iterator[int]

    def send(self, activity: dict[str, Any], token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.post(self.url + MESSAGES_PATH, json=activity, headers=headers, timeout=10)

    def message(
        self,
        text: str,
        *,
        sender: Member = ANNA,
        conversation: str = PERSONAL,
        kind: str = "personal",
        entities: list[dict[str, Any]] | None = None,
        value: dict[str, str] | None = None,
        reply_to: str | None = None,
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": "message",
            "id": activity_id or f"act-{next(self.ids)}",
            "text": text,
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": sender.id, "name": sender.name, "aadObjectId": sender.object_id},
            "recipient": {"id": BOT, "name": "Klimanet"},
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            "entities": entities or [],
        }
        if value is not None:
            activity["value"] = value
        if reply_to is not None:
            activity["replyToId"] = reply_to
        return activity

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)


def _serve(app: web.Application) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _core_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        channel="KANAL",
        admins=frozenset({"0b0b0b0b-0000-0000-0000-0000000facil"}),
        registration="open",
        public_url="http://127.0.0.1",
    )


def _bot(database_url: str, settings: TeamsSettings) -> Iterator[Bot]:
    core_settings = _core_settings(database_url)
    with FakeBotConnector(tenant=TENANT) as fake:
        fake.add_channel(PERSONAL)
        fake.add_channel(CHANNEL)
        fake.add_member(ANNA)
        fake.add_member(BO)
        fake.add_member(SARA)
        runtime = TeamsRuntime(settings, CoreAssembly(core_settings, FixedClock(NOW)))
        try:
            for url in _serve(runtime.web_app()):
                yield Bot(fake, runtime, url, iter(range(1, 10_000)))
        finally:
            runtime.close()
        fake.assert_no_invalid_activities()


@pytest.fixture
def bot(database_url: str) -> Iterator[Bot]:
    settings = TeamsSettings(APP, None, None, "http://127.0.0.1", insecure_local=True)
    yield from _bot(database_url, settings)


@pytest.fixture
def secure_bot(database_url: str) -> Iterator[Bot]:
    settings = TeamsSettings(APP, "secret", TENANT, "https://bot.example")
    yield from _bot(database_url, settings)


def texts_in(bot: Bot, conversation: str) -> list[str]:
    found = []
    for sent in bot.fake.activities(conversation):
        found.append(
            sent.text
            or " ".join(
                " ".join([b.get("text", ""), *(r.get("text", "") for r in b.get("inlines", []))])
                for c in sent.cards
                for b in c["body"]
            )
        )
    return found


# -- authentication -------------------------------------------------------------------------------


def test_without_a_valid_token_the_bot_answers_401_and_does_nothing(secure_bot: Bot) -> None:
    forged = jwt.encode({"aud": APP, "iss": "https://api.botframework.com"}, "k" * 32)
    for token in (None, "abc.def.ghi", forged):
        answer = secure_bot.send(secure_bot.message("tilmeld Aarhus"), token)
        assert answer.status_code == 401, token
    time.sleep(0.3)
    assert secure_bot.fake.calls == []
    assert secure_bot.runtime.memory.recall(OwnerKind.PERSON, ANNA.object_id) is None


def test_insecure_local_accepts_no_token_but_still_refuses_a_forged_one(bot: Bot) -> None:
    assert bot.send(bot.message("hjælp"), "abc.def.ghi").status_code == 401
    assert bot.send(bot.message("hjælp")).status_code == 200


# -- commands -------------------------------------------------------------------------------------


def test_a_message_in_the_personal_chat_is_a_command_answered_there(bot: Bot) -> None:
    assert bot.send(bot.message("tilmeld Aarhus")).status_code == 200
    bot.wait_for(lambda: bool(bot.fake.activities(PERSONAL)), "the answer")
    (answer,) = texts_in(bot, PERSONAL)
    assert "Aarhus" in answer
    person = bot.runtime.memory.recall(OwnerKind.PERSON, ANNA.object_id)
    assert person == {
        "member": ANNA.id,
        "service_url": bot.fake.service_url,
        "tenant": TENANT,
        "conversation": PERSONAL,
    }


def test_a_command_that_opens_a_form_in_slack_answers_with_a_card_form(bot: Bot) -> None:
    bot.send(bot.message("tilmeld"))
    bot.wait_for(lambda: bool(bot.fake.activities(PERSONAL)), "the answer")
    (form,) = bot.fake.activities(PERSONAL)[0].cards
    assert any(b["type"] == "Input.ChoiceSet" for b in form["body"])  # the municipality


def test_a_mention_of_the_bot_in_the_channel_is_answered_in_the_personal_chat(bot: Bot) -> None:
    at = "<at>Klimanet</at>"
    mention = {"type": "mention", "text": at, "mentioned": {"id": BOT, "name": "Klimanet"}}
    activity = bot.message(
        f"{at} /klimanet tilmeld Odense", conversation=CHANNEL, kind="channel", entities=[mention]
    )
    assert bot.send(activity).status_code == 200
    bot.wait_for(lambda: bot.fake.conversation_of(ANNA.id) is not None, "a 1:1 chat")
    chat = bot.fake.conversation_of(ANNA.id)
    assert chat is not None
    bot.wait_for(lambda: bool(bot.fake.activities(chat)), "the answer")
    assert "Odense" in texts_in(bot, chat)[0]
    assert bot.fake.activities(CHANNEL) == []  # the channel is not filled with answers


def test_the_same_activity_twice_is_acted_on_once(bot: Bot) -> None:
    activity = bot.message("tilmeld Aarhus", activity_id="act-same")
    assert bot.send(activity).status_code == 200
    bot.wait_for(lambda: bool(bot.fake.activities(PERSONAL)), "the answer")
    assert bot.send(activity).status_code == 200  # Teams' retry, or a replay
    time.sleep(0.5)
    assert len(bot.fake.activities(PERSONAL)) == 1


def test_a_facilitator_makes_a_channel_the_networks_and_posts_go_there(bot: Bot) -> None:
    at = "<at>Klimanet</at>"
    mention = {"type": "mention", "text": at, "mentioned": {"id": BOT, "name": "Klimanet"}}
    thread = f"{CHANNEL};messageid=1700000000000"

    def kanal(sender: Member) -> dict[str, Any]:
        return bot.message(
            f"{at} kanal", sender=sender, conversation=thread, kind="channel", entities=[mention]
        )

    bot.send(kanal(ANNA))  # not a facilitator: refused, in her own chat
    bot.wait_for(lambda: bot.fake.conversation_of(ANNA.id) is not None, "Anna's chat")
    chat = bot.fake.conversation_of(ANNA.id)
    assert chat is not None
    bot.wait_for(lambda: bool(bot.fake.activities(chat)), "the refusal")
    assert "facilitatorer" in texts_in(bot, chat)[0]
    assert bot.runtime.memory.recall(OwnerKind.PLACE, "KANAL") is None
    bot.send(kanal(SARA))
    bot.wait_for(lambda: bool(bot.fake.activities(CHANNEL)), "the confirmation")
    assert bot.runtime.memory.recall(OwnerKind.PLACE, "KANAL") == {
        "conversation": CHANNEL,
        "service_url": bot.fake.service_url,
        "tenant": TENANT,
    }
    assert "netværkets kanal" in texts_in(bot, CHANNEL)[0]
    # The network's posts now go there, through the outbox.
    bot.fake.add_channel("a:personal-sara")
    news = bot.message(
        'nyhed "Ny vejledning om klimaplaner"', sender=SARA, conversation="a:personal-sara"
    )
    bot.send(news)
    bot.wait_for(lambda: bool(bot.fake.activities("a:personal-sara")), "Sara's answer")
    bot.runtime.delivery.drain()
    assert any("Ny vejledning om klimaplaner" in t for t in texts_in(bot, CHANNEL)[1:])


def test_installing_the_app_makes_a_person_reachable_and_welcomes_them(bot: Bot) -> None:
    bot.runtime.memory.remember(
        OwnerKind.PERSON,
        ANNA.object_id,
        {
            "member": ANNA.id,
            "service_url": bot.fake.service_url,
            "tenant": TENANT,
            "unreachable": True,
        },
    )
    installed = bot.message("", activity_id="install-1")
    installed.update(type="installationUpdate", action="add")
    assert bot.send(installed).status_code == 200
    bot.wait_for(lambda: bool(bot.fake.activities(PERSONAL)), "the welcome")
    assert "hjælp" in texts_in(bot, PERSONAL)[0]  # the Home, which says what to write
    person = bot.runtime.memory.recall(OwnerKind.PERSON, ANNA.object_id)
    assert person is not None and "unreachable" not in person
    bot.send(installed)  # Teams' retry: no second welcome
    time.sleep(0.5)
    assert len(bot.fake.activities(PERSONAL)) == 1


# -- cards ----------------------------------------------------------------------------------------


def test_a_card_submit_is_slacks_click_and_the_card_loses_its_buttons(bot: Bot) -> None:
    bot.send(bot.message("tilmeld Aarhus"))
    bot.wait_for(lambda: len(bot.fake.activities(PERSONAL)) == 1, "registered")
    bot.send(bot.message("slet-mig"))
    bot.wait_for(lambda: len(bot.fake.activities(PERSONAL)) == 2, "the question")
    question = bot.fake.activities(PERSONAL)[1]
    (card,) = question.cards
    buttons = {a["data"][ACTION_KEY]: a["data"] for a in card["actions"]}
    assert set(buttons) == {Action.ERASE_CONFIRM, Action.ERASE_CANCEL}
    keep = buttons[Action.ERASE_CANCEL]
    click = bot.message("", value=keep, reply_to=question.id)
    assert bot.send(click).status_code == 200
    bot.wait_for(lambda: bot.fake.find(PERSONAL, question.id).updated == 1, "the update")  # type: ignore[union-attr]
    updated = bot.fake.find(PERSONAL, question.id)
    assert updated is not None and updated.cards and "actions" not in updated.cards[0]
    assert len(bot.fake.activities(PERSONAL)) == 2  # answered in place, nothing new
    # The person is still there: the click kept their data.
    assert bot.runtime.memory.recall(OwnerKind.PERSON, ANNA.object_id) is not None
    # A replayed click is refused: the card is not updated again.
    assert bot.send(click).status_code == 200
    time.sleep(0.5)
    assert bot.fake.find(PERSONAL, question.id).updated == 1  # type: ignore[union-attr]
    assert {VALUE_KEY, ACTION_KEY} <= set(keep)


# -- reading activities ---------------------------------------------------------------------------


def test_mentions_come_from_the_entities_and_a_split_name_is_one_person() -> None:
    activity = {
        "text": "<at>Klimanet</at> overdrag <at>Bo</at> <at>Hansen</at> fast",
        "recipient": {"id": BOT},
        "entities": [
            {"type": "mention", "text": "<at>Klimanet</at>", "mentioned": {"id": BOT}},
            {"type": "mention", "text": "<at>Bo</at>", "mentioned": {"id": BO.id}},
            {"type": "mention", "text": "<at>Hansen</at>", "mentioned": {"id": BO.id}},
            {"type": "clientInfo", "locale": "da-DK"},
        ],
    }
    line, mentions = command_line(activity)
    assert line == "overdrag <at>Bo</at> <at>Hansen</at> fast"
    assert [(m.member_id, m.texts) for m in mentions] == [
        (BO.id, ("<at>Bo</at>", "<at>Hansen</at>"))
    ]
    # An <at> tag without an entity is text, not a mention.
    line, mentions = command_line({"text": "overdrag <at>Eve</at>", "recipient": {"id": BOT}})
    assert mentions == ()


def test_a_mentioned_person_is_named_as_the_roster_knows_them(bot: Bot) -> None:
    activity = bot.message(
        "overdrag <at>Bo</at> <at>H.</at> fast",
        entities=[
            {"type": "mention", "text": "<at>Bo</at>", "mentioned": {"id": BO.id}},
            {"type": "mention", "text": "<at>H.</at>", "mentioned": {"id": BO.id}},
        ],
    )
    incoming = read_activity(activity)
    assert isinstance(incoming, Incoming) and incoming.line is not None
    line = bot.runtime.inbound._resolve(incoming, incoming.line)
    assert isinstance(line, str)
    verb, marked, seat = line.split()
    assert (verb, seat) == ("overdrag", "fast")
    # The neutral mention: the Entra object id (Teams' objectId), as typed, the roster's name.
    assert read_mention(marked) == Mention(BO.object_id, "@Bo H.", "Bo Hansen")
    assert bot.fake.count("member") == 1


def test_activities_that_ask_nothing_are_ignored() -> None:
    assert read_activity({"type": "typing", "from": {"aadObjectId": "x"}}) is None
    no_person = {"type": "message", "from": {"id": "28:other-bot"}, "conversation": {"id": "c"}}
    assert read_activity({**no_person, "serviceUrl": "https://x"}) is None


# -- file links -----------------------------------------------------------------------------------


def _links(bot: Bot, conversation: str) -> list[str]:
    return [
        action["url"]
        for sent in bot.fake.activities(conversation)
        for card in sent.cards
        for action in card.get("actions", [])
        if action["type"] == "Action.OpenUrl"
    ]


def _local(bot: Bot, link: str) -> str:
    return bot.url + link.removeprefix(bot.runtime.files.public_url)


def test_a_file_link_is_served_by_another_replica_and_after_a_restart(
    bot: Bot, database_url: str
) -> None:
    file_id = bot.runtime.files.keep(Attachment("moede-1.ics", b"BEGIN:VCALENDAR\r\n", "Møde 1"))
    link = bot.runtime.files.link(file_id)
    assert link.startswith("http://127.0.0.1/filer/") and "sig=" in link and "til=" not in link
    # A picture is served as one, for Teams to show it inline in its card.
    picture = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    picture_link = bot.runtime.files.link(
        bot.runtime.files.keep(Attachment("kort.png", picture, "Kort"))
    )
    settings = TeamsSettings(APP, None, None, "http://127.0.0.1", insecure_local=True)
    # Another replica (its own process state, the same database) serves it over HTTP.
    replica = TeamsRuntime(settings, CoreAssembly(_core_settings(database_url), FixedClock(NOW)))
    try:
        for url in _serve(replica.web_app()):
            answer = requests.get(url + link.removeprefix("http://127.0.0.1"), timeout=10)
            assert answer.status_code == 200 and answer.content == b"BEGIN:VCALENDAR\r\n"
            assert answer.headers["Content-Type"].startswith("text/calendar")
            shown = requests.get(url + picture_link.removeprefix("http://127.0.0.1"), timeout=10)
            assert shown.content == picture and shown.headers["Content-Type"] == "image/png"
            assert shown.headers["Content-Disposition"].startswith("inline")
    finally:
        replica.close()
    # A restarted bot (a new store on a new connection, with the same settings' key) too.
    engine = make_engine(database_url)
    try:
        key = link_key(settings.app_id)
        restarted = FileStore(
            make_session_factory(engine), key, "http://127.0.0.1", SystemClock().now
        )
        assert restarted.open(link) == Attachment("moede-1.ics", b"BEGIN:VCALENDAR\r\n", "Møde 1")
        other_key = FileStore(make_session_factory(engine), link_key("x"), "", SystemClock().now)
        assert other_key.open(link) is None
    finally:
        engine.dispose()


def test_an_export_is_a_link_only_the_person_who_asked_can_open(bot: Bot) -> None:
    bot.send(bot.message("tilmeld Aarhus"))
    bot.wait_for(lambda: bool(bot.fake.activities(PERSONAL)), "the registration")
    bot.send(bot.message("mine-data"))
    bot.wait_for(lambda: len(_links(bot, PERSONAL)) == 2, "the two files of mine-data")
    document, data = _links(bot, PERSONAL)
    assert f"til={ANNA.object_id}" in data
    answer = requests.get(_local(bot, data), timeout=10)
    assert answer.status_code == 200 and ANNA.name.encode() in answer.content
    # Bo's own export cannot be opened with Anna's name, nor Anna's with Bo's.
    bo_file = bot.runtime.files.keep(Attachment("bo.json", b"{}", "Bo"), owner=BO.object_id)
    bo_link = bot.runtime.files.link(bo_file)
    for wrong in (
        data.replace(f"til={ANNA.object_id}", f"til={BO.object_id}"),  # someone else's name
        bo_link.replace(f"til={BO.object_id}", f"til={ANNA.object_id}"),
        data.replace("sig=", "sig=0"),  # tampered
        data.split("?")[0].rsplit("/", 1)[0] + "/" + "A" * 32 + "?" + data.split("?")[1],  # guessed
        data.split("?")[0],  # unsigned
        bot.runtime.files.public_url + "/api/filer/x",
    ):
        assert requests.get(_local(bot, wrong), timeout=10).status_code == 404, wrong
    assert requests.get(_local(bot, bo_link), timeout=10).status_code == 200


def test_a_link_expires_and_retention_removes_the_file(sessions: SessionFactory) -> None:
    clock = FixedClock(NOW)
    store = FileStore(sessions, b"secret", "https://bot.example", clock.now)
    export = store.link(store.keep(Attachment("a.json", b"x", "Eksport"), owner="U1"))
    calendar = store.link(store.keep(Attachment("m.ics", b"c", "Møde")))
    assert store.open(export) is not None and store.open(calendar) is not None
    clock.advance(timedelta(hours=1, seconds=1))  # an export lives one hour
    assert store.open(export) is None and store.open(calendar) is not None
    with transaction(sessions) as session:
        assert drop_expired_files(session, clock.now()) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AdapterFile)) == 1
    assert FileStore(sessions, b"other", "https://bot.example", clock.now).open(calendar) is None
    # Erasure takes the person's own files with their references.
    mine = store.link(store.keep(Attachment("b.json", b"y", "Eksport"), owner="U2"))
    with transaction(sessions) as session:
        forget_adapter_refs(session, "U2")
    assert store.open(mine) is None and store.open(calendar) is not None


# -- the calendar feed ------------------------------------------------------------------------------


def test_kalender_abonner_answers_with_a_link_the_teams_endpoint_serves(bot: Bot) -> None:
    bot.send(bot.message("tilmeld Aarhus"))
    bot.wait_for(lambda: len(bot.fake.activities(PERSONAL)) == 1, "the registration")
    bot.send(bot.message("kalender abonner"))
    bot.wait_for(lambda: len(bot.fake.activities(PERSONAL)) == 2, "the link")
    answer = texts_in(bot, PERSONAL)[1]
    found = re.search(r"http://127\.0\.0\.1(/kalender/[A-Za-z0-9_-]+\.ics)", answer)
    assert found is not None, answer
    assert "webcal://127.0.0.1/kalender/" in answer
    feed = requests.get(bot.url + found.group(1), timeout=10)
    assert feed.status_code == 200 and feed.content.startswith(b"BEGIN:VCALENDAR")
    assert feed.headers["Content-Type"].startswith("text/calendar")
    etag = feed.headers["ETag"]
    again = requests.get(bot.url + found.group(1), headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    assert requests.head(bot.url + found.group(1), timeout=10).status_code == 200
    guessed = bot.url + "/kalender/" + "A" * 43 + ".ics"
    assert requests.get(guessed, timeout=10).status_code == 404
    assert requests.post(bot.url + found.group(1), timeout=10).status_code == 405
