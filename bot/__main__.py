"""Entry point: ``klimanet run | console | db upgrade`` (also ``python -m bot …``).

Reads the settings and the command line, then lets the composition root (``bot.runtime``) pick
the platform (the first configured one; ``console`` asks for the console) and run it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

from bot.clock import OffsetClock
from bot.config import ConfigError, Settings
from bot.platform import AnyPlatformKind, PlatformUnavailable, RunOptions

log = logging.getLogger("klimanet")


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
    run.add_argument("--host", default=RunOptions.host)
    # Default: PORT, else the platform's own (Slack 3000, Teams 3978).
    run.add_argument("--port", type=int, default=None)
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

    package = commands.add_parser(
        "teams-pakke", help="write the Teams app package (manifest and icons) to upload"
    )
    package.add_argument("--ud", default="klimanet-teams.zip", help="the zip file to write")

    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    return parser


def _console_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="user_id",
        default=RunOptions.user_id,
        help="the console user's id (any word, e.g. konsol:anna)",
    )
    parser.add_argument("--navn", default=RunOptions.name, help="display name")


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
    from bot import runtime  # composition happens only in the entry point

    if args.command == "teams-pakke":
        return _teams_package(env, Path(args.ud))
    try:
        settings = Settings.from_env(env, base_dir=Path.cwd())
        # Each platform reads and checks its own settings, whichever one runs.
        configured = runtime.platform_settings(env)
        kind = None
        if args.command != "db":
            wanted = "console" if args.command == "console" else None
            kind = runtime.choose(configured, wanted=wanted, http=getattr(args, "http", False))
    except ConfigError as err:
        print(f"klimanet: configuration error: {err}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level, console=kind is not None and kind.name == "console")
    from bot.db import DatabaseUnavailable

    try:
        if kind is None:
            return _upgrade(settings)
        if args.command == "run" and kind.name == "console":
            log.info("no platform configured: starting the local console")
        return _run(kind, settings, configured.get(kind.name), args)
    except DatabaseUnavailable as err:
        print(f"klimanet: database error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting or serving: a stop, not a crash
        return 0


def _teams_package(env: dict[str, str], path: Path) -> int:
    from bot import runtime

    try:
        content = runtime.teams_package(env)
    except ConfigError as err:
        print(f"klimanet: configuration error: {err}", file=sys.stderr)
        return 2
    path.write_bytes(content)
    print(f"wrote the Teams app package to {path}", file=sys.stderr)
    return 0


def _upgrade(settings: Settings) -> int:
    from bot.db import make_engine, upgrade, wait_for_database

    engine = make_engine(settings.database_url)
    try:
        wait_for_database(engine, settings.db_wait)
        upgrade(engine)
    finally:
        engine.dispose()
    print("database is up to date", file=sys.stderr)
    return 0


def _port(given: int | None, kind: AnyPlatformKind) -> int:
    if given is not None:
        return given
    return int(os.environ.get("PORT") or kind.default_port)


def _run(kind: AnyPlatformKind, settings: Settings, own: object, args: argparse.Namespace) -> int:
    from bot.runtime import build_platform

    options = RunOptions(
        http=getattr(args, "http", False),
        host=getattr(args, "host", RunOptions.host),
        port=_port(getattr(args, "port", None), kind),
        health_port=getattr(args, "health_port", None),
        user_id=args.user_id,
        name=args.navn,
    )
    try:
        platform = build_platform(kind, settings, own, OffsetClock(), options)
    except ConfigError as err:
        print(f"klimanet: configuration error: {err}", file=sys.stderr)
        return 2
    except PlatformUnavailable as err:
        print(f"klimanet: {err}", file=sys.stderr)
        return 2
    return platform.run()


if __name__ == "__main__":
    sys.exit(main())
