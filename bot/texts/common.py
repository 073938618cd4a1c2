"""Words and helpers every text uses: the network's name, seats, names, lists, plain text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import markup
from bot.domain.registration import Holder
from bot.markup import Icon, bold, icon
from bot.models import SeatKind
from bot.replies import user_text
from bot.texts.dates import format_short_date, format_time

NETWORK_NAME = "Kommunernes klimapolitiske netværk"


COMMAND = "/klimanet"


def seat_label(kind: SeatKind, slot: int, *, definite: bool = False) -> str:
    """'fast plads' / 'fleksibel plads 2'; ``definite`` gives the form after den/din: 'faste'."""
    if kind is SeatKind.FIXED:
        return "faste plads" if definite else "fast plads"
    return f"{'fleksible' if definite else 'fleksibel'} plads {slot}"


def seat_label_capitalised(kind: SeatKind, slot: int) -> str:
    label = seat_label(kind, slot)
    return label[0].upper() + label[1:]


def seat_typed(kind: SeatKind, slot: int, *, numbered: bool = False) -> str:
    """The seat as a command names it: 'fast' / 'fleksibel 2' (``numbered``: 'fast 2', for a
    rule with more than one fixed seat)."""
    if kind is SeatKind.FIXED:
        return f"fast {slot}" if numbered else "fast"
    return f"fleksibel {slot}"


def seats_typed(seats: Sequence[tuple[SeatKind, int]]) -> list[str]:
    """Every seat of a rule as a command names it, quoted: "'fast', 'fleksibel 1', …"."""
    fixed = sum(1 for kind, _ in seats if kind is SeatKind.FIXED)
    return [f"'{seat_typed(kind, slot, numbered=fixed > 1)}'" for kind, slot in seats]


def count_word(count: int) -> str:
    """A small count as a word ('tre'), a larger one in digits."""
    words = ("ingen", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti")
    return words[count] if 0 <= count < len(words) else str(count)


def literal(text: str) -> str:
    """The bot's own text that must be shown exactly as written, never read as markup (a
    placeholder such as ``<kommune>``)."""
    return user_text(text)


def holder_text(holder: Holder) -> str:
    title = f" ({user_text(holder.title)})" if holder.title else ""
    return f"{user_text(holder.name)}{title}"


def mention(holder: Holder) -> str:
    return markup.mention(holder.user_id, holder.name)


def genitive(name: str) -> str:
    """Danish genitive: 'Odenses', but 'Aarhus'' (a name ending in s, x or z takes an apostrophe)."""
    return f"{name}'" if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


def join_and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def format_short_datetime(at: datetime, tz: ZoneInfo) -> str:
    return f"{format_short_date(at, tz)} {format_time(at, tz)}"


def join_or(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


def internal_error(reference: str) -> str:
    return (
        f"{icon(Icon.WARNING)} Noget gik galt hos Klimanet, og din handling blev ikke gennemført. "
        f"Prøv igen om lidt. Oplys fejlkode {bold(reference)}, hvis du kontakter en facilitator."
    )


class _Plain(markup.PlainStyle):
    # The texts mark bold with the vocabulary; asterisks left here come from a facilitator's
    # text in Slack's light markup (a meeting's title in an error).
    def text(self, piece: str) -> str:
        return piece.replace("*", "").replace("`", "'")


_PLAIN = _Plain()


def plain(text: str) -> str:
    """Markup-free text for places that show plain text only (form errors, option labels).

    Only the bot's own markup is removed; user text is kept exactly as written."""
    return markup.render(text, _PLAIN)


def unknown_button() -> str:
    return "Den knap kender jeg ikke (længere). Prøv kommandoen igen."
