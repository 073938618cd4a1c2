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

import waitress  # type: ignore[import-untyped]
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SLACK_EVENTS_PATH = "/slack/events"


@contextmanager
def serve_wsgi(
    app: App | WSGIApp, *, threads: int = 8, path: str = SLACK_EVENTS_PATH
) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<ephemeral>; yield the base URL "http://127.0.0.1:PORT".

    A Bolt ``App`` is wrapped in its WSGI adapter listening on ``path`` (so Slack's URL is
    ``base_url + "/slack/events"``); any other WSGI callable is served as is.
    """
    wsgi_app: Any = SlackRequestHandler(app, path=path) if isinstance(app, App) else app
    server: Any = waitress.create_server(wsgi_app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # wasyncore is not thread-safe: close the sockets from inside the event loop (the trigger
        # runs the thunk there). The loop ends when its socket map is empty.
        server.trigger.pull_trigger(lambda: server.asyncore.close_all(server._map))
        thread.join(timeout=5)
        # Join the worker threads so no request handler outlives the test.
        server.task_dispatcher.shutdown(timeout=5)
