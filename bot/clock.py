"""Clocks (``bot.ports.Clock``): the bot runs on an ``OffsetClock`` (system time, moved only by the
console's ``/tid``); tests use fixed clocks; ``SystemClock`` is for what must not move."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """System time plus an offset the console's ``/tid +7d`` can grow."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (never backwards: time only moves forward in the console)."""
        with self._lock:
            self._offset = max(self._offset, at - datetime.now(UTC))


class FixedClock:
    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (tests jump either way)."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at
