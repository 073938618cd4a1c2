"""KL's weekly digest to each facilitator: what happened in the network in the last week, what
waits for someone, the next meeting, and what failed; each line with the command that acts on it.

Plain sentences and bullet lines; people's names are their own text (``user_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.models import Meeting
from bot.replies import user_text
from bot.texts.common import COMMAND, join_and
from bot.texts.dates import format_span
from bot.texts.meetings import meeting_name

DIGEST_JOINED = "Nye i netværket"
DIGEST_LEFT = "Har forladt en plads"
DIGEST_WAITING = "Venter i mere end 3 dage"
DIGEST_NEXT_MEETING = "Næste møde"
DIGEST_POLLS = "Åbne afstemninger"
DIGEST_FAILED = "Beskeder der ikke kunne leveres"

_OFFER_WORDS = {"handover": "Overdragelse", "swap": "Bytte", "substitute": "Vikartilbud"}


def _week(week: str) -> str:
    """'2026-W50' -> 'uge 50'."""
    return f"uge {int(week.rsplit('W', 1)[-1])}" if "W" in week else week


def _cmd(words: str) -> str:
    return f"«{COMMAND} {words}»"


def digest_head(week: str) -> str:
    return f"Ugens overblik fra Klimanet, {_week(week)}. Her er det, der kræver din opmærksomhed:"


def digest_quiet(week: str) -> str:
    return (
        f"Ugens overblik fra Klimanet, {_week(week)}: en stille uge uden nye tilmeldinger, "
        "afmeldinger, ventende sager eller fejl, og intet møde de næste 14 dage."
    )


def digest_section(title: str, lines: Sequence[str], total: int | None) -> str:
    """A titled list; ``total``: how many there are in all (None: not a count of things)."""
    if total is None:
        return f"{title}:\n" + "\n".join(lines)
    more = f"\n… og {total - len(lines)} mere" if total > len(lines) else ""
    return f"{title} ({total}):\n" + "\n".join(lines) + more


def digest_joined(name: str, municipality: str, seat: str) -> str:
    return f"• {user_text(name)}, {municipality} ({seat}) – se {_cmd('historik ' + municipality)}"


def digest_left(name: str, municipality: str, seat: str) -> str:
    return (
        f"• {user_text(name)} har forladt {municipality}s {seat} – "
        f"se hvem der er tilbage med {_cmd('pladser')} eller {_cmd('historik ' + municipality)}"
    )


def digest_request_waiting(
    name: str, municipality: str, seat: str, days: int, *, by_facilitator: bool
) -> str:
    if by_facilitator:
        return (
            f"• {user_text(name)} har ventet {days} dage på godkendelse til {municipality} "
            f"({seat}) – svar med {_cmd('afventer')}"
        )
    return (
        f"• {user_text(name)} har ventet {days} dage på, at {municipality}s kontaktperson "
        f"godkender tilmeldingen ({seat}) – godkend selv med {_cmd('admin plads ' + municipality)}"
    )


def digest_offer_waiting(kind: str, giver: str, taker: str, municipality: str, days: int) -> str:
    what = _OFFER_WORDS.get(kind, kind)
    return (
        f"• {what} fra {user_text(giver)} til {user_text(taker)} ({municipality}) har ventet "
        f"{days} dage på svar – se {_cmd('historik ' + municipality)}"
    )


def digest_meeting(
    meeting: Meeting,
    tz: ZoneInfo,
    confirmed: int,
    unanswered: int,
    declined: int,
    nobody: Sequence[str],
) -> list[str]:
    lines = [
        f"• {meeting_name(meeting)}, {format_span(meeting.starts_at, meeting.ends_at, tz)}",
        f"• Svar indtil nu: {confirmed} bekræftet, {unanswered} uden svar, {declined} afbud – "
        f"se listen med {_cmd(f'deltagere {meeting.number}')}",
    ]
    if nobody:
        lines.append(
            f"• Ingen kommer fra {join_and(list(nobody))} – kontaktpersonen kan sende en "
            f"kollega med {_cmd(f'vikar {meeting.number}')}"
        )
    return lines


def digest_failed(when: str, description: str, error: str) -> str:
    return f"• {when}: {description} ({error}) – tjek at modtageren findes og kan nås af Klimanet"


def digest_poll(number: int, question: str, voted: int, members: int, closes: str) -> str:
    return (
        f"• Afstemning {number}: {user_text(question)} – {voted} af {members} kommuner har "
        f"stemt, lukker {closes} – se {_cmd('afstemninger')}"
    )
