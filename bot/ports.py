"""How delivery talks to a chat platform: a small protocol, implemented by Slack and the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.replies import Reply


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    title: str


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a message landed, so it can be updated in place later."""

    channel: str
    ts: str


class DeliveryError(Exception):
    """A post failed. ``retry_after``: the platform asked us to wait (rate limit);
    ``permanent``: retrying cannot help (e.g. ``channel_not_found``)."""

    def __init__(
        self, reason: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


class Notifier(Protocol):
    def post(self, recipient: str, reply: Reply) -> Posted:
        """Post to a channel id, or as a direct message to a user id."""

    def attach(self, posted: Posted, attachment: Attachment) -> None:
        """Add a file to the conversation of an earlier post."""

    def update(self, posted: Posted, reply: Reply) -> None:
        """Replace an earlier post's content."""
