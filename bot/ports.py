"""The ports: what the core needs from the world around it, as small protocols that each chat
platform (Slack, the console, later Teams) and the runtime implement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.replies import Attachment, Home, Posted, Reply


class Clock(Protocol):
    """Now, as an aware UTC datetime; tests and the console move it."""

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Profile:
    """A person as the chat platform knows them."""

    name: str
    title: str = ""
    deleted: bool = False  # the person has left the workspace


# user id -> the platform's profile, or None when it is not known (never raises for "unknown").
ProfileLookup = Callable[[str], Profile | None]

# Drop whatever an adapter keeps in memory about a chat account (cached profiles, the direct-
# message channel): called with the user id after that person's data was erased.
Forget = Callable[[str], None]


class DeliveryError(Exception):
    """A call to the platform failed.

    ``retry_after``: the platform asked us to wait (rate limit); ``permanent``: retrying cannot
    help (e.g. ``channel_not_found``); ``fate_unknown``: the request may have been carried out
    although it failed (a 5xx, a timeout, a connection lost after sending), so a post must be
    looked up before it is sent again.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        fate_unknown: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.fate_unknown = fate_unknown


class LookupUnavailable(Exception):
    """The platform cannot tell whether an earlier post exists (e.g. a permission the workspace
    has not granted, named in ``needed``). Delivery then posts as it would without the lookup."""

    def __init__(self, reason: str, needed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.needed = needed


class Notifier(Protocol):
    """How delivery talks to a chat platform."""

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        """Post to a channel id, or as a direct message to a user id. ``post_id`` (the outbox
        row's internal id) tags the message so ``find_post`` can recognise it later."""

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        """The message tagged ``post_id`` posted to ``recipient`` at or after ``since``, if any.
        Raises ``LookupUnavailable`` when the platform cannot answer, ``DeliveryError`` when
        the lookup itself failed."""

    def upload(self, attachment: Attachment) -> str:
        """Store a file on the platform, shared nowhere yet; returns its file id."""

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        """Share an uploaded file, under ``title``, in the conversation of an earlier post."""

    def find_share(self, posted: Posted, file_id: str) -> bool:
        """Whether the file was already shared in that conversation (``LookupUnavailable`` or
        ``DeliveryError`` as for ``find_post``)."""

    def update(self, posted: Posted, reply: Reply) -> None:
        """Replace an earlier post's content."""

    def delete(self, posted: Posted) -> None:
        """Delete an earlier post (a person's direct messages, when they are erased). A post
        that is already gone counts as deleted."""


class HomePublisher(Protocol):
    """A platform's home tab (Slack's App Home), published again when its person's state changed.
    Raises ``DeliveryError`` as ``Notifier`` does."""

    def publish_home(self, home: Home) -> None:
        """Show ``home`` to ``home.user_id``."""
