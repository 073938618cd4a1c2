"""A bare Bolt app whose ``/klimanet`` listener only acks: the baseline for the bot's ack latency.

It is served exactly like the bot in HTTP mode (waitress, the same thread count, Bolt's WSGI
adapter on ``/slack/events``), so the difference between the two is what the bot's own code costs.
Run it as its own process so its memory is its own::

    python -m bench.bare_app --port 3100 --base-url http://127.0.0.1:PORT/api/ --signing-secret S
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import create_server  # type: ignore[import-untyped]

from bot.serving import run_until_terminated

BOT_TOKEN = "xoxb-bench"
COMMAND = "/klimanet"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"
# handlers.slack.app.HTTP_THREADS; the benchmark passes the bot's value. Not imported here, so the
# baseline's memory holds Bolt and waitress only, none of the bot's modules.
DEFAULT_THREADS = 32

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_app(base_url: str, signing_secret: str) -> App:
    # Bolt's defaults on purpose (listener executor included): the baseline is plain Bolt.
    app = App(client=WebClient(token=BOT_TOKEN, base_url=base_url), signing_secret=signing_secret)

    @app.command(COMMAND)
    def klimanet(ack: Ack) -> None:
        ack()

    # The second burst: "Ja"/"Nej" on "Kommer du stadig?".
    @app.action(re.compile("^attend_(yes|no)$"))
    def still_coming(ack: Ack) -> None:
        ack()

    return app


def wsgi_app(app: App) -> WsgiApp:
    """Bolt on POST /slack/events and GET /health, so the benchmark can wait for readiness."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        return slack(environ, start_response)

    return application


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.bare_app", description="bare Bolt app that only acks /klimanet"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--base-url", required=True, help="Slack Web API base URL (the fake)")
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="waitress threads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    application = wsgi_app(build_app(args.base_url, args.signing_secret))
    server = create_server(application, host=args.host, port=args.port, threads=args.threads)
    return run_until_terminated(server)  # the bot's own shutdown path


if __name__ == "__main__":
    sys.exit(main())
