"""What the edge says: another workspace, a form Slack could not open."""

from __future__ import annotations

from bot.texts.common import COMMAND

OTHER_WORKSPACE = (
    "Klimanet betjener kun KL's Slack-arbejdsområde. Din forespørgsel kom fra et andet "
    "arbejdsområde (fx gennem en delt Slack Connect-kanal), så jeg har ikke gjort noget. "
    f"Brug `{COMMAND}` fra KL's arbejdsområde."
)


REGISTRATION_ONE_LINE = f"{COMMAND} tilmeld Aarhus"


MEETING_ONE_LINE = f'{COMMAND} møde opret 25.06.2027 10:00-12:00 online "Titel"'


def form_unavailable(one_line: str) -> str:
    """Slack did not open the form (in time); the same thing works as one command line."""
    return (
        ":warning: Formularen kunne ikke åbnes lige nu. "
        f"Prøv igen om lidt, eller skriv det hele på én linje, fx `{one_line}`."
    )
