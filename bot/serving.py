"""Serving a platform's HTTP endpoint: waitress, until SIGTERM. Any platform that receives HTTP
(Slack's HTTP mode, later Teams) uses these; they import nothing of the bot, so the benchmark's
bare baseline app (bench/bare_app.py) shares the shutdown path without the bot's memory."""

from __future__ import annotations

import gc
import logging
import signal
from typing import Any


def http_server(application: object, host: str, port: int, *, threads: int, max_body: int) -> Any:
    """Waitress: a production WSGI server with a thread pool (Bolt's dev server is not). It
    refuses bodies over ``max_body`` itself, so it never buffers more than that."""
    from waitress import create_server  # type: ignore[import-untyped]

    # Waitress warns "Task queue depth is N" whenever a request waits for a free thread: in a
    # burst that is normal (listeners ack on the request thread) and would flood the log with
    # warnings nobody acts on; how long acks take is what bench/registration_burst.py measures.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
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


def settle_memory() -> None:
    """Call once the process is set up, before it serves. What was allocated so far (modules, the
    ORM's mappings, the municipality directory, texts: some 180,000 objects) lives as long as the
    process; frozen, a full collection no longer walks it. Full collections over it paused every
    thread for 150-670 ms each (measured at start on the shared 2-core machine)."""
    gc.collect()
    gc.freeze()
