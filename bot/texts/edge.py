"""What the adapters say themselves: Slack's edge (another workspace, a form Slack could not
open) and the local console (its own commands, choices, files and questions)."""

from __future__ import annotations

from datetime import date

from bot.markup import Icon, PlatformWord, icon, word
from bot.texts.common import COMMAND
from bot.texts.dates import example_days, short_day

OTHER_WORKSPACE = (
    f"Klimanet betjener kun KL's {word(PlatformWord.WORKSPACE)}. Din forespørgsel kom fra et "
    f"andet arbejdsområde (fx gennem en {word(PlatformWord.SHARED_CHANNEL)}), så jeg har ikke "
    "gjort noget. "
    f"Brug `{COMMAND}` fra KL's arbejdsområde."
)


REGISTRATION_ONE_LINE = f"{COMMAND} tilmeld Aarhus"


def meeting_one_line(today: date) -> str:
    day = short_day(example_days(today)[0])
    return f'{COMMAND} møde opret {day} 10:00-12:00 online "Titel" link=https://…'


def form_unavailable(one_line: str) -> str:
    """Slack did not open the form (in time); the same thing works as one command line."""
    return (
        f"{icon(Icon.WARNING)} Formularen kunne ikke åbnes lige nu. "
        f"Prøv igen om lidt, eller skriv det hele på én linje, fx `{one_line}`."
    )


# -- the local console ---------------------------------------------------------------------------


def console_welcome(name: str, user_id: str) -> str:
    return (
        f"Klimanet – lokal konsol. Du er {name} ({user_id}) og facilitator.\n"
        "Skriv kommandoer som i chatten, fx '/klimanet tilmeld Aarhus' eller bare 'tilmeld Aarhus'. "
        "Knapper bliver til numre: skriv tallet. '/som U456 Navn' skifter bruger, '/tid +7d' "
        "flytter tiden frem, '/afslut' lukker. Nævn en kollega med @ og bruger-id'et, fx @U456."
    )


CONSOLE_GOODBYE = "Farvel."


CONSOLE_CHOOSE = "(skriv tallet)"


def console_unknown_command(word: str) -> str:
    return f"Kender ikke '{word}'. Skriv '{COMMAND} hjælp'."


def console_no_choice(number: str) -> str:
    return (
        f"Der er intet valg nummer {number}. Skriv '{COMMAND} afventer' for at se, hvad der "
        "venter på dit svar."
    )


CONSOLE_SWITCH_HELP = (
    "Skriv '/som Navn' eller '/som id Navn', fx '/som Bo Hansen' eller '/som U456 Bo'."
)


def console_switched(name: str, user_id: str) -> str:
    return f"Du er nu {name} ({user_id})."


CONSOLE_TIME_HELP = "Skriv fx '/tid +7d', '/tid +3h' eller '/tid +15m'."


def console_time_now(when: str) -> str:
    return f"Tiden er nu {when}. (Kun konsollens ur er flyttet; det gemmes ikke.)"


def console_saved(path: str) -> str:
    return f"📎 Gemt som {path}"


def console_mention_unresolved(value: str) -> str:
    return (
        f"Jeg kan ikke finde '{value}'. I konsollen nævner du en kollega med @ og bruger-id'et, "
        "fx @U456, eller med navnet på en, du har været med '/som U456 Navn'."
    )


def console_unknown_person(user_id: str) -> str:
    """The name of someone mentioned by id whom nobody has named yet."""
    return f"Kollega {user_id}"


CONSOLE_CANCELLED = "Annulleret."


CONSOLE_REGISTRATION_CANCELLED = "Tilmeldingen er annulleret."


CONSOLE_ANSWER_KIND = "Svar 1, 2 eller 3."


def console_pick_hint(label: str, command: str) -> str:
    """A colleague picker in the console, which has none: the command that does the same."""
    return f"{label} – send en kollega med {COMMAND} {command}"


CONSOLE_SAVE_ANYWAY = "Gem alligevel? (j/n): "


CONSOLE_FORM_MUNICIPALITY_SUGGESTIONS = (
    "Skriv tallet for den kommune, du mente, eller et andet navn."
)


def console_to_person(name: str, user_id: str) -> str:
    """Where a printed post went: a person's direct messages."""
    return f"direkte besked til {name} ({user_id})"


def console_to_channel(channel: str) -> str:
    return f"#kanal {channel}"


def console_post_header(where: str) -> str:
    return f"Klimanet → {where}"


def console_deleting(ts: str, where: str) -> str:
    return f"Klimanet sletter besked {ts} ({where})"


def console_updating(ts: str, where: str) -> str:
    return f"Klimanet opdaterer besked {ts} ({where})"


def console_themes_question(field: str, now: str, numbered: str) -> str:
    return f"{field}{now} – numre eller navne, 'ingen' fjerner dem, tom = behold:\n{numbered}\n"


def console_pick_question(question: str, now: str, numbered: str) -> str:
    return f"{question}{now} – numre adskilt af komma, valgfri:\n{numbered}\n"


# The console's user when ``--navn`` names none.
CONSOLE_DEFAULT_NAME = "Lokal bruger"
