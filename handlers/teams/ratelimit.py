"""Teams' limits kept by all replicas together, in the database they already share.

Teams counts 50 requests a second per tenant for the whole bot, whichever replica sends them,
and 7 a second (and more windows) per conversation. A replica's own limiter would let two
replicas send 90 a second; and a conversation's rows can be claimed by two replicas at once
(the outbox claims rows, not conversations), so its limit is shared too.

Each key (``tenant:<id>``, ``conversation:<hash of its id>``) has one row with the slots reserved lately
(epoch seconds). ``acquire`` reserves the earliest slot that fits every window of every key in
one short transaction that locks those rows (PostgreSQL: ``FOR UPDATE`` in key order, so two
replicas never deadlock; SQLite: every transaction begins IMMEDIATE, one writer at a time), then
sleeps until the slot. The slot is wall-clock time, which the replicas share within NTP's few
milliseconds; the windows keep a tenth of a second to spare for that and for network jitter.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update

from bot.db import SessionFactory, insert_ignore, transaction
from bot.models import RateWindow
from handlers.teams.connector import CONVERSATION_WINDOWS, TENANT_WINDOWS, Windows, earliest_slot

TENANT_MARGIN = 0.1
CONVERSATION_MARGIN = 0.05
# How late a request may leave after its slot; later, it reserves again (a few times at most,
# then it goes: a machine that busy is late for everyone).
LATE_S = 0.05
STALE_RETRIES = 3


@dataclass
class SharedLimits:
    """``handlers.teams.connector.Limits`` kept in the shared database."""

    sessions: SessionFactory
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], object] = time.sleep
    tenant_windows: Windows = TENANT_WINDOWS
    conversation_windows: Windows = CONVERSATION_WINDOWS
    # Keys whose row exists: no insert is tried for them again (one statement less per send).
    _known: set[str] = field(default_factory=set)

    def acquire(self, tenant: str, conversation: str | None) -> None:
        for _ in range(STALE_RETRIES):
            at = self.reserve(tenant, conversation)
            wait = at - self.clock()
            if wait > 0:
                self.sleep(wait)
            # A thread that woke (or got its reservation) late would send beside the requests
            # of the slots after its own: its slot is given up and a new one taken.
            if self.clock() - at <= LATE_S:
                return

    def reserve(self, tenant: str, conversation: str | None) -> float:
        """Reserve the next slot for a request of ``tenant`` (to ``conversation``, a send);
        when it may go, in epoch seconds."""
        keys = {f"tenant:{tenant}": (self.tenant_windows, TENANT_MARGIN)}
        if conversation is not None:
            keys[conversation_key(conversation)] = (
                self.conversation_windows,
                CONVERSATION_MARGIN,
            )
        ordered = sorted(keys)
        with transaction(self.sessions) as session:
            new = [{"key": key, "slots": []} for key in ordered if key not in self._known]
            if new:
                insert_ignore(session, RateWindow.__table__, new)  # type: ignore[arg-type]
            rows = session.execute(
                select(RateWindow.key, RateWindow.slots)
                .where(RateWindow.key.in_(ordered))
                .order_by(RateWindow.key)
                .with_for_update()
            ).all()
            slots = {key: sorted(float(t) for t in taken) for key, taken in rows}
            now = self.clock()
            at, moved = now, True
            while moved:  # a later slot for one key may need checking against the others
                moved = False
                for key, (windows, margin) in keys.items():
                    later = earliest_slot(slots[key], windows, at, margin)
                    if later > at:
                        at, moved = later, True
            for key, (windows, margin) in keys.items():
                kept = _recent(slots[key], windows, margin, now) + [at]
                session.execute(
                    update(RateWindow)
                    .where(RateWindow.key == key)
                    .values(slots=sorted(kept))
                    .execution_options(synchronize_session=False)
                )
        self._known.update(ordered)
        return at


def conversation_key(conversation: str) -> str:
    """A conversation's row, named by a hash: a 1:1 chat's id is the person's, and this table
    is not forgotten on erasure (it holds nothing but times)."""
    return "conversation:" + hashlib.sha256(conversation.encode()).hexdigest()[:32]


def _recent(slots: list[float], windows: Windows, margin: float, now: float) -> list[float]:
    """The slots any window can still count: within the longest window, at most its limit."""
    longest = max(seconds for _, seconds in windows) + margin
    most = max(limit for limit, _ in windows)
    return [t for t in slots if t > now - longest][-most:]
