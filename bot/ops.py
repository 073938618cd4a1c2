"""The operations endpoint: ``GET /health`` and ``GET /metrics`` on their own port.

It binds to loopback by default (``KLIMANET_OPS_ADDR``), apart from Slack's public endpoint, so
the figures and the health answer are for the platform that runs the bot, not for the internet.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# The delivery loop ticks every few seconds; no sign of life for this long means it is stuck.
STALE_DELIVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class Health:
    """What ``GET /health`` reports. ``socket_mode`` is None in HTTP mode."""

    database: bool
    delivery_seconds: float
    socket_mode: bool | None = None

    @property
    def ok(self) -> bool:
        return (
            self.database
            and self.delivery_seconds < STALE_DELIVERY_S
            and self.socket_mode is not False
        )

    def body(self) -> bytes:
        report: dict[str, Any] = {
            "status": "ok" if self.ok else "unavailable",
            "database": self.database,
            "delivery_last_tick_seconds": round(self.delivery_seconds, 1),
        }
        if self.socket_mode is not None:
            report["socket_mode_connected"] = self.socket_mode
        return json.dumps(report).encode()


def health_response(health: Health, start_response: Callable[..., Any]) -> list[bytes]:
    start_response(
        "200 OK" if health.ok else "503 Service Unavailable",
        [("Content-Type", "application/json")],
    )
    return [health.body()]


def ops_app(health: Callable[[], Health], metrics: Metrics) -> WsgiApp:
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/health":
            return health_response(health(), start_response)
        if path == "/metrics":
            try:
                body = metrics.exposition()
            except Exception:
                log.exception("collecting metrics failed")
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"metrics unavailable\n"]
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"GET /health or /metrics\n"]

    return application


class OpsServer:
    """A small waitress server on a thread (started by the entry point)."""

    def __init__(self, application: WsgiApp, host: str, port: int) -> None:
        from waitress import create_server  # type: ignore[import-untyped]

        self._server: Any = create_server(application, host=host, port=port, threads=2)
        self._thread = threading.Thread(target=self._run, name="ops-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # closed while stopping
            self._server.run()

    def start(self) -> OpsServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.close()
