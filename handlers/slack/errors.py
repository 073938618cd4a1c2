"""The global error handler: log with a reference id, tell the user in Danish, never a traceback."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltResponse

from handlers.slack.client import respond
from handlers.slack.common import Background, internal_error_message, log_failure


def register(app: App, background: Background) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        reference = log_failure(error, str(body.get("type") or body.get("command") or "request"))
        url = body.get("response_url")
        if isinstance(url, str) and url:

            def tell() -> None:
                respond(url, internal_error_message(reference))

            # Answering waits for Slack: not on the listener thread.
            background.run("error report", None, tell)
        # A 200 keeps Slack from showing its own (English) failure on top of ours.
        return BoltResponse(status=200, body="")
