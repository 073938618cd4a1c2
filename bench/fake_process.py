"""The fake Slack Web API in a process of its own, for a benchmark that times requests.

The burst benchmark sends its requests from 30 threads of one interpreter and times each until
its answer. With the fake Slack in that interpreter too, every ``users.info`` and response_url
answer the bot made during a burst ran under the same interpreter lock as the threads that time
the bot's acks: the bot's acks were timed slower for work that is Slack's, while the bare app,
which calls nothing, was timed on a quiet client. Here the fake runs in its own process, as Slack
runs on its own servers, and the benchmark talks to it through a multiprocessing manager.

``OutOfProcessSlack`` offers what the benchmark and ``SlackDriver`` use of a ``FakeSlack``. A
driver mints a trigger_id and a response_url for every request: they are minted in the fake's
process in batches ahead of time, so no request waits for the other process while it is timed.
``Call.at`` is ``time.monotonic()``, one clock for every process of the machine.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from contextlib import suppress
from multiprocessing.managers import BaseManager
from typing import Any

from tests.support.fake_slack import Call, FakeSlack, FakeUser, InvalidPayload

# Trigger ids and response_urls minted per trip to the fake's process.
MINT_BATCH = 400


class _Host:
    """Lives in the fake's process: the FakeSlack and plain methods over it."""

    def __init__(self) -> None:
        self._fake = FakeSlack().start()
        # Minted ahead of their use: a benchmark's modals would need trigger_ids that live long
        # enough (the bot opens none in the burst; a stale one would show as a failed answer).
        self._fake.trigger_ttl = 600.0

    def base_url(self) -> str:
        return self._fake.base_url

    def add_users(self, users: list[FakeUser]) -> None:
        for user in users:
            self._fake.add_user(user.id, user.real_name, title=user.title)

    def mint(self, count: int) -> tuple[list[str], list[str]]:
        triggers = [self._fake.mint_trigger_id() for _ in range(count)]
        return triggers, [self._fake.mint_response_url() for _ in range(count)]

    def calls(self, method: str | None = None) -> list[Call]:
        return self._fake.calls(method)

    def wait_for(self, method: str, count: int, timeout: float) -> list[Call]:
        return self._fake.wait_for(method, count, timeout)

    def wait_for_answers(self, url_ids: set[str], timeout: float) -> None:
        """Until every one of ``url_ids`` has had a response_url call, or ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self._fake.calls("response_url")
            remaining = deadline - time.monotonic()
            if url_ids <= {call.args.get("url_id") for call in calls} or remaining <= 0:
                return
            # Wakes on the next answer; what is still missing at the deadline is counted after.
            with suppress(AssertionError):
                self._fake.wait_for("response_url", len(calls) + 1, timeout=min(remaining, 1.0))

    def reset(self) -> None:
        self._fake.reset()

    def stats(self) -> Counter[str]:
        return self._fake.stats

    def invalid_payloads(self) -> list[InvalidPayload]:
        return self._fake.invalid_payloads

    def stop(self) -> None:
        self._fake.stop()


class _Manager(BaseManager):
    pass


_Manager.register("Host", _Host)


class OutOfProcessSlack:
    """A ``FakeSlack`` in another process, as far as the benchmark and its drivers use one."""

    def __init__(self) -> None:
        self._manager = _Manager()
        self._host: Any = None
        self._users: dict[str, FakeUser] = {}
        self._triggers: deque[str] = deque()
        self._response_urls: deque[str] = deque()
        self._mint_lock = threading.Lock()
        self.base_url = ""

    def __enter__(self) -> OutOfProcessSlack:
        self._manager.start()
        self._host = self._manager.Host()  # type: ignore[attr-defined]
        self.base_url = str(self._host.base_url())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._host.stop()
        finally:
            self._manager.shutdown()

    # -- what the benchmark sets up and reads ------------------------------------------------------

    def add_users(self, users: list[FakeUser]) -> None:
        for user in users:
            self._users[user.id] = user
        self._host.add_users(users)

    def calls(self, method: str | None = None) -> list[Call]:
        return list(self._host.calls(method))

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return list(self._host.wait_for(method, count, timeout))

    def wait_for_answers(self, url_ids: set[str], timeout: float) -> None:
        self._host.wait_for_answers(url_ids, timeout)

    def reset(self) -> None:
        self._host.reset()

    @property
    def stats(self) -> Counter[str]:
        return Counter(self._host.stats())

    @property
    def invalid_payloads(self) -> list[InvalidPayload]:
        return list(self._host.invalid_payloads())

    def prepare(self, requests: int) -> None:
        """Mint what ``requests`` requests need before they are timed."""
        with self._mint_lock:
            while len(self._response_urls) < requests:
                self._refill()

    # -- what a SlackDriver asks of its fake -------------------------------------------------------

    def user(self, user_id: str) -> FakeUser | None:
        return self._users.get(user_id)

    def mint_trigger_id(self) -> str:
        return self._take(self._triggers)

    def mint_response_url(self) -> str:
        return self._take(self._response_urls)

    def _take(self, minted: deque[str]) -> str:
        with self._mint_lock:
            if not minted:
                self._refill()
            return minted.popleft()

    def _refill(self) -> None:
        triggers, response_urls = self._host.mint(MINT_BATCH)
        self._triggers.extend(triggers)
        self._response_urls.extend(response_urls)
