"""Helpers shared by the Slack handlers: who is acting, and errors that reach the user."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot import texts
from bot.activity import REQUESTS, Activity
from bot.domain.registration import Actor
from bot.service.inbound import AlreadyActedOn, Once
from handlers.slack.blocks import mrkdwn
from handlers.slack.client import respond

T = TypeVar("T")

# This platform's name (its PlatformKind's): the people it brings are ("slack", team id, user id).
PLATFORM = "slack"

log = logging.getLogger("klimanet.handlers")
edge_log = logging.getLogger("klimanet.edge")

# Where the middleware leaves a request's ``Once`` in Bolt's context.
ONCE = "klimanet_once"
# What a refused repeat is, by the kind of key that caught it.
_REPEATS = {
    "sig": "ignored a replayed request (its signature was already seen)",
    "event": "ignored a repeated event",
    "envelope": "ignored a redelivered Socket Mode envelope",
}


def once_in(context: Mapping[str, Any]) -> Once | None:
    """The request's ``Once`` (see middleware.py), or None."""
    once = context.get(ONCE)
    return once if isinstance(once, Once) else None


def acting_once(once: Once | None, work: Callable[[], T]) -> T | None:
    """Run ``work`` as the request ``once`` names: None (nothing done) when it is a repeat."""
    if once is None:
        return work()
    try:
        with once:
            return work()
    except AlreadyActedOn as repeat:
        edge_log.info(_REPEATS.get(repeat.key.split(":", 1)[0], "ignored a repeated request"))
        return None


def actor_from_command(command: Mapping[str, Any]) -> Actor:
    return Actor(
        team_id=str(command.get("team_id") or ""),
        user_id=str(command.get("user_id") or ""),
        name=str(command.get("user_name") or command.get("user_id") or ""),
        platform=PLATFORM,
    )


def actor_from_body(body: Mapping[str, Any]) -> Actor:
    user = body.get("user") or {}
    team = body.get("team") or {}
    return Actor(
        team_id=str(user.get("team_id") or team.get("id") or ""),
        user_id=str(user.get("id") or ""),
        name=str(user.get("name") or user.get("username") or user.get("id") or ""),
        platform=PLATFORM,
    )


def new_reference() -> str:
    """A short id a user can read aloud to a facilitator, and that we log with the traceback."""
    return "KN-" + secrets.token_hex(3).upper()


def log_failure(error: BaseException, where: str) -> str:
    reference = new_reference()
    log.error("unhandled error in %s [%s]", where, reference, exc_info=error)
    return reference


def internal_error_message(reference: str) -> dict[str, Any]:
    text = mrkdwn(texts.common.internal_error(reference))
    return {"text": text, "response_type": "ephemeral", "replace_original": False}


def actor_from_event(event: Mapping[str, Any], body: Mapping[str, Any]) -> Actor:
    user_id = str(event.get("user") or "")
    return Actor(
        team_id=str(body.get("team_id") or ""), user_id=user_id, name=user_id, platform=PLATFORM
    )


class Background:
    """Work done after the ack, on its own small pool.

    Bolt runs every listener (and so every ``ack()``) on its listener pool; if the slow part of
    a command ran there too, a burst would make new acks queue behind old work and Slack would
    show users a timeout. Here the listener acks and hands the rest over.
    """

    def __init__(self, workers: int, name: str = "work", activity: Activity = REQUESTS) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._activity = activity

    def run(
        self,
        where: str,
        response_url: str | None,
        work: Callable[[], None],
        once: Once | None = None,
    ) -> None:
        """Run ``work`` on the pool; with ``once``, as that request (a repeat does nothing)."""

        def guarded() -> None:
            try:
                acting_once(once, work)
            except Exception as error:  # noqa: BLE001 - a reference for the user, a traceback in the log
                reference = log_failure(error, where)
                if response_url:
                    respond(response_url, internal_error_message(reference))
            finally:
                self._activity.end()

        # Counted from the ack on, while it waits for a worker too: a queue is a burst.
        self._activity.begin()
        try:
            self._pool.submit(guarded)
        except BaseException:
            self._activity.end()
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
