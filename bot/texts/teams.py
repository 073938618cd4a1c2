"""What the Teams adapter says itself: a message cut short, a picker Teams has no card for, and
a file shared as a link."""

from __future__ import annotations

TEAMS_CUT_SHORT = "… (beskeden var for lang til Teams og er forkortet)"


def teams_pick_hint(command: str) -> str:
    """Where Slack shows a colleague picker: the command that does the same in Teams, written
    to Klimanet (``vikar 4 @kollega fleksibel 2``)."""
    return f"Skriv til Klimanet: {command}"


def teams_file_text(title: str) -> str:
    """The card that brings a file (a calendar file, an export) as a link."""
    return f"Filen {title} er klar."


TEAMS_FILE_BUTTON = "Hent filen"
TEAMS_CALENDAR_BUTTON = "Tilføj til kalender"
