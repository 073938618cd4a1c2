"""Polls with one vote per municipality (``afstemning``): every Danish sentence about them.

Plain sentences, no markup (the neutral vocabulary comes underneath). The question and the
options are a facilitator's words, shown as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import ErrorKind
from bot.replies import user_text
from bot.texts.common import COMMAND, genitive, join_and
from bot.texts.dates import format_when

REMOVE_PREFIX = "Fjern: "
EXPORT_TITLE = "Afstemning: hvem stemte hvad"
EXPORT_HEADERS = ("Kommune", "Stemme", "Afgivet", "Afgivet af")
CHART_FILENAME = "klimanet-afstemning-{number}.png"

_WHY = {
    "no_seat": (
        "Du kan ikke stemme: hver medlemskommune har én stemme, og den afgives af kommunens "
        f"pladsholdere. Du har ingen plads i netværket. Tilmeld dig med {COMMAND} tilmeld."
    ),
    "pending": (
        "Du kan ikke stemme endnu: din tilmelding venter på godkendelse. Når den er godkendt, "
        "kan du afgive din kommunes stemme."
    ),
    "facilitator": (
        "Du er facilitator for KL og har ingen plads i en kommune, så du stemmer ikke: "
        "afstemningen har én stemme pr. medlemskommune. Du kan se, hvem der har stemt hvad, med "
        f"{COMMAND} eksport afstemning 1 (afstemningens nummer)."
    ),
}


def turnout(voted: int, members: int) -> str:
    return f"{voted} af {members} kommuner har stemt."


def _question(number: int, question: str) -> str:
    return f"Afstemning {number}: {user_text(question)}"


def poll_post(
    number: int,
    question: str,
    options: Sequence[str],
    closes_at: datetime,
    tz: ZoneInfo,
    *,
    multiple: bool,
    voted: int,
    members: int,
    closed: bool,
) -> list[str]:
    """The poll in the channel: the question, the options, the turnout (never who voted what)."""
    how = (
        "Hver medlemskommune har én stemme og kan vælge flere svar."
        if multiple
        else "Hver medlemskommune har én stemme. Alle kommunens pladsholdere kan afgive den; "
        "en ny stemme fra kommunen erstatter den forrige."
    )
    when = (
        f"Afstemningen lukkede {format_when(closes_at, tz)}."
        if closed
        else f"Afstemningen lukker {format_when(closes_at, tz)}."
    )
    lines = "\n".join(f"• {user_text(o)}" for o in options)
    return [_question(number, question), lines, f"{how} {when}", turnout(voted, members)]


def poll_result(
    number: int, question: str, counts: Sequence[tuple[str, int]], voted: int, members: int
) -> list[str]:
    lines = "\n".join(f"• {user_text(label)}: {_kommuner(count)}" for label, count in counts)
    return [
        f"Resultat af afstemning {number}: {user_text(question)}",
        lines,
        turnout(voted, members),
    ]


def chart_title(number: int, question: str) -> str:
    return f"Afstemning {number}: {question}"


def chart_subtitle(voted: int, members: int) -> str:
    return f"Antal kommuner pr. svar · {turnout(voted, members)}"


def _kommuner(count: int) -> str:
    return "1 kommune" if count == 1 else f"{count} kommuner"


def reminder(
    number: int, question: str, closes_at: datetime, tz: ZoneInfo, municipality: str
) -> list[str]:
    return [
        f"{municipality} har ikke stemt i afstemning {number}: {user_text(question)}",
        f"Afstemningen lukker {format_when(closes_at, tz)}. Du eller en af kommunens "
        "pladsholdere kan afgive kommunens stemme med knapperne her.",
    ]


def vote_changed(
    number: int, question: str, who: str, municipality: str, chosen: Sequence[str]
) -> list[str]:
    now = join_and([user_text(c) for c in chosen]) if chosen else "ingen svar"
    return [
        f"{user_text(who)} har ændret {genitive(municipality)} stemme i afstemning {number}: "
        f"{user_text(question)}",
        f"Kommunens stemme er nu: {now}.",
    ]


def vote_saved(
    number: int, municipality: str, chosen: Sequence[str], *, multiple: bool, changed: bool
) -> str:
    if not chosen:
        return f"{genitive(municipality)} stemme i afstemning {number} er trukket tilbage."
    now = join_and([user_text(c) for c in chosen])
    if not changed:
        return f"{genitive(municipality)} stemme i afstemning {number} er allerede: {now}."
    more = " Klik på flere svar for at vælge dem også." if multiple else ""
    return f"{genitive(municipality)} stemme i afstemning {number} er nu: {now}.{more}"


def poll_opened(number: int, question: str, closes_at: datetime, tz: ZoneInfo) -> str:
    return (
        f"Afstemning {number} er oprettet og bliver sendt til kanalen: {user_text(question)} "
        f"Den lukker {format_when(closes_at, tz)}."
    )


def poll_closed_early(number: int) -> str:
    return f"Afstemning {number} er lukket. Resultatet bliver sendt til kanalen nu."


def poll_extended(number: int, closes_at: datetime, tz: ZoneInfo) -> str:
    return f"Afstemning {number} er forlænget og lukker nu {format_when(closes_at, tz)}."


def polls_list(
    rows: Sequence[tuple[int, str, datetime, bool, int, int]], tz: ZoneInfo
) -> list[str]:
    """(number, question, closes_at, open, voted, members), newest first."""
    if not rows:
        return [
            f"Der er ingen afstemninger endnu. En facilitator opretter en med {COMMAND} "
            'afstemning opret "Spørgsmål?" "Svar 1" "Svar 2" luk 15/9 12:00.'
        ]
    lines = []
    for number, question, closes_at, is_open, voted, members in rows:
        state = "lukker" if is_open else "lukkede"
        lines.append(
            f"• {number}: {user_text(question)} ({state} {format_when(closes_at, tz)}; "
            f"{turnout(voted, members)})"
        )
    return ["Afstemninger:", "\n".join(lines)]


def exported(filename: str, rows: int) -> str:
    return f"Her er {filename} med {rows} kommuners stemmer."


def _closed(p: dict[str, Any]) -> str:
    closed_at = p.get("closed_at")
    tz = ZoneInfo("Europe/Copenhagen")
    when = f" {format_when(closed_at, tz)}" if isinstance(closed_at, datetime) else ""
    return f"Afstemning {p.get('number')} er lukket (den lukkede{when}), så du kan ikke stemme længere."


def _not_later(p: dict[str, Any]) -> str:
    closes_at = p.get("closes_at")
    tz = ZoneInfo("Europe/Copenhagen")
    when = f" {format_when(closes_at, tz)}" if isinstance(closes_at, datetime) else ""
    number = p.get("number")
    return (
        f"Afstemning {number} lukker allerede{when}. En forlængelse skal lukke senere; "
        f"vil du lukke den før tid, så skriv {COMMAND} afstemning luk {number}."
    )


ERROR_TEXTS: dict[ErrorKind, Callable[[dict[str, Any]], str]] = {
    ErrorKind.POLL_UNKNOWN: lambda p: (
        f"Jeg kender ingen afstemning {user_text(p.get('ref', ''))}. Se dem med "
        f"{COMMAND} afstemninger."
    ),
    ErrorKind.POLL_CLOSED: _closed,
    ErrorKind.POLL_NOT_LATER: _not_later,
    ErrorKind.POLL_OPTION_UNKNOWN: lambda p: (
        "Den svarmulighed findes ikke i afstemningen. Brug knapperne under afstemningen."
    ),
    ErrorKind.POLL_NOT_A_VOTER: lambda p: _WHY.get(str(p.get("why")), _WHY["no_seat"]),
    ErrorKind.POLL_QUESTION_MISSING: lambda p: (
        "Skriv spørgsmålet og svarmulighederne i anførselstegn, fx "
        f'{COMMAND} afstemning opret "Hvilket tema til efterårsmødet?" "Klimatilpasning" '
        '"Affald" luk 15/9 12:00.'
    ),
    ErrorKind.POLL_OPTIONS_COUNT: lambda p: (
        f"En afstemning skal have mellem {p.get('low')} og {p.get('high')} svarmuligheder, "
        "hver i anførselstegn."
    ),
    ErrorKind.POLL_OPTIONS_SAME: lambda p: (
        f"Svarmuligheden {user_text(p.get('value', ''))} står der to gange."
    ),
    ErrorKind.POLL_CLOSING_MISSING: lambda p: (
        "Skriv hvornår afstemningen lukker efter ordet luk, fx luk 15/9 12:00."
    ),
    ErrorKind.POLL_WORD_UNKNOWN: lambda p: (
        f"Ordet {user_text(p.get('value', ''))} forstår jeg ikke her. Skriv spørgsmål og "
        "svarmuligheder i anførselstegn, flere for flere valg, og luk 15/9 12:00."
    ),
}


# -- the poll form (Slack's modal titles at most 24 characters) -----------------------------------
FORM_TITLE = "Ny afstemning"
FORM_SUBMIT = "Opret"
FORM_DONE_TITLE = "Afstemning oprettet"
FORM_QUESTION = "Spørgsmål"
FORM_QUESTION_PLACEHOLDER = "Hvilket tema til efterårsmødet?"
FORM_OPTIONS = "Svarmuligheder (2-10, én pr. linje)"
FORM_OPTIONS_PLACEHOLDER = "Klimatilpasning\nAffald"
FORM_DATE = "Lukker dato"
FORM_TIME = "Lukker kl."
FORM_MULTIPLE = "Flere svar"
FORM_MULTIPLE_OPTION = "Kommunerne kan vælge flere svar"
FORM_CLOSING = "Hvornår lukker afstemningen? (fx 15/9 12:00)"
FORM_MULTIPLE_QUESTION = "Må kommunerne vælge flere svar? (ja/nej)"
FORM_OPTION_QUESTION = "Svarmulighed {number} (tom linje når du er færdig)"


def form_one_line() -> str:
    return f'{COMMAND} afstemning opret "Spørgsmål?" "Svar 1" "Svar 2" luk 15/9 12:00'


# The poll form while the poll is opened after the ack, and when that was refused.
FORM_SAVING = "Opretter afstemningen …"
FORM_NOT_SAVED = "Ikke oprettet"
