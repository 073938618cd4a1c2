"""Composition root: builds the core from ``Settings`` (database, service, delivery, the clock's
jobs) and picks the chat platform that assembles itself around it (``PLATFORMS``).

Only the entry point (``bot.__main__``), the benchmarks and tests call this; nothing here runs at
import time. This is the one module of ``bot/`` that imports ``handlers`` and ``jobs``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.config import ConfigError, Settings, missing_privacy
from bot.db import (
    DatabaseUnavailable,
    SessionFactory,
    insert_ignore,
    make_engine,
    make_session_factory,
    transaction,
    wait_for_database,
)
from bot.db import upgrade as upgrade_schema
from bot.domain.municipalities import default_directory
from bot.domain.schedule import parse_schedule
from bot.metrics import Metrics
from bot.models import Network, NetworkFacilitator
from bot.platform import AnyPlatformKind, Core, Platform, RunOptions
from bot.ports import Clock, Forget, HomePublisher, Notifier, ProfileLookup
from bot.posts.outbox import Claimed, wake_on_commit
from bot.posts.render import Rendered
from bot.service.klimanet import Klimanet, ServiceSettings
from handlers.console.app import CONSOLE
from handlers.slack.app import SLACK
from handlers.teams.app_package import package as teams_app_package
from handlers.teams.platform import TEAMS
from handlers.teams.settings import TeamsSettings
from jobs.delivery import Delivery, DeliveryConfig, DeliveryLoop
from jobs.scheduler import TICK_SECONDS, start_scheduler

__all__ = ["Core", "build_core", "build_delivery", "build_delivery_loop"]

log = logging.getLogger(__name__)

NETWORK_SLUG = "klimanet"
# Database connections: one per thread that may hold one (the busiest platform's HTTP threads).
POOL_SIZE = 32

# The platforms, in the order they are tried: the first whose credentials are set is run. The
# console needs none, so it is last. A new platform is one more line here.
PLATFORMS: tuple[AnyPlatformKind, ...] = (SLACK, TEAMS, CONSOLE)


def build_core(
    settings: Settings,
    clock: Clock,
    profiles: ProfileLookup | None = None,
    forget: Forget | None = None,
    *,
    home_tab: bool = False,
    serves_http: bool = False,
) -> Core:
    """Engine, migrated schema, network settings and the service. ``forget``: what the chat
    adapter drops from memory about a person who was erased; ``home_tab``: the platform has a
    home (Slack's App Home) to keep current; ``serves_http``: the platform answers HTTP from
    outside, so calendar feeds can be served (at ``KLIMANET_PUBLIC_URL``)."""
    engine = make_engine(settings.database_url, pool_size=POOL_SIZE)
    try:
        wait_for_database(engine, settings.db_wait)
    except DatabaseUnavailable:
        engine.dispose()
        raise
    upgrade_schema(engine)
    sessions = make_session_factory(engine)
    network_id = sync_network_settings(sessions, settings)
    for warning in missing_privacy(settings):
        log.warning(warning)
    service_settings = ServiceSettings(
        tz=settings.timezone,
        schedule=parse_schedule(settings.schedule),
        channel=settings.channel,
        registration=settings.registration,
        offer_lifetime=timedelta(hours=settings.offer_hours),
        home_tab=home_tab,
        retention=settings.retention,
        controller=settings.controller,
        privacy_contact=settings.privacy_contact,
        legal_basis=settings.legal_basis,
        public_url=settings.public_url,
        serves_http=serves_http,
        digest=settings.digest,
        nudges=settings.nudges,
    )
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        network_slug=NETWORK_SLUG,
        profiles=profiles,
        settings=service_settings,
        forget=forget,
    )
    # The next weekly digest is planned at start, not only at the first re-plan.
    service.plan_digest()
    return Core(engine, sessions, service, network_id)


def build_delivery(
    core: Core,
    notifier: Notifier,
    settings: Settings,
    clock: Clock,
    *,
    on_sent: Callable[[Claimed, Rendered], None] | None = None,
    metrics: Metrics | None = None,
    home: HomePublisher | None = None,
    per_channel_interval: float | None = None,
) -> Delivery:
    """``per_channel_interval``: seconds between posts to one channel (Slack's rate limit by
    default; the console has none)."""
    config = DeliveryConfig(catchup=settings.catchup, lease=settings.delivery_lease)
    if per_channel_interval is not None:
        config = replace(config, per_channel_interval=per_channel_interval)
    return Delivery(
        core.sessions,
        notifier,
        clock,
        settings.timezone,
        network_id=core.network_id,
        config=config,
        on_sent=on_sent,
        metrics=metrics,
        home=home,
    )


def build_delivery_loop(core: Core, delivery: Delivery) -> DeliveryLoop:
    """The loop thread (not started), woken by every commit that planned a post due now."""
    loop = DeliveryLoop(delivery, TICK_SECONDS)
    wake_on_commit(core.sessions, loop.wake)
    return loop


def sync_network_settings(sessions: SessionFactory, settings: Settings) -> int:
    """The configured channel and admins become the network's channel and facilitators; an id
    no longer in KLIMANET_ADMINS is no longer a facilitator (and no longer kept for it).
    Returns the network's id."""
    with transaction(sessions) as session:
        network = session.scalars(select(Network).where(Network.slug == NETWORK_SLUG)).one()
        if settings.channel:
            network.channel_id = settings.channel
        session.execute(
            delete(NetworkFacilitator).where(
                NetworkFacilitator.network_id == network.id,
                NetworkFacilitator.user_id.not_in(sorted(settings.admins)),
            )
        )
        insert_ignore(
            session,
            NetworkFacilitator.__table__,  # type: ignore[arg-type]
            [{"network_id": network.id, "user_id": admin} for admin in sorted(settings.admins)],
        )
        return network.id


@dataclass(frozen=True)
class CoreAssembly:
    """``bot.platform.Assembly``: the core's parts from the core's settings, for a platform."""

    settings: Settings
    clock: Clock

    def core(
        self,
        *,
        profiles: ProfileLookup | None = None,
        forget: Forget | None = None,
        home_tab: bool = False,
        default_channel: str | None = None,
        serves_http: bool = False,
    ) -> Core:
        settings = self.settings
        if settings.channel is None and default_channel is not None:
            settings = replace(settings, channel=default_channel)
        return build_core(
            settings, self.clock, profiles, forget, home_tab=home_tab, serves_http=serves_http
        )

    def delivery(
        self,
        core: Core,
        notifier: Notifier,
        *,
        metrics: Metrics | None = None,
        home: HomePublisher | None = None,
        per_channel_interval: float | None = None,
    ) -> Delivery:
        return build_delivery(
            core,
            notifier,
            self.settings,
            self.clock,
            metrics=metrics,
            home=home,
            per_channel_interval=per_channel_interval,
        )

    def delivery_loop(self, core: Core, delivery: Any) -> DeliveryLoop:
        return build_delivery_loop(core, delivery)

    def start_jobs(self, core: Core, tick: Callable[[], object] | None) -> Any:
        return start_scheduler(
            tick,
            core.service.replan,
            self.settings.timezone,
            expire=core.service.expire_offers,
            retention=core.service.retention,
        )


def platform_settings(env: Mapping[str, str]) -> dict[str, object]:
    """Every platform's own settings, each checked by its platform (``ConfigError``); only the
    configured ones are in the answer."""
    found: dict[str, object] = {}
    for kind in PLATFORMS:
        own = kind.read_settings(env)
        if own is not None:
            found[kind.name] = own
    return found


def choose(configured: Mapping[str, object], *, wanted: str | None, http: bool) -> AnyPlatformKind:
    """The platform to run: ``wanted`` by name, else the first configured one. ``http``: the
    command line asked for an HTTP endpoint, which only a configured HTTP platform serves."""
    if wanted is not None:
        return next(kind for kind in PLATFORMS if kind.name == wanted)
    if http:
        for kind in PLATFORMS:
            if kind.http_needs and kind.name in configured:
                return kind
        needs = " or ".join(kind.http_needs for kind in PLATFORMS if kind.http_needs)
        raise ConfigError(f"{needs} are needed for --http")
    return next(kind for kind in PLATFORMS if kind.name in configured)


def build_platform(
    kind: AnyPlatformKind,
    settings: Settings,
    own: object,
    clock: Clock,
    options: RunOptions,
) -> Platform:
    return kind.build(own, CoreAssembly(settings, clock), options)


def teams_package(env: Mapping[str, str]) -> bytes:
    """``klimanet teams-pakke``: the Teams app package from the Teams settings (``ConfigError``
    when they are missing or wrong)."""
    settings = TeamsSettings.from_env(env)
    if settings is None:
        raise ConfigError("TEAMS_APP_ID is missing: the package names the bot by its app id.")
    return teams_app_package(settings)
