"""People's names and titles from their Slack profile (``users.info``)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ports import Profile, ProfileLookup

log = logging.getLogger(__name__)


def slack_profiles(client: WebClient) -> ProfileLookup:
    """Lookups through ``client``; give it a short timeout and no retries (``PROFILE_TIMEOUT``):
    a lookup may run before a modal submission's ack, and the request's own name is a fine
    fallback when Slack is slow."""
    cache: dict[str, Profile | None] = {}
    lock = threading.Lock()

    def lookup(user_id: str) -> Profile | None:
        with lock:
            if user_id in cache:
                return cache[user_id]
        try:
            user: dict[str, Any] = client.users_info(user=user_id)["user"]
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
        with lock:
            cache[user_id] = result
        return result

    return lookup
