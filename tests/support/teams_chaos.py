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
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.adapter_memory import AdapterMemory
from bot.clock import SystemClock
from bot.config import Settings
from bot.db import transaction
from bot.domain.meetings import MeetingDraft, create_meeting
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor, get_network
from bot.models import MeetingFormat, OutboxMessage, OwnerKind
from bot.posts.planner import plan_meeting
from bot.replies import Reply
from bot.runtime import NETWORK_SLUG, build_core
from handlers.teams.app import TEAMS_CHANNEL_KEY
from handlers.teams.files import FILES_PATH
from tests.support.chaos import REMINDER_MARK, ROOT, Replica, _free_port
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
    reminder falls due ``due_in`` seconds from now."""
    settings = Settings(
        database_url=database_url,
        channel=TEAMS_CHANNEL_KEY,
        admins=frozenset({FACILITATOR}),
        registration="open",
        schedule="reminder=1d",
    )
    clock = SystemClock()
    core = build_core(settings, clock)
    try:
        memory = AdapterMemory(core.sessions, "teams", clock.now)
        fake.add_channel(CHANNEL, TENANT)
        memory.remember(
            OwnerKind.PLACE,
            TEAMS_CHANNEL_KEY,
            {"conversation": CHANNEL, "service_url": fake.service_url, "tenant": TENANT},
        )
        people: list[str] = []
        municipalities = default_directory().all()
        for n in range(holders):
            person = object_id(n)
            actor = Actor(TENANT, person, f"Person {n + 1}", platform="teams")
            answer = core.service.command(actor, f"tilmeld {municipalities[n // 3].code}")
            assert isinstance(answer, Reply) and "Du er tilmeldt" in answer.text, answer
            member = Member(f"29:m{n + 1}", person, f"Person {n + 1}", tenant=TENANT)
            fake.add_member(member)
            memory.remember(
                OwnerKind.PERSON,
                person,
                {"member": member.id, "service_url": fake.service_url, "tenant": TENANT},
            )
            people.append(person)
        now = clock.now()
        starts = now + timedelta(days=1, seconds=due_in)
        with transaction(core.sessions) as session:
            network = get_network(session, NETWORK_SLUG)
            draft = MeetingDraft(
                title="Kaosmøde",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                format=MeetingFormat.ONLINE,
                link="https://meet.example/kaos",
            )
            meeting = create_meeting(session, network, draft, FACILITATOR, now)
            plan_meeting(session, network, meeting, core.service.plan_config, now)
            due = session.scalar(
                select(func.min(OutboxMessage.due_at)).where(OutboxMessage.meeting_id == meeting.id)
            )
            meeting_id = meeting.id
        assert due is not None
        return TeamsPlanted(meeting_id, due, tuple(people))
    finally:
        core.engine.dispose()


@dataclass
class TeamsReplica(Replica):
    """``klimanet run --http`` serving Teams on the loopback, sending to the fake without
    tokens (``TEAMS_INSECURE_LOCAL``)."""

    def start(self) -> TeamsReplica:
        self.starts += 1
        port = _free_port()
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("SLACK_", "KLIMANET_", "TEAMS_"))
            },
            "PYTHONPATH": str(ROOT),
            "TEAMS_APP_ID": TEAMS_APP,
            "TEAMS_TENANT_ID": TENANT,
            "TEAMS_INSECURE_LOCAL": "true",
            "KLIMANET_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": self.database_url,
            "KLIMANET_ADMINS": FACILITATOR,
            "KLIMANET_SCHEDULE": "reminder=1d",
            **({"KLIMANET_DELIVERY_LEASE": self.lease} if self.lease else {}),
            "KLIMANET_OPS_ADDR": "off",
            "KLIMANET_LOG_LEVEL": "INFO",
        }
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            cwd=self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self


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


def now_utc() -> datetime:
    return datetime.now(UTC)
