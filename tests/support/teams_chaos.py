"""Replicas of ``klimanet run`` with Teams settings against the fake Bot Connector: shared by
bench/teams_chaos and the Teams crash test.

* ``plant_teams_reminder`` registers Teams seat holders (Entra object ids), gives each a
  conversation reference in the adapter memory (as if the bot had met them) and the fake a
  member with the app installed, and plans one meeting whose reminder (a channel post plus a DM
  with a calendar link card to every holder) falls due a few seconds from now, real time.
* ``TeamsReplica`` runs ``klimanet run --http`` with ``TEAMS_INSECURE_LOCAL`` on the loopback.
* ``teams_tally`` counts what reached the fake per conversation: reminders and file cards.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.adapter_memory import AdapterMemory
from bot.domain.registration import Actor
from bot.models import OwnerKind
from handlers.teams.app import TEAMS_CHANNEL_KEY
from handlers.teams.files import FILES_PATH
from tests.support.chaos import (
    REMINDER_MARK,
    Replica,
    plan_reminder_meeting,
    planting_core,
    register_holder,
)
from tests.support.fake_bot_connector import FakeBotConnector, Member

TEAMS_APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CHANNEL = "19:klimanet@thread.tacv2"
FACILITATOR = "00000000-0000-0000-0000-00000000fac1"
FILE_LINK = FILES_PATH  # a card with a signed link to the calendar file


@dataclass(frozen=True)
class TeamsPlanted:
    meeting_id: int
    due_at: datetime
    people: tuple[str, ...]  # the holders' Entra object ids


def object_id(n: int) -> str:
    return f"00000000-0000-0000-0000-{n + 1:012d}"


def plant_teams_reminder(
    database_url: str, fake: FakeBotConnector, holders: int, due_in: float
) -> TeamsPlanted:
    """``holders`` Teams seat holders (three per municipality) and an online meeting whose
    reminder falls due ``due_in`` seconds from now: the Slack chaos meeting, reached on Teams."""
    with planting_core(database_url, TEAMS_CHANNEL_KEY, FACILITATOR) as (core, clock):
        memory = AdapterMemory(core.sessions, "teams", clock.now)
        fake.add_channel(CHANNEL, TENANT)
        memory.remember(
            OwnerKind.PLACE,
            TEAMS_CHANNEL_KEY,
            {"conversation": CHANNEL, "service_url": fake.service_url, "tenant": TENANT},
        )
        people: list[str] = []
        for n in range(holders):
            person = object_id(n)
            register_holder(core, Actor(TENANT, person, f"Person {n + 1}", platform="teams"), n)
            member = Member(f"29:m{n + 1}", person, f"Person {n + 1}", tenant=TENANT)
            fake.add_member(member)
            memory.remember(
                OwnerKind.PERSON,
                person,
                {"member": member.id, "service_url": fake.service_url, "tenant": TENANT},
            )
            people.append(person)
        meeting_id, due = plan_reminder_meeting(core, clock.now(), FACILITATOR, due_in)
        return TeamsPlanted(meeting_id, due, tuple(people))


@dataclass
class TeamsReplica(Replica):
    """``klimanet run --http`` serving Teams on the loopback, sending to the fake without
    tokens (``TEAMS_INSECURE_LOCAL``)."""

    dropped_env: ClassVar[tuple[str, ...]] = ("SLACK_", "KLIMANET_", "TEAMS_")

    def platform_env(self, port: int) -> dict[str, str]:
        return {
            "TEAMS_APP_ID": TEAMS_APP,
            "TEAMS_TENANT_ID": TENANT,
            "TEAMS_INSECURE_LOCAL": "true",
            "KLIMANET_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "KLIMANET_ADMINS": FACILITATOR,
        }


@dataclass
class TeamsTally:
    messages: Counter[str]  # reminder messages per conversation
    files: Counter[str]  # calendar link cards per 1:1 chat
    wanted: frozenset[str]  # the channel and every holder's 1:1 chat
    chats: frozenset[str]

    @property
    def lost(self) -> int:
        return sum(1 for c in self.wanted if self.messages[c] == 0) + sum(
            1 for c in self.chats if self.files[c] == 0
        )

    @property
    def duplicate_messages(self) -> int:
        return sum(max(0, n - 1) for n in self.messages.values())

    @property
    def duplicate_files(self) -> int:
        return sum(max(0, n - 1) for n in self.files.values())

    @property
    def delivered(self) -> int:
        return sum(1 for c in self.wanted if self.messages[c] > 0)


def teams_tally(fake: FakeBotConnector, planted: TeamsPlanted) -> TeamsTally:
    """What the conversations hold now (an activity posted counts, whatever the answer was)."""
    chats = frozenset(f"a:1on1-29:m{n + 1}" for n in range(len(planted.people)))
    messages: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for sent in fake.activities():
        shown = json.dumps(sent.activity, ensure_ascii=False)
        if FILE_LINK in shown:
            files[sent.conversation] += 1
        elif REMINDER_MARK in shown:
            messages[sent.conversation] += 1
    return TeamsTally(messages, files, frozenset({CHANNEL, *chats}), chats)
