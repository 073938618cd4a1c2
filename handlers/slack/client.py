"""The one factory for Slack Web API clients (Bolt and the jobs use the same configuration)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from handlers.slack.transport import KeptAliveWebClient, KeptAliveWebhookClient

# Seconds a single Web API call may take before it counts as a connection error and is retried.
CALL_TIMEOUT = 10
# Calls on a deadline. views.open must finish within the trigger_id's 3 s life; a profile lookup
# may run before a modal submission's ack. Neither retries: a retry would come too late.
FORM_TIMEOUT = 2
PROFILE_TIMEOUT = 1


log = logging.getLogger(__name__)


def retry_handlers() -> list[RetryHandler]:
    """Connection errors, 429 (waiting the ``Retry-After`` Slack sends) and 5xx are retried."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient against ``base_url`` with the retry handlers."""
    return KeptAliveWebClient(
        token=token, base_url=base_url, timeout=CALL_TIMEOUT, retry_handlers=retry_handlers()
    )


class _ByOutcome(RetryHandler):
    """slack_sdk's hook, once for the handlers below: each decides by the answer and the error
    alone (neither the attempt nor the request matters to any) and says its rule in ``_retries``."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self._retries(response, error)

    def _retries(self, response: HttpResponse | None, error: Exception | None) -> bool:
        raise NotImplementedError


class BeforeSendRetryHandler(_ByOutcome):
    """Retries a request only when it never reached Slack.

    urllib wraps in ``URLError`` exactly the errors of connecting and of sending the request
    (refused, unreachable, DNS, connect timeout). What fails while the answer is read
    (``RemoteDisconnected``, a reset, a read timeout) comes unwrapped and is not retried here:
    Slack may have acted on the request, so delivery decides (it looks for the post first).
    """

    def _retries(self, response: HttpResponse | None, error: Exception | None) -> bool:
        return response is None and isinstance(error, URLError) and not isinstance(error, HTTPError)


class ShortRateLimitRetryHandler(_ByOutcome, RateLimitErrorRetryHandler):
    """Waits out a 429 inside the call only when Slack asks for a short wait; a longer one goes
    back to delivery, which reschedules the post and frees the worker (and its lease)."""

    def __init__(self, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._max_wait = max_wait

    def _retries(self, response: HttpResponse | None, error: Exception | None) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["1"]
        value = values[0] if isinstance(values, list) else values
        try:
            return float(value) <= self._max_wait
        except ValueError:
            return False


class RateLimitCounter(_ByOutcome):
    """Retries nothing; counts every 429 the client sees (first in the list, so it sees all)."""

    def __init__(self, on_ratelimited: Callable[[], None]) -> None:
        super().__init__(max_retry_count=1_000_000)
        self._on_ratelimited = on_ratelimited

    def _retries(self, response: HttpResponse | None, error: Exception | None) -> bool:
        if response is not None and response.status_code == 429:
            self._on_ratelimited()
        return False


# The delivery client waits out a 429 itself only up to this many seconds, twice at most.
DELIVERY_MAX_RATE_WAIT = 5.0


def delivery_retry_handlers(
    on_ratelimited: Callable[[], None] | None = None,
) -> list[RetryHandler]:
    """Only what is safe to repeat: a request that never reached Slack, and a short 429. A 5xx
    or a connection lost after sending is delivery's to decide; retrying it blindly is how a post
    arrives twice."""
    handlers: list[RetryHandler] = []
    if on_ratelimited is not None:
        handlers.append(RateLimitCounter(on_ratelimited))
    handlers += [
        BeforeSendRetryHandler(max_retry_count=2),
        ShortRateLimitRetryHandler(max_retry_count=2, max_wait=DELIVERY_MAX_RATE_WAIT),
    ]
    return handlers


def make_delivery_client(
    token: str | None, base_url: str, on_ratelimited: Callable[[], None] | None = None
) -> WebClient:
    """The WebClient delivery posts with: no blind retries (see ``delivery_retry_handlers``)."""
    return KeptAliveWebClient(
        token=token,
        base_url=base_url,
        timeout=CALL_TIMEOUT,
        retry_handlers=delivery_retry_handlers(on_ratelimited),
    )


def make_deadline_client(token: str | None, base_url: str, timeout: int) -> WebClient:
    """A WebClient for calls that are useless when late: a short timeout and no retries."""
    return KeptAliveWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def respond(response_url: str, message: dict[str, Any]) -> bool:
    """Answer through a ``response_url`` with the same retries as every Web API call.

    Bolt's own ``respond()`` neither retries nor reports a failed answer; here a failure is
    logged, because it means the user got no answer.
    """
    client = KeptAliveWebhookClient(
        response_url, timeout=CALL_TIMEOUT, retry_handlers=retry_handlers()
    )
    try:
        response = client.send(**message)
    except Exception:  # connection errors after the retries: log, don't crash
        log.exception("answering through response_url failed")
        return False
    if response.status_code != 200:
        log.error("response_url answered %s: %s", response.status_code, response.body)
        return False
    return True
