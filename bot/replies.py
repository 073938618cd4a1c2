"""Platform-neutral answers. The service produces these; each chat adapter renders them.

Text uses Slack's light markup (``*bold*``, ``_italic_``, bullet lines), which the console
renders as plain text and a Teams adapter can translate to Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.models import SeatKind
from bot.notify import Attachment


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class UserPick:
    """Pick a person (Slack: a users_select); ``block_id`` carries what the pick is for."""

    label: str
    action_id: str
    block_id: str
    placeholder: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to one person (ephemeral) or, when ``public``, to the channel."""

    sections: tuple[str, ...]
    buttons: tuple[Button, ...] = ()
    context: str | None = None
    public: bool = False
    replace_original: bool = False
    # A file for the person (e.g. a meeting's calendar file), delivered beside the answer.
    attachment: Attachment | None = None
    picks: tuple[UserPick, ...] = ()

    @property
    def text(self) -> str:
        """The whole message as text: Slack's notification fallback and the console's output."""
        parts = list(self.sections)
        if self.context:
            parts.append(self.context)
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class RegistrationFormRequest:
    """Open the registration form (a modal in Slack, prompts in the console)."""

    prefill_municipality: int | None = None
    prefill_kind: SeatKind | None = None
    title: str = ""
    themes: tuple[str, ...] = ()
    # The network's themes, in order: the only fagområder the form offers.
    theme_options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormErrors:
    """Problems to show next to the form's fields (Slack: ``response_action: errors``)."""

    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MeetingFormRequest:
    """Open the meeting form: empty to create, prefilled (with ``number``) to edit."""

    number: int | None = None
    title: str = ""
    date: date | None = None
    start: str = ""
    end: str = ""
    format: str = "online"
    location: str = ""
    themes: tuple[str, ...] = ()
    # The network's themes, in order: what the form offers as the meeting's theme.
    theme_options: tuple[str, ...] = ()


Outcome = Reply | RegistrationFormRequest | MeetingFormRequest


# Field ids of the registration form, shared by the service and every adapter's form renderer.
FIELD_MUNICIPALITY = "municipality"
FIELD_KIND = "kind"
FIELD_TITLE = "title"
FIELD_THEMES = "themes"

FIELD_MEETING_TITLE = "meeting_title"
FIELD_MEETING_THEMES = "meeting_themes"
FIELD_MEETING_DATE = "meeting_date"
FIELD_MEETING_TIME = "meeting_time"
FIELD_MEETING_END = "meeting_end"
FIELD_MEETING_FORMAT = "meeting_format"
FIELD_MEETING_LOCATION = "meeting_location"

# Action ids of the buttons the service puts on replies.
ACTION_RELEASE_CONFIRM = "release_confirm"
ACTION_RELEASE_CANCEL = "release_cancel"
ACTION_OFFER_ACCEPT = "offer_accept"
ACTION_OFFER_DECLINE = "offer_decline"
ACTION_OFFER_WITHDRAW = "offer_withdraw"
ACTION_REQUEST_APPROVE = "request_approve"
ACTION_REQUEST_REJECT = "request_reject"
ACTION_ATTEND_YES = "attend_yes"
ACTION_ATTEND_NO = "attend_no"
ACTION_PICK_SUBSTITUTE = "pick_substitute"
