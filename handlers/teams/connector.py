"""Calls to the Bot Connector through the Agents SDK's ``ConnectorClient``, from delivery's
threads: an event loop of its own on a thread, an access token per service, Teams' rate limits
kept before each call (``Limits``: this process's own, or ``handlers.teams.ratelimit``'s shared
by all replicas), and the SDK's errors translated into ``DeliveryError``.

The SDK never retries. Here: a short ``Retry-After`` on 429 is waited out once in the call; a
longer one goes to delivery as ``retry_after``; 412, 502, 503 and 504 are transient; any other
4xx is permanent; a 5xx, a timeout or a lost connection after a send leaves its fate unknown.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import aiohttp
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot.ports import DeliveryError

T = TypeVar("T")

# A 429 asking for at most this long is waited out in the call (Slack's client does the same).
MAX_RATE_WAIT = 5.0
CALL_TIMEOUT = 30.0
TRANSIENT_STATUS = {408, 412, 429, 502, 503, 504}
TOKEN_RESOURCE = "https://api.botframework.com"
TOKEN_SCOPE = TOKEN_RESOURCE + "/.default"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

# Teams' limits per conversation (sends in a window of seconds) and per app and tenant. The
# tenant's 50 a second is kept with a tenth to spare: requests leave evenly but arrive with the
# jitter of threads and network, and a measured 50 left room for 51 to arrive in a second.
CONVERSATION_WINDOWS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_WINDOWS = ((45, 1.0),)


class LoopThread:
    """One asyncio loop on a daemon thread; ``run`` waits for a coroutine from any thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="teams-connector", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout + 5.0)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


# A bearer token for a service URL; "" sends none (TEAMS_INSECURE_LOCAL).
TokenSource = Callable[[], Awaitable[str]]


async def no_token() -> str:
    return ""


class AccessTokenProvider(Protocol):
    """The SDK's token provider (``MsalAuth``) as used here."""

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str: ...


@dataclass
class SdkTokens:
    """The bot's token from the Agents SDK's MSAL auth (a certificate or a managed identity;
    MSAL keeps the token until it is nearly due). Its call blocks, so it runs off the loop."""

    provider: AccessTokenProvider

    async def __call__(self) -> str:
        try:
            return await self.provider.get_access_token(TOKEN_RESOURCE, [TOKEN_SCOPE])
        except Exception as error:  # MSAL raises ValueError, or its transport's errors
            # A managed identity's endpoint or Entra may be away for a moment: try again later.
            raise DeliveryError(f"token_unavailable: {type(error).__name__}") from error


@dataclass
class ClientCredentials:
    """The bot's own token from Entra (client credentials), renewed five minutes early."""

    app_id: str
    password: str
    tenant_id: str
    token_url: str = TOKEN_URL
    _token: str = ""
    _expires: float = 0.0
    _lock: asyncio.Lock | None = None

    async def __call__(self) -> str:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token and time.monotonic() < self._expires - 300:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self.app_id,
                "client_secret": self.password,
                "scope": TOKEN_SCOPE,
            }
            url = self.token_url.format(tenant=self.tenant_id)
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(url, data=form, timeout=aiohttp.ClientTimeout(15)) as answer,
                ):
                    body = await answer.json(content_type=None)
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as error:
                raise DeliveryError(f"token_unavailable: {type(error).__name__}") from error
            if status != 200 or "access_token" not in body:
                # A wrong secret or app id: no retry makes it right.
                raise DeliveryError(f"token_refused: http_{status}", permanent=status < 500)
            self._token = str(body["access_token"])
            self._expires = time.monotonic() + float(body.get("expires_in", 3600))
            return self._token


Windows = tuple[tuple[int, float], ...]


def earliest_slot(calls: Sequence[float], windows: Windows, at: float, margin: float) -> float:
    """The earliest time from ``at`` at which one more call fits every window, given the
    calls already made or reserved (in time order): no window of ``seconds`` may hold more
    than ``limit`` of them, with ``margin`` to spare."""
    moved = True
    while moved:  # a later slot for one window may need checking against the others
        moved = False
        for limit, seconds in windows:
            recent = [t for t in calls if t > at - seconds - margin]
            if len(recent) >= limit and recent[-limit] + seconds + margin > at:
                at, moved = recent[-limit] + seconds + margin, True
    return at


@dataclass
class RateLimiter:
    """Sliding windows per key: ``acquire`` waits until one more call fits every window. One
    process's share (``handlers.teams.ratelimit`` keeps one shared by all replicas)."""

    windows: Windows
    clock: Callable[[], float] = time.monotonic
    # Requests do not arrive as evenly as they leave: a little room so Teams never counts one
    # more in a window than the limit.
    margin: float = 0.05
    _calls: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def delay(self, key: str) -> float:
        """Reserve a slot for ``key``; how long to wait before using it."""
        with self._lock:
            calls = self._calls[key]
            now = self.clock()
            longest = max(seconds for _, seconds in self.windows)
            while calls and calls[0] <= now - longest:
                calls.popleft()
            at = earliest_slot(calls, self.windows, now, self.margin)
            calls.append(at)
            # The reservation keeps the deque in time order for the next caller.
            if len(calls) > 1 and calls[-2] > at:
                ordered = sorted(calls)
                calls.clear()
                calls.extend(ordered)
            return max(0.0, at - now)

    def acquire(self, key: str) -> None:
        wait = self.delay(key)
        if wait > 0:
            time.sleep(wait)


class Limits(Protocol):
    """Teams' limits kept before each request: ``acquire`` returns when the request may go."""

    def acquire(self, tenant: str, conversation: str | None) -> None: ...


@dataclass
class LocalLimits:
    """The limits kept by this process alone (one replica, tests, the benchmarks in-process)."""

    per_conversation: RateLimiter = field(default_factory=lambda: RateLimiter(CONVERSATION_WINDOWS))
    per_tenant: RateLimiter = field(default_factory=lambda: RateLimiter(TENANT_WINDOWS, margin=0.1))

    def acquire(self, tenant: str, conversation: str | None) -> None:
        if conversation is not None:
            self.per_conversation.acquire(conversation)
        self.per_tenant.acquire(tenant)


@dataclass
class Connector:
    """The SDK's connector client per service URL, on the loop thread, with tokens and pace."""

    tokens: TokenSource
    loop: LoopThread = field(default_factory=LoopThread)
    limits: Limits = field(default_factory=LocalLimits)
    max_rate_wait: float = MAX_RATE_WAIT
    _clients: dict[str, tuple[str, ConnectorClient]] = field(default_factory=dict)

    def call(
        self,
        service_url: str,
        tenant: str,
        conversation: str | None,
        request: Callable[[ConnectorClient], Awaitable[T]],
        *,
        effect: bool = False,
    ) -> T:
        """``request`` against the service; ``conversation``: the one whose send limit counts
        (None: not a send); ``effect``: a failure without an answer leaves its fate unknown."""
        for attempt in (1, 2):
            self.limits.acquire(tenant, conversation)
            try:
                return self.loop.run(self._run(service_url, request))
            except DeliveryError as error:
                wait = error.retry_after
                if attempt == 1 and wait is not None and wait <= self.max_rate_wait:
                    time.sleep(wait)
                    continue
                raise
            except aiohttp.ClientResponseError as error:
                failure = _translate(error, effect)
                wait = failure.retry_after
                if attempt == 1 and wait is not None and wait <= self.max_rate_wait:
                    time.sleep(wait)
                    continue
                raise failure from error
            except aiohttp.ClientConnectorError as error:  # never reached the service
                raise DeliveryError(f"connection_error: {type(error).__name__}") from error
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
                raise DeliveryError(
                    f"no_answer: {type(error).__name__}", fate_unknown=effect
                ) from error
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run(self, service_url: str, request: Callable[[ConnectorClient], Awaitable[T]]) -> T:
        token = await self.tokens()
        known = self._clients.get(service_url)
        if known is None or known[0] != token:
            if known is not None:
                await known[1].close()
            session = aiohttp.ClientSession(
                base_url=_base(service_url), timeout=aiohttp.ClientTimeout(CALL_TIMEOUT)
            )
            known = (token, ConnectorClient(_base(service_url), token, session=session))
            self._clients[service_url] = known
        return await request(known[1])

    def close(self) -> None:
        async def close_all() -> None:
            for _, client in self._clients.values():
                await client.close()
            self._clients.clear()

        try:
            self.loop.run(close_all(), timeout=5)
        finally:
            self.loop.close()


def _base(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"


def _translate(error: aiohttp.ClientResponseError, effect: bool) -> DeliveryError:
    status = error.status
    if status == 429:
        retry_after = _retry_after(error)
        return DeliveryError("ratelimited", retry_after=retry_after)
    if status >= 500:
        return DeliveryError(f"http_{status}", fate_unknown=effect)
    reason = {
        403: "forbidden",
        404: "not_found",
        413: "message_too_big",
    }.get(status, f"http_{status}")
    return DeliveryError(reason, permanent=status not in TRANSIENT_STATUS)


def _retry_after(error: aiohttp.ClientResponseError) -> float:
    value = error.headers.get("Retry-After", "1") if error.headers else "1"
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0
