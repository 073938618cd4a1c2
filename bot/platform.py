"""Where a chat platform plugs in: what a platform adapter implements, and what the composition
root (``bot.runtime``) lends it to assemble itself.

A platform (Slack, Teams, the console) lives in its own folder under ``handlers/`` and
exports one ``PlatformKind``: how it reads and checks its own settings from the environment, and
how it builds itself (its app, server, notifier, profiles) around the core that ``Assembly``
builds. ``bot.runtime.PLATFORMS`` lists the kinds; adding a platform is one line there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine

from bot.config import Settings
from bot.db import SessionFactory
from bot.metrics import Metrics
from bot.ops import Health
from bot.ports import Clock, Forget, HomePublisher, Notifier, ProfileLookup
from bot.service.klimanet import Klimanet
from bot.texts.edge import CONSOLE_DEFAULT_NAME


@dataclass
class Core:
    """The database and the service: the same for every platform."""

    engine: Engine
    sessions: SessionFactory
    service: Klimanet
    network_id: int  # the network this process runs (its facilitators hear of failed posts)


class PlatformUnavailable(Exception):
    """The platform refused to start the bot (e.g. a revoked token); the message says who and
    why, in one line."""


class Platform(Protocol):
    """A platform, built and ready: ``run`` serves until ``stop`` (or a signal) ends it."""

    def run(self) -> int:
        """Serve until stopped; the process's exit status."""

    def stop(self) -> None:
        """Make ``run`` return soon (from another thread or a signal handler)."""

    def health(self) -> Health:
        """What ``GET /health`` reports."""


class Delivery(Protocol):
    """Delivery of the outbox's posts through a platform's notifier (``jobs.delivery``)."""

    def tick(self) -> object:
        """Deliver one batch of what is due."""

    def drain(self) -> object:
        """Deliver everything due now (the console, right after a command)."""

    def seconds_since_progress(self) -> float:
        """For the health check: how long since delivery last made progress."""

    def close(self) -> None: ...


class DeliveryLoop(Protocol):
    """Delivery on its own thread, woken by every commit that planned a post due now."""

    def start(self) -> object: ...

    def stop(self, timeout: float) -> object:
        """Stop claiming, finish the posts in flight (up to ``timeout`` s), give the rest back."""


class Jobs(Protocol):
    """The clock's jobs (re-planning, offer expiry, retention; delivery ticks if asked)."""

    def shutdown(self, wait: bool = True) -> None: ...


class Assembly(Protocol):
    """What the composition root lends a platform: the core's parts, built on request, so the
    platform decides what it hands them (its profiles, notifier, home tab, pace)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    def core(
        self,
        *,
        profiles: ProfileLookup | None = None,
        forget: Forget | None = None,
        home_tab: bool = False,
        default_channel: str | None = None,
        serves_http: bool = False,
    ) -> Core:
        """Engine, migrated schema, network settings and the service. ``forget``: what the
        platform drops from memory about an erased person; ``home_tab``: the platform has a home
        to keep current; ``default_channel``: the network's channel when none is configured;
        ``serves_http``: the platform answers HTTP from outside and mounts the calendar feed
        (``handlers/calendar_feed.py``) at ``GET /kalender/<secret>.ics``."""

    def delivery(
        self,
        core: Core,
        notifier: Notifier,
        *,
        metrics: Metrics | None = None,
        home: HomePublisher | None = None,
        per_channel_interval: float | None = None,
    ) -> Delivery:
        """``per_channel_interval``: seconds between posts to one channel (Slack's rate limit by
        default)."""

    def delivery_loop(self, core: Core, delivery: Delivery) -> DeliveryLoop:
        """The loop thread (not started)."""

    def start_jobs(self, core: Core, tick: Callable[[], object] | None) -> Jobs:
        """Start the clock's jobs; ``tick``: delivery on the scheduler too (None: a loop runs)."""


@dataclass(frozen=True)
class RunOptions:
    """The command line's choices a platform may use."""

    http: bool = False  # serve the platform's HTTP endpoint (Slack's HTTP mode)
    host: str = "0.0.0.0"
    port: int = 3000
    health_port: int | None = None  # overrides the port of KLIMANET_OPS_ADDR
    user_id: str = "konsol:lokal"  # the console's first user (any id: "--as U0LOCAL" too)
    name: str = CONSOLE_DEFAULT_NAME


S = TypeVar("S")


@dataclass(frozen=True)
class PlatformKind(Generic[S]):
    """One row of the composition root's platform table."""

    name: str
    # The platform's own settings from the environment, checked (``ConfigError`` names the
    # wrong one); None when its credentials are not there, so another platform is picked.
    read_settings: Callable[[Mapping[str, str]], S | None]
    # Builds the platform from the core settings' assembly and its own settings.
    build: Callable[[S, Assembly, RunOptions], Platform]
    # What ``run --http`` needs when this platform is not configured ("" : it serves no HTTP).
    http_needs: str = ""
    # The port it serves on when neither ``--port`` nor ``PORT`` says (Teams: 3978).
    default_port: int = RunOptions.port


AnyPlatformKind = PlatformKind[Any]
