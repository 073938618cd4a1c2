"""Teams' own settings, read and checked from the environment (``bot.config`` reads the core's).

No ``TEAMS_APP_ID``: Teams is not configured, and the composition root picks another platform.

The bot proves who it is to Entra in one of three ways, as the Agents SDK's MSAL auth offers:
a client secret (``TEAMS_APP_PASSWORD``), a certificate (``TEAMS_CERT_PATH``: a PFX file with
the private key, whose public part is uploaded to the Entra app), or a user-assigned managed
identity (``TEAMS_MANAGED_IDENTITY=true``: the Azure Bot's app id is the identity's client id;
or the identity's client id itself). Exactly one, unless ``TEAMS_INSECURE_LOCAL``.

``KLIMANET_PUBLIC_URL`` (the bot's public HTTPS base URL) is the core's setting, checked by
``bot.config.public_url``; Teams needs it for its valid domains and links.
"""

from __future__ import annotations

import ipaddress
import os
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
    # The client secret; None with a certificate, a managed identity or ``insecure_local``.
    app_password: str | None
    tenant_id: str | None
    public_url: str | None = None
    # Local trials and tests only: unauthenticated requests accepted, sends without tokens.
    insecure_local: bool = False
    port: int = DEFAULT_TEAMS_PORT
    # What signs the file links (``KLIMANET_LINK_SECRET``); without it a key derived from the
    # app password (or, for a local trial, the app id).
    link_secret: str | None = None
    # A PFX file with the certificate and its private key (no password), instead of a secret.
    cert_path: str | None = None
    # The client id of a user-assigned managed identity, instead of a secret.
    managed_identity: str | None = None

    @property
    def credential(self) -> str:
        """How the bot gets its token: ``secret``, ``certificate``, ``managed_identity`` or
        ``none`` (``TEAMS_INSECURE_LOCAL``)."""
        if self.insecure_local:
            return "none"
        if self.cert_path is not None:
            return "certificate"
        if self.managed_identity is not None:
            return "managed_identity"
        return "secret"

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
        cert_path = _cert_path(get)
        identity = _managed_identity(get, app_id)
        if app_id is None:
            return None
        given = [
            name
            for name, value in (
                ("TEAMS_APP_PASSWORD", password),
                ("TEAMS_CERT_PATH", cert_path),
                ("TEAMS_MANAGED_IDENTITY", identity),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ConfigError(
                f"{' and '.join(given)} are both set: the bot signs in to Entra one way, so set "
                f"only one (a client secret, a certificate or a managed identity)."
            )
        if not insecure:
            if not given:
                raise ConfigError(
                    "TEAMS_APP_PASSWORD is missing (the Entra app's client secret; or set "
                    "TEAMS_CERT_PATH to a certificate, or TEAMS_MANAGED_IDENTITY=true)."
                )
            if tenant_id is None:
                raise ConfigError(
                    "TEAMS_TENANT_ID is missing (the tenant of the single-tenant bot)."
                )
            if password is None and get("KLIMANET_LINK_SECRET") is None:
                # The app id is public: without a client secret the file links need a secret
                # every replica shares, or a link made on one would be refused by the other.
                raise ConfigError(
                    "KLIMANET_LINK_SECRET is missing: with a certificate or a managed identity "
                    "there is no client secret to sign file links with, so set a long random "
                    "secret that every replica shares."
                )
        return cls(
            app_id,
            password,
            tenant_id,
            url,
            insecure,
            cert_path=cert_path,
            managed_identity=identity,
            link_secret=get("KLIMANET_LINK_SECRET"),
        )

    @property
    def link_key_material(self) -> str:
        """What the file links' key is derived from: ``KLIMANET_LINK_SECRET``, else the client
        secret; the (public) app id only for a local trial without either."""
        return self.link_secret or self.app_password or self.app_id

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


def _cert_path(get: Getter) -> str | None:
    path = get("TEAMS_CERT_PATH")
    if path is None:
        return None
    if not path.lower().endswith((".pfx", ".p12")):
        raise ConfigError(
            f"TEAMS_CERT_PATH must name a PFX file (.pfx or .p12) with the certificate and its "
            f"private key (got {path!r})."
        )
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise ConfigError(f"TEAMS_CERT_PATH names no readable file: {path!r}.")
    return path


def _managed_identity(get: Getter, app_id: str | None) -> str | None:
    """The managed identity's client id: ``true`` means the bot's own app id (an Azure Bot of
    type "User-Assigned Managed Identity"), a GUID names it; ``false`` or unset: none."""
    value = get("TEAMS_MANAGED_IDENTITY")
    if value is None or value.lower() in _FALSE:
        return None
    if value.lower() in _TRUE:
        return app_id
    if not _GUID.match(value):
        raise ConfigError(
            f"TEAMS_MANAGED_IDENTITY must be true, false or the managed identity's client id "
            f"(a GUID), not {value!r}."
        )
    return value


def _flag(get: Getter, name: str) -> bool:
    value = (get(name) or "false").lower()
    if value not in _TRUE | _FALSE:
        raise ConfigError(f"{name} must be true or false (got {value!r}).")
    return value in _TRUE
