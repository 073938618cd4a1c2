"""Serving a platform's HTTP endpoint: waitress, until SIGTERM. Any platform that receives HTTP
(Slack's HTTP mode, later Teams) uses these; they import nothing of the bot, so the benchmark's
bare baseline app (bench/bare_app.py) shares the shutdown path without the bot's memory."""

from __future__ import annotations

import signal
from typing import Any


def http_server(application: object, host: str, port: int, *, threads: int, max_body: int) -> Any:
    """Waitress: a production WSGI server with a thread pool (Bolt's dev server is not). It
    refuses bodies over ``max_body`` itself, so it never buffers more than that."""
    from waitress import create_server  # type: ignore[import-untyped]

    return create_server(
        application, host=host, port=port, threads=threads, max_request_body_size=max_body
    )


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
