"""The one factory for Slack Web API clients (Bolt and the jobs use the same configuration)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Seconds a single Web API call may take before it counts as a connection error and is retried.
CALL_TIMEOUT = 10


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient against ``base_url`` that retries connection errors, 429 and 5xx.

    ``RateLimitErrorRetryHandler`` sleeps for the ``Retry-After`` Slack sends before retrying.
    """
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=CALL_TIMEOUT,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
