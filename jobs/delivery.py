"""Delivery: claim due outbox rows, render them from current data, post, mark sent.

Nothing is lost: a row stays pending until it is sent, cancelled, dead or missed, and a crashed
worker's lease runs out so another claims it. Nothing is doubled: a row is claimed by one worker
at a time, only the lease holder may mark it sent, and every post carries its row's id. Before a
call that posts, the attempt is recorded in the row; its answer clears it. A row claimed with an
attempt still recorded (the worker died, the call timed out, the platform answered 5xx) is looked
up on the platform first: if the tagged post is there, the row is marked sent with it.

``DeliveryLoop`` runs ``tick`` on its own thread: at once when woken (a command planned a post
that is due now), else every ``tick_seconds`` as the safety net. ``stop`` stops claiming, lets
the posts in flight finish and gives the rows not started back to the other replicas.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.activity import REQUESTS, Activity
from bot.db import SessionFactory, transaction
from bot.domain.facilitators import facilitator_ids
from bot.domain.meetings import record_told
from bot.metrics import Metrics
from bot.models import OutboxStatus
from bot.ports import Clock, DeliveryError, HomePublisher, LookupUnavailable, Notifier
from bot.posts import digest, notices, place
from bot.posts.home_refresh import home_for_row
from bot.posts.kinds import PostKind
from bot.posts.outbox import (
    Claimed,
    claim_due,
    finish,
    mark_missed,
    mark_sent,
    record_attempt,
    release,
    renew_leases,
    reschedule,
    save_progress,
)
from bot.posts.planner import FANOUT, expand_fanout
from bot.posts.privacy import forget_delete_payload
from bot.posts.render import RenderContext, Rendered, render
from bot.replies import Posted

log = logging.getLogger(__name__)

# How far before the recorded attempt a lookup starts: the platform's clock may differ from ours.
CLOCK_SKEW = timedelta(minutes=1)
# A call that got no answer (timeout, dropped connection) may still be under way on the
# platform's side: look for its post only after it has surely landed.
NO_ANSWER_SETTLE_S = 10.0
# Rendering a Home is CPU work under the GIL, and a burst's refreshes fall due in one window:
# rendered by every delivery thread at once they slowed the acks and the answers people wait
# for, and no Home came sooner. One at a time; posts (which mostly wait for Slack) are not limited.
HOME_RENDERS = 1
# No post is rendered or sent while this process is answering people (``bot.activity``), unless
# that has gone on this long since the group's first post: a burst's answers come first, the
# posts it planned (Homes, a coordinator's "X har meldt afbud") seconds later. Rendering and
# sending a post costs CPU under the same lock as the answers (a Home some 10 ms, a direct
# message with its transactions 10-15 ms), and in a burst of 294 clicks 40 of them took a fifth
# of the CPU while people waited for their answers.
REQUESTS_FIRST_S = 10.0


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    max_attempts: int = 5
    # A live worker renews its leases every quarter of this while it works, however slow Slack
    # is; a dead worker's rows are taken over by another replica at most this long after it died.
    lease: timedelta = timedelta(seconds=20)
    batch: int = 100
    workers: int = 8
    # Slack allows about one message per second per channel.
    per_channel_interval: float = 1.0
    catchup: timedelta = timedelta(hours=6)
    backoff_base: float = 2.0
    backoff_max: float = 300.0


@dataclass
class TickStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    cancelled: int = 0
    missed: int = 0
    lost_leases: int = 0
    waiting: int = 0  # posts of a meeting that wait for its link or address
    lookups: int = 0
    found: int = 0
    released: int = 0

    def add(self, other: TickStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Stopping(Exception):
    """The worker is stopping before this row's first call: give the row back."""


class _Overtaken(Exception):
    """Another worker claimed the row (our lease ran out): leave it to them."""


@dataclass
class _Pacer:
    """Spaces posts to one channel ``interval`` seconds apart, across ticks and threads."""

    interval: float
    sleep: Callable[[float], Any] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            ready = max(now, self._last.get(channel, 0.0) + self.interval)
            self._last[channel] = ready
        if ready > now:
            self.sleep(ready - now)


class Delivery:
    def __init__(
        self,
        sessions: SessionFactory,
        notifier: Notifier,
        clock: Clock,
        tz: ZoneInfo,
        *,
        network_id: int,  # whose facilitators are told of dead and missed posts
        config: DeliveryConfig | None = None,
        owner: str | None = None,
        on_sent: Callable[[Claimed, Rendered], None] | None = None,
        metrics: Metrics | None = None,
        home: HomePublisher | None = None,
        requests: Activity = REQUESTS,
    ) -> None:
        self._sessions = sessions
        self._home = home
        self._requests = requests
        self._notifier = notifier
        self._clock = clock
        self._tz = tz
        self._network_id = network_id
        self.config = config or DeliveryConfig()
        self.owner = owner or f"worker-{uuid.uuid4().hex[:12]}"
        self._stopping = threading.Event()
        # Waiting for a channel's turn ends early when the worker stops.
        self._pacer = _Pacer(self.config.per_channel_interval, sleep=self._stopping.wait)
        self._pool = ThreadPoolExecutor(self.config.workers, thread_name_prefix="delivery")
        self._home_renders = threading.BoundedSemaphore(HOME_RENDERS)
        self._on_sent = on_sent
        self._metrics = metrics
        self._tick_lock = threading.Lock()
        self._held_lock = threading.Lock()
        self._warned: set[str] = set()
        self._warn_lock = threading.Lock()
        self._progress = time.monotonic()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def seconds_since_progress(self) -> float:
        """Since the last tick began or a row was finished: the health check's sign of life."""
        return time.monotonic() - self._progress

    def _alive(self) -> None:
        self._progress = time.monotonic()

    def stop_claiming(self) -> None:
        """From now on no row is claimed, and claimed rows not started yet are given back."""
        self._stopping.set()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def tick(self, *, wait: bool = False) -> TickStats:
        """One pass: report what was missed, claim what is due, deliver it. Never raises.

        The scheduler skips a tick while one is running; ``wait`` queues behind it instead.
        """
        if not self._tick_lock.acquire(blocking=wait):
            return TickStats()
        try:
            if self._stopping.is_set():
                return TickStats()
            self._alive()
            return self._tick()
        except Exception:  # the scheduler must keep ticking whatever happens
            log.exception("delivery tick failed")
            return TickStats()
        finally:
            self._tick_lock.release()

    def wait_idle(self, timeout: float) -> bool:
        """Wait for a running tick to end (at most ``timeout`` s); True if none is running."""
        if not self._tick_lock.acquire(timeout=max(0.0, timeout)):
            return False
        self._tick_lock.release()
        return True

    def drain(self, max_ticks: int = 1000) -> TickStats:
        """Tick until nothing more is due now (tests and the console)."""
        total = TickStats()
        for _ in range(max_ticks):
            stats = self.tick(wait=True)
            total.add(stats)
            if stats.claimed == 0:
                break
        return total

    def _tick(self) -> TickStats:
        stats = TickStats()
        now = self._clock.now()
        with transaction(self._sessions) as session:
            missed = mark_missed(session, now, self.config.catchup)
            if missed:
                stats.missed = len(missed)
                self._tell_facilitators(session, missed, now, PostKind.MISSED_NOTICE, "missed")
        with transaction(self._sessions) as session:
            claimed = claim_due(session, self.owner, now, self.config.lease, self.config.batch)
        stats.claimed = len(claimed)
        if not claimed:
            return stats
        groups: dict[str, list[Claimed]] = defaultdict(list)
        for row in claimed:
            groups[row.recipient if row.kind != "agenda_update" else row.key].append(row)
        held = {row.id for row in claimed}
        futures = [self._pool.submit(self._deliver_group, rows, held) for rows in groups.values()]
        renew_every = self.config.lease.total_seconds() / 4
        while True:
            _, running = wait(futures, timeout=renew_every, return_when=FIRST_EXCEPTION)
            if not running:
                break
            # The tick's thread only waits here: it keeps the leases of the rows still held.
            with self._held_lock:
                still_held = sorted(held)
            with transaction(self._sessions) as session:
                renew_leases(session, still_held, self.owner, self._clock.now(), self.config.lease)
        for future in futures:
            stats.add(future.result())
        return stats

    def _deliver_group(self, rows: list[Claimed], held: set[int]) -> TickStats:
        stats = TickStats()
        answers_first_until = time.monotonic() + REQUESTS_FIRST_S
        try:
            for index, row in enumerate(rows):
                self._yield_to_requests(answers_first_until)
                if self._stopping.is_set():
                    self._release(rows[index:], stats)
                    break
                try:
                    self._deliver(row, stats)
                except _Stopping:
                    self._release(rows[index:], stats)
                    break
                except _Overtaken:
                    stats.lost_leases += 1
                    log.info("outbox row %s was taken over by another worker", row.key)
                except Exception:  # one bad row must not stop the others
                    log.exception("delivering outbox row %s failed unexpectedly", row.key)
                    self._failed(row, DeliveryError("internal_error"), stats)
                with self._held_lock:
                    held.discard(row.id)
                self._alive()
        finally:
            with self._held_lock:
                held.difference_update(row.id for row in rows)
        return stats

    def _release(self, rows: list[Claimed], stats: TickStats) -> None:
        with transaction(self._sessions) as session:
            released = release(session, [row.id for row in rows], self.owner)
        stats.released += released
        log.info("stopping: gave %d claimed posts back to the other replicas", released)

    def _deliver(self, row: Claimed, stats: TickStats) -> None:
        now = self._clock.now()
        if row.kind == FANOUT:
            with transaction(self._sessions) as session:
                if self._waits(session, row, now, stats):
                    return
                if digest.is_digest_fanout(row):
                    digest.expand(session, row, now, self._tz)
                else:
                    expand_fanout(session, row, now)
                mark_sent(session, row.id, self.owner, now)
            return
        if row.kind == PostKind.HOME:
            self._publish_home(row, stats)
            return
        context = RenderContext(self._tz, self.config.catchup, now)
        with transaction(self._sessions) as session:
            if self._waits(session, row, now, stats):
                return
            rendered = render(session, row, context)
            if rendered is None:
                finish(session, row.id, self.owner, now, OutboxStatus.CANCELLED, "no longer wanted")
                stats.cancelled += 1
                return
        try:
            posted = self._send(row, rendered, stats)
        except DeliveryError as error:
            self._failed(row, error, stats)
            return
        deleted = rendered.delete_of is not None
        with transaction(self._sessions) as session:
            sent_at = self._clock.now()
            held = mark_sent(
                session,
                row.id,
                self.owner,
                sent_at,
                channel=None if deleted else posted.channel,
                ts=None if deleted else posted.ts,
            )
            if held and deleted:
                forget_delete_payload(session, row.id)
            if held and row.meeting_id is not None and row.person_id is not None:
                # The durable answer to "who was told about this meeting" (moves, cancellations).
                record_told(session, row.meeting_id, row.person_id, row.kind, sent_at)
        if held:
            stats.sent += 1
            if self._metrics is not None:
                self._metrics.sent(row.kind)
            if self._on_sent is not None:
                self._on_sent(row, rendered)
        else:
            stats.lost_leases += 1
            log.warning("outbox row %s was taken over by another worker after it was sent", row.key)

    def _waits(self, session: Session, row: Claimed, now: datetime, stats: TickStats) -> bool:
        """A meeting's post that waits for its link or address (``bot.posts.place``): it stays
        pending and is looked at again later, or is dropped once the meeting has started."""
        wait = place.waiting(session, row, now)
        if wait is None:
            return False
        if wait.until is None:
            finish(session, row.id, self.owner, now, OutboxStatus.CANCELLED, "started, no place")
            stats.cancelled += 1
        else:
            reschedule(
                session, row.id, self.owner, now, wait.until, place.WAITING, count_attempt=False
            )
            stats.waiting += 1
        return True

    def _yield_to_requests(self, until: float) -> None:
        """Wait until no request of this process is being worked on, or until ``until``
        (``time.monotonic()``), or until delivery stops."""
        while not self._stopping.is_set():
            left = until - time.monotonic()
            if left <= 0 or self._requests.wait_until_idle(min(left, 0.25)):
                return

    def _publish_home(self, row: Claimed, stats: TickStats) -> None:
        """A person's App Home, rendered now; a platform without one lets the row go."""
        now = self._clock.now()
        home = None
        if self._home is not None:
            with self._home_renders, transaction(self._sessions) as session:
                home = home_for_row(session, row, self._tz, now)
        if self._home is None or home is None:
            with transaction(self._sessions) as session:
                finish(session, row.id, self.owner, now, OutboxStatus.CANCELLED, "no home tab")
            stats.cancelled += 1
            return
        try:
            self._home.publish_home(home)
        except DeliveryError as error:
            self._failed(row, error, stats)
            return
        with transaction(self._sessions) as session:
            if mark_sent(session, row.id, self.owner, self._clock.now()):
                stats.sent += 1

    def _send(self, row: Claimed, rendered: Rendered, stats: TickStats) -> Posted:
        if rendered.delete_of is not None:  # deleting is safe to repeat: a gone post counts
            self._pacer.wait(rendered.delete_of.channel)
            self._notifier.delete(rendered.delete_of)
            return rendered.delete_of
        if rendered.update_of is not None:  # replacing content is safe to repeat
            self._pacer.wait(rendered.update_of.channel)
            if self._stopping.is_set():
                raise _Stopping
            self._notifier.update(rendered.update_of, rendered.reply)
            return rendered.update_of
        done = row.payload.get("posted")
        posted = Posted(str(done["channel"]), str(done["ts"])) if isinstance(done, dict) else None
        share_unknown = posted is not None and row.attempted_at is not None
        if posted is None:
            if row.attempted_at is not None:  # the last post's fate is unknown: look first
                posted = self._look_up(row, row.attempted_at, stats)
            if posted is None:
                self._pacer.wait(row.recipient)
                self._record_attempt(row)
                posted = self._notifier.post(row.recipient, rendered.reply, post_id=row.id)
            if rendered.attachment is None:
                return posted
            with transaction(self._sessions) as session:
                progress = {**row.payload, "posted": {"channel": posted.channel, "ts": posted.ts}}
                if not save_progress(session, row.id, self.owner, self._clock.now(), progress):
                    raise _Overtaken
            # The step's answer arrived: no attempt is outstanding any more (as in the row).
            row = replace(row, payload=progress, attempted_at=None)
        if rendered.attachment is None:
            return posted
        earlier = row.payload.get("file")
        if (
            share_unknown
            and isinstance(earlier, str)
            and self._look_up_share(row, posted, earlier, stats)
        ):
            return posted
        file_id = self._notifier.upload(rendered.attachment)
        self._record_attempt(row, {**row.payload, "file": file_id})
        self._notifier.share(posted, file_id, rendered.attachment.title)
        return posted

    def _record_attempt(self, row: Claimed, payload: dict[str, Any] | None = None) -> None:
        if self._stopping.is_set():
            raise _Stopping
        with transaction(self._sessions) as session:
            recorded = record_attempt(
                session, row.id, self.owner, self._clock.now(), self.config.lease, payload
            )
        if not recorded:
            raise _Overtaken

    def _look_up(self, row: Claimed, attempted_at: datetime, stats: TickStats) -> Posted | None:
        try:
            found = self._notifier.find_post(row.recipient, row.id, attempted_at - CLOCK_SKEW)
        except LookupUnavailable as error:
            self._lookup_unavailable(error)
            return None
        except DeliveryError as error:  # the lookup failed: the fate is still unknown
            raise _still_unknown(error) from error
        self._count_lookup(found is not None, stats)
        if found is not None:
            log.info("outbox row %s was posted on an earlier attempt; not posting again", row.key)
        return found

    def _look_up_share(self, row: Claimed, posted: Posted, file_id: str, stats: TickStats) -> bool:
        try:
            found = self._notifier.find_share(posted, file_id)
        except LookupUnavailable as error:
            self._lookup_unavailable(error)
            return False
        except DeliveryError as error:
            raise _still_unknown(error) from error
        self._count_lookup(found, stats)
        if found:
            log.info("outbox row %s: its file was shared on an earlier attempt", row.key)
        return found

    def _count_lookup(self, found: bool, stats: TickStats) -> None:
        stats.lookups += 1
        stats.found += int(found)
        if self._metrics is not None:
            self._metrics.looked_up(found)

    def _lookup_unavailable(self, error: LookupUnavailable) -> None:
        """Post as before the lookup existed; say so once in the log and to the facilitators."""
        what = error.needed or error.reason
        with self._warn_lock:
            first = what not in self._warned
            self._warned.add(what)
        if not first:
            return
        log.warning(
            "cannot look up posts whose fate is unknown (%s%s): they are posted again, and may "
            "arrive twice",
            error.reason,
            f", needs {error.needed}" if error.needed else "",
        )
        now = self._clock.now()
        with transaction(self._sessions) as session:
            facilitators = facilitator_ids(session, self._network_id)
            notices.lookup_unavailable(session, what, error.needed, facilitators, now)

    def _failed(self, row: Claimed, error: DeliveryError, stats: TickStats) -> None:
        now = self._clock.now()
        if self._metrics is not None:
            self._metrics.failed(row.kind)
        unknown = error.fate_unknown
        retry_in: float | None = None
        if error.retry_after is not None:  # a rate limit: Slack asks us to wait, not a failure
            retry_in = error.retry_after
        elif not error.permanent and row.attempts < self.config.max_attempts:
            retry_in = min(self.config.backoff_base**row.attempts, self.config.backoff_max)
            if unknown and error.reason.startswith("no_answer"):
                retry_in = max(retry_in, NO_ANSWER_SETTLE_S)
        with transaction(self._sessions) as session:
            if retry_in is not None:
                reschedule(
                    session,
                    row.id,
                    self.owner,
                    now,
                    now + timedelta(seconds=retry_in),
                    error.reason,
                    count_attempt=error.retry_after is None,
                    fate_unknown=unknown,
                )
                stats.retried += 1
            else:
                if finish(session, row.id, self.owner, now, OutboxStatus.DEAD, error.reason):
                    stats.dead += 1
                    log.error(
                        "outbox row %s is dead after %d attempts: %s",
                        row.key,
                        row.attempts,
                        error.reason,
                    )
                    self._tell_facilitators(session, [row], now, PostKind.DEAD_NOTICE, error.reason)

    def _tell_facilitators(
        self, session: Session, rows: list[Claimed], now: datetime, kind: PostKind, reason: str
    ) -> None:
        facilitators = facilitator_ids(session, self._network_id)
        notices.facilitators_told(session, rows, facilitators, kind, reason, now)


def _still_unknown(error: DeliveryError) -> DeliveryError:
    return DeliveryError(
        f"lookup failed: {error.reason}",
        retry_after=error.retry_after,
        fate_unknown=True,
    )


class DeliveryLoop:
    """Runs ``Delivery.tick`` on a thread: when woken, else every ``tick_seconds``."""

    def __init__(self, delivery: Delivery, tick_seconds: float = 2.0) -> None:
        self.delivery = delivery
        self.tick_seconds = tick_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DeliveryLoop:
        self._thread = threading.Thread(target=self._run, name="delivery-loop", daemon=True)
        self._thread.start()
        log.info("delivery loop started (lease owner %s)", self.delivery.owner)
        return self

    def wake(self) -> None:
        """Deliver now (safe from any thread, e.g. a session's after-commit hook)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            stats = self.delivery.tick(wait=True)
            if stats.claimed >= self.delivery.config.batch:
                continue  # a full batch: more is probably due right now
            self._wake.wait(self.tick_seconds)

    def stop(self, timeout: float) -> bool:
        """Stop claiming, let the posts in flight finish (at most ``timeout`` s), give the rest
        back. True if delivery was idle when it returned."""
        deadline = time.monotonic() + timeout
        self.delivery.stop_claiming()
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        idle = self.delivery.wait_idle(deadline - time.monotonic())
        if not idle:
            log.warning("delivery did not finish within %.0fs; leases expire for the rest", timeout)
        return idle
