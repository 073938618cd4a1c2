"""Inbound idempotency: Slack retries an event it thinks we missed; we process each event once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

SEEN_EVENTS = 10_000


class SeenEvents:
    """A bounded memory of event ids. Events are not mutating here yet (only App Home),
    so a per-process memory is enough; mutating events will need a table."""

    def __init__(self, size: int = SEEN_EVENTS) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def register(app: App) -> None:
    seen = SeenEvents()

    @app.middleware
    def skip_duplicate_events(
        request: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not seen.first_time(str(event_id)):
            return BoltResponse(status=200, body="")
        return next()
