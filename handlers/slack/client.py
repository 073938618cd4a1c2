"""The one factory for Slack Web API clients (Bolt and the jobs use the same configuration)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

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
    return WebClient(
        token=token, base_url=base_url, timeout=CALL_TIMEOUT, retry_handlers=retry_handlers()
    )


def make_deadline_client(token: str | None, base_url: str, timeout: int) -> WebClient:
    """A WebClient for calls that are useless when late: a short timeout and no retries."""
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def respond(response_url: str, message: dict[str, Any]) -> bool:
    """Answer through a ``response_url`` with the same retries as every Web API call.

    Bolt's own ``respond()`` neither retries nor reports a failed answer; here a failure is
    logged, because it means the user got no answer.
    """
    client = WebhookClient(response_url, timeout=CALL_TIMEOUT, retry_handlers=retry_handlers())
    try:
        response = client.send(**message)
    except Exception:  # connection errors after the retries: log, don't crash
        log.exception("answering through response_url failed")
        return False
    if response.status_code != 200:
        log.error("response_url answered %s: %s", response.status_code, response.body)
        return False
    return True
