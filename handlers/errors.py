"""The global error handler: log with a reference id, tell the user in Danish, never a traceback."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond

from handlers.common import internal_error_message, log, log_failure


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Respond | None) -> BoltResponse:
        reference = log_failure(error, str(body.get("type") or body.get("command") or "request"))
        if respond is not None:
            try:
                respond(**internal_error_message(reference))
            except Exception:  # noqa: BLE001 - nothing more we can tell the user
                log.warning("could not report error %s to the user", reference, exc_info=True)
        # A 200 keeps Slack from showing its own (English) failure on top of ours.
        return BoltResponse(status=200, body="")
