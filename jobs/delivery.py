"""Delivery: claim due outbox rows, render them from current data, post, mark sent.

Nothing is lost: a row stays pending until it is sent, cancelled, dead or missed, and a crashed
worker's lease runs out so another claims it. Nothing is doubled: a row is claimed by one worker
at a time and only the lease holder may mark it sent. The one window left is between the
platform's answer and our commit; a crash exactly there resends that one post.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import SessionFactory, transaction
from bot.domain.meetings import record_told
from bot.models import NetworkFacilitator, OutboxStatus
from bot.ports import Clock, DeliveryError, Notifier
from bot.posts.kinds import PostKind
from bot.posts.notices import facilitators_told
from bot.posts.outbox import (
    Claimed,
    claim_due,
    finish,
    mark_missed,
    mark_sent,
    reschedule,
    save_progress,
)
from bot.posts.planner import FANOUT, expand_fanout
from bot.posts.privacy import forget_delete_payload
from bot.posts.render import RenderContext, Rendered, render
from bot.replies import Posted

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    max_attempts: int = 5
    lease: timedelta = timedelta(seconds=60)
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

    def add(self, other: TickStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Pacer:
    """Spaces posts to one channel ``interval`` seconds apart, across ticks and threads."""

    interval: float
    sleep: Callable[[float], None] = time.sleep
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
        network_id: int = 1,
        config: DeliveryConfig | None = None,
        owner: str | None = None,
        on_sent: Callable[[Claimed, Rendered], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._notifier = notifier
        self._clock = clock
        self._tz = tz
        self._network_id = network_id
        self.config = config or DeliveryConfig()
        self.owner = owner or f"worker-{uuid.uuid4().hex[:12]}"
        self._pacer = _Pacer(self.config.per_channel_interval)
        self._pool = ThreadPoolExecutor(self.config.workers, thread_name_prefix="delivery")
        self._on_sent = on_sent
        self._tick_lock = threading.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def tick(self, *, wait: bool = False) -> TickStats:
        """One pass: report what was missed, claim what is due, deliver it. Never raises.

        The scheduler skips a tick while one is running; ``wait`` queues behind it instead.
        """
        if not self._tick_lock.acquire(blocking=wait):
            return TickStats()
        try:
            return self._tick()
        except Exception:  # the scheduler must keep ticking whatever happens
            log.exception("delivery tick failed")
            return TickStats()
        finally:
            self._tick_lock.release()

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
                self._tell_facilitators(session, missed, now, "missed_notice", "missed")
        with transaction(self._sessions) as session:
            claimed = claim_due(session, self.owner, now, self.config.lease, self.config.batch)
        stats.claimed = len(claimed)
        if not claimed:
            return stats
        groups: dict[str, list[Claimed]] = defaultdict(list)
        for row in claimed:
            groups[row.recipient if row.kind != "agenda_update" else row.key].append(row)
        results = self._pool.map(self._deliver_group, groups.values())
        for result in results:
            stats.add(result)
        return stats

    def _deliver_group(self, rows: list[Claimed]) -> TickStats:
        stats = TickStats()
        for row in rows:
            try:
                self._deliver(row, stats)
            except Exception:  # one bad row must not stop the others
                log.exception("delivering outbox row %s failed unexpectedly", row.key)
                self._failed(row, DeliveryError("internal_error"), stats)
        return stats

    def _deliver(self, row: Claimed, stats: TickStats) -> None:
        now = self._clock.now()
        if row.kind == FANOUT:
            with transaction(self._sessions) as session:
                expand_fanout(session, row, now)
                mark_sent(session, row.id, self.owner, now)
            return
        context = RenderContext(self._tz, self.config.catchup, now)
        with transaction(self._sessions) as session:
            rendered = render(session, row, context)
            if rendered is None:
                finish(session, row.id, self.owner, now, OutboxStatus.CANCELLED, "no longer wanted")
                stats.cancelled += 1
                return
        try:
            posted = self._send(row, rendered)
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
            if self._on_sent is not None:
                self._on_sent(row, rendered)
        else:
            stats.lost_leases += 1
            log.warning(
                "lease on %s expired before it was marked sent: it may be sent twice", row.key
            )

    def _send(self, row: Claimed, rendered: Rendered) -> Posted:
        if rendered.delete_of is not None:
            self._pacer.wait(rendered.delete_of.channel)
            self._notifier.delete(rendered.delete_of)
            return rendered.delete_of
        if rendered.update_of is not None:
            self._pacer.wait(rendered.update_of.channel)
            self._notifier.update(rendered.update_of, rendered.reply)
            return rendered.update_of
        done = row.payload.get("posted")
        if isinstance(done, dict):  # the message went out on an earlier try; only the file is left
            posted = Posted(str(done["channel"]), str(done["ts"]))
        else:
            self._pacer.wait(row.recipient)
            posted = self._notifier.post(row.recipient, rendered.reply)
        if rendered.attachment is not None:
            if not isinstance(done, dict):
                with transaction(self._sessions) as session:
                    progress = {
                        **row.payload,
                        "posted": {"channel": posted.channel, "ts": posted.ts},
                    }
                    save_progress(session, row.id, self.owner, self._clock.now(), progress)
            self._notifier.attach(posted, rendered.attachment)
        return posted

    def _failed(self, row: Claimed, error: DeliveryError, stats: TickStats) -> None:
        now = self._clock.now()
        with transaction(self._sessions) as session:
            if error.retry_after is not None:
                due = now + timedelta(seconds=error.retry_after)
                reschedule(session, row.id, self.owner, now, due, error.reason, count_attempt=False)
                stats.retried += 1
            elif not error.permanent and row.attempts < self.config.max_attempts:
                delay = min(self.config.backoff_base**row.attempts, self.config.backoff_max)
                due = now + timedelta(seconds=delay)
                reschedule(session, row.id, self.owner, now, due, error.reason, count_attempt=True)
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
                    self._tell_facilitators(session, [row], now, "dead_notice", error.reason)

    def _tell_facilitators(
        self, session: Session, rows: list[Claimed], now: datetime, kind: str, reason: str
    ) -> None:
        facilitators = list(
            session.scalars(
                select(NetworkFacilitator.user_id)
                .where(NetworkFacilitator.network_id == self._network_id)
                .order_by(NetworkFacilitator.user_id)
            )
        )
        facilitators_told(session, rows, facilitators, PostKind(kind), reason, now)
