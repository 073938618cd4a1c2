"""Composition: builds the parts from ``Settings`` and wires them together.

Only the entry point (``bot.__main__``), the benchmarks and tests call this; nothing here runs at
import time.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, delete, select

from bot.clock import OffsetClock, SystemClock
from bot.config import Settings, missing_privacy
from bot.db import (
    DatabaseUnavailable,
    SessionFactory,
    database_answers,
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
from bot.ops import Health, health_response
from bot.ports import Clock, Forget, HomePublisher, Notifier, ProfileLookup
from bot.posts.outbox import Claimed, wake_on_commit
from bot.posts.render import Rendered
from bot.service.inbound import InboundMemory
from bot.service.klimanet import Klimanet, ServiceSettings
from handlers.slack.client import (
    FORM_TIMEOUT,
    PROFILE_TIMEOUT,
    make_deadline_client,
    make_delivery_client,
    make_web_client,
)
from handlers.slack.notifier import SlackNotifier
from handlers.slack.profiles import SlackProfiles
from jobs.delivery import Delivery, DeliveryConfig, DeliveryLoop
from jobs.scheduler import TICK_SECONDS

if TYPE_CHECKING:
    from handlers.slack.common import Background
    from handlers.slack.forms import Forms
    from handlers.slack.home import SlackHome
    from handlers.slack.socket_mode import OnceSocketModeHandler

log = logging.getLogger(__name__)

NETWORK_SLUG = "klimanet"
HTTP_THREADS = 32
LISTENER_THREADS = 16
# Few on purpose: the work is CPU-bound under the GIL, and every extra busy thread slows the acks.
WORK_THREADS = 4
# Threads that open modals: each waits at most FORM_TIMEOUT for Slack, and a form whose trigger
# expired while queued is answered at once, so a burst of forms drains within seconds.
FORM_THREADS = 8

# Slack's requests are a few kB; the edge and the HTTP server refuse anything over this.
MAX_BODY_BYTES = 1024 * 1024
# On SIGTERM: how long the posts in flight may take to finish before the process exits anyway
# (their attempts are recorded, so whoever claims them next looks them up instead of resending).
SHUTDOWN_GRACE_S = 20.0
# The Socket Mode client pings every this many seconds and reconnects when no pong came for four
# intervals: a connection that died without a close frame is replaced within 5 intervals (9 s
# measured against the fake; slack_sdk's default of 10 s took about a minute).
SOCKET_PING_INTERVAL_S = 1.5

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Core:
    engine: Engine
    sessions: SessionFactory
    service: Klimanet
    network_id: int  # the network this process runs (its facilitators hear of failed posts)


def build_core(
    settings: Settings,
    clock: Clock,
    profiles: ProfileLookup | None = None,
    forget: Forget | None = None,
) -> Core:
    """Engine, migrated schema, network settings and the service. ``forget``: what the chat
    adapter drops from memory about a person who was erased."""
    engine = make_engine(settings.database_url, pool_size=HTTP_THREADS)
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
        # Slack has an App Home to keep current; the console has none.
        home_tab=settings.has_slack,
        retention=settings.retention,
        controller=settings.controller,
        privacy_contact=settings.privacy_contact,
        legal_basis=settings.legal_basis,
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


class SlackUnavailable(Exception):
    """Slack refused the bot token at start (``auth.test``); the message says why, in one line."""


@dataclass
class SlackRuntime:
    core: Core
    client: WebClient
    app: App
    delivery: Delivery
    background: Background
    forms: Forms
    memory: InboundMemory
    team_id: str
    signing_secret: str | None
    metrics: Metrics
    loop: DeliveryLoop
    home: SlackHome

    def stop_delivery(self, grace: float = SHUTDOWN_GRACE_S) -> None:
        """Stop claiming, finish the posts in flight (up to ``grace`` s), give the rest back."""
        self.loop.stop(grace)

    profiles: SlackProfiles | None = None

    def close(self) -> None:
        self.loop.stop(0)
        self.home.shutdown()
        self.forms.shutdown()
        self.background.shutdown()
        self.delivery.close()
        self.core.engine.dispose()

    def health(self, socket_connected: bool | None = None) -> Health:
        return Health(
            database=database_answers(self.core.engine),
            delivery_seconds=self.delivery.seconds_since_progress(),
            socket_mode=socket_connected,
        )


def workspace_of(client: WebClient) -> str:
    """The team id of the workspace the bot token belongs to: the one workspace Klimanet serves."""
    try:
        identity = client.auth_test()
    except SlackApiError as error:
        raise SlackUnavailable(f"auth.test failed: {error.response.get('error')}") from None
    team_id = identity.get("team_id")
    if not isinstance(team_id, str) or not team_id:
        raise SlackUnavailable("auth.test did not name the bot's workspace (team_id)")
    return team_id


def build_slack(settings: Settings, clock: Clock) -> SlackRuntime:
    """The Bolt app with every handler registered, on the one configured WebClient."""
    # Composition root: the only place bot/ meets handlers/.
    from handlers.slack import register_all
    from handlers.slack.common import Background
    from handlers.slack.edge import withhold_bodies_from_bolt_logs
    from handlers.slack.forms import Forms
    from handlers.slack.home import SlackHome

    token, base_url = settings.slack_bot_token, settings.slack_api_base_url
    client = make_web_client(token, base_url)
    team_id = workspace_of(client)
    # users.info may run before a modal submission's ack: a short wait, then the request's name.
    profiles = SlackProfiles(make_deadline_client(token, base_url, PROFILE_TIMEOUT))
    metrics = Metrics()
    # Posts go through a client that never repeats a call Slack may have acted on.
    notifier = SlackNotifier(make_delivery_client(token, base_url, metrics.ratelimited))

    def forget(user_id: str) -> None:
        profiles.forget(user_id)
        notifier.forget(user_id)

    core = build_core(settings, clock, profiles=profiles, forget=forget)
    # The real clock, whatever the domain's: the memory must outlast Slack's signature window.
    memory = InboundMemory(core.sessions, SystemClock())
    withhold_bodies_from_bolt_logs()
    _quiet_bolt_about_the_token()
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        # The edge (handlers/edge.py) checks every HTTP request's signature before Bolt sees it,
        # and hands Bolt a normalised body; Socket Mode has no signatures.
        request_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    metrics.watch_outbox(core.sessions, clock)
    background = Background(WORK_THREADS)
    forms = Forms(make_deadline_client(token, base_url, FORM_TIMEOUT), FORM_THREADS)
    home = SlackHome(client, core.service, background, forms)
    register_all(
        app,
        core.service,
        notifier,
        background,
        forms,
        home,
        memory=memory,
        home_team=team_id,
        profiles=profiles,
    )
    delivery = build_delivery(core, notifier, settings, clock, metrics=metrics, home=home)
    return SlackRuntime(
        core,
        client,
        app,
        delivery,
        background,
        forms,
        memory,
        team_id,
        settings.slack_signing_secret,
        metrics,
        build_delivery_loop(core, delivery),
        home,
        profiles,
    )


class _TokenWarningFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the client we
    hand it (built from the same token) wins: true, intended, and noise on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_bolt_about_the_token() -> None:
    bolt_logger = logging.getLogger(f"slack_bolt.{App.__name__}")
    if not any(isinstance(f, _TokenWarningFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenWarningFilter())


def wsgi_app(slack: SlackRuntime, engine: Engine | None = None) -> WsgiApp:
    """Slack's endpoint at POST /slack/events behind the edge, and a health check at GET /health
    (the same as on the ops port).

    ``engine``: the database the health check asks (default: the bot's own).
    """
    from handlers.slack.edge import SlackEdge

    if not slack.signing_secret:
        raise ValueError("HTTP mode needs SLACK_SIGNING_SECRET")
    bolt = SlackRequestHandler(slack.app, path="/slack/events")
    checked = engine or slack.core.engine

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/health":
            health = Health(database_answers(checked), slack.delivery.seconds_since_progress())
            return health_response(health, start_response)
        return bolt(environ, start_response)

    return SlackEdge(
        application,
        signing_secret=slack.signing_secret,
        max_body=MAX_BODY_BYTES,
    )


def socket_mode_handler(slack: SlackRuntime, app_token: str) -> OnceSocketModeHandler:
    """Bolt's Socket Mode handler on the bot's WebClient (so ``SLACK_API_BASE_URL`` also serves
    ``apps.connections.open``), acting on each envelope once."""
    from handlers.slack.socket_mode import OnceSocketModeHandler

    return OnceSocketModeHandler(
        slack.app,
        app_token,
        web_client=slack.client,
        ping_interval=SOCKET_PING_INTERVAL_S,
    )


def run_console(settings: Settings, clock: OffsetClock, user_id: str, name: str) -> int:
    """The local console against the configured database, with scheduled posts printed as they
    fire; its first user is a facilitator."""
    from handlers.console import (
        CONSOLE_CHANNEL,
        CONSOLE_TEAM,
        Choices,
        Console,
        ConsoleNotifier,
        ConsoleProfiles,
        ConsoleUser,
    )
    from jobs.scheduler import start_scheduler

    if settings.channel is None:
        settings = replace(settings, channel=CONSOLE_CHANNEL)
    profiles = ConsoleProfiles()
    core = build_core(settings, clock, profiles=profiles)
    profiles.remember(core.service.known_names(CONSOLE_TEAM))
    core.service.make_facilitator(user_id)
    choices = Choices()
    console = Console(
        core.service,
        ConsoleUser(user_id, name),
        sys.stdin,
        sys.stdout,
        clock=clock,
        profiles=profiles,
        choices=choices,
    )
    # No Slack, no rate limit: the console does not wait between posts to its channel.
    delivery = build_delivery(
        core,
        ConsoleNotifier(console.say, choices, profiles),
        settings,
        clock,
        per_channel_interval=0.0,
    )
    console.deliver_with(delivery.drain)
    scheduler = start_scheduler(
        delivery.tick,
        core.service.replan,
        settings.timezone,
        expire=core.service.expire_offers,
        retention=core.service.retention,
    )
    try:
        return console.run()
    finally:
        scheduler.shutdown(wait=False)
        delivery.close()
        core.engine.dispose()
