"""Serve a WSGI app (typically a Bolt app) with waitress on an ephemeral loopback port.

Slack-level tests talk to the bot over real HTTP, as Slack does, so the WSGI adapter, the request
signature check and the 3-second ack path are all part of what is tested. Waitress is what the bot
runs in production.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore  # type: ignore[import-untyped]

from bot.serving import http_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SLACK_EVENTS_PATH = "/slack/events"
_POLL_SECONDS = 0.02  # bounds how long stopping the server takes
WAITRESS_MAX_BODY = 1024**3  # waitress' default max_request_body_size


@contextmanager
def serve_wsgi(
    app: App | WSGIApp, *, threads: int = 8, path: str = SLACK_EVENTS_PATH
) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<ephemeral>; yield the base URL "http://127.0.0.1:PORT".

    A Bolt ``App`` is wrapped in its WSGI adapter listening on ``path`` (so Slack's URL is
    ``base_url + "/slack/events"``); any other WSGI callable is served as is.
    """
    wsgi_app: Any = SlackRequestHandler(app, path=path) if isinstance(app, App) else app
    # Built as production builds it (bot.serving), with waitress' own body limit: the edge's
    # limit is what the tests of body sizes exercise.
    server: Any = http_server(wsgi_app, "127.0.0.1", 0, threads=threads, max_body=WAITRESS_MAX_BODY)
    stopping = threading.Event()

    def run_loop() -> None:
        # Our own loop instead of server.run(): it checks a stop flag between short polls, so only
        # this thread ever closes the sockets (wasyncore is not thread-safe, and closing the
        # trigger pipe from a thunk races with the worker threads that pull it).
        try:
            while not stopping.is_set():
                wasyncore.loop(
                    timeout=_POLL_SECONDS,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
        finally:
            wasyncore.close_all(server._map)

    thread = threading.Thread(target=run_loop, name="waitress-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # First let in-flight requests finish and the worker threads exit (the loop keeps running
        # so their output is flushed); then no thread is left to touch the sockets we close.
        server.task_dispatcher.shutdown(timeout=5)
        stopping.set()
        thread.join(timeout=5)
