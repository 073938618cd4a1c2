"""What the edge says: another workspace, a form Slack could not open."""

from __future__ import annotations

from datetime import date

from bot.texts.common import COMMAND
from bot.texts.dates import example_days, short_day

OTHER_WORKSPACE = (
    "Klimanet betjener kun KL's Slack-arbejdsområde. Din forespørgsel kom fra et andet "
    "arbejdsområde (fx gennem en delt Slack Connect-kanal), så jeg har ikke gjort noget. "
    f"Brug `{COMMAND}` fra KL's arbejdsområde."
)


REGISTRATION_ONE_LINE = f"{COMMAND} tilmeld Aarhus"


def meeting_one_line(today: date) -> str:
    day = short_day(example_days(today)[0])
    return f'{COMMAND} møde opret {day} 10:00-12:00 online "Titel" link=https://…'


def form_unavailable(one_line: str) -> str:
    """Slack did not open the form (in time); the same thing works as one command line."""
    return (
        ":warning: Formularen kunne ikke åbnes lige nu. "
        f"Prøv igen om lidt, eller skriv det hele på én linje, fx `{one_line}`."
    )
