"""Every Danish word KL's pictures and files show (``bot.reports`` draws them).

The legends are keyed by the values of ``bot.reports.inputs.MapState`` and ``AttendanceMark``
(string enums, so either indexes them), in the order the legends list them: texts stay a leaf
that ``bot.reports`` uses, not the other way round."""

from __future__ import annotations

from datetime import date

from bot.texts.common import NETWORK_NAME

DAGI_SOURCE = "Indeholder data fra Styrelsen for Dataforsyning og Infrastruktur, DAGI (2014)"

MAP_STATES: dict[str, str] = {
    "full": "Medlem, alle pladser besat",
    "free_seats": "Medlem, ledige pladser",
    "pending": "Kun ventende tilmelding",
    "not_member": "Ikke medlem",
}
BORNHOLM = "Bornholm"
CAPITAL_AREA = "Hovedstadsområdet"

ATTENDANCE: dict[str, str] = {
    "coming": "kommer",
    "substitute": "vikar",
    "regrets": "afbud",
    "no_answer": "intet svar",
    "present": "kom",
    "absent": "kom ikke",
}
NOT_EXPECTED = "ikke medlem"
HELD = "afholdt"
COMING_MEETINGS = "kommende"

MEMBER_HEADERS = (
    "Kommune",
    "Region",
    "Plads",
    "Pladsholder",
    "Titel",
    "Fagområder",
    "Siden",
)
ATTENDANCE_HEADERS = (
    "Møde",
    "Dato",
    "Kommune",
    "Plads",
    "Pladsholder",
    "Vikar",
    "Svar",
    "Fremmøde",
)
FEEDBACK_HEADERS = ("Møde", "Dato", "Karakter (1-5)", "Kommentar", "Navn (kun hvis underskrevet)")
# The "Fremmøde" column: confirmed by a facilitator, or still the answers given beforehand.
ATTENDANCE_CONFIRMED = "bekræftet"
ATTENDANCE_FROM_ANSWERS = "ikke bekræftet – svarene"
HISTORY_HEADERS = (
    "Tidspunkt",
    "Kommune",
    "Plads",
    "Hændelse",
    "Person",
    "Før",
    "Udført af",
    "Begrundelse",
)
SHEET_TITLES = {
    "medlemmer": "Medlemmer",
    "deltagelse": "Deltagelse",
    "historik": "Historik",
    "afstemning": "Afstemning",
    "feedback": "Feedback",
}

_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def long_date(day: date) -> str:
    """``27. november 2026``"""
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """``27. nov. 2026``: the heatmap's column heads (maj and juni need no dot)."""
    month = _MONTHS[day.month - 1]
    abbreviated = month if len(month) <= 4 else f"{month[:3]}."
    return f"{day.day}. {abbreviated}\n{day.year}"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def map_counts(members: int, held: int, total: int, pending: int) -> str:
    """``34 kommuner · 71 af 102 pladser besat · 2 ventende tilmeldinger``"""
    parts = [plural(members, "kommune", "kommuner"), f"{held} af {total} pladser besat"]
    if pending:
        parts.append(plural(pending, "ventende tilmelding", "ventende tilmeldinger"))
    return " · ".join(parts)


def map_count_lines(members: int, held: int, total: int, pending: int) -> list[str]:
    """The counts beside the legend, one a line: ``34 kommuner``, ``71 af 102 pladser besat``."""
    return map_counts(members, held, total, pending).split(" · ")


def map_title(day: date) -> str:
    return f"{NETWORK_NAME} · {long_date(day)}"


def attendance_title(day: date) -> str:
    return f"Deltagelse i netværkets møder · {long_date(day)}"


def attendance_subtitle(highlighted: int, window: int) -> str:
    if window == 0:
        return "Ingen afholdte møder endnu."
    meetings = "det seneste afholdte møde" if window == 1 else f"de seneste {window} afholdte møder"
    who = plural(highlighted, "kommune", "kommuner")
    return f"● Rød: ingen »kommer« eller »vikar« ved {meetings} ({who})"


def themes_title(day: date) -> str:
    return f"Pladsholdernes fagområder og netværkets temaer · {long_date(day)}"


THEMES_SUBTITLE = (
    "Tallet i feltet er antallet af pladsholdere i kommunen med fagområdet (tomt felt: ingen)."
)
THEMES_TOTAL = "Kommuner med fagområdet"
THEMES_FOCUS = "▲ tema på det kommende møde"


def meeting_count_field(most: int) -> str:
    """The field named when ``overblik deltagelse <antal>`` is not a count it can draw."""
    return f"antal møder (1–{most})"


def seat_waiting(seat: str) -> str:
    """``eksport medlemmer``: a seat whose holder waits for approval."""
    return f"{seat} – afventer godkendelse"
