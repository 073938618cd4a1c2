"""The Slack side of delivery: post, attach a file, update in place; errors as DeliveryError."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.ports import DeliveryError
from bot.replies import Attachment, Posted, Reply
from handlers.slack.blocks import fallback_text, reply_blocks

T = TypeVar("T")


class SlackNotifier:
    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def _channel_for(self, recipient: str) -> str:
        if recipient[:1] not in ("U", "W"):
            return recipient
        with self._lock:
            known = self._dm_channels.get(recipient)
        if known:
            return known
        opened = _call(lambda: self._client.conversations_open(users=recipient))
        channel = str(opened["channel"]["id"])
        with self._lock:
            self._dm_channels[recipient] = channel
        return channel

    def forget(self, user_id: str) -> None:
        """Drop the remembered direct-message channel of an erased person."""
        with self._lock:
            self._dm_channels.pop(user_id, None)

    def post(self, recipient: str, reply: Reply) -> Posted:
        channel = self._channel_for(recipient)
        response = _call(
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=fallback_text(reply),
                blocks=[b.to_dict() for b in reply_blocks(reply)],
                unfurl_links=False,
            )
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def attach(self, posted: Posted, attachment: Attachment) -> None:
        _call(
            lambda: self._client.files_upload_v2(
                channel=posted.channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title,
            )
        )

    def send_file(self, user_id: str, attachment: Attachment) -> None:
        """A file in the person's direct messages with the bot (e.g. ``/klimanet kalender``)."""
        channel = self._channel_for(user_id)
        self.attach(Posted(channel, ""), attachment)

    def update(self, posted: Posted, reply: Reply) -> None:
        _call(
            lambda: self._client.chat_update(
                channel=posted.channel,
                ts=posted.ts,
                text=fallback_text(reply),
                blocks=[b.to_dict() for b in reply_blocks(reply)],
            )
        )

    def delete(self, posted: Posted) -> None:
        try:
            _call(lambda: self._client.chat_delete(channel=posted.channel, ts=posted.ts))
        except DeliveryError as error:
            if error.reason != "message_not_found":  # already gone: what we wanted
                raise


def _call(request: Callable[[], Any]) -> Any:
    """Run a Web API call; translate its failure into what delivery needs to decide."""
    try:
        return request()
    except SlackApiError as error:
        status = error.response.status_code
        if status == 429:
            retry_after = error.response.headers.get("Retry-After", "1")
            raise DeliveryError("ratelimited", retry_after=float(retry_after or 1)) from error
        if status >= 500:
            raise DeliveryError(f"http_{status}") from error
        code = str(error.response.get("error") or f"http_{status}")
        raise DeliveryError(code, permanent=code not in TRANSIENT_ERRORS) from error
    except (SlackRequestError, OSError) as error:  # connection refused, reset, timeout …
        raise DeliveryError(f"connection_error: {type(error).__name__}") from error


# Slack error codes that mean "try again later" rather than "this cannot work".
TRANSIENT_ERRORS = {
    "ratelimited",
    "service_unavailable",
    "internal_error",
    "fatal_error",
    "request_timeout",
}
