"""Teams assembles itself: the notifier on the Agents SDK's connector client, the adapter memory,
and an aiohttp server with the SDK's JWT check in front of ``POST /api/messages``, around the
core the composition root lends it. ``TEAMS`` is its row in ``bot.runtime.PLATFORMS``.

The endpoint answers 200 at once and acts on a worker thread (the request's path touches no
database); without a valid token from Azure Bot Service it answers 401 and nothing happens,
unless ``TEAMS_INSECURE_LOCAL`` (loopback only). ``GET /filer/…`` serves the signed file
links the notifier shares, ``GET /kalender/<secret>.ics`` the calendar feeds (neither behind the
JWT check: each carries its own secret); ``GET /health`` says whether the database answers.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.aiohttp import jwt_authorization_middleware
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes

from bot.adapter_memory import AdapterMemory
from bot.clock import SystemClock
from bot.db import database_answers
from bot.ops import Health
from bot.platform import Assembly, Core, RunOptions
from bot.service.feeds import FEED_PATH
from bot.service.inbound import InboundMemory
from handlers import calendar_feed
from handlers.teams.connector import (
    TOKEN_SCOPE,
    ClientCredentials,
    Connector,
    SdkTokens,
    TokenSource,
    no_token,
)
from handlers.teams.files import FILES_PATH, FileStore, link_key
from handlers.teams.inbound import Roster, TeamsInbound, read_activity
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.ratelimit import SharedLimits
from handlers.teams.settings import TeamsSettings

log = logging.getLogger("klimanet")

PLATFORM = "teams"
# What the core calls the network's channel when KLIMANET_CHANNEL does not name one.
TEAMS_CHANNEL_KEY = "teams-netvaerkskanal"
MESSAGES_PATH = "/api/messages"
# Teams' activities are small; a card submit with a form is a few KB.
MAX_BODY_BYTES = 256 * 1024
WORK_THREADS = 4
SHUTDOWN_GRACE_S = 20.0
# Sends between posts to one conversation: Teams allows 60 in 30 s, the notifier keeps the rest.
PER_CONVERSATION_INTERVAL = 0.5


def auth_configuration(settings: TeamsSettings) -> AgentAuthConfiguration:
    """What the SDK's JWT check accepts: tokens for this bot's app id; with
    ``TEAMS_INSECURE_LOCAL`` also none at all (a forged token is still refused)."""
    return AgentAuthConfiguration(
        client_id=settings.app_id,
        tenant_id=settings.tenant_id,
        anonymous_allowed=settings.insecure_local,
    )


def connection_configuration(settings: TeamsSettings) -> AgentAuthConfiguration | None:
    """The SDK's connection settings for a certificate or a managed identity (its MSAL auth
    gets the token); None for a client secret (``ClientCredentials``) or no token at all."""
    if settings.credential == "certificate":
        return AgentAuthConfiguration(
            AuthTypes.certificate,
            settings.app_id,
            settings.tenant_id,
            cert_pfx_file=settings.cert_path,
            scopes=[TOKEN_SCOPE],
        )
    if settings.credential == "managed_identity":
        return AgentAuthConfiguration(
            AuthTypes.user_managed_identity,
            settings.managed_identity,
            settings.tenant_id,
            scopes=[TOKEN_SCOPE],
        )
    return None


def token_source(settings: TeamsSettings) -> TokenSource:
    sdk = connection_configuration(settings)
    if sdk is not None:
        # Imported only when used: MSAL and its crypto are not needed by a client secret.
        from microsoft_agents.authentication.msal import MsalAuth

        return SdkTokens(MsalAuth(sdk))
    if settings.insecure_local or settings.app_password is None or settings.tenant_id is None:
        return no_token
    return ClientCredentials(settings.app_id, settings.app_password, settings.tenant_id)


class TeamsRuntime:
    """The parts, built: what tests drive and ``TeamsPlatform`` serves."""

    def __init__(self, settings: TeamsSettings, assembly: Assembly) -> None:
        self.settings = settings
        holder: dict[str, TeamsNotifier] = {}

        def forget(user_id: str) -> None:
            if "notifier" in holder:
                holder["notifier"].forget(user_id)

        # The network's channel is a key of the adapter memory: `@Klimanet kanal` fills it.
        # The endpoint answers HTTP from outside, so calendar feeds are served here too.
        self.core: Core = assembly.core(
            forget=forget, default_channel=TEAMS_CHANNEL_KEY, serves_http=True
        )
        self.memory = AdapterMemory(self.core.sessions, PLATFORM, SystemClock().now)
        # Teams' limits count the whole bot: every replica reserves its sends in the database.
        connector = Connector(token_source(settings), limits=SharedLimits(self.core.sessions))
        self.files = FileStore(
            self.core.sessions,
            link_key(settings.link_key_material),
            settings.public_url or "",
            SystemClock().now,
        )
        self.notifier = TeamsNotifier(self.memory, connector, self.files, app_id=settings.app_id)
        holder["notifier"] = self.notifier
        self.delivery = assembly.delivery(
            self.core, self.notifier, per_channel_interval=PER_CONVERSATION_INTERVAL
        )
        self.loop = assembly.delivery_loop(self.core, self.delivery)
        # The real clock: the replay memory must outlast Teams' retries whatever the domain's.
        self.inbound = TeamsInbound(
            self.core.service,
            self.notifier,
            self.memory,
            InboundMemory(self.core.sessions, SystemClock()),
            Roster(connector),
            channel_key=self.core.service.settings.channel,
        )
        self.work = ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="teams-work")

    def health(self) -> Health:
        return Health(database_answers(self.core.engine), self.delivery.seconds_since_progress())

    def web_app(self) -> web.Application:
        app = web.Application(
            middlewares=[_only_messages(jwt_authorization_middleware)],
            client_max_size=MAX_BODY_BYTES,
        )
        app["agent_configuration"] = auth_configuration(self.settings)
        app.router.add_post(MESSAGES_PATH, self._messages)
        app.router.add_get(FILES_PATH + "{file_id}", self._file)
        app.router.add_get(FEED_PATH + "{feed}", self._feed)
        app.router.add_get("/health", self._health)
        return app

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            activity = await request.json(loads=json.loads)
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        if not isinstance(activity, dict):
            return web.json_response({"error": "not an activity"}, status=400)
        incoming = read_activity(activity)
        if incoming is not None:
            self.work.submit(self._act, incoming)
        return web.Response(status=200)

    def _act(self, incoming: Any) -> None:
        try:
            self.inbound.handle(incoming)
        except Exception:  # one activity's failure must not end the worker
            log.exception("a Teams activity failed")

    async def _file(self, request: web.Request) -> web.Response:
        # Off the event loop, and off the activities' workers (a link is opened by anyone).
        found = await asyncio.get_running_loop().run_in_executor(
            None, self.files.open, request.path_qs
        )
        if found is None:
            return web.Response(status=404)
        return web.Response(
            body=found.content,
            headers={
                "Content-Disposition": f'{_disposition(found.filename)}; filename="{found.filename}"'
            },
            content_type=_content_type(found.filename),
        )

    async def _feed(self, request: web.Request) -> web.Response:
        """``GET /kalender/<secret>.ics``: the calendar feed, as in Slack's HTTP mode (a calendar
        client signs nothing, so this route is outside the JWT check like the file links)."""
        found = await asyncio.get_running_loop().run_in_executor(
            None,
            functools.partial(
                calendar_feed.answer,
                self.core.service,
                request.path,
                if_none_match=request.headers.get("If-None-Match"),
                if_modified_since=request.headers.get("If-Modified-Since"),
            ),
        )
        return web.Response(status=found.status, body=found.body, headers=dict(found.headers))

    async def _health(self, request: web.Request) -> web.Response:
        health = self.health()
        return web.json_response({"ok": health.database}, status=200 if health.database else 503)

    def close(self) -> None:
        self.loop.stop(0)
        self.work.shutdown(wait=True)
        self.delivery.close()
        self.notifier.close()
        self.core.engine.dispose()


def _only_messages(check: Any) -> Any:
    """The SDK's JWT check guards the messaging endpoint (the file links carry their own
    signature). A token the check cannot even read (the SDK 1.9 raises on a token without a
    key id, or when the signing keys cannot be fetched) is refused as any other: 401."""

    @web.middleware
    async def guarded(request: web.Request, handler: Any) -> Any:
        if request.path != MESSAGES_PATH:
            return await handler(request)
        reached: list[bool] = []

        async def checked(request: web.Request) -> Any:
            reached.append(True)
            return await handler(request)

        try:
            return await check(request, checked)
        except Exception:
            if reached:
                raise
            log.warning("a request to %s carried a token that could not be checked", MESSAGES_PATH)
            return web.json_response({"error": "Invalid token."}, status=401)

    return guarded


class TeamsPlatform:
    """``bot.platform.Platform`` for Teams: the aiohttp server until stopped."""

    def __init__(self, settings: TeamsSettings, assembly: Assembly, options: RunOptions) -> None:
        settings.check_bind(options.host)  # before anything is built or bound
        self.options = options
        self._assembly = assembly
        self.runtime = TeamsRuntime(settings, assembly)
        self._stopped = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def health(self) -> Health:
        return self.runtime.health()

    def stop(self) -> None:
        self._stopped.set()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: None)

    def run(self) -> int:
        runtime = self.runtime
        jobs = self._assembly.start_jobs(runtime.core, None)
        runtime.loop.start()
        try:
            asyncio.run(self._serve())
            return 0
        finally:
            runtime.loop.stop(SHUTDOWN_GRACE_S)
            jobs.shutdown(wait=False)
            runtime.close()

    async def _serve(self) -> None:
        import signal

        self._loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._loop.add_signal_handler(signum, self._stopped.set)
        runner = web.AppRunner(self.runtime.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.options.host, self.options.port)
        await site.start()
        log.info(
            "listening on http://%s:%s (POST %s, GET /health)",
            self.options.host,
            self.options.port,
            MESSAGES_PATH,
        )
        try:
            while not self._stopped.is_set():
                await asyncio.sleep(0.2)
        finally:
            await runner.cleanup()


def _content_type(filename: str) -> str | None:
    """What a kept file is, for the client that opens it (a picture Teams shows inline must be
    served as one); anything else as bytes to download."""
    if filename.endswith(".ics"):
        return "text/calendar"
    if filename.lower().endswith(".png"):
        return "image/png"
    return None


def _disposition(filename: str) -> str:
    # A picture is shown where it is opened (the card, a browser); other files are downloaded.
    return "inline" if _content_type(filename) == "image/png" else "attachment"
