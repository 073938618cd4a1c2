"""Slack's own settings, read and checked from the environment (``bot.config`` reads the core's).

No ``SLACK_BOT_TOKEN``: Slack is not configured, and the composition root picks another platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import ConfigError, split_admins

DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"

# The shapes of Slack's ids, for the core's settings that name them on Slack.
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")

Getter = Callable[[str], str | None]


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_base_url: str = DEFAULT_SLACK_API_BASE_URL

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings | None:
        """Every Slack setting checked (a malformed one raises ``ConfigError`` even without a
        bot token); None when no bot token is set."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token, app_token, signing_secret = _slack_tokens(get)
        base_url = _api_base_url(get)
        if bot_token is None:
            return None
        _check_ids(get)
        return cls(bot_token, signing_secret, app_token, base_url)


def _slack_tokens(get: Getter) -> tuple[str | None, str | None, str | None]:
    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
    app_token = get("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")
    signing_secret = get("SLACK_SIGNING_SECRET")
    if bot_token and not app_token and not signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is missing: HTTP mode needs it (or set SLACK_APP_TOKEN "
            "for Socket Mode)."
        )
    return bot_token, app_token, signing_secret


def _api_base_url(get: Getter) -> str:
    base_url = get("SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(f"SLACK_API_BASE_URL is not an http(s) URL: {base_url!r}")
    return base_url if base_url.endswith("/") else base_url + "/"


def _check_ids(get: Getter) -> None:
    """On Slack, the core's settings that name a channel or people name them by Slack's ids."""
    channel = get("KLIMANET_CHANNEL")
    if channel is not None and not _CHANNEL_ID.match(channel):
        raise ConfigError(
            f"KLIMANET_CHANNEL must be a channel id like C0123ABCD (got {channel!r})."
        )
    bad = sorted(a for a in split_admins(get("KLIMANET_ADMINS")) if not _USER_ID.match(a))
    if bad:
        raise ConfigError(
            f"KLIMANET_ADMINS must be Slack user ids like U0123ABCD (wrong: {', '.join(bad)})."
        )
