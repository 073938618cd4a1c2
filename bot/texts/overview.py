"""KL's view of the network: ``overblik``, ``eksport`` and the App Home."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date

from bot.domain.membership import Glance
from bot.markup import Icon, PlatformWord, bold, icon, italic, word
from bot.replies import user_text
from bot.texts.common import COMMAND, NETWORK_NAME, join_and
from bot.texts.dates import LOCALE
from bot.texts.privacy import HOME_PRIVACY_LINE


def in_dm(what: str) -> str:
    return f"{what} er sendt til dig som direkte besked fra Klimanet."


def long_date(day: date) -> str:
    """``27. november 2026``"""
    return format_date(day, "d. MMMM y", locale=LOCALE)


def counts_line(glance: Glance) -> str:
    """``34 kommuner · 71 af 102 pladser besat`` (and the waiting registrations, if any)."""
    municipalities = "kommune" if glance.members == 1 else "kommuner"
    line = f"{glance.members} {municipalities} · {glance.filled} af {glance.seats} pladser besat"
    if glance.pending:
        waiting = "kommune" if glance.pending == 1 else "kommuner"
        line += f" · {glance.pending} {waiting} med ventende tilmelding"
    return line


def region_lines(glance: Glance) -> str:
    return "\n".join(
        f"• {region.name}: {region.members} {'kommune' if region.members == 1 else 'kommuner'}"
        f" · {region.filled} af {region.seats} pladser besat"
        for region in glance.regions
    )


def no_members() -> str:
    return (
        f"{bold(NETWORK_NAME)} har ingen medlemskommuner endnu – en kommune bliver medlem, når den "
        "første pladsholder er godkendt. Der er ikke noget at vise endnu."
    )


def map_reply(glance: Glance, day: date) -> list[str]:
    return [map_comment(glance, day), in_dm("Kortet over Danmarks 98 kommuner")]


def map_comment(glance: Glance, day: date) -> str:
    """What goes with the map in the facilitator's direct messages: the counts by region."""
    counts = f"{bold(f'{NETWORK_NAME} · {long_date(day)}')}\n{counts_line(glance)}"
    return f"{counts}\n{region_lines(glance)}" if glance.regions else counts


def map_title(glance: Glance, day: date) -> str:
    return f"Netværket {long_date(day)}: {counts_line(glance)}"


def map_alt_text(glance: Glance) -> str:
    return "Danmarkskort over de 98 kommuner farvet efter medlemskab af netværket: " + counts_line(
        glance
    )


def _meetings_phrase(held: int, coming: int) -> str:
    held_part = "det seneste afholdte møde" if held == 1 else f"de seneste {held} afholdte møder"
    if not held:
        held_part = "ingen afholdte møder endnu"
    coming_part = "det næste møde" if coming == 1 else f"de {coming} næste møder"
    return held_part if not coming else f"{held_part} og {coming_part}"


def attendance_reply(
    members: int, held: int, coming: int, window: int, to_call: Sequence[str]
) -> list[str]:
    head = (
        f"{bold('Deltagelse i netværkets møder')}: {members} "
        f"{'medlemskommune' if members == 1 else 'medlemskommuner'}, {_meetings_phrase(held, coming)}."
    )
    if not window:
        call = "Der er ingen afholdte møder at se fravær ved endnu."
    elif to_call:
        call = (
            f"{icon(Icon.CALL)} {bold('Ring til')} – ingen »kommer« eller »vikar« ved "
            f"{_meetings_phrase(window, 0)}: {join_and(list(to_call))}"
        )
    else:
        call = f"Alle medlemskommuner har været med ved mindst ét af {_meetings_phrase(window, 0)}."
    return [head, call, in_dm("Oversigten")]


def attendance_title(day: date) -> str:
    return f"Deltagelse i netværkets møder {long_date(day)}"


def themes_reply(
    members: int, meeting: str | None, focus: Sequence[tuple[str, int]], themes: int
) -> list[str]:
    head = (
        f"{bold('Fagområder og temaer')}: {members} "
        f"{'medlemskommune' if members == 1 else 'medlemskommuner'} og netværkets {themes} temaer."
    )
    if meeting is None:
        coming = "Der er intet kommende møde."
    elif not focus:
        coming = f"Næste møde, {meeting}, har intet tema."
    else:
        counts = "\n".join(
            f"• {theme}: {count} {'kommune' if count == 1 else 'kommuner'} med fagområdet"
            for theme, count in focus
        )
        coming = f"Næste møde, {meeting}, kan forvente ekspertise i:\n{counts}"
    return [head, coming, in_dm("Matricen")]


def themes_title(day: date) -> str:
    return f"Fagområder og temaer {long_date(day)}"


def exported(filename: str, rows: int) -> str:
    return f"{icon(Icon.DONE)} {in_dm(f'{bold(filename)} med {rows} {_rows(rows)}')}"


def _rows(count: int) -> str:
    return "række" if count == 1 else "rækker"


EXPORT_TITLES = {
    "medlemmer": "Netværkets medlemmer: én række pr. plads",
    "deltagelse": "Deltagelse: én række pr. møde og plads",
    "historik": "Pladsernes historik",
    "feedback": "Feedback på møderne: én række pr. svar",
}

# -- the App Home -----------------------------------------------------------------------------------

HOME_HEADER = "Klimanet"
HOME_NETWORK_HEADER = "Netværket"
HOME_SEAT_HEADER = "Din plads"
HOME_MEETINGS_HEADER = "Kommende møder"
HOME_WAITING_HEADER = "Venter på dig"
HOME_PICKS_HEADER = "Hvem kommer til næste møde"
HOME_REQUESTS_HEADER = "Tilmeldinger der venter på godkendelse"
HOME_NEXT_MEETING_HEADER = "Næste møde"
HOME_DELIVERIES_HEADER = "Beskeder der ikke blev sendt"
REGISTER_BUTTON = "Tilmeld"
SEE_ALL_BUTTON = "Se alle"
OPEN_PICTURE_BUTTON = "Åbn kortet"
HOME_ANSWER_TITLE = "Klimanet"  # ≤ 24 chars: the modal that answers a click on App Home


def home_about() -> str:
    return (
        f"{bold(NETWORK_NAME)} samler kommunernes klimamedarbejdere, og KL er facilitator. Netværket "
        "mødes et par gange om året – fysisk og online – om temaer som affald, klimatilpasning, "
        "energiplanlægning, cirkulær økonomi og CO2-regnskaber.\n"
        f"Hver kommune har {bold('én fast plads')} og {bold('to fleksible pladser')}: den faste plads giver et "
        "stabilt netværk, og de fleksible lader kommunen sende den rette faglighed, når temaerne "
        "skifter. Klimanet holder styr på pladserne, møderne og dagsordenerne og giver dig besked "
        "i god tid."
    )


def home_join() -> str:
    return "Du har ingen plads i netværket endnu. Tilmeld dig her – du får en formular."


def home_footer() -> str:
    return f"Alle kommandoer: `{COMMAND} hjælp`\n{HOME_PRIVACY_LINE}"


def home_seat(seat: str, municipality: str, coordinator: bool) -> str:
    role = " Du er kommunens kontaktperson." if coordinator else ""
    return f"Du har den {bold(seat)} i {bold(municipality)}.{role}"


def home_pending(seat: str, municipality: str) -> str:
    return (
        f"{icon(Icon.WAITING)} Din tilmelding til den {bold(seat)} i {bold(municipality)} venter på "
        "godkendelse. Du får besked, så snart den er godkendt."
    )


ANSWER_LABELS = {
    "confirmed": "du har sagt, at du kommer",
    "declined": "du har meldt afbud",
    "expected": "du har ikke svaret endnu",
}


def home_meeting_answer(status: str | None, substitute: bool) -> str:
    if status is None:
        return ""
    answer = ANSWER_LABELS.get(status, status)
    return "\n" + italic(f"Dit svar: {answer}{' (som vikar)' if substitute else ''}")


def home_no_meetings() -> str:
    return "Der er ingen kommende møder."


def home_nothing_waiting() -> str:
    return "Intet venter på dig lige nu."


def home_picks_intro(meeting: str) -> str:
    return (
        f"Send en kollega til {bold(meeting)} på en plads, som ingen udfylder (ledig, eller "
        "pladsholderen har meldt afbud):"
    )


def home_more(shown: int, total: int) -> str:
    return f"Viser {shown} af {total}."


def home_requests_none() -> str:
    return "Ingen tilmeldinger venter på godkendelse."


def home_picture_pending() -> str:
    return italic("Kortet bliver tegnet og vises om et øjeblik.")


def home_picture_link() -> str:
    return "Kortet ligger i din direkte besked fra Klimanet."


def home_next_meeting(meeting: str, when: str, expected: int, confirmed: int, regrets: int) -> str:
    return (
        f"{bold(meeting)} – {when}\n"
        f"{expected} forventes · {confirmed} har bekræftet · {regrets} har meldt afbud"
    )


def home_absent(names: Sequence[str], total: int) -> str:
    if not total:
        return f"{icon(Icon.DONE)} Alle medlemskommuner har nogen, der kommer."
    return f"{icon(Icon.WARNING)} {bold('Ingen kommer fra')} ({total}): {', '.join(names)}"


def home_deliveries_none() -> str:
    return "Alle beskeder er sendt."


def delivery_line(when: str, description: str, error: str, missed: bool) -> str:
    why = (
        "ikke sendt, fordi Klimanet var nede"
        if missed
        else f"{word(PlatformWord.NAME)} svarede `{error}`"
    )
    return f"• {when}: {description} – {why}"


LIST_TITLES = {
    "requests": bold("Tilmeldinger der venter på godkendelse"),
    "offers": bold("Tilbud der venter på dit svar"),
    "absent": bold("Medlemskommuner hvor ingen kommer til næste møde"),
    "deliveries": bold("Beskeder der ikke blev sendt"),
}


def home_list(which: str, lines: Sequence[str]) -> list[str]:
    return [LIST_TITLES.get(which, which), "\n".join(lines) or "Listen er tom."]


def unreachable_line(people: Sequence[tuple[str, str | None]]) -> str:
    """Who Klimanet cannot write to (their chat platform refuses its direct messages): by name
    and municipality, so a facilitator can reach them another way. Empty when nobody."""
    if not people:
        return ""
    names = [
        f"{user_text(name)} ({municipality})" if municipality else user_text(name)
        for name, municipality in people
    ]
    return (
        f"{icon(Icon.WARNING)} Klimanet kan ikke sende direkte beskeder til "
        f"{join_and(names)}: de har ikke Klimanet-appen, eller de har blokeret den. Kontakt dem "
        "på anden vis, til de har installeret appen igen."
    )
