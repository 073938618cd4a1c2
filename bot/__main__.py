"""Entry point: ``klimanet run | console | db upgrade`` (also ``python -m bot …``)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import load_dotenv

from bot.clock import OffsetClock
from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.ops import OpsServer
    from bot.runtime import SlackRuntime

log = logging.getLogger("klimanet")

DEFAULT_PORT = 3000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="klimanet", description="Klimanet chat bot")
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING or ERROR (default: KLIMANET_LOG_LEVEL, else INFO)",
    )
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser(
        "run", help="run the bot (Socket Mode, HTTP mode, or the local console without Slack)"
    )
    run.add_argument("--http", action="store_true", help="Slack's HTTP mode on POST /slack/events")
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    run.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="port of GET /health and /metrics (default: the port of KLIMANET_OPS_ADDR)",
    )
    _console_args(run)

    console = commands.add_parser(
        "console",
        help="local terminal chat, no Slack needed (files such as .ics go to ./klimanet-filer/)",
    )
    _console_args(console)

    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    return parser


def _console_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="user_id", default="U0LOCAL", help="Slack-style user id")
    parser.add_argument("--navn", default="Lokal bruger", help="display name")


def _configure_logging(level: str, *, console: bool) -> None:
    # In the console the user reads the chat, not the logs: warnings and worse only.
    if console and logging.getLevelName(level) < logging.WARNING:
        level = "WARNING"
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic announces each of its plugins at INFO on every start; they say nothing to us.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    # .env first: it may set the log level and port the arguments default to.
    load_dotenv(Path.cwd() / ".env")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    env = dict(os.environ)
    if args.log_level is not None:
        env["KLIMANET_LOG_LEVEL"] = args.log_level
    try:
        settings = Settings.from_env(env, base_dir=Path.cwd())
    except ConfigError as err:
        print(f"klimanet: configuration error: {err}", file=sys.stderr)
        return 2
    console = args.command == "console" or (
        args.command == "run" and not settings.has_slack and not args.http
    )
    _configure_logging(settings.log_level, console=console)
    from bot.db import DatabaseUnavailable

    try:
        return _dispatch(args, settings, console=console)
    except DatabaseUnavailable as err:
        print(f"klimanet: database error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting or serving: a stop, not a crash
        return 0


def _dispatch(args: argparse.Namespace, settings: Settings, *, console: bool) -> int:
    clock = OffsetClock()

    from bot import runtime  # after settings: composition happens only in the entry point

    if args.command == "db":
        from bot.db import make_engine, upgrade, wait_for_database

        engine = make_engine(settings.database_url)
        try:
            wait_for_database(engine, settings.db_wait)
            upgrade(engine)
        finally:
            engine.dispose()
        print("database is up to date", file=sys.stderr)
        return 0

    if console:
        if args.command == "run":
            log.info("no SLACK_BOT_TOKEN: starting the local console instead of Slack")
        return runtime.run_console(settings, clock, args.user_id, args.navn)
    return _run_slack(args, settings, clock)


def _run_slack(args: argparse.Namespace, settings: Settings, clock: OffsetClock) -> int:
    from bot import runtime

    if not settings.has_slack:
        print(
            "klimanet: configuration error: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed "
            "for --http",
            file=sys.stderr,
        )
        return 2
    if (args.http or not settings.socket_mode) and not settings.slack_signing_secret:
        print("klimanet: configuration error: SLACK_SIGNING_SECRET is missing", file=sys.stderr)
        return 2
    try:
        slack = runtime.build_slack(settings, clock)
    except runtime.SlackUnavailable as err:
        print(f"klimanet: Slack refused to start the bot: {err}", file=sys.stderr)
        return 2
    from jobs.scheduler import start_scheduler

    scheduler = start_scheduler(
        None,  # delivery runs on its own loop, woken at once by commands that plan posts
        slack.core.service.replan,
        settings.timezone,
        expire=slack.core.service.expire_offers,
        retention=slack.core.service.retention,
    )
    slack.loop.start()
    ops_addr = settings.ops_addr
    if args.health_port is not None:
        ops_addr = (ops_addr[0] if ops_addr else "127.0.0.1", args.health_port)
    try:
        if settings.socket_mode and not args.http:
            assert settings.slack_app_token is not None  # socket_mode says so
            return run_socket_mode(slack, settings.slack_app_token, ops_addr)
        ops = start_ops(slack, ops_addr, lambda: None)
        try:
            return serve_http(runtime.wsgi_app(slack), args.host, args.port)
        finally:
            if ops is not None:
                ops.close()
    finally:
        # Inbound has stopped: finish the posts in flight, give the rest to the other replicas.
        slack.stop_delivery()
        scheduler.shutdown(wait=False)
        slack.close()


def start_ops(
    slack: SlackRuntime, addr: tuple[str, int] | None, socket_connected: Any
) -> OpsServer | None:
    """GET /health and /metrics on their own (loopback by default) port. A port that cannot be
    bound is logged, not fatal: the bot's work is Slack's, and the missing health answer shows."""
    if addr is None:
        return None
    from bot.ops import OpsServer, ops_app

    app = ops_app(lambda: slack.health(socket_connected()), slack.metrics)
    try:
        server = OpsServer(app, addr[0], addr[1]).start()
    except OSError as error:
        log.error("cannot serve /health and /metrics on %s:%s: %s", addr[0], addr[1], error)
        return None
    log.info("GET /health and /metrics on http://%s:%s", addr[0], server.port)
    return server


def run_socket_mode(slack: SlackRuntime, app_token: str, ops_addr: tuple[str, int] | None) -> int:
    from bot import runtime

    log.info("starting in Socket Mode")
    handler = runtime.socket_mode_handler(slack, app_token)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    handler.connect()  # type: ignore[no-untyped-call]
    ops = start_ops(slack, ops_addr, handler.client.is_connected)
    try:
        while not stopping.wait(1.0):
            pass
        log.info("stopping: closing the Socket Mode connection")
    finally:
        # Slack sends the envelopes to the other replicas' connections from now on.
        handler.close()  # type: ignore[no-untyped-call]
        if ops is not None:
            ops.close()
    return 0


def http_server(application: object, host: str, port: int) -> Any:
    """Waitress: a production WSGI server with a thread pool (Bolt's dev server is not).

    It refuses bodies over the edge's limit itself, so it never buffers more than that.
    """
    from waitress import create_server  # type: ignore[import-untyped]

    from bot.runtime import HTTP_THREADS, MAX_BODY_BYTES

    return create_server(
        application,
        host=host,
        port=port,
        threads=HTTP_THREADS,
        max_request_body_size=MAX_BODY_BYTES,
    )


def serve_http(application: object, host: str, port: int) -> int:
    log.info("listening on http://%s:%s (POST /slack/events, GET /health)", host, port)
    return run_until_terminated(http_server(application, host, port))


def run_until_terminated(server: Any) -> int:
    """Serve until SIGTERM (or Ctrl-C): SIGTERM closes the server, and ``run()`` returns."""
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    try:
        server.run()
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
