"""People's names and titles from their Slack profile (``users.info``), cached in memory until
the profile changes (``user_change``) or the person is erased."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ports import Profile

log = logging.getLogger(__name__)


class SlackProfiles:
    """A ``ProfileLookup`` through ``client``; give it a short timeout and no retries
    (``PROFILE_TIMEOUT``): a lookup may run before a modal submission's ack, and the request's
    own name is a fine fallback when Slack is slow. Only the name, the title and whether the
    account is deactivated are kept (never the e-mail address)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._cache: dict[str, Profile | None] = {}
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> Profile | None:
        with self._lock:
            if user_id in self._cache:
                return self._cache[user_id]
        try:
            user: dict[str, Any] = self._client.users_info(user=user_id)["user"]
        except SlackApiError:
            return None  # user_not_found, missing scope …: fall back to the request's user name
        except Exception as error:  # noqa: BLE001 - a timeout or a dropped connection
            # Not cached: the next lookup may find Slack answering again.
            log.warning(
                "users.info failed (%s); using the name from the request", type(error).__name__
            )
            return None
        profile = user.get("profile") or {}
        name = (
            profile.get("real_name")
            or user.get("real_name")
            or profile.get("display_name")
            or user.get("name")
            or ""
        )
        result = Profile(
            name=str(name),
            title=str(profile.get("title") or ""),
            deleted=bool(user.get("deleted")),
        )
        with self._lock:
            self._cache[user_id] = result
        return result

    def forget(self, user_id: str) -> None:
        """Drop the cached profile: it changed, or the person was erased."""
        with self._lock:
            self._cache.pop(user_id, None)

    def knows(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._cache
