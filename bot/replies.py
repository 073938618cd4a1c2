"""Platform-neutral answers. The service produces these; each chat adapter renders them.

Text uses Slack's light markup (``*bold*``, ``_italic_``, bullet lines), which the console
renders as plain text and a Teams adapter can translate to Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.models import SeatKind


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to one person (ephemeral) or, when ``public``, to the channel."""

    sections: tuple[str, ...]
    buttons: tuple[Button, ...] = ()
    context: str | None = None
    public: bool = False
    replace_original: bool = False

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


@dataclass(frozen=True, slots=True)
class FormErrors:
    """Problems to show next to the form's fields (Slack: ``response_action: errors``)."""

    errors: dict[str, str] = field(default_factory=dict)


Outcome = Reply | RegistrationFormRequest


# Field ids of the registration form, shared by the service and every adapter's form renderer.
FIELD_MUNICIPALITY = "municipality"
FIELD_KIND = "kind"
FIELD_TITLE = "title"
FIELD_THEMES = "themes"

# Action ids of the buttons the service puts on replies.
ACTION_RELEASE_CONFIRM = "release_confirm"
ACTION_RELEASE_CANCEL = "release_cancel"
