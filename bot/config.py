"""Settings, built once by the entry point from the environment (and ``.env``).

Nothing here runs at import time: ``Settings.from_env`` is called by ``bot.__main__`` only, and
every other part of the bot receives the object it needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.digest import DEFAULT_DIGEST, DigestTime, parse_digest
from bot.domain.schedule import DEFAULT_SCHEDULE, parse_schedule

DEFAULT_DATABASE_URL = "sqlite:///klimanet.db"
DEFAULT_TIMEZONE = "Europe/Copenhagen"
DEFAULT_SCHEDULE_SPEC = DEFAULT_SCHEDULE
DEFAULT_CATCHUP = timedelta(hours=6)
DEFAULT_LEASE = timedelta(seconds=20)
DEFAULT_OPS_ADDR = "127.0.0.1:9102"
_ADDR = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")
DEFAULT_LOG_LEVEL = "INFO"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_DB_WAIT = timedelta(seconds=10)
_DURATION = re.compile(r"^(\d+)([dhms])$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

DEFAULT_RETENTION = timedelta(days=730)
_RETENTION = re.compile(r"^(\d{1,5})([dy])$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# A chat platform's id, to the core an opaque word (each platform checks its own shape).
MAX_CHAT_ID = 255


def parse_address(text: str) -> tuple[str, int] | None:
    """'127.0.0.1:9102', 'localhost:0', '[::1]:9102' -> (host, port); anything else -> None."""
    match = _ADDR.match(text.strip())
    if not match or int(match.group(2)) > 65535:
        return None
    return match.group(1).strip("[]"), int(match.group(2))


def parse_duration(text: str) -> timedelta | None:
    """'6h', '90m', '1d', '30s' -> timedelta; anything else -> None."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


class ConfigError(Exception):
    """A setting is missing or malformed. The message names the setting, in one line."""


@dataclass(frozen=True)
class Settings:
    """The core's settings; each platform reads its own (``bot.platform.PlatformKind``)."""

    database_url: str = DEFAULT_DATABASE_URL
    channel: str | None = None
    admins: frozenset[str] = field(default_factory=frozenset)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    schedule: str = DEFAULT_SCHEDULE_SPEC
    catchup: timedelta = DEFAULT_CATCHUP
    delivery_lease: timedelta = DEFAULT_LEASE
    registration: str = "approval"
    offer_hours: int = 72
    # Where GET /metrics and GET /health listen (loopback by default); None: not at all.
    ops_addr: tuple[str, int] | None = field(
        default_factory=lambda: parse_address(DEFAULT_OPS_ADDR)
    )
    retention: timedelta = DEFAULT_RETENTION
    controller: str | None = None
    privacy_contact: str | None = None
    legal_basis: str | None = None
    log_level: str = DEFAULT_LOG_LEVEL
    # How long the bot keeps trying to reach its database at start before it gives up.
    db_wait: timedelta = DEFAULT_DB_WAIT
    # Where Klimanet answers HTTP from outside (https, no trailing slash): calendar feed links
    # are built on it. None: no links are handed out.
    public_url: str | None = None
    # KL's weekly digest to the facilitators (KLIMANET_DIGEST, "man@08:00" unless set); None:
    # off, also for Settings built in code (benchmarks, tests) unless they ask for one.
    digest: DigestTime | None = None
    # Nudges before a themed meeting (coordinators with a free flexible seat; the facilitators
    # two days before): ``KLIMANET_NUDGES=on|off``.
    nudges: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, base_dir: Path | None = None) -> Settings:
        """Every setting read and checked; the first one that is wrong raises ``ConfigError``."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            database_url=_database_url(get, base_dir),
            channel=_channel(get),
            admins=_admins(get),
            timezone=_timezone(get),
            schedule=_schedule(get),
            catchup=_duration(get, "KLIMANET_CATCHUP", "6h", "6h, 90m or 1d"),
            delivery_lease=_duration(get, "KLIMANET_DELIVERY_LEASE", "20s", "20s or 2m"),
            registration=_registration(get),
            offer_hours=_offer_hours(get),
            ops_addr=_ops_addr(get),
            retention=_retention(get),
            controller=get("KLIMANET_CONTROLLER"),
            privacy_contact=_privacy_contact(get),
            legal_basis=get("KLIMANET_LEGAL_BASIS"),
            log_level=_log_level(get),
            db_wait=_duration(get, "KLIMANET_DB_WAIT", "10s", "10s or 1m"),
            public_url=public_url(get),
            digest=_digest(get),
            nudges=_nudges(get),
        )


Getter = Callable[[str], str | None]


def _database_url(get: Getter, base_dir: Path | None) -> str:
    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", database_url):
        raise ConfigError(
            "DATABASE_URL must start with 'sqlite:///' or 'postgresql://' "
            f"(got {database_url.split('://')[0]!r})."
        )
    url = _normalise_database_url(database_url, base_dir)
    folder = sqlite_folder(url)
    if folder is not None and not folder.is_dir():
        raise ConfigError(
            f"DATABASE_URL names a SQLite file in the folder {folder}, which does not exist."
        )
    return url


def sqlite_folder(url: str) -> Path | None:
    """The folder a SQLite file URL puts its database in (None: not a file, or not SQLite)."""
    match = re.match(r"^sqlite(\+\w+)?:///([^?]*)", url)
    if match is None or match.group(2) in ("", ":memory:"):
        return None
    return Path(match.group(2)).parent


def _log_level(get: Getter) -> str:
    level = (get("KLIMANET_LOG_LEVEL") or DEFAULT_LOG_LEVEL).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"KLIMANET_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {level!r})."
        )
    return level


def is_chat_id(text: str) -> bool:
    """An id the core can keep for a chat platform: non-empty, no whitespace, ≤ 255 characters."""
    return 0 < len(text) <= MAX_CHAT_ID and not any(ch.isspace() for ch in text)


def split_admins(raw: str | None) -> frozenset[str]:
    """``KLIMANET_ADMINS``: ids separated by commas or whitespace."""
    return frozenset(a for a in re.split(r"[,\s]+", raw or "") if a)


def _channel(get: Getter) -> str | None:
    channel = get("KLIMANET_CHANNEL")
    if channel is not None and not is_chat_id(channel):
        raise ConfigError(
            f"KLIMANET_CHANNEL must be the chat platform's id of the network's channel, one word "
            f"of at most {MAX_CHAT_ID} characters (got {channel[:80]!r})."
        )
    return channel


def _admins(get: Getter) -> frozenset[str]:
    admins = split_admins(get("KLIMANET_ADMINS"))
    bad = sorted(a[:80] for a in admins if not is_chat_id(a))
    if bad:
        raise ConfigError(
            f"KLIMANET_ADMINS must be the chat platform's user ids, each at most {MAX_CHAT_ID} "
            f"characters (wrong: {', '.join(bad)})."
        )
    return admins


def _timezone(get: Getter) -> ZoneInfo:
    tz_name = get("KLIMANET_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"KLIMANET_TIMEZONE is not a known time zone: {tz_name!r}") from None


def _schedule(get: Getter) -> str:
    schedule = get("KLIMANET_SCHEDULE") or DEFAULT_SCHEDULE_SPEC
    try:
        parse_schedule(schedule)
    except ValueError as err:
        message = str(err)
        prefix = "" if message.startswith("KLIMANET_SCHEDULE") else "KLIMANET_SCHEDULE: "
        raise ConfigError(prefix + message) from None
    return schedule


def _duration(get: Getter, name: str, default: str, examples: str) -> timedelta:
    raw = get(name) or default
    duration = parse_duration(raw)
    if duration is None or duration < timedelta(seconds=1):
        raise ConfigError(f"{name} must be a duration like {examples} (got {raw!r}).")
    return duration


def _registration(get: Getter) -> str:
    registration = (get("KLIMANET_REGISTRATION") or "approval").lower()
    if registration not in ("approval", "open"):
        raise ConfigError(
            f"KLIMANET_REGISTRATION must be 'approval' or 'open' (got {registration!r})."
        )
    return registration


def _nudges(get: Getter) -> bool:
    value = (get("KLIMANET_NUDGES") or "on").lower()
    if value not in ("on", "off"):
        raise ConfigError(f"KLIMANET_NUDGES must be 'on' or 'off' (got {value!r}).")
    return value == "on"


def _offer_hours(get: Getter) -> int:
    raw = get("KLIMANET_OFFER_HOURS") or "72"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 5 or not 1 <= int(raw) <= 24 * 60:
        raise ConfigError(f"KLIMANET_OFFER_HOURS must be a whole number of hours (got {raw!r}).")
    return int(raw)


def _ops_addr(get: Getter) -> tuple[str, int] | None:
    raw = get("KLIMANET_OPS_ADDR") or DEFAULT_OPS_ADDR
    if raw.lower() == "off":
        return None
    address = parse_address(raw)
    if address is None:
        raise ConfigError(
            f"KLIMANET_OPS_ADDR must be host:port like 127.0.0.1:9102, or off (got {raw!r})."
        )
    return address


def _retention(get: Getter) -> timedelta:
    """How long personal data is kept: days or years ('m' is minutes in the schedule, so a
    month is not a unit here)."""
    raw = (get("KLIMANET_RETENTION") or "2y").lower()
    match = _RETENTION.match(raw)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(
            f"KLIMANET_RETENTION must be a number of days or years like 2y or 400d (got {raw!r})."
        )
    days = int(match.group(1)) * (365 if match.group(2) == "y" else 1)
    return timedelta(days=days)


def _privacy_contact(get: Getter) -> str | None:
    contact = get("KLIMANET_PRIVACY_CONTACT")
    if contact is not None and not _EMAIL.match(contact):
        raise ConfigError(
            f"KLIMANET_PRIVACY_CONTACT must be an e-mail address like dpo@kl.dk (got {contact!r})."
        )
    return contact


_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def public_url(get: Getter) -> str | None:
    """An https base URL (http only on the loopback, for trying it out): the links people put
    in their calendars are built on it, so it must be what the outside world reaches."""
    raw = get("KLIMANET_PUBLIC_URL")
    if raw is None:
        return None
    url = raw.rstrip("/")
    scheme, sep, rest = url.partition("://")
    host, _, path = rest.partition("/")
    problem = None
    if not sep or scheme.lower() not in ("https", "http"):
        problem = "must start with https://"
    elif scheme.lower() == "http" and host.split(":")[0] not in _LOOPBACK_HOSTS:
        problem = "must use https (http only for localhost)"
    elif not _HOST.match(host) or "@" in rest:
        problem = "needs a host name"
    elif any(c in path for c in "?#") or any(c.isspace() for c in path):
        problem = "must have no query, fragment or spaces"
    if problem is not None:
        raise ConfigError(
            f"KLIMANET_PUBLIC_URL {problem}, like https://klimanet.example.dk (got {raw!r})."
        )
    return f"{scheme.lower()}://{rest}"


def _digest(get: Getter) -> DigestTime | None:
    try:
        return parse_digest(get("KLIMANET_DIGEST") or DEFAULT_DIGEST)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _normalise_database_url(url: str, base_dir: Path | None) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would make SQLAlchemy look for psycopg2.
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    if base_dir is not None and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url[len("sqlite:///") :]
        if relative and relative != ":memory:":
            return "sqlite:///" + str((base_dir / relative).resolve())
    return url


def missing_privacy(settings: Settings) -> list[str]:
    """What the operator should set for the privacy notice, in English: logged once at start.
    Users never see a setting's name; their notice points to KL in general terms instead."""
    missing = []
    if settings.controller is None:
        missing.append(
            "KLIMANET_CONTROLLER is not set: the privacy notice (privatliv) names no data "
            "controller and tells people to contact KL"
        )
    if settings.privacy_contact is None:
        missing.append(
            "KLIMANET_PRIVACY_CONTACT is not set: the privacy notice (privatliv) gives no "
            "contact address and tells people to contact KL"
        )
    return missing
