"""Teams' own settings, read and checked from the environment (``bot.config`` reads the core's).

No ``TEAMS_APP_ID``: Teams is not configured, and the composition root picks another platform.

``KLIMANET_PUBLIC_URL`` (the bot's public HTTPS base URL) is the core's setting, checked by
``bot.config.public_url``; Teams needs it for its valid domains and links.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import ConfigError, public_url

DEFAULT_TEAMS_PORT = 3978

Getter = Callable[[str], str | None]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str
    # None only with ``insecure_local`` (nothing is signed then); a certificate or managed
    # identity is not supported yet.
    app_password: str | None
    tenant_id: str | None
    public_url: str | None = None
    # Local trials and tests only: unauthenticated requests accepted, sends without tokens.
    insecure_local: bool = False
    port: int = DEFAULT_TEAMS_PORT
    # What signs the file links (``KLIMANET_LINK_SECRET``); without it a key derived from the
    # app password (or, for a local trial, the app id).
    link_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings | None:
        """Every Teams setting checked (a malformed one raises ``ConfigError`` even without an
        app id); None when no app id is set."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        app_id = _guid(get, "TEAMS_APP_ID")
        tenant_id = _guid(get, "TEAMS_TENANT_ID")
        insecure = _flag(get, "TEAMS_INSECURE_LOCAL")
        url = public_url(get)  # https, or http on the loopback for a local trial
        password = get("TEAMS_APP_PASSWORD")
        if app_id is None:
            return None
        if not insecure:
            if password is None:
                raise ConfigError("TEAMS_APP_PASSWORD is missing (the Entra app's client secret).")
            if tenant_id is None:
                raise ConfigError(
                    "TEAMS_TENANT_ID is missing (the tenant of the single-tenant bot)."
                )
        return cls(
            app_id, password, tenant_id, url, insecure, link_secret=get("KLIMANET_LINK_SECRET")
        )

    def check_bind(self, host: str) -> None:
        """``TEAMS_INSECURE_LOCAL`` serves only on a loopback address: anything else is refused
        before a socket is opened (``ConfigError``, one line)."""
        if self.insecure_local and not is_loopback(host):
            raise ConfigError(
                f"TEAMS_INSECURE_LOCAL=true accepts unauthenticated requests, so it only binds "
                f"a loopback address (127.0.0.1, ::1 or localhost), not {host!r}."
            )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _guid(get: Getter, name: str) -> str | None:
    value = get(name)
    if value is not None and not _GUID.match(value):
        raise ConfigError(f"{name} must be a GUID like 00000000-0000-0000-0000-000000000000.")
    return value


def _flag(get: Getter, name: str) -> bool:
    value = (get(name) or "false").lower()
    if value not in _TRUE | _FALSE:
        raise ConfigError(f"{name} must be true or false (got {value!r}).")
    return value in _TRUE
