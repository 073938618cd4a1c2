"""A shared memory of inbound requests already acted on, so a replay is refused by every replica.

Keys are opaque strings chosen by the adapter (``sig:<signature>``, ``envelope:<id>``,
``event:<id>``). The memory only has to last as long as a replay could be accepted: Slack's
signatures expire after 5 minutes, so older rows are deleted. The database decides who is first
(INSERT … ON CONFLICT DO NOTHING), so two replicas racing on one key end with one winner.

The key is written in the transaction that carries out the request (``Once``), never while the
request is acknowledged: an adapter wraps its work in ``with once:``, and the service's first
transaction (``bot.service.context.TransactionRunner``) inserts the key before it acts. A replay
finds the key and is refused there (``AlreadyActedOn``), with nothing written; a request whose
action rolled back leaves no key behind, so nothing is remembered that was not done. The ack
path thus takes no database lock a worker holds (SQLite has one writer at a time).
"""

from __future__ import annotations

import hashlib
import threading
from contextvars import ContextVar, Token
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.db import SessionFactory, insert_ignore, rows_affected, transaction
from bot.models import InboundSeen
from bot.ports import Clock

WINDOW = timedelta(minutes=5)
# Purging is one indexed range delete; doing it at most this often keeps it off most requests.
PURGE_EVERY = timedelta(seconds=30)
MAX_KEY_LENGTH = 200


class AlreadyActedOn(Exception):
    """The request's key was remembered already: it is a replay (or a retry) of one acted on."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


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
        """Remember ``key`` in a transaction of its own; True if it was not remembered yet."""
        self.purge_if_due()
        with transaction(self._sessions) as session:
            return self.remember(session, key, valid_from=valid_from)

    def remember(self, session: Session, key: str, *, valid_from: datetime | None = None) -> bool:
        """Remember ``key`` in the caller's transaction; True if it was not remembered yet.

        ``valid_from``: when the key's own validity starts, if it can lie ahead of our clock (a
        signature's timestamp may be up to 5 minutes in the future). The key is then remembered
        for the window after that moment, so it cannot be forgotten while it is still accepted.
        """
        now = self._clock.now()
        key = _stored_key(key)
        seen_at = max(now, valid_from) if valid_from is not None else now
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

    def once(self, key: str, *, valid_from: datetime | None = None) -> Once:
        """The guard an adapter wraps a request's work in (see the module's docstring)."""
        return Once(self, key, valid_from)

    def purge(self, now: datetime | None = None) -> int:
        """Forget keys older than the window; returns how many were deleted."""
        now = now or self._clock.now()
        with transaction(self._sessions) as session:
            return rows_affected(
                session, delete(InboundSeen).where(InboundSeen.seen_at < now - self._window)
            )

    def purge_if_due(self) -> None:
        """Purge when the last purge of this memory is ``purge_every`` ago (in a worker)."""
        now = self._clock.now()
        if self._purge_due(now):
            self.purge(now)

    def _purge_due(self, now: datetime) -> bool:
        with self._lock:
            if self._last_purge is not None and now - self._last_purge < self._purge_every:
                return False
            self._last_purge = now
            return True


_ACTING: ContextVar[Once | None] = ContextVar("klimanet_acting_once", default=None)


class Once:
    """One inbound request's key, remembered by the first transaction that acts on it.

    ``with once: work()`` on the thread that does the work (not the one that acks). The
    transactions that ``work`` runs through the service's runner call ``acting()``; the first
    that commits has remembered the key, later ones of the same request write nothing more.
    """

    def __init__(self, memory: InboundMemory, key: str, valid_from: datetime | None) -> None:
        self.memory = memory
        self.key = key
        self.valid_from = valid_from
        self.remembered = False
        self._tokens: list[Token[Once | None]] = []

    def __enter__(self) -> Once:
        self._tokens.append(_ACTING.set(self))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _ACTING.reset(self._tokens.pop())

    def remember(self, session: Session) -> None:
        """In the acting transaction: remember the key, or refuse a replay (``AlreadyActedOn``).
        The caller marks it ``remembered`` once that transaction has committed."""
        if not self.memory.remember(session, self.key, valid_from=self.valid_from):
            raise AlreadyActedOn(self.key)


def acting() -> Once | None:
    """The request this thread is acting on, while its key is not remembered yet."""
    once = _ACTING.get()
    return None if once is None or once.remembered else once


def _stored_key(key: str) -> str:
    # Slack's ids and signatures are short; anything longer is hashed rather than truncated, so
    # two long keys sharing a prefix stay distinct.
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
