"""One season of the network played in Teams and in Slack with the same script, and the same
people reached by every post.

Each engine is the real bot over real HTTP: Slack's HTTP mode against the loopback fake Web API,
Teams' endpoint (``TEAMS_INSECURE_LOCAL``, the real Agents SDK) against the fake Bot Connector.
The script: registration with approval (KL approves the first of Aarhus, its coordinator the
next), a meeting with all its posts on the clock (announcement, agenda, "Kommer du stadig?",
reminder, starting now), a handover, a substitute, and erasure. Who received each post is read
from the platform's fake (the conversation a delivered post landed in, mapped to a person's
name), so the two seasons are compared by person, never by id.

Mentions go as Teams sends them (an ``<at>`` tag and its mention entity): the handover and
the substitute are named through the roster, as a member does in Teams.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any, Protocol

import requests
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory
from bot.models import OutboxMessage, OutboxStatus, OwnerKind
from bot.replies import Action
from bot.runtime import CoreAssembly
from handlers.teams.app import MESSAGES_PATH, TeamsRuntime
from handlers.teams.cards import ACTION_KEY
from handlers.teams.settings import TeamsSettings
from tests.support.fake_bot_connector import FakeBotConnector, Member, Sent
from tests.support.fake_slack import FakeSlack
from tests.support.slackbot import SlackBot, buttons, running_bot
from tests.test_teams_inbound import _serve

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
BOT = f"28:{APP}"
TEAMS_CHANNEL = "19:net@thread.tacv2"
NETWORK = "#kanal"  # the network's channel, as the recipient tables name it


@dataclass(frozen=True)
class Who:
    name: str
    slack: str
    teams: Member

    @property
    def personal(self) -> str:
        return f"a:personal-{self.slack.lower()}"


def _who(slack: str, n: int, name: str) -> Who:
    return Who(name, slack, Member(f"29:{slack}", f"0b0b0b0b-0000-0000-0000-{n:012d}", name))


SARA = _who("UADMIN01", 1, "Sara Røpke")  # KL's facilitator
ANNA = _who("U0ANNA", 2, "Anna Jensen")
BO = _who("U0BO", 3, "Bo Hansen")
CARL = _who("U0CARL", 4, "Carl Nielsen")
DORTE = _who("U0DORTE", 5, "Dorte Lund")
PEOPLE = (SARA, ANNA, BO, CARL, DORTE)

START = datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
CREATE = 'møde opret 15.01.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1'
# 15 January 2027 10:00 Copenhagen (CET) = 09:00 UTC; the default schedule's posts.
ANNOUNCE_AT = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
AGENDA_AT = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)
CONFIRM_AT = datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
REMINDER_AT = datetime(2027, 1, 14, 8, 0, tzinfo=UTC)
STARTING_AT = datetime(2027, 1, 15, 8, 45, tzinfo=UTC)

Recipients = dict[tuple[str, int | None], frozenset[str]]


class Engine(Protocol):
    clock: FixedClock

    @property
    def sessions(self) -> SessionFactory: ...

    def say(self, who: Who, line: str, *, naming: Who | None = None) -> None:
        """``line`` as ``who`` writes it; ``{}`` in it is a mention of ``naming``."""

    def click(self, who: Who, action: str, needle: str) -> None:
        """Click ``action`` on the newest message to ``who`` that contains ``needle``."""

    def click_answer(self, who: Who, action: str) -> None:
        """Click ``action`` on the answer to ``who``'s last command."""

    def drain(self) -> None: ...

    def landed(self, row: OutboxMessage) -> str | None:
        """Whose conversation a delivered post is in now (a name or NETWORK); None when the
        platform does not have it."""


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


# -- Slack ------------------------------------------------------------------------------------------


@dataclass
class SlackEngine:
    bot: SlackBot
    clock: FixedClock
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def sessions(self) -> SessionFactory:
        return self.bot.runtime.core.sessions

    def say(self, who: Who, line: str, *, naming: Who | None = None) -> None:
        if naming is not None:
            line = line.format(f"<@{naming.slack}|{naming.name.split()[0].lower()}>")
        answer = self.bot.command(who.slack, line)
        assert answer.ok, answer
        self.answers[who.slack] = dict(answer.args)

    def click_answer(self, who: Who, action: str) -> None:
        value = buttons(self.answers[who.slack])[action]
        self.bot.click(who.slack, action, None, f"D{who.slack}", value=value)

    def click(self, who: Who, action: str, needle: str) -> None:
        found = [
            m
            for m in self.bot.fake.messages(who.slack)
            if needle in str(m.get("text")) and action in buttons(m)
        ]
        assert found, (who.name, action, needle)
        self.bot.click(who.slack, action, found[-1], f"D{who.slack}")

    def drain(self) -> None:
        self.bot.drain()

    def landed(self, row: OutboxMessage) -> str | None:
        channel = str(row.message_channel)
        if not any(m["ts"] == row.message_ts for m in self.bot.fake.messages(channel)):
            return None
        if channel == "C0NET":
            return NETWORK
        return next(p.name for p in PEOPLE if channel in (p.slack, f"D{p.slack}"))


@contextmanager
def slack_engine(database_url: str, clock: FixedClock) -> Iterator[SlackEngine]:
    with FakeSlack() as fake:
        for who in PEOPLE:
            fake.add_user(who.slack, who.name)
        with running_bot(database_url, fake, clock, registration="approval") as bot:
            bot.runtime.delivery._pacer.interval = 0.0  # the fake does not rate limit
            yield SlackEngine(bot, clock)
        fake.assert_no_invalid_payloads()


# -- Teams ------------------------------------------------------------------------------------------


@dataclass
class TeamsEngine:
    fake: FakeBotConnector
    runtime: TeamsRuntime
    url: str
    clock: FixedClock
    ids: Iterator[int] = field(default_factory=lambda: count(1))

    @property
    def sessions(self) -> SessionFactory:
        return self.runtime.core.sessions

    def send(self, who: Who, conversation: str, **fields: Any) -> None:
        kind = "personal" if conversation == who.personal else "channel"
        activity = {
            "type": "message",
            "id": f"act-{next(self.ids)}",
            "text": "",
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": who.teams.id, "name": who.name, "aadObjectId": who.teams.object_id},
            "recipient": {"id": BOT, "name": "Klimanet"},
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            **fields,
        }
        answer = requests.post(self.url + MESSAGES_PATH, json=activity, timeout=10)
        assert answer.status_code == 200, answer.text

    def _answers(self, who: Who) -> int:
        return len(self.fake.activities(who.personal, deleted=True))

    def say(self, who: Who, line: str, *, naming: Who | None = None) -> None:
        entities: list[dict[str, Any]] = []
        if naming is not None:  # a mention as Teams sends it: an <at> tag and its entity
            tag = f"<at>{naming.name}</at>"
            mentioned = {"id": naming.teams.id, "name": naming.name}
            entities.append({"type": "mention", "text": tag, "mentioned": mentioned})
            line = line.format(tag)
        before = self._answers(who)
        self.send(who, who.personal, text=line, entities=entities)
        _wait(lambda: self._answers(who) > before, f"the answer to {line!r}")

    def install(self, who: Who) -> None:
        self.send(who, who.personal, type="installationUpdate", action="add")
        _wait(lambda: self._answers(who) > 0, f"{who.name}'s welcome")

    def make_channel(self, who: Who) -> None:
        mention = "<at>Klimanet</at>"
        entity = {"type": "mention", "text": mention, "mentioned": {"id": BOT}}
        self.send(who, TEAMS_CHANNEL, text=f"{mention} kanal", entities=[entity])
        _wait(lambda: bool(self.fake.activities(TEAMS_CHANNEL)), "the channel's confirmation")

    def click(self, who: Who, action: str, needle: str) -> None:
        def has(sent: Sent) -> dict[str, Any] | None:
            for card in sent.cards:
                shown = " ".join(str(b.get("text", "")) for b in card.get("body", []))
                for button in card.get("actions", []):
                    data = button.get("data") or {}
                    if needle in shown and data.get(ACTION_KEY) == action:
                        return dict(data)
            return None

        found = [(s, has(s)) for s in self.fake.activities(who.personal) if has(s) is not None]
        assert found, (who.name, action, needle)
        sent, data = found[-1]
        before = sent.updated
        self.send(who, who.personal, value=data, replyToId=sent.id)

        def updated() -> bool:
            now = self.fake.find(who.personal, sent.id)
            return now is None or now.updated > before

        _wait(updated, f"the card {action} was clicked on")

    def click_answer(self, who: Who, action: str) -> None:
        self.click(who, action, "")

    def drain(self) -> None:
        stats = self.runtime.delivery.drain()
        assert stats.dead == 0 and stats.retried == 0, stats

    def landed(self, row: OutboxMessage) -> str | None:
        where = str(row.message_channel)
        place = self.runtime.memory.recall(OwnerKind.PLACE, where)
        assert place is not None, where
        conversation = str(place["conversation"])
        if self.fake.find(conversation, str(row.message_ts)) is None:
            return None
        if conversation == TEAMS_CHANNEL:
            return NETWORK
        return next(p.name for p in PEOPLE if conversation == p.personal)


@contextmanager
def teams_engine(database_url: str, clock: FixedClock) -> Iterator[TeamsEngine]:
    core = Settings(
        database_url=database_url,
        channel="KANAL",
        admins=frozenset({SARA.teams.object_id}),
        registration="approval",
    )
    settings = TeamsSettings(APP, None, None, "http://127.0.0.1", insecure_local=True)
    with FakeBotConnector(tenant=TENANT) as fake:
        fake.add_channel(TEAMS_CHANNEL)
        for who in PEOPLE:
            fake.add_channel(who.personal)
            fake.add_member(who.teams)
        runtime = TeamsRuntime(settings, CoreAssembly(core, clock))
        runtime.delivery._pacer.interval = 0.0  # the fake's limits are not what is tested here
        try:
            for url in _serve(runtime.web_app()):
                engine = TeamsEngine(fake, runtime, url, clock)
                for who in PEOPLE:  # each has the app (KL's setup policy installs it)
                    engine.install(who)
                engine.make_channel(SARA)
                yield engine
        finally:
            runtime.close()
        fake.assert_no_invalid_activities()


# -- the season -------------------------------------------------------------------------------------


def recipients(engine: Engine) -> Recipients:
    """Who each delivered post reached, by (kind, meeting), read from the platform."""
    found: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    with engine.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.SENT.value,
                OutboxMessage.message_ts.is_not(None),
            )
        ).all()
    for row in rows:
        landed = engine.landed(row)
        assert landed is not None, (row.kind, row.recipient, "not at the platform")
        found[(row.kind, row.meeting_id)].add(landed)
    return {key: frozenset(names) for key, names in found.items()}


def at(engine: Engine, when: datetime) -> None:
    engine.clock.advance(when - engine.clock.now())
    engine.drain()


def play(engine: Engine) -> Recipients:
    """The script, the same for every engine; who each post reached."""
    # Registration with approval: KL approves Aarhus' first, its coordinator the next.
    engine.say(ANNA, "tilmeld Aarhus")
    engine.drain()
    engine.click(SARA, Action.REQUEST_APPROVE, ANNA.name)
    engine.say(BO, "tilmeld Aarhus")
    engine.drain()
    engine.click(ANNA, Action.REQUEST_APPROVE, BO.name)
    engine.drain()
    # A meeting, with its posts on the clock.
    engine.say(SARA, CREATE)
    at(engine, ANNOUNCE_AT)
    # A handover: Bo gives his flexible seat to Carl, who accepts.
    engine.say(BO, "overdrag {}", naming=CARL)
    engine.drain()
    engine.click(CARL, Action.OFFER_ACCEPT, BO.name)
    engine.drain()
    at(engine, AGENDA_AT)
    # A substitute: Carl sends regrets, his coordinator sends Dorte, who accepts.
    engine.say(CARL, "afbud 1")
    engine.drain()
    engine.say(ANNA, "vikar 1 {} fleksibel 1", naming=DORTE)
    engine.drain()
    engine.click(DORTE, Action.OFFER_ACCEPT, ANNA.name)
    engine.drain()
    at(engine, CONFIRM_AT)
    at(engine, REMINDER_AT)
    at(engine, STARTING_AT)
    return recipients(engine)


def erase(engine: Engine, who: Who) -> list[OutboxMessage]:
    """``slet-mig``, confirmed; the posts that had reached ``who`` before."""
    with engine.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_ts.is_not(None))
        ).all()
    theirs = [row for row in rows if engine.landed(row) == who.name]
    engine.say(who, "slet-mig")
    engine.click_answer(who, Action.ERASE_CONFIRM)
    engine.drain()
    return theirs


# Who each post of the season reaches, by person: the same in every engine. Each row is a rule:
# KL approves a municipality's first registration and its coordinator the next; the
# announcement's direct message is for coordinators; "Kommer du stadig?" only for those who have
# not said (Carl sent regrets, Dorte accepted to come); the reminder for all who come.
SEASON: Recipients = {
    ("approval", None): frozenset({SARA.name, ANNA.name}),
    ("approval_result", None): frozenset({ANNA.name, BO.name}),
    # Approval and offer messages updated in place once answered.
    ("refresh", None): frozenset({SARA.name, ANNA.name, CARL.name, DORTE.name}),
    ("announce", 1): frozenset({NETWORK}),
    ("announce_dm", 1): frozenset({ANNA.name}),
    ("offer", None): frozenset({CARL.name}),
    ("offer_result", None): frozenset({BO.name, ANNA.name}),
    ("agenda", 1): frozenset({NETWORK}),
    ("regrets_notice", 1): frozenset({ANNA.name}),
    ("offer", 1): frozenset({DORTE.name}),
    ("substitute_notice", 1): frozenset({CARL.name}),
    ("confirm_dm", 1): frozenset({ANNA.name}),
    ("reminder", 1): frozenset({NETWORK}),
    ("reminder_dm", 1): frozenset({ANNA.name, DORTE.name}),
    ("starting", 1): frozenset({NETWORK}),
}


def check_erasure(engine: Engine) -> list[OutboxMessage]:
    """Bo's direct messages are deleted where they landed once he is erased."""
    had = erase(engine, BO)
    assert had and all(engine.landed(row) is None for row in had)
    return had


def test_a_season_in_slack(tmp_path: Path) -> None:
    """The reference: Slack's season (on SQLite; Slack on PostgreSQL is proven elsewhere)."""
    with slack_engine(f"sqlite:///{tmp_path / 'season.db'}", FixedClock(START)) as engine:
        assert play(engine) == SEASON
        check_erasure(engine)


def test_the_same_season_in_teams_reaches_the_same_people(database_url: str) -> None:
    with teams_engine(database_url, FixedClock(START)) as engine:
        assert play(engine) == SEASON
        had = check_erasure(engine)
        # Through delete_activity: the posts and the answers to his own commands (the welcome,
        # his registration, the erasure's question) alike; the conversation reference is gone.
        assert engine.fake.count("delete") > len(had)
        assert engine.fake.activities(BO.personal) == []
        assert engine.fake.activities(BO.personal, deleted=True)
        assert engine.runtime.memory.recall(OwnerKind.PERSON, BO.teams.object_id) is None
