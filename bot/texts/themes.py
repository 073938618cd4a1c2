"""A person's fagområder: ``fagområder``, its form, the offer after ``tilmeld`` and the Home."""

from __future__ import annotations

from collections.abc import Sequence

from bot.markup import Icon, bold, icon
from bot.replies import user_text
from bot.texts.common import COMMAND, join_and

THEMES_BUTTON = "Vælg fagområder"
THEMES_FORM_TITLE = "Dine fagområder"
THEMES_FORM_SUBMIT = "Gem"
THEMES_FORM_FIELD = "Fagområder"
THEMES_FORM_INTRO = (
    "Vælg de fagområder, du arbejder med. De viser KL og de andre kommuner, hvem der kan hvad, "
    "når netværkets temaer skifter. Vælger du ingen, fjernes dem, du havde."
)
THEMES_FORM_DONE_TITLE = "Fagområder gemt"
THEMES_ONE_LINE = f"{COMMAND} fagområder affald klimatilpasning"
THEMES_EXAMPLE = f"`{THEMES_ONE_LINE}`"


def _yours(themes: Sequence[str]) -> str:
    # Values saved before the network had its list may be anything: shown as written.
    return join_and([user_text(t) for t in themes])


def themes_shown(themes: Sequence[str], options: Sequence[str]) -> list[str]:
    """``fagområder`` with nothing after: the person's own, the network's list, and how."""
    mine = (
        f"{bold('Dine fagområder:')} {_yours(themes)}."
        if themes
        else "Du har ikke valgt nogen fagområder endnu."
    )
    return [
        mine,
        f"{bold('Netværkets fagområder:')} {', '.join(options)}.\n"
        f"Vælg dem med knappen, eller skriv dem, fx {THEMES_EXAMPLE}. "
        f"`{COMMAND} fagområder ingen` fjerner dem.",
    ]


def themes_set(themes: Sequence[str]) -> str:
    if not themes:
        return f"{icon(Icon.DONE)} Dine fagområder er fjernet."
    return f"{icon(Icon.DONE)} Dine fagområder er gemt: {_yours(themes)}."


def themes_offer(themes: Sequence[str]) -> str:
    """After ``tilmeld``: the fagområder, set or to set."""
    if themes:
        return f"{bold('Dine fagområder:')} {_yours(themes)}. Ret dem med `{COMMAND} fagområder`."
    return (
        "Hvilke fagområder arbejder du med? Vælg dem med knappen eller fx "
        f"{THEMES_EXAMPLE} – så kan KL se, hvem der kan hvad."
    )


def home_themes(themes: Sequence[str]) -> str:
    if themes:
        return f"{bold('Dine fagområder:')} {_yours(themes)}"
    return f"{bold('Dine fagområder:')} ingen endnu – vælg dem, så KL kan se, hvem der kan hvad."


def themes_list_text(options: Sequence[str]) -> str:
    """The network's list, for an answer that refused a theme."""
    return f"Netværkets fagområder er: {', '.join(options)}."


# The fagområder form while it is saved after the ack, and when saving was refused.
THEMES_FORM_SAVING = "Gemmer dine fagområder …"
THEMES_FORM_NOT_SAVED = "Fagområder ikke gemt"
