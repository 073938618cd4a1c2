"""Replicas as processes against a faulty fake Slack: shared by the crash tests and bench/chaos.

* ``ChaosSlack`` fails a seeded share of the calls that post (and of the file calls) with 429,
  with 500 after keeping the message ("kept"), and with a plain 500.
* ``plant_reminder`` registers seat holders and plans one meeting whose reminder (a channel post
  plus a DM with a calendar file to every holder) falls due a few seconds from now, real time.
  Its parts that know no platform (``planting_core``, ``register_holder``,
  ``plan_reminder_meeting``) serve the Teams support too, so both plant the same meeting.
* ``Replica`` runs ``klimanet run --http`` as its own process with its own bot token, so the
  fake can tell the replicas' calls apart; the Teams replica only swaps the platform's settings.
* ``tally`` counts what reached the fake per conversation: lost and doubled messages and files.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, ClassVar, Self

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.config import Settings
from bot.db import make_engine, transaction
from bot.domain.meetings import MeetingDraft, create_meeting
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor, get_network
from bot.models import Meeting, MeetingFormat, OutboxMessage, OutboxStatus
from bot.platform import Core
from bot.posts.planner import plan_meeting
from bot.replies import Reply
from bot.runtime import NETWORK_SLUG, build_core
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent.parent
CHANNEL = "C0NET"
FACILITATOR = "UFACIL01"
REMINDER_MARK = "Påmindelse"
POSTING = ("chat.postMessage", "files.completeUploadExternal")
FILE_STEPS = ("files.getUploadURLExternal",)


class ChaosSlack(FakeSlack):
    """The fake, failing a seeded share of calls as they arrive (under the fake's lock)."""

    def __init__(
        self,
        seed: int,
        *,
        ratelimited: float = 0.0,
        kept_500: float = 0.0,
        plain_500: float = 0.0,
        retry_after: tuple[int, ...] = (1,),
        methods: tuple[str, ...] = POSTING + FILE_STEPS,
    ) -> None:
        super().__init__()
        self._rng = random.Random(seed)
        self._shares = (
            ("ratelimited", ratelimited),
            ("kept_server_error", kept_500),
            ("server_error", plain_500),
        )
        self._retry_after = retry_after
        self._fault_methods = methods
        self.injected: Counter[str] = Counter()

    def _take_fault(self, method: str) -> Any:
        if method in self._fault_methods and not self._faults.get(method):
            roll = self._rng.random()
            for kind, share in self._shares:
                if kind == "kept_server_error" and method not in POSTING:
                    share = 0.0  # only a call that posts can be kept
                if roll < share:
                    self.injected[f"{method} {kind}"] += 1
                    self.fail_next(method, kind, retry_after=self._rng.choice(self._retry_after))
                    break
                roll -= share
        return super()._take_fault(method)


@dataclass(frozen=True)
class Planted:
    meeting_id: int
    due_at: datetime
    users: tuple[str, ...]

    @property
    def dm_channels(self) -> frozenset[str]:
        return frozenset(f"D{user}" for user in self.users)


SCHEDULE = "reminder=1d"  # the reminder falls due a day before the meeting starts


@contextmanager
def planting_core(
    database_url: str, channel: str, facilitator: str
) -> Iterator[tuple[Core, SystemClock]]:
    """The bot's core on the database (and its real-time clock), to register the holders and plan
    the meeting before any replica runs; its engine is disposed on leaving, so it holds no
    connection the replicas need."""
    settings = Settings(
        database_url=database_url,
        channel=channel,
        admins=frozenset({facilitator}),
        registration="open",
        schedule=SCHEDULE,
    )
    clock = SystemClock()
    core = build_core(settings, clock)
    try:
        yield core, clock
    finally:
        core.engine.dispose()


def register_holder(core: Core, actor: Actor, n: int) -> None:
    """The ``n``th holder (from 0) takes a seat in the ``n // 3``th municipality: three per
    municipality, so 294 holders fill all 98."""
    municipality = default_directory().all()[n // 3]
    answer = core.service.command(actor, f"tilmeld {municipality.code}")
    assert isinstance(answer, Reply) and "Du er tilmeldt" in answer.text, answer


def plan_reminder_meeting(
    core: Core, now: datetime, facilitator: str, due_in: float
) -> tuple[int, datetime]:
    """Creates and plans an online meeting starting a day and ``due_in`` seconds after ``now``,
    so that its reminder (``SCHEDULE``) falls due ``due_in`` seconds from now; the meeting's id
    and the due time of its first post."""
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
        meeting = create_meeting(session, network, draft, facilitator, now)
        plan_meeting(session, network, meeting, core.service.plan_config, now)
        due = session.scalar(
            select(func.min(OutboxMessage.due_at)).where(OutboxMessage.meeting_id == meeting.id)
        )
        meeting_id = meeting.id
    assert due is not None
    return meeting_id, due


def plant_reminder(database_url: str, holders: int, due_in: float) -> Planted:
    """``holders`` seat holders (three per municipality) and an online meeting whose reminder
    (``KLIMANET_SCHEDULE=reminder=1d``) falls due ``due_in`` seconds from now."""
    with planting_core(database_url, CHANNEL, FACILITATOR) as (core, clock):
        users: list[str] = []
        for n in range(holders):
            user = f"U{n + 1:05d}"
            register_holder(core, Actor("T0001", user, f"Person {n + 1}"), n)
            users.append(user)
        meeting_id, due = plan_reminder_meeting(core, clock.now(), FACILITATOR, due_in)
        return Planted(meeting_id, due, tuple(users))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Replica:
    """``klimanet run --http`` as a process, with its own token (``xoxb-<name>``)."""

    name: str
    database_url: str
    base_url: str
    workdir: Path
    lease: str | None = "10s"  # None: the bot's default
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def token(self) -> str:
        return f"xoxb-{self.name}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    # The caller's settings of these kinds are not inherited: the replica runs on exactly the
    # settings below, whatever the shell that started the tests had set.
    dropped_env: ClassVar[tuple[str, ...]] = ("SLACK_", "KLIMANET_")

    def platform_env(self, port: int) -> dict[str, str]:
        """The settings that choose the platform and reach its fake (``port``: where this replica
        listens); Slack: the fake's URL and this replica's own token."""
        return {
            "SLACK_BOT_TOKEN": self.token,
            "SLACK_SIGNING_SECRET": "chaos-secret",
            "SLACK_API_BASE_URL": self.base_url,
            "KLIMANET_CHANNEL": CHANNEL,
            "KLIMANET_ADMINS": FACILITATOR,
        }

    def start(self) -> Self:
        self.starts += 1
        port = _free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(self.dropped_env)},
            "PYTHONPATH": str(ROOT),
            **self.platform_env(port),
            "DATABASE_URL": self.database_url,
            "KLIMANET_SCHEDULE": SCHEDULE,
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

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 40) -> float:
        """SIGTERM; returns the seconds until the process exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        self.process.wait(timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Tally:
    messages: Counter[str]  # reminder messages per conversation
    uploads: Counter[str]  # calendar files per DM
    wanted: frozenset[str]
    dm_channels: frozenset[str]

    @property
    def lost(self) -> int:
        return sum(1 for c in self.wanted if self.messages[c] == 0) + sum(
            1 for c in self.dm_channels if self.uploads[c] == 0
        )

    @property
    def duplicates(self) -> int:
        return sum(max(0, n - 1) for n in self.messages.values()) + sum(
            max(0, n - 1) for n in self.uploads.values()
        )

    @property
    def twice(self) -> int:
        """People (or the channel) who got the reminder more than once."""
        return sum(1 for n in self.messages.values() if n > 1)


def tally(fake: FakeSlack, planted: Planted) -> Tally:
    """What the conversations hold now (kept messages count, whatever the answer was)."""
    messages: Counter[str] = Counter()
    for channel in (CHANNEL, *planted.dm_channels):
        messages[channel] = sum(REMINDER_MARK in str(m.get("text")) for m in fake.messages(channel))
    uploads = Counter(str(u.channel_id) for u in fake.uploads)
    return Tally(messages, uploads, frozenset({CHANNEL, *planted.dm_channels}), planted.dm_channels)


def unfinished(database_url: str, meeting_id: int) -> int:
    """The meeting's reminder rows (and notices) not finished yet."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING.value,
                        (OutboxMessage.meeting_id == meeting_id)
                        | OutboxMessage.kind.in_(("dead_notice", "missed_notice")),
                    )
                )
                or 0
            )
    finally:
        engine.dispose()


def statuses(database_url: str, meeting_id: int) -> Counter[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return Counter(
                connection.scalars(
                    select(OutboxMessage.status).where(OutboxMessage.meeting_id == meeting_id)
                )
            )
    finally:
        engine.dispose()


def due_pending(database_url: str, meeting_id: int) -> int:
    """The meeting's posts up to its start that are not yet delivered (the posts after it, such
    as the attendance list when it ends, are not counted)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return len(
                connection.scalars(
                    select(OutboxMessage.id)
                    .join(Meeting, Meeting.id == OutboxMessage.meeting_id)
                    .where(
                        OutboxMessage.meeting_id == meeting_id,
                        OutboxMessage.status == OutboxStatus.PENDING.value,
                        OutboxMessage.due_at <= Meeting.starts_at,
                    )
                ).all()
            )
    finally:
        engine.dispose()


def wait_until_done(database_url: str, meeting_id: int, timeout: float) -> float | None:
    """Poll until nothing of the meeting that is due is pending; the seconds it took, or None
    (timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if due_pending(database_url, meeting_id) == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    return None
