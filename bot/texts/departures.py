"""Someone left the network's place in the chat platform (in Teams: removed from the network's
team) while holding a seat: the facilitators are asked whether to free it."""

from __future__ import annotations

from bot.markup import Icon, PlatformWord, bold, icon, word
from bot.replies import user_text


def departed(name: str, municipality: str, seat: str) -> list[str]:
    """To each facilitator: who left, their municipality and seat, and the question."""
    return [
        f"{icon(Icon.WARNING)} {user_text(name)} fra {bold(municipality)} er fjernet fra "
        f"netværket i {word(PlatformWord.NAME)}, men har stadig den {seat}.",
        "Klimanet frigiver ikke pladsen af sig selv. Skal den frigives, så kommunen kan "
        "besætte den igen?",
    ]


RELEASE_BUTTON = "Frigiv pladsen"
# The seat history's reason when a facilitator frees the seat of someone who left.
DEPARTED_REASON = "fjernet fra netværket i chatten"


def released(name: str, municipality: str, seat: str) -> str:
    """To the facilitator who freed it (and in the notices, once it is done)."""
    return (
        f"{icon(Icon.DONE)} Den {seat} i {bold(municipality)}, som {user_text(name)} havde, er "
        "frigivet. Kommunen og facilitatorerne har fået besked."
    )


def nothing_to_release(name: str) -> str:
    """The person no longer holds a seat (freed already, handed over, or erased)."""
    who = user_text(name) if name else "Personen"
    return f"{who} har ikke længere en plads i netværket, så der er intet at frigive."
