"""The Slack side of delivery: post (tagged), look a post up, upload and share a file, update in
place; errors as DeliveryError.

Every post carries message metadata ``{"event_type": "klimanet_post", "event_payload": {"post":
<outbox row id>}}``: an internal id only, nothing that names a person. When a post's fate is
unknown, ``find_post`` reads the conversation's history with ``include_all_metadata`` and looks
for that tag. A file gets its own check: it is uploaded unshared first, its id is recorded, and
``find_share`` asks ``files.info`` whether that very file was shared in the conversation.
"""

from __future__ import annotations

import http.client
import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.ports import DeliveryError, LookupUnavailable
from bot.replies import Attachment, Posted, Reply
from handlers.slack.blocks import fallback_text, mrkdwn, reply_blocks

T = TypeVar("T")

EVENT_TYPE = "klimanet_post"
# conversations.history pages read at most per lookup (200 messages each).
HISTORY_PAGES = 10
HISTORY_PAGE_SIZE = 200
# Slack error codes that mean the bot may not read what it would look up.
_CANNOT_READ = {"missing_scope", "not_in_channel", "not_allowed_token_type", "no_permission"}


def post_metadata(post_id: int) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"post": post_id}}


def tagged(message: dict[str, Any], post_id: int) -> bool:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and str(payload.get("post")) == str(post_id)


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

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        channel = self._channel_for(recipient)
        extra: dict[str, Any] = {} if post_id is None else {"metadata": post_metadata(post_id)}
        response = _call(
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=fallback_text(reply),
                blocks=[b.to_dict() for b in reply_blocks(reply)],
                unfurl_links=False,
                **extra,
            ),
            effect=True,
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        channel = self._channel_for(recipient)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page_args: dict[str, Any] = {"cursor": cursor} if cursor else {}
            page = _lookup(
                partial(
                    self._client.conversations_history,
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=HISTORY_PAGE_SIZE,
                    **page_args,
                )
            )
            for message in page.get("messages") or []:
                if isinstance(message, dict) and tagged(message, post_id):
                    return Posted(channel, str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        return None

    def upload(self, attachment: Attachment) -> str:
        ticket = _call(
            lambda: self._client.files_getUploadURLExternal(
                filename=attachment.filename, length=len(attachment.content)
            )
        )
        request = urllib.request.Request(
            str(ticket["upload_url"]), data=attachment.content, method="POST"
        )
        # The bytes alone share nothing, so any failure here is safe to repeat.
        try:
            with urllib.request.urlopen(
                request, timeout=self._client.timeout, context=self._client.ssl
            ) as answer:
                answer.read()
        except (OSError, http.client.HTTPException) as error:
            raise DeliveryError(f"upload_failed: {type(error).__name__}") from error
        return str(ticket["file_id"])

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        _call(
            lambda: self._client.files_completeUploadExternal(
                files=[{"id": file_id, "title": title}], channel_id=posted.channel
            ),
            effect=True,
        )

    def find_share(self, posted: Posted, file_id: str) -> bool:
        try:
            info = _lookup(lambda: self._client.files_info(file=file_id))
        except DeliveryError as error:
            if error.reason == "file_not_found":  # never completed, so never shared
                return False
            raise
        file = info.get("file") or {}
        shares = file.get("shares") or {}
        places = {*file.get("channels", []), *file.get("groups", []), *file.get("ims", [])}
        for kind in ("public", "private"):
            places.update((shares.get(kind) or {}).keys())
        return posted.channel in places

    def attach(self, posted: Posted, attachment: Attachment) -> None:
        """Upload and share in one go (a file asked for in a command, not from the outbox)."""
        self.share(posted, self.upload(attachment), attachment.title)

    def send_file(self, user_id: str, attachment: Attachment) -> None:
        """A file in the person's direct messages with the bot (e.g. ``/klimanet kalender``),
        with its comment as the message that introduces it."""
        channel = self._channel_for(user_id)
        if attachment.comment is None:
            self.attach(Posted(channel, ""), attachment)
            return
        comment = mrkdwn(attachment.comment)
        _call(
            lambda: self._client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title,
                initial_comment=comment,
            )
        )

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


def _lookup(request: Callable[[], Any]) -> Any:
    """A read that answers "was it posted?"; a workspace that lets the bot read nothing there
    raises ``LookupUnavailable`` (delivery then posts as it did before lookups existed)."""

    def readable() -> Any:
        try:
            return request()
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in _CANNOT_READ:
                needed = str(error.response.get("needed") or "")
                raise LookupUnavailable(code, needed) from error
            raise

    return _call(readable)


def _call(request: Callable[[], Any], *, effect: bool = False) -> Any:
    """Run a Web API call; translate its failure into what delivery needs to decide.

    ``effect``: the call posts or shares something, so a failure whose answer did not say "not
    done" (a 5xx, a connection lost after sending, a read timeout) leaves its fate unknown.
    """
    try:
        return request()
    except SlackApiError as error:
        status = error.response.status_code
        if status == 429:
            retry_after = error.response.headers.get("Retry-After", "1")
            raise DeliveryError("ratelimited", retry_after=float(retry_after or 1)) from error
        if status >= 500:
            raise DeliveryError(f"http_{status}", fate_unknown=effect) from error
        code = str(error.response.get("error") or f"http_{status}")
        # Slack says these may come after part of the operation was done.
        unknown = effect and code in ("internal_error", "fatal_error")
        raise DeliveryError(
            code, permanent=code not in TRANSIENT_ERRORS, fate_unknown=unknown
        ) from error
    except URLError as error:  # connecting or sending failed: Slack never saw the request
        raise DeliveryError(f"connection_error: {type(error.reason).__name__}") from error
    except SlackRequestError as error:
        raise DeliveryError(f"request_error: {error}") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        # Sent, but the answer was lost (RemoteDisconnected, reset, read timeout, garbled).
        raise DeliveryError(f"no_answer: {type(error).__name__}", fate_unknown=effect) from error


# For other senders that delivery drives (the App Home publisher): the same translation.
delivery_call = _call

# Slack error codes that mean "try again later" rather than "this cannot work".
TRANSIENT_ERRORS = {
    "ratelimited",
    "service_unavailable",
    "internal_error",
    "fatal_error",
    "request_timeout",
}
