"""What a meeting's calendar file says: the event's title, where it is, and its description.

Plain text throughout: calendar clients show DESCRIPTION and LOCATION as typed, with no markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Meeting, MeetingFormat, MeetingStatus, NewsPost
from bot.texts.common import NETWORK_NAME, plain
from bot.texts.meetings import agenda_lines

CALENDAR_AGENDA_HEADER = "Dagsorden:"


def _has_address(meeting: Meeting) -> bool:
    return meeting.format in (MeetingFormat.PHYSICAL.value, MeetingFormat.HYBRID.value)


def _has_link(meeting: Meeting) -> bool:
    return meeting.format in (MeetingFormat.ONLINE.value, MeetingFormat.HYBRID.value)


def calendar_title(meeting: Meeting) -> str:
    # Some clients keep a cancelled event when they import it again: the title says so too.
    cancelled = "AFLYST: " if meeting.status == MeetingStatus.CANCELLED.value else ""
    return f"{cancelled}{NETWORK_NAME}: {meeting.title}"


def calendar_file_title(number: int) -> str:
    """What the chat shows above the meeting's calendar file."""
    return f"Møde #{number} – kalenderfil"


def calendar_location(meeting: Meeting) -> str:
    """The address, the link, or for a hybrid meeting both: what a calendar shows as "where"."""
    address = meeting.location.strip() if _has_address(meeting) else ""
    link = meeting.link.strip() if _has_link(meeting) else ""
    if address and link:
        return f"{address} · online: {link}"
    return address or link


def calendar_description(meeting: Meeting, news: Sequence[NewsPost] = ()) -> str:
    """Where and how to take part, then the agenda (with the news under «Nyt fra KL»)."""
    lines = []
    if meeting.status == MeetingStatus.CANCELLED.value:
        reason = f": {meeting.cancel_reason}" if meeting.cancel_reason else "."
        lines.append(f"Mødet er aflyst{reason}")
    if _has_address(meeting) and meeting.location.strip():
        lines.append(f"Sted: {meeting.location.strip()}")
    if _has_link(meeting) and meeting.link.strip():
        lines.append(f"Deltag online: {meeting.link.strip()}")
    if meeting.items:
        if lines:
            lines.append("")
        lines.append(CALENDAR_AGENDA_HEADER)
        lines.append(plain(agenda_lines(meeting, news)))
    return "\n".join(lines)
