"""Whether this process is answering people right now, so work nobody waits for can wait.

A burst (hundreds of registrations or clicks within a second) is CPU-bound under one
interpreter lock: every App Home rendered during it delays the answers people are waiting for.
The adapters count the requests they are working on (``busy()`` around the work after the ack);
delivery renders and sends its posts (a refreshed Home, a direct message) only when none is in
flight (``wait_until_idle``), or when it has waited long enough: an answer is what people wait
for, the posts a burst planned can come seconds later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Activity:
    def __init__(self) -> None:
        self._in_flight = 0
        self._idle = threading.Condition()

    def begin(self) -> None:
        """A request's work is due (queued or running)."""
        with self._idle:
            self._in_flight += 1

    def end(self) -> None:
        """That work is done (or failed)."""
        with self._idle:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Around one request's work (not its ack)."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no request is in flight, at most ``timeout`` seconds; True when idle."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


# The process's requests: one process serves one chat platform, and its delivery yields to it.
REQUESTS = Activity()
