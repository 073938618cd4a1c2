"""The loop after a meeting (material, fremmøde, "Hvordan var mødet?") and the nudges before
one. Plain sentences and bullet lines: no markup, names and titles through ``user_text``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import ErrorKind
from bot.models import Meeting, SeatKind
from bot.replies import user_text
from bot.texts.common import COMMAND
from bot.texts.dates import format_date, format_when
from bot.texts.meetings import meeting_name

CONFIRM_PRESENCE_BUTTON = "Bekræft fremmødet"
FEEDBACK_LABELS = ("1", "2", "3", "4", "5")
FEEDBACK_COMMENT_BUTTON = "Skriv en kommentar"


def _material_lines(materials: Sequence[tuple[str, str]]) -> str:
    """``(url, title)`` pairs as bullet lines: the title (what a facilitator typed) and the link."""
    lines = []
    for url, title in materials:
        shown = f"{user_text(title)}: {user_text(url)}" if title else user_text(url)
        lines.append(f"• {shown}")
    return "\n".join(lines)


def material_post(
    meeting: Meeting, materials: Sequence[tuple[str, str]], tz: ZoneInfo, *, direct: bool
) -> list[str]:
    head = (
        f"Materiale fra mødet {meeting_name(meeting)} {format_date(meeting.starts_at, tz)}:"
        if not direct
        else (
            f"Materialet fra mødet {meeting_name(meeting)} {format_date(meeting.starts_at, tz)} "
            "er klar (oplæg, referat eller optagelse):"
        )
    )
    sections = [head, _material_lines(materials)]
    if direct:
        sections.append(
            "Du får det, fordi du havde en plads ved mødet. Du finder det også med "
            f"{COMMAND} møder {meeting.number}."
        )
    return sections


def past_material(
    meetings: Sequence[Meeting], found: Mapping[int, Sequence[tuple[str, str]]], tz: ZoneInfo
) -> list[str]:
    """The material of past meetings (``møder``, the App Home)."""
    sections = []
    for meeting in meetings:
        items = found.get(meeting.id)
        if items:
            sections.append(
                f"Materiale fra {meeting_name(meeting)} ({format_date(meeting.starts_at, tz)}):\n"
                + _material_lines(items)
            )
    return sections


def material_saved(meeting: Meeting, *, first: bool, over: bool) -> str:
    if not first:
        return (
            f"Materialet er tilføjet til {meeting_name(meeting)} og til det opslag, der er sendt."
        )
    if over:
        return (
            f"Materialet er gemt ved {meeting_name(meeting)} og sendes nu til kanalen og til "
            "mødets pladsholdere og vikarer."
        )
    return (
        f"Materialet er gemt ved {meeting_name(meeting)}. Det sendes til kanalen og til mødets "
        "pladsholdere og vikarer, når mødet er slut."
    )


# -- fremmøde -----------------------------------------------------------------------------------


def _presence_line(position: int, name: str, municipality: str, present: bool, answer: str) -> str:
    mark = "kom" if present else "kom ikke"
    note = " (meldte afbud)" if answer == "declined" else ""
    where = f", {user_text(municipality)}" if municipality else ""
    return f"{position}. {user_text(name)}{where}: {mark}{note}"


def attendance_list(
    meeting: Meeting,
    lines: Sequence[tuple[str, str, bool, str]],
    tz: ZoneInfo,
    *,
    confirmed: bool,
) -> list[str]:
    """``lines``: (name, municipality, present, answer before the meeting)."""
    head = f"Fremmøde ved {meeting_name(meeting)} {format_date(meeting.starts_at, tz)}"
    if confirmed:
        head += " – bekræftet."
    else:
        head += (
            ": listen er udfyldt efter svarene. Tryk på en person for at skifte mellem kom og "
            "kom ikke, og bekræft til sidst."
        )
    if not lines:
        return [head, "Ingen var forventet ved mødet."]
    body = "\n".join(
        _presence_line(i, name, municipality, present, answer)
        for i, (name, municipality, present, answer) in enumerate(lines, 1)
    )
    came = sum(1 for _, _, present, _ in lines if present)
    sections = [head, body, f"{came} af {len(lines)} kom."]
    if not confirmed:
        sections.append(
            f"Skriv også {COMMAND} fremmøde {meeting.number} og numrene fra listen (fx 2 5) for at "
            "skifte, og "
            f"{COMMAND} fremmøde {meeting.number} bekræft for at bekræfte."
        )
    return sections


def presence_button(name: str, present: bool) -> str:
    return f"{name}: {'kom' if present else 'kom ikke'}"


def presence_confirmed(meeting: Meeting, *, already: bool) -> str:
    if already:
        return f"Fremmødet ved {meeting_name(meeting)} var allerede bekræftet."
    return (
        f"Fremmødet ved {meeting_name(meeting)} er bekræftet. Overblik, eksport og forsiden "
        "viser det nu."
    )


def attendance_answers_note() -> str:
    """Under an attendance figure that still comes from the answers, not a confirmed list."""
    return "(efter svarene – fremmødet er ikke bekræftet endnu)"


# -- feedback -----------------------------------------------------------------------------------


def feedback_question(meeting: Meeting, tz: ZoneInfo) -> list[str]:
    return [
        f"Hvordan var mødet? Tak fordi du deltog i {meeting_name(meeting)} "
        f"{format_date(meeting.starts_at, tz)}.",
        "Giv mødet en karakter fra 1 (dårligt) til 5 (rigtig godt). Vil du skrive en kommentar, "
        f"så klik på «{FEEDBACK_COMMENT_BUTTON}», eller skriv karakteren og kommentaren, fx "
        f"«{COMMAND} feedback {meeting.number} 4 Godt "
        "oplæg om affald». Kommentaren vises for KL uden dit navn – skriv navn før kommentaren, "
        f"fx «{COMMAND} feedback {meeting.number} 4 navn Godt oplæg», hvis KL må se, at den er "
        "fra dig.",
    ]


def feedback_saved(meeting: Meeting, rating: int, *, comment: bool, signed: bool) -> str:
    text = f"Tak! Din karakter for {meeting_name(meeting)} er {rating}."
    if comment:
        text += " Din kommentar er gemt" + (" med dit navn." if signed else " uden dit navn.")
    return text + " Svarer du igen, erstatter det dit svar."


def feedback_summary(
    meeting: Meeting,
    count: int,
    average: float | None,
    comments: Sequence[tuple[str, str | None]],
) -> list[str]:
    if not count:
        return [f"Feedback på {meeting_name(meeting)}: ingen svar endnu."]
    mean = f"{average:.1f}".replace(".", ",") if average is not None else "–"
    sections = [
        f"Feedback på {meeting_name(meeting)}: gennemsnit {mean} af 5, {count} "
        f"{'svar' if count != 1 else 'svar'}."
    ]
    if comments:
        sections.append(
            "Kommentarer:\n"
            + "\n".join(
                f"• {user_text(text)}" + (f" – {user_text(name)}" if name else "")
                for text, name in comments
            )
        )
    return sections


def when_text(meeting: Meeting, tz: ZoneInfo) -> str:
    return format_when(meeting.starts_at, tz)


# -- refusals -----------------------------------------------------------------------------------

Params = Mapping[str, Any]

LOOP_ERRORS: dict[ErrorKind, Callable[[Params], str]] = {
    ErrorKind.MATERIAL_LINK_MISSING: lambda p: (
        f"Skriv mødets nummer og et link, fx {COMMAND} materiale 3 https://kl.dk/oplaeg.pdf "
        "Referat."
    ),
    ErrorKind.MEETING_NOT_HELD: lambda p: (
        f"Møde #{p.get('number')} er ikke holdt endnu. Fremmøde og feedback kan først gives, "
        "når mødet er slut."
    ),
    ErrorKind.NOT_ON_ATTENDANCE_LIST: lambda p: (
        f"Den person er ikke på listen over fremmøde ved møde #{p.get('number')}. Se listen med "
        f"{COMMAND} fremmøde {p.get('number')}."
    ),
    ErrorKind.FEEDBACK_RATING_INVALID: lambda p: (
        f"Karakteren skal være et tal fra 1 til 5 – ikke {user_text(p.get('value', ''))}."
        if p.get("value")
        else f"Skriv en karakter fra 1 til 5, fx {COMMAND} feedback 3 4 Godt møde."
    ),
    ErrorKind.NOT_AT_MEETING: lambda p: (
        f"Du var ikke med ved møde #{p.get('number')}, så du kan ikke give feedback på det."
    ),
    ErrorKind.NO_MEETING_HELD: lambda p: "Netværket har ikke holdt et møde endnu.",
    ErrorKind.MEETING_CANCELLED_FEEDBACK: lambda p: (
        f"Møde #{p.get('number')} blev aflyst, så der er ingen feedback at give."
    ),
}


def attendance_confirmation_note(
    confirmed: Sequence[Meeting], open_: Sequence[Meeting]
) -> list[str]:
    """Under ``overblik deltagelse``: which held meetings show who came, and which still show
    the answers given beforehand."""
    lines = []
    if confirmed:
        lines.append(
            "Fremmøde bekræftet (viser hvem der kom): "
            + ", ".join(f"#{m.number}" for m in confirmed)
            + "."
        )
    if open_:
        lines.append(
            "Fremmøde ikke bekræftet endnu (viser svarene fra før mødet): "
            + ", ".join(f"#{m.number}" for m in open_)
            + f". Bekræft med {COMMAND} fremmøde <nr>."
        )
    return ["\n".join(lines)] if lines else []


# -- the App Home -------------------------------------------------------------------------------

HOME_LAST_MEETING_HEADER = "Seneste møde"
HOME_MATERIAL_HEADER = "Materiale fra møderne"


def home_last_meeting(
    meeting: Meeting,
    came: int,
    listed: int,
    confirmed: bool,
    answers: int,
    average: float | None,
) -> str:
    if confirmed:
        attendance = f"Fremmøde (bekræftet): {came} af {listed} kom."
    else:
        attendance = (
            f"Efter svarene kom {came} af {listed} {attendance_answers_note()}. Bekræft med "
            f"{COMMAND} fremmøde {meeting.number}."
        )
    if answers and average is not None:
        mean = f"{average:.1f}".replace(".", ",")
        feedback = f"Feedback: gennemsnit {mean} af 5 fra {answers} svar."
    else:
        feedback = "Feedback: ingen svar endnu."
    return f"{meeting_name(meeting)}\n{attendance}\n{feedback}"


# -- nudges before a meeting --------------------------------------------------------------------


def nudge_free_seat(
    meeting: Meeting, municipality: str, themes: Sequence[str], free: int, tz: ZoneInfo
) -> list[str]:
    seats = "en ledig fleksibel plads" if free == 1 else f"{free} ledige fleksible pladser"
    return [
        f"Dagsordenen til {meeting_name(meeting)} {format_when(meeting.starts_at, tz)} er sendt "
        f"ud. Mødets temaer: {', '.join(themes)}.",
        f"{user_text(municipality)} har {seats}. Kender du en kollega med viden om temaerne, "
        f"kan vedkommende tage pladsen ved at skrive {COMMAND} tilmeld {municipality} fleksibel "
        "– så kan kommunen sende den rette ekspertise.",
    ]


def nudge_facilitators(
    meeting: Meeting,
    unanswered: Sequence[tuple[str, str]],
    nobody: Sequence[str],
    tz: ZoneInfo,
) -> list[str]:
    """``unanswered``: (name, municipality) of those expected who have not said yes; ``nobody``:
    member municipalities with nobody coming."""
    sections = [f"Om to dage: {meeting_name(meeting)} {format_when(meeting.starts_at, tz)}."]
    if unanswered:
        sections.append(
            'Har ikke svaret på "Kommer du stadig?":\n'
            + "\n".join(f"• {user_text(name)}, {user_text(town)}" for name, town in unanswered)
        )
    else:
        sections.append('Alle forventede har svaret på "Kommer du stadig?".')
    if nobody:
        sections.append(
            "Kommuner uden nogen til mødet:\n" + "\n".join(f"• {user_text(n)}" for n in nobody)
        )
    else:
        sections.append("Alle medlemskommuner har nogen med til mødet.")
    return sections


# -- the feedback form ("Skriv en kommentar") ------------------------------------------------------

FEEDBACK_FORM_TITLE = "Hvordan var mødet?"  # a modal's title: at most 24 characters
FEEDBACK_FORM_SUBMIT = "Gem"
FEEDBACK_FORM_DONE_TITLE = "Tak for din feedback"
FEEDBACK_FORM_NOT_SAVED = "Ikke gemt"
FEEDBACK_FORM_SAVING = "Gemmer din feedback …"
FEEDBACK_FORM_RATING = "Karakter (1 = dårligt, 5 = rigtig godt)"
FEEDBACK_FORM_COMMENT = "Kommentar"
FEEDBACK_FORM_COMMENT_PLACEHOLDER = "Hvad fungerede, og hvad kan gøres bedre?"
FEEDBACK_FORM_SIGNED = "Navn"
FEEDBACK_FORM_SIGNED_OPTION = "KL må se, at kommentaren er fra mig"
FEEDBACK_FORM_RATING_MISSING = "Vælg en karakter fra 1 til 5."
FEEDBACK_FORM_COMMENT_MISSING = "Skriv en kommentar."
FEEDBACK_FORM_STALE = "Formularen hører ikke til et møde. Brug knappen i beskeden igen."
FEEDBACK_FORM_SIGNED_QUESTION = "Må KL se, at kommentaren er fra dig? (ja/nej, tom = nej)"


def feedback_form_comment_too_long(limit: int) -> str:
    return f"Kommentaren må højst være {limit} tegn."


def feedback_form_meeting(meeting: Meeting, tz: ZoneInfo) -> str:
    """The meeting at the top of the form. Shown without markup (a modal's plain text)."""
    return (
        f"Feedback på {meeting_name(meeting)} {format_date(meeting.starts_at, tz)}. "
        "Kommentaren vises for KL uden dit navn, medmindre du vælger andet."
    )


def feedback_form_one_line(number: int) -> str:
    """What does the same as the form, when the form cannot open."""
    return f"{COMMAND} feedback {number} <1-5> [navn] <kommentar>"


# -- the nudge's "Tilmeld en kollega" -------------------------------------------------------------

REGISTER_COLLEAGUE_BUTTON = "Tilmeld en kollega"


def register_colleague_hint(municipality: str) -> str:
    """The button was clicked by someone who already has a seat (the coordinator): the form
    registers whoever fills it in, so the colleague must do it."""
    return (
        "Du har allerede en plads, så formularen ville tilmelde dig selv. Bed din kollega om at "
        f"skrive {COMMAND} tilmeld {user_text(municipality)} fleksibel – eller send vedkommende "
        "denne besked, så de kan klikke på knappen."
    )


def registration_prefilled(municipality: str, kind: SeatKind | None) -> str:
    """The console's registration form, filled in from a nudge: what it was filled in with."""
    seat = "en fleksibel plads" if kind is SeatKind.FLEXIBLE else "den plads, der er ledig"
    return f"Kommune: {municipality}, {seat}."


def feedback_as_command(number: int) -> str:
    """ "Skriv en kommentar" where the platform shows no form: the command that does the same."""
    return (
        f"Skriv din karakter og kommentar sådan: {COMMAND} feedback {number} <1-5> <kommentar>. "
        f"Skriv navn før kommentaren, hvis KL må se, at den er fra dig."
    )


def register_as_command(municipality: str) -> str:
    """ "Tilmeld en kollega" where the platform shows no form: the command that does the same."""
    where = f"{user_text(municipality)} fleksibel" if municipality else "<kommune> fleksibel"
    return f"Tilmeld dig den fleksible plads med {COMMAND} tilmeld {where}."
