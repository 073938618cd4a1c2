"""Slack assembles itself: the Bolt app with every handler, the Web API clients, the notifier,
the App Home, and how it runs (Socket Mode, or HTTP behind the edge on waitress), around the core
the composition root (``bot.runtime``) lends it. ``SLACK`` is its row in ``bot.runtime.PLATFORMS``.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot import serving
from bot.clock import SystemClock
from bot.config import ConfigError
from bot.db import database_answers
from bot.metrics import Metrics
from bot.ops import Health, OpsServer, health_response, ops_app
from bot.platform import (
    Assembly,
    Core,
    Delivery,
    DeliveryLoop,
    PlatformKind,
    PlatformUnavailable,
    RunOptions,
)
from bot.service.inbound import InboundMemory
from handlers.calendar_feed import mount_feed
from handlers.slack import register_all
from handlers.slack.client import (
    FORM_TIMEOUT,
    PROFILE_TIMEOUT,
    make_deadline_client,
    make_delivery_client,
    make_web_client,
)
from handlers.slack.common import PLATFORM, Background
from handlers.slack.edge import MAX_BODY_BYTES, SlackEdge, withhold_bodies_from_bolt_logs
from handlers.slack.forms import Forms
from handlers.slack.home import SlackHome
from handlers.slack.notifier import SlackNotifier
from handlers.slack.profiles import SlackProfiles
from handlers.slack.settings import SlackSettings
from handlers.slack.socket_mode import OnceSocketModeHandler

log = logging.getLogger("klimanet")

HTTP_THREADS = 32
LISTENER_THREADS = 16
# Few on purpose: the work is CPU-bound under the GIL, and every extra busy thread slows the acks.
WORK_THREADS = 4
# Threads that open modals: each waits at most FORM_TIMEOUT for Slack, and a form whose trigger
# expired while queued is answered at once, so a burst of forms drains within seconds.
FORM_THREADS = 8
# On SIGTERM: how long the posts in flight may take to finish before the process exits anyway
# (their attempts are recorded, so whoever claims them next looks them up instead of resending).
SHUTDOWN_GRACE_S = 20.0
# The Socket Mode client pings every this many seconds and reconnects when no pong came for four
# intervals: a connection that died without a close frame is replaced within 5 intervals (9 s
# measured against the fake; slack_sdk's default of 10 s took about a minute).
SOCKET_PING_INTERVAL_S = 1.5

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SlackUnavailable(PlatformUnavailable):
    """Slack refused the bot token at start (``auth.test``); the message says why, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Slack refused to start the bot: {reason}")


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


def build_slack(
    settings: SlackSettings, assembly: Assembly, *, serves_http: bool = True
) -> SlackRuntime:
    """The Bolt app with every handler registered, on the one configured WebClient.
    ``serves_http``: HTTP mode, where the calendar feeds are served too (not Socket Mode)."""
    token, base_url = settings.bot_token, settings.api_base_url
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

    # Slack has an App Home to keep current.
    core = assembly.core(profiles=profiles, forget=forget, home_tab=True, serves_http=serves_http)
    # The real clock, whatever the domain's: the memory must outlast Slack's signature window.
    memory = InboundMemory(core.sessions, SystemClock())
    withhold_bodies_from_bolt_logs()
    _quiet_bolt_about_the_token()
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        # The edge (handlers/slack/edge.py) checks every HTTP request's signature before Bolt
        # sees it, and hands Bolt a normalised body; Socket Mode has no signatures.
        request_verification_enabled=False,
        # Each listener acks and hands its work to a pool at once, so it may as well run on the
        # thread that took the request: Bolt's default runs it on another thread and polls for
        # the ack every 10 ms, which in a burst was most of the ack's time on the request thread.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    metrics.watch_outbox(core.sessions, assembly.clock)
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
    delivery = assembly.delivery(core, notifier, metrics=metrics, home=home)
    return SlackRuntime(
        core,
        client,
        app,
        delivery,
        background,
        forms,
        memory,
        team_id,
        settings.signing_secret,
        metrics,
        assembly.delivery_loop(core, delivery),
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
    """Slack's endpoint at POST /slack/events behind the edge, a health check at GET /health
    (the same as on the ops port), and the calendar feeds at GET /kalender/<secret>.ics (the edge
    caps their bodies and checks signatures only on Slack's path: calendar clients sign nothing).

    ``engine``: the database the health check asks (default: the bot's own).
    """
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
        mount_feed(slack.core.service, application),
        signing_secret=slack.signing_secret,
        max_body=MAX_BODY_BYTES,
    )


def socket_mode_handler(slack: SlackRuntime, app_token: str) -> OnceSocketModeHandler:
    """Bolt's Socket Mode handler on the bot's WebClient (so ``SLACK_API_BASE_URL`` also serves
    ``apps.connections.open``), acting on each envelope once."""
    return OnceSocketModeHandler(
        slack.app,
        app_token,
        web_client=slack.client,
        ping_interval=SOCKET_PING_INTERVAL_S,
    )


def http_server(application: object, host: str, port: int) -> Any:
    """Waitress for Slack's HTTP mode; it refuses bodies over the edge's limit itself."""
    return serving.http_server(
        application, host, port, threads=HTTP_THREADS, max_body=MAX_BODY_BYTES
    )


def start_ops(
    health: Callable[[], Health], metrics: Metrics, addr: tuple[str, int] | None
) -> OpsServer | None:
    """GET /health and /metrics on their own (loopback by default) port. A port that cannot be
    bound is logged, not fatal: the bot's work is Slack's, and the missing health answer shows."""
    if addr is None:
        return None
    try:
        server = OpsServer(ops_app(health, metrics), addr[0], addr[1]).start()
    except OSError as error:
        log.error("cannot serve /health and /metrics on %s:%s: %s", addr[0], addr[1], error)
        return None
    log.info("GET /health and /metrics on http://%s:%s", addr[0], server.port)
    return server


class SlackPlatform:
    """``bot.platform.Platform`` for Slack: Socket Mode when an app token is set (and ``--http``
    is not asked for), else Slack's HTTP mode on waitress."""

    def __init__(self, settings: SlackSettings, assembly: Assembly, options: RunOptions) -> None:
        self.settings = settings
        self.options = options
        self._assembly = assembly
        self.socket_mode = settings.socket_mode and not options.http
        if not self.socket_mode and not settings.signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is missing")
        self.runtime = build_slack(settings, assembly, serves_http=not self.socket_mode)
        self._stopping = threading.Event()
        self._handler: OnceSocketModeHandler | None = None
        self._server: Any = None
        ops_addr = assembly.settings.ops_addr
        if options.health_port is not None:
            ops_addr = (ops_addr[0] if ops_addr else "127.0.0.1", options.health_port)
        self._ops_addr = ops_addr

    def health(self) -> Health:
        connected = self._handler.client.is_connected() if self._handler is not None else None
        return self.runtime.health(connected)

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.close()

    def run(self) -> int:
        runtime = self.runtime
        # Delivery runs on its own loop, woken at once by commands that plan posts.
        jobs = self._assembly.start_jobs(runtime.core, None)
        runtime.loop.start()
        serving.settle_memory()  # set up: what lives as long as the process is frozen
        try:
            return self._socket_mode() if self.socket_mode else self._http()
        finally:
            # Inbound has stopped: finish the posts in flight, give the rest to the other replicas.
            runtime.stop_delivery()
            jobs.shutdown(wait=False)
            runtime.close()

    def _http(self) -> int:
        ops = start_ops(self.health, self.runtime.metrics, self._ops_addr)
        host, port = self.options.host, self.options.port
        try:
            log.info(
                "listening on http://%s:%s (POST /slack/events, GET /health, GET /kalender/…)",
                host,
                port,
            )
            self._server = http_server(wsgi_app(self.runtime), host, port)
            return serving.run_until_terminated(self._server)
        finally:
            if ops is not None:
                ops.close()

    def _socket_mode(self) -> int:
        assert self.settings.app_token is not None  # socket_mode says so
        log.info("starting in Socket Mode")
        handler = socket_mode_handler(self.runtime, self.settings.app_token)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())
        handler.connect()  # type: ignore[no-untyped-call]
        self._handler = handler
        ops = start_ops(self.health, self.runtime.metrics, self._ops_addr)
        try:
            while not self._stopping.wait(1.0):
                pass
            log.info("stopping: closing the Socket Mode connection")
        finally:
            # Slack sends the envelopes to the other replicas' connections from now on.
            handler.close()  # type: ignore[no-untyped-call]
            if ops is not None:
                ops.close()
        return 0


def _build(settings: SlackSettings, assembly: Assembly, options: RunOptions) -> SlackPlatform:
    return SlackPlatform(settings, assembly, options)


SLACK: PlatformKind[SlackSettings] = PlatformKind(
    name=PLATFORM,
    read_settings=SlackSettings.from_env,
    build=_build,
    http_needs="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
)
