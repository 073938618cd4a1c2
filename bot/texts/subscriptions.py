"""Calendar subscriptions (``kalender abonner``, ``kalender nulstil``) and the feeds' names.

Plain sentences: the links are shown as they are, so any chat client makes them clickable.
"""

from __future__ import annotations

from bot.texts.common import COMMAND, NETWORK_NAME

FEED_NAME_PERSONAL = "Klimanet: mine møder"
FEED_NAME_NETWORK = f"Klimanet: {NETWORK_NAME}"

_HOW = (
    "Outlook: Tilføj kalender › Abonner fra internettet, og indsæt linket. "
    "Google Kalender: Andre kalendere › Fra webadresse. "
    "På iPhone og Mac kan du åbne webcal-linket direkte."
)
_PRIVATE = (
    "Linket er privat: del det ikke. Hvis det er kommet ud, giver "
    f"«{COMMAND} kalender nulstil» dig et nyt, og det gamle holder op med at virke."
)


def feed_subscribed(https_url: str, webcal_url: str, *, network: bool) -> list[str]:
    what = (
        "alle netværkets møder"
        if network
        else "de møder, du forventes at deltage i (på din egen plads eller som vikar)"
    )
    return [
        f"Her er dit kalenderabonnement med {what}. Flytninger og aflysninger kommer med "
        "af sig selv.",
        f"• {https_url}\n• {webcal_url}",
        _HOW,
        _PRIVATE,
    ]


def feed_exists(*, network: bool) -> str:
    which = "netværkets kalender" if network else "din kalender"
    return (
        f"Du abonnerer allerede på {which}. Klimanet gemmer ikke selve linket, så det kan ikke "
        f"vises igen: «{COMMAND} kalender nulstil» giver dig et nyt (det gamle holder op med "
        "at virke)."
    )


def feed_reset(links: list[tuple[str, str, bool]]) -> list[str]:
    """``links``: (https, webcal, is the network's feed) for each new link."""
    sections = ["Dine gamle kalenderlinks virker ikke længere. Her er de nye:"]
    for https_url, webcal_url, network in links:
        label = "Netværkets møder" if network else "Dine møder"
        sections.append(f"{label}:\n• {https_url}\n• {webcal_url}")
    sections.append(_HOW)
    return sections


FEED_NO_PUBLIC_URL = (
    "Kalenderabonnementer er ikke slået til: driftsansvarlig skal sætte KLIMANET_PUBLIC_URL "
    "til den offentlige https-adresse, hvor Klimanet svarer."
)


FEED_NO_HTTP = (
    "Kalenderabonnementer kræver, at Klimanet svarer på HTTP udefra: driftsansvarlig skal køre "
    "Klimanet i HTTP-tilstand (ikke Socket Mode) og sætte KLIMANET_PUBLIC_URL til dens "
    "https-adresse."
)
