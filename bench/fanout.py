"""Fan-out: one meeting's reminder to 98 municipalities × 3 seat holders, all due at once.

The real pieces run in-process: the service (registrations, ``møde opret``), the outbox and the
planner, ``Delivery`` and ``SlackNotifier`` on the real WebClient factory (with its retry
handlers), against the loopback fake Slack Web API that allows one ``chat.postMessage`` per second
per channel and answers 429 with ``Retry-After`` above it. Per database:

* **clean**: the channel reminder and 294 reminder DMs (each with an .ics upload) fall due
  together; deliver them all. Target: all within 30 s, 0 duplicates, 0 lost.
* **faulty**: the same on a fresh database, with 10 % of ``chat.postMessage`` and ``files.*``
  calls answered 429 and 2 % answered 500 (seeded). Target: 0 duplicates, 0 lost.
* **planner**: plan the posts of 1,000 meetings in one transaction (target under 2 s); also the
  no-op re-plan (every key already there), which every registration and the safety net pay.
* **idle tick**: ``Delivery.tick()`` with nothing due, on a small and on a large outbox (target
  median under 5 ms).

    uv run python -m bench.fanout                               # SQLite only
    bash tests/with_postgres.sh uv run python -m bench.fanout   # and PostgreSQL

It is a measurement, not a test: the exit status is 0 even when a target is missed.
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import postgres_database, print_table, verdict
from bot.config import Settings
from bot.db import transaction
from bot.domain.meetings import MeetingDraft, create_meeting
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor, get_network
from bot.domain.timeparse import local_to_utc
from bot.models import Meeting, MeetingFormat, OutboxMessage, OutboxStatus, Seat
from bot.posts.planner import plan_meeting
from bot.replies import Reply
from bot.runtime import NETWORK_SLUG, Core, build_core, build_delivery
from handlers.slack.client import make_delivery_client
from handlers.slack.notifier import SlackNotifier
from jobs.delivery import Delivery, TickStats
from tests.support.fake_slack import FakeSlack

# -- the scene ----------------------------------------------------------------------------------------
CHANNEL = "C0NET"
FACILITATOR = Actor("T0001", "UFACIL01", "Sara Røpke")
PEOPLE_PER_MUNICIPALITY = 3
EXPECTED_HOLDERS = 98 * PEOPLE_PER_MUNICIPALITY
# Set up two days before the meeting: the announcement and agenda times have passed, so only the
# reminder (1d@09:00) and "starting" are planned, and the reminder goes to everyone at once.
SET_UP_AT = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
CREATE_MEETING = (
    'møde opret 15.03.2027 10:00-12:00 online "Fan-out" link=https://meet.example/fanout'
)
FAN_OUT_KINDS = ("reminder", "reminder_dm", "fanout")
REMINDER_MARK = "Påmindelse"

# -- the fake's rules and faults ----------------------------------------------------------------------
RATE_LIMIT_PER_CHANNEL = 1.0
FAULT_SEED = 20200625
FAULT_429_SHARE = 0.10
FAULT_500_SHARE = 0.02
FAULT_RETRY_AFTER_S = 1
FAULTY_METHODS = frozenset(
    {"chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal"}
)

# -- the planner and the tick -------------------------------------------------------------------------
PLAN_MEETINGS = 1000
PROFILE_MEETINGS = 25  # profiled (and rolled back) only when planning misses its target
# The no-op re-plan is timed on a sample: its cost per meeting is what matters, and the whole
# 1,000 would double the run for the same figure.
REPLAN_SAMPLE = 50
FIRST_PLANNED_DAY = date(2027, 4, 15)  # every offset of every planned meeting is still ahead
IDLE_TICKS = 200
PROFILE_LINES = 18

# -- targets (from the issue) -------------------------------------------------------------------------
TARGET_CLEAN_S = 30.0
TARGET_PLAN_S = 2.0
TARGET_IDLE_MS = 5.0

# -- plumbing -----------------------------------------------------------------------------------------
DELIVERY_TIMEOUT_S = 150.0
POLL_S = 0.05
POSTGRES_ENV = "KLIMANET_TEST_POSTGRES_URL"
BOT_TOKEN = "xoxb-bench"


def progress(message: str) -> None:
    # Progress to stderr, so stdout holds the tables only.
    print(message, file=sys.stderr, flush=True)


class RunningClock:
    """Frozen while the scene is set up, then real time from a chosen instant.

    Delivery must see time pass as in production: a row rescheduled after a 429 or a 500 falls
    due seconds later, and leases are checked against it. A FixedClock frozen at the reminder
    time would leave those rows pending forever.
    """

    def __init__(self, at: datetime) -> None:
        self._at = at
        self._started: float | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._started is None:
                return self._at
            return self._at + timedelta(seconds=time.monotonic() - self._started)

    def run_from(self, at: datetime) -> None:
        with self._lock:
            self._at, self._started = at, time.monotonic()


class FaultySlack(FakeSlack):
    """The fake, failing a seeded share of calls with 429 or 500 as they arrive.

    The decision is per call (under the fake's lock), so faults are spread over the whole run
    instead of hitting the first N calls. It queues the fault through the fake's own
    ``fail_next`` and lets the fake answer it, so the answers and ``stats`` are the fake's.
    """

    def __init__(self, seed: int, share_429: float, share_500: float) -> None:
        super().__init__()
        self._rng = random.Random(seed)
        self._share_429 = share_429
        self._share_500 = share_500
        self.injected: Counter[str] = Counter()

    def _take_fault(self, method: str) -> Any:
        if method in FAULTY_METHODS and not self._faults.get(method):
            roll = self._rng.random()
            if roll < self._share_429:
                self.injected["ratelimited"] += 1
                self.fail_next(method, "ratelimited", retry_after=FAULT_RETRY_AFTER_S)
            elif roll < self._share_429 + self._share_500:
                self.injected["server_error"] += 1
                self.fail_next(method, "server_error")
        return super()._take_fault(method)


# -- results ------------------------------------------------------------------------------------------


@dataclass
class FanOutResult:
    run: str
    database: str
    posts: int  # successful chat.postMessage calls
    uploads: int  # completed file uploads
    seconds: float
    ratelimited: int  # 429s the fake answered (rate limit and injected)
    server_errors: int
    injected: Counter[str]
    duplicate_posts: int
    duplicate_uploads: int
    lost_posts: int
    lost_uploads: int
    stray: int  # posts and uploads the scene did not ask for (e.g. a dead-row notice)
    outbox: Counter[str]  # the fan-out rows by status
    ticks: TickStats
    calls: Counter[str]
    timed_out: bool

    @property
    def duplicates(self) -> int:
        return self.duplicate_posts + self.duplicate_uploads

    @property
    def lost(self) -> int:
        return self.lost_posts + self.lost_uploads

    @property
    def all_sent(self) -> bool:
        return set(self.outbox) == {OutboxStatus.SENT.value}

    @property
    def passed(self) -> bool:
        ok = self.duplicates == 0 and self.lost == 0 and self.all_sent and not self.timed_out
        return ok and (self.run != "clean" or self.seconds <= TARGET_CLEAN_S)


@dataclass
class PlanResult:
    database: str
    meetings: int
    rows: int
    load_s: float
    plan_s: float
    commit_s: float
    replan_meetings: int
    replan_s: float
    replan_rows: int
    profile: str = ""

    @property
    def total_s(self) -> float:
        return self.load_s + self.plan_s + self.commit_s


@dataclass
class IdleResult:
    database: str
    outbox: str
    pending: int
    durations_ms: list[float]
    claimed: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.durations_ms)

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.durations_ms, n=20)[-1]


@dataclass
class DatabaseResults:
    fan_outs: list[FanOutResult] = field(default_factory=list)
    plans: list[PlanResult] = field(default_factory=list)
    idles: list[IdleResult] = field(default_factory=list)


# -- the scene ----------------------------------------------------------------------------------------


@dataclass
class Scene:
    core: Core
    settings: Settings
    clock: RunningClock
    meeting_id: int
    reminder_due: datetime
    dm_channels: frozenset[str]  # where the reminder DMs land ("D" + user id)


def say(core: Core, actor: Actor, command: str) -> str:
    outcome = core.service.command(actor, command)
    if not isinstance(outcome, Reply):
        raise RuntimeError(f"{command!r} answered {outcome!r}, not a reply")
    return outcome.text


@contextmanager
def scene(database_url: str) -> Iterator[Scene]:
    """294 seat holders and one online meeting whose reminder is the next thing due."""
    clock = RunningClock(SET_UP_AT)
    settings = Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({FACILITATOR.user_id}),
        registration="open",  # the fan-out is the subject, not the approvals
    )
    core = build_core(settings, clock)
    try:
        users: list[str] = []
        for municipality in default_directory().all():
            for _ in range(PEOPLE_PER_MUNICIPALITY):
                user_id = f"U{len(users) + 1:05d}"
                answer = say(
                    core,
                    Actor("T0001", user_id, f"Person {len(users) + 1}"),
                    f"tilmeld {municipality.code}",
                )
                if "Du er tilmeldt" not in answer:
                    raise RuntimeError(f"registration of {user_id} failed: {answer[:120]}")
                users.append(user_id)
        with core.sessions() as session:
            seats = session.scalar(select(func.count()).where(Seat.holder_id.is_not(None)))
        if seats != EXPECTED_HOLDERS:
            raise RuntimeError(f"expected {EXPECTED_HOLDERS} seats taken, found {seats}")
        # Already one through Settings.admins; the service call is what the console does.
        core.service.make_facilitator(FACILITATOR.user_id)
        answer = say(core, FACILITATOR, CREATE_MEETING)
        if "Mødet er oprettet" not in answer:
            raise RuntimeError(f"creating the meeting failed: {answer[:200]}")
        with core.sessions() as session:
            meeting_id, reminder_due = session.execute(
                select(OutboxMessage.meeting_id, func.min(OutboxMessage.due_at))
                .where(OutboxMessage.kind == "reminder")
                .group_by(OutboxMessage.meeting_id)
            ).one()
            planned = Counter(
                session.scalars(
                    select(OutboxMessage.kind).where(OutboxMessage.meeting_id == meeting_id)
                )
            )
        # The DMs are one fan-out row until due, expanded to one row per holder at send time.
        if planned["reminder"] != 1 or planned["fanout"] != 1:
            raise RuntimeError(f"unexpected plan for the meeting: {dict(planned)}")
        yield Scene(
            core,
            settings,
            clock,
            int(meeting_id),
            reminder_due,
            frozenset(f"D{user}" for user in users),
        )
    finally:
        core.engine.dispose()


# -- fan-out ------------------------------------------------------------------------------------------


def fan_out_pending(core: Core, meeting_id: int) -> int:
    """Fan-out rows not finished yet, plus facilitator notices a dead row may have queued."""
    with core.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                    (
                        (OutboxMessage.meeting_id == meeting_id)
                        & OutboxMessage.kind.in_(FAN_OUT_KINDS)
                    )
                    | OutboxMessage.kind.in_(("dead_notice", "missed_notice")),
                )
            )
            or 0
        )


def fan_out_statuses(core: Core, meeting_id: int) -> Counter[str]:
    with core.sessions() as session:
        return Counter(
            session.scalars(
                select(OutboxMessage.status).where(
                    OutboxMessage.meeting_id == meeting_id, OutboxMessage.kind.in_(FAN_OUT_KINDS)
                )
            )
        )


def deliver_all(the_scene: Scene, delivery: Delivery) -> tuple[float, TickStats, bool]:
    """Drain until no fan-out row is pending; rescheduled rows fall due as real time passes."""
    the_scene.clock.run_from(the_scene.reminder_due)
    totals = TickStats()
    started = time.perf_counter()
    while True:
        totals.add(delivery.drain())
        if fan_out_pending(the_scene.core, the_scene.meeting_id) == 0:
            return time.perf_counter() - started, totals, False
        if time.perf_counter() - started > DELIVERY_TIMEOUT_S:
            return time.perf_counter() - started, totals, True
        time.sleep(POLL_S)


def fan_out(
    run: str, database: str, the_scene: Scene, fake: FakeSlack, after: Callable[[Delivery], None]
) -> FanOutResult:
    notifier = SlackNotifier(make_delivery_client(BOT_TOKEN, fake.base_url))
    delivery = build_delivery(the_scene.core, notifier, the_scene.settings, the_scene.clock)
    try:
        seconds, ticks, timed_out = deliver_all(the_scene, delivery)
        result = tally(run, database, the_scene, fake, seconds, ticks, timed_out)
        after(delivery)
    finally:
        delivery.close()
    return result


def tally(
    run: str,
    database: str,
    the_scene: Scene,
    fake: FakeSlack,
    seconds: float,
    ticks: TickStats,
    timed_out: bool,
) -> FanOutResult:
    """Compare what reached the fake with what the scene asked for: one reminder per recipient."""
    posts = fake.calls("chat.postMessage", ok=True)
    wanted_posts = {CHANNEL, *the_scene.dm_channels}
    # The same message twice in one conversation is a duplicate, whatever else was posted there.
    per_message = Counter((str(c.args.get("channel")), str(c.args.get("text"))) for c in posts)
    reminders = Counter(
        channel
        for (channel, text_), count in per_message.items()
        for _ in range(count)
        if channel in wanted_posts and REMINDER_MARK in text_
    )
    uploads = Counter(str(u.channel_id) for u in fake.uploads)
    stats = fake.stats
    return FanOutResult(
        run=run,
        database=database,
        posts=len(posts),
        uploads=len(fake.uploads),
        seconds=seconds,
        ratelimited=stats["ratelimited"],
        server_errors=stats["server_error"],
        injected=fake.injected if isinstance(fake, FaultySlack) else Counter(),
        duplicate_posts=sum(count - 1 for count in per_message.values()),
        duplicate_uploads=sum(max(0, uploads[c] - 1) for c in the_scene.dm_channels),
        lost_posts=sum(1 for channel in wanted_posts if reminders[channel] == 0),
        lost_uploads=sum(1 for channel in the_scene.dm_channels if uploads[channel] == 0),
        stray=len(posts)
        - sum(reminders.values())
        + sum(count for c, count in uploads.items() if c not in the_scene.dm_channels),
        outbox=fan_out_statuses(the_scene.core, the_scene.meeting_id),
        ticks=ticks,
        calls=Counter(c.method for c in fake.calls()),
        timed_out=timed_out,
    )


# -- planner ------------------------------------------------------------------------------------------


def create_meetings(the_scene: Scene, count: int) -> list[int]:
    """``count`` online meetings a day apart, all offsets ahead; not timed."""
    tz = the_scene.settings.timezone
    now = the_scene.clock.now()
    ids: list[int] = []
    with transaction(the_scene.core.sessions) as session:
        network = get_network(session, NETWORK_SLUG)
        for index in range(count):
            day = FIRST_PLANNED_DAY + timedelta(days=index)
            draft = MeetingDraft(
                title=f"Planlagt møde {index + 1}",
                starts_at=local_to_utc(day, wall_time(10, 0), tz),
                ends_at=local_to_utc(day, wall_time(12, 0), tz),
                format=MeetingFormat.ONLINE,
                link="https://meet.example/plan",
            )
            ids.append(create_meeting(session, network, draft, FACILITATOR.user_id, now).id)
    return ids


def plan_in_one_transaction(the_scene: Scene, ids: list[int]) -> tuple[int, float, float, float]:
    """Plan the meetings like ``plan_upcoming`` does; returns rows and load/plan/commit seconds."""
    config = the_scene.core.service.plan_config
    now = the_scene.clock.now()
    started = time.perf_counter()
    with transaction(the_scene.core.sessions) as session:
        network = get_network(session, NETWORK_SLUG)
        meetings = list(
            session.scalars(select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.id))
        )
        loaded = time.perf_counter()
        rows = sum(plan_meeting(session, network, meeting, config, now) for meeting in meetings)
        planned = time.perf_counter()
    committed = time.perf_counter()
    return rows, loaded - started, planned - loaded, committed - planned


def profile_planning(the_scene: Scene, ids: list[int]) -> str:
    """cProfile of planning ``ids``, rolled back so the outbox keeps its 1,000 meetings."""
    config = the_scene.core.service.plan_config
    now = the_scene.clock.now()
    profiler = cProfile.Profile()
    with the_scene.core.sessions() as session:
        network = get_network(session, NETWORK_SLUG)
        meetings = list(session.scalars(select(Meeting).where(Meeting.id.in_(ids))))
        profiler.enable()
        for meeting in meetings:
            plan_meeting(session, network, meeting, config, now)
        session.flush()
        profiler.disable()
        session.rollback()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    return out.getvalue()


def bench_planner(database: str, the_scene: Scene) -> PlanResult:
    ids = create_meetings(the_scene, PLAN_MEETINGS + PROFILE_MEETINGS)
    timed, spare = ids[:PLAN_MEETINGS], ids[PLAN_MEETINGS:]
    rows, load_s, plan_s, commit_s = plan_in_one_transaction(the_scene, timed)
    # Every key exists now: what the safety-net re-plan and each registration pay per meeting
    # (the service re-plans all upcoming meetings in every registration's transaction).
    replan_rows, replan_load, replan_plan, replan_commit = plan_in_one_transaction(
        the_scene, timed[:REPLAN_SAMPLE]
    )
    result = PlanResult(
        database,
        len(timed),
        rows,
        load_s,
        plan_s,
        commit_s,
        min(REPLAN_SAMPLE, len(timed)),
        replan_load + replan_plan + replan_commit,
        replan_rows,
    )
    if result.total_s > TARGET_PLAN_S:
        result.profile = profile_planning(the_scene, spare)
    return result


# -- idle tick ----------------------------------------------------------------------------------------


def pending_rows(core: Core) -> int:
    with core.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            )
            or 0
        )


def bench_idle(database: str, outbox: str, core: Core, delivery: Delivery) -> IdleResult:
    delivery.tick()  # the first tick warms connections and statement caches
    durations: list[float] = []
    claimed = 0
    for _ in range(IDLE_TICKS):
        started = time.perf_counter()
        stats = delivery.tick()
        durations.append((time.perf_counter() - started) * 1000)
        claimed += stats.claimed
    return IdleResult(database, outbox, pending_rows(core), durations, claimed)


# -- databases ----------------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="klimanet-fanout-") as workdir:
        yield f"sqlite:///{Path(workdir) / 'klimanet.db'}"


def bench_database(
    database: str, new_database: Callable[[], AbstractContextManager[str]]
) -> DatabaseResults:
    results = DatabaseResults()

    # Clean run, then the planner and the idle tick on the same database (294 holders).
    with new_database() as url:
        progress(f"{database}: clean run – registering {EXPECTED_HOLDERS} seat holders …")
        with scene(url) as the_scene, FakeSlack() as fake:
            fake.rate_limit_per_channel = RATE_LIMIT_PER_CHANNEL

            def planner_and_idle(delivery: Delivery) -> None:
                results.idles.append(
                    bench_idle(database, "after fan-out", the_scene.core, delivery)
                )
                progress(f"{database}: planning {PLAN_MEETINGS} meetings …")
                results.plans.append(bench_planner(database, the_scene))
                results.idles.append(
                    bench_idle(
                        database, f"{PLAN_MEETINGS} meetings planned", the_scene.core, delivery
                    )
                )

            progress(f"{database}: clean run – delivering …")
            results.fan_outs.append(fan_out("clean", database, the_scene, fake, planner_and_idle))

    with new_database() as url:
        progress(f"{database}: faulty run – registering {EXPECTED_HOLDERS} seat holders …")
        with (
            scene(url) as the_scene,
            FaultySlack(FAULT_SEED, FAULT_429_SHARE, FAULT_500_SHARE) as faulty,
        ):
            faulty.rate_limit_per_channel = RATE_LIMIT_PER_CHANNEL
            progress(f"{database}: faulty run – delivering …")
            results.fan_outs.append(fan_out("faulty", database, the_scene, faulty, lambda _: None))
    return results


# -- output -------------------------------------------------------------------------------------------


def report(results: list[DatabaseResults]) -> None:
    fan_outs = [r for db in results for r in db.fan_outs]
    print_table(
        f"Fan-out: 1 channel reminder + {EXPECTED_HOLDERS} reminder DMs (+ .ics each), "
        f"fake Slack at {RATE_LIMIT_PER_CHANNEL:g} post/s per channel. Targets: 0 duplicates, "
        f"0 lost; clean ≤ {TARGET_CLEAN_S:g} s",
        [
            "run",
            "database",
            "posts",
            "uploads",
            "time s",
            "posts/s",
            "429s",
            "500s",
            "duplicates",
            "lost",
            "outbox",
            "result",
        ],
        [
            [
                r.run,
                r.database,
                str(r.posts),
                str(r.uploads),
                f"{r.seconds:.2f}" + (" (timeout)" if r.timed_out else ""),
                f"{r.posts / r.seconds:.1f}",
                str(r.ratelimited),
                str(r.server_errors),
                f"{r.duplicates} ({r.duplicate_posts}/{r.duplicate_uploads})",
                f"{r.lost} ({r.lost_posts}/{r.lost_uploads})",
                " ".join(f"{count} {status}" for status, count in sorted(r.outbox.items())),
                verdict(r.passed),
            ]
            for r in fan_outs
        ],
    )
    print("  duplicates and lost: total (posts/uploads)")
    for r in fan_outs:
        injected = (
            f"injected {r.injected['ratelimited']} × 429, {r.injected['server_error']} × 500; "
            if r.run == "faulty"
            else ""
        )
        calls = ", ".join(f"{method} {count}" for method, count in sorted(r.calls.items()))
        print(
            f"  {r.run}/{r.database}: {injected}outbox retries {r.ticks.retried}, "
            f"dead {r.ticks.dead}, lost leases {r.ticks.lost_leases}, stray posts/uploads "
            f"{r.stray}; calls: {calls}"
        )

    plans = [p for db in results for p in db.plans]
    print_table(
        f"Planner: the posts of {PLAN_MEETINGS} meetings with {EXPECTED_HOLDERS} holders, "
        f"one transaction. Target: ≤ {TARGET_PLAN_S:g} s",
        [
            "database",
            "meetings",
            "rows",
            "load s",
            "plan s",
            "commit s",
            "total s",
            "rows/s",
            "no-op re-plan ms/meeting",
            "result",
        ],
        [
            [
                p.database,
                str(p.meetings),
                str(p.rows),
                f"{p.load_s:.3f}",
                f"{p.plan_s:.2f}",
                f"{p.commit_s:.2f}",
                f"{p.total_s:.2f}",
                f"{p.rows / p.total_s:,.0f}",
                f"{p.replan_s * 1000 / p.replan_meetings:.1f} ({p.replan_rows} new rows)",
                verdict(p.total_s <= TARGET_PLAN_S),
            ]
            for p in plans
        ],
    )
    print(
        f"  no-op re-plan: {REPLAN_SAMPLE} of the meetings planned again (every key exists); "
        "the scheduler's periodic safety-net re-plan pays this per upcoming meeting"
    )
    for p in plans:
        if p.profile:
            print(
                f"\n  {p.database}: cProfile of planning {PROFILE_MEETINGS} more meetings "
                "(rolled back):"
            )
            for line in p.profile.strip("\n").splitlines():
                print(f"    {line}" if line.strip() else "")

    idles = [i for db in results for i in db.idles]
    print_table(
        f"Idle tick: Delivery.tick() × {IDLE_TICKS} with nothing due. "
        f"Target: median < {TARGET_IDLE_MS:g} ms",
        ["database", "outbox", "pending rows", "median ms", "p95 ms", "max ms", "result"],
        [
            [
                i.database,
                i.outbox,
                f"{i.pending:,}",
                f"{i.median_ms:.2f}",
                f"{i.p95_ms:.2f}",
                f"{max(i.durations_ms):.2f}",
                verdict(i.median_ms < TARGET_IDLE_MS and i.claimed == 0),
            ]
            for i in idles
        ],
    )


def main() -> int:
    # Delivery logs a dead row or a lost lease as a warning or error: worth seeing in a benchmark.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    databases: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
        ("sqlite", sqlite_database)
    ]
    admin_url = os.environ.get(POSTGRES_ENV)
    if admin_url:
        databases.append(("postgresql", lambda: postgres_database(admin_url, "klimanet_fanout")))
    # Timings on a shared machine are only as good as its idle CPUs: say how busy it was.
    load_before = os.getloadavg()[0]
    results = [bench_database(name, new_database) for name, new_database in databases]
    report(results)
    print(
        f"\nMachine: {os.cpu_count()} CPUs, load average {load_before:.2f} before the runs and "
        f"{os.getloadavg()[0]:.2f} after (other processes compete with the bot's threads)."
    )
    if not admin_url:
        print(f"\nPostgreSQL skipped: {POSTGRES_ENV} is not set (run via tests/with_postgres.sh)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
