"""A municipality that lost its coordinator: the fixed seat offered to its other holders, taken
by the first who says yes, and what the leaver and the facilitators are told."""

from __future__ import annotations

from collections.abc import Sequence

from bot.markup import Icon, bold, icon
from bot.replies import user_text
from bot.texts.common import COMMAND, join_and

TAKE_FIXED_SEAT_BUTTON = "Overtag den faste plads"


def fixed_seat_offer(municipality: str, own_seat: str) -> list[str]:
    """To each holder of the municipality's other seats, when the coordinator left."""
    return [
        f"{icon(Icon.ASKING)} {bold(municipality)} har ikke længere en kontaktperson: den faste plads er "
        "ledig.",
        f"Du har den {own_seat} og kan overtage den faste plads og blive kommunens "
        "kontaktperson. Den første, der siger ja, får den, og din egen plads bliver så ledig.",
    ]


def fixed_seat_taken_by(name: str, municipality: str) -> str:
    return (
        f"Den faste plads i {bold(municipality)} er overtaget af {user_text(name)}, som nu er "
        "kommunens kontaktperson."
    )


def fixed_seat_taken_by_you(municipality: str) -> str:
    return f"Du har overtaget den faste plads i {bold(municipality)} og er kommunens kontaktperson."


def took_fixed_seat(municipality: str, left_seat: str) -> str:
    """The answer to the one who took it."""
    return (
        f"{icon(Icon.DONE)} Du har nu den faste plads i {bold(municipality)} og er kommunens "
        f"kontaktperson. Din {left_seat} er ledig. Det står i historikken."
    )


def fixed_seat_heirs(heirs: Sequence[str]) -> str:
    """To the facilitators, under the notice that a fixed seat is free."""
    if not heirs:
        return (
            "Kommunen har ingen andre pladsholdere, så den står uden kontaktperson, til nogen "
            f"tilmelder sig, eller en facilitator sætter en på med `{COMMAND} admin plads`."
        )
    names = join_and([user_text(name) for name in heirs])
    return (
        f"Kommunens øvrige pladsholdere ({names}) har fået tilbudt at overtage den; den "
        "første, der siger ja, får den."
    )


def leaving_coordinator() -> str:
    """What a coordinator who leaves is told happens to the fixed seat (never a message to
    themselves: they are gone)."""
    return (
        "Kommunens øvrige pladsholdere får tilbudt at overtage den faste plads, og KL's "
        "facilitatorer får besked."
    )


def admin_left_for_fixed(name: str, left_seat: str) -> str:
    """After ``admin plads … fast @x`` for one of the municipality's own holders."""
    return f"Den {left_seat}, som {user_text(name)} havde, er nu ledig."
