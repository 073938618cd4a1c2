"""The ports: what the core needs from the world around it, as small protocols that each chat
platform (Slack, the console, later Teams) and the runtime implement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.replies import Attachment, Posted, Reply


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
    """How delivery talks to a chat platform."""

    def post(self, recipient: str, reply: Reply) -> Posted:
        """Post to a channel id, or as a direct message to a user id."""

    def attach(self, posted: Posted, attachment: Attachment) -> None:
        """Add a file to the conversation of an earlier post."""

    def update(self, posted: Posted, reply: Reply) -> None:
        """Replace an earlier post's content."""

    def delete(self, posted: Posted) -> None:
        """Delete an earlier post (a person's direct messages, when they are erased). A post
        that is already gone counts as deleted."""
