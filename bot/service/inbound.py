"""A shared memory of inbound requests already acted on, so a replay is refused by every replica.

Keys are opaque strings chosen by the adapter (``sig:<signature>``, ``envelope:<id>``,
``event:<id>``). The memory only has to last as long as a replay could be accepted: Slack's
signatures expire after 5 minutes, so older rows are deleted. The database decides who is first
(INSERT … ON CONFLICT DO NOTHING), so two replicas racing on one key end with one winner.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from bot.db import SessionFactory, insert_ignore, rows_affected, transaction
from bot.models import InboundSeen
from bot.ports import Clock

WINDOW = timedelta(minutes=5)
# Purging is one indexed range delete; doing it at most this often keeps it off most requests.
PURGE_EVERY = timedelta(seconds=30)
MAX_KEY_LENGTH = 200


class InboundMemory:
    """``first_time(key)`` is True exactly once per key within ``window``, across processes."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        *,
        window: timedelta = WINDOW,
        purge_every: timedelta = PURGE_EVERY,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._window = window
        self._purge_every = purge_every
        self._lock = threading.Lock()
        self._last_purge: datetime | None = None

    def first_time(self, key: str, *, valid_from: datetime | None = None) -> bool:
        """Remember ``key``; True if it was not remembered yet.

        ``valid_from``: when the key's own validity starts, if it can lie ahead of our clock (a
        signature's timestamp may be up to 5 minutes in the future). The key is then remembered
        for the window after that moment, so it cannot be forgotten while it is still accepted.
        """
        now = self._clock.now()
        if self._purge_due(now):
            self.purge(now)
        key = _stored_key(key)
        seen_at = max(now, valid_from) if valid_from is not None else now
        with transaction(self._sessions) as session:
            table = InboundSeen.__table__
            if insert_ignore(session, table, [{"key": key, "seen_at": seen_at}]):  # type: ignore[arg-type]
                return True
            # The key is there, but a row older than the window (not purged yet) is forgotten:
            # taking it over is conditional, so of two racing replicas only one succeeds.
            return (
                rows_affected(
                    session,
                    update(InboundSeen)
                    .where(InboundSeen.key == key, InboundSeen.seen_at < now - self._window)
                    .values(seen_at=seen_at),
                )
                == 1
            )

    def purge(self, now: datetime | None = None) -> int:
        """Forget keys older than the window; returns how many were deleted."""
        now = now or self._clock.now()
        with transaction(self._sessions) as session:
            return rows_affected(
                session, delete(InboundSeen).where(InboundSeen.seen_at < now - self._window)
            )

    def _purge_due(self, now: datetime) -> bool:
        with self._lock:
            if self._last_purge is not None and now - self._last_purge < self._purge_every:
                return False
            self._last_purge = now
            return True


def _stored_key(key: str) -> str:
    # Slack's ids and signatures are short; anything longer is hashed rather than truncated, so
    # two long keys sharing a prefix stay distinct.
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
