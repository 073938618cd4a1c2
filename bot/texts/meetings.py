"""Meetings and agendas as members read them, and the meeting form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.meetings import Concern
from bot.domain.registration import SeatView
from bot.markup import Icon, bold, icon, italic
from bot.models import AgendaKind, Meeting, MeetingFormat, MeetingStatus, NewsPost
from bot.texts.common import COMMAND, join_and, literal, seat_label
from bot.texts.dates import format_span, format_when

AGENDA_KIND_LABELS = {
    AgendaKind.INTERNAL.value: "Internt oplæg",
    AgendaKind.EXTERNAL.value: "Eksternt oplæg",
    AgendaKind.NEWS.value: "Nyt fra KL",
    AgendaKind.DISCUSSION.value: "Drøftelse",
    AgendaKind.BREAK.value: "Pause",
}


FORMAT_LABELS = {
    MeetingFormat.ONLINE.value: "online",
    MeetingFormat.PHYSICAL.value: "fysisk",
    MeetingFormat.HYBRID.value: "hybrid",
}


def meeting_name(meeting: Meeting) -> str:
    return f"#{meeting.number} {meeting.title}"


def meeting_choice(meeting: Meeting, tz: ZoneInfo) -> str:
    """A meeting to pick from when a reference named none or several: ``#3 Titel (torsdag den
    14. januar 2027 kl. 10.00)``."""
    return f"{meeting_name(meeting)} ({format_when(meeting.starts_at, tz)})"


def meeting_place(meeting: Meeting) -> str:
    """'Online: <link>', 'Fysisk: <adresse>', or for a hybrid meeting both."""
    if meeting.format == MeetingFormat.HYBRID.value:
        where = meeting.location or "adresse følger"
        return f"Hybrid – fysisk: {where} · online: {meeting.link or 'link følger'}"
    label = FORMAT_LABELS.get(meeting.format, meeting.format).capitalize()
    if meeting.format == MeetingFormat.ONLINE.value:
        return f"{label}: {meeting.link or 'link følger'}"
    return f"{label}: {meeting.location or 'adresse følger'}"


def meeting_status_tag(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED.value:
        return f" – {bold('AFLYST')}"
    if meeting.status == MeetingStatus.MOVED.value:
        return f" – {italic('flyttet')}"
    return ""


def meeting_summary(meeting: Meeting, tz: ZoneInfo) -> str:
    themes = f"\nTema: {', '.join(meeting.themes)}" if meeting.themes else ""
    return (
        f"{bold(meeting_name(meeting))}{meeting_status_tag(meeting)}\n"
        f"{format_span(meeting.starts_at, meeting.ends_at, tz).capitalize()}\n"
        f"{meeting_place(meeting)}{themes}"
    )


def agenda_lines(meeting: Meeting, news: Sequence[NewsPost] = ()) -> str:
    lines = []
    for item in meeting.items:
        label = AGENDA_KIND_LABELS.get(item.kind, item.kind)
        title = item.title if item.kind == AgendaKind.NEWS.value else f"{label}: {item.title}"
        if item.kind == AgendaKind.BREAK.value:
            title = item.title if item.title.casefold() == "pause" else f"Pause: {item.title}"
        presenter = (
            f" – ved {item.presenter}"
            if item.presenter and item.kind != AgendaKind.NEWS.value
            else ""
        )
        minutes = f" ({item.minutes} min.)" if item.minutes else ""
        lines.append(f"{item.position}. {title}{presenter}{minutes}")
        if item.kind == AgendaKind.NEWS.value:
            lines.extend(f"    • {_one_line(post.text, 200)}" for post in news)
    return "\n".join(lines) if lines else italic("Ingen punkter endnu.")


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agenda_post(
    meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo, *, updated: bool
) -> list[str]:
    head = f"{bold(f'Dagsorden for møde {meeting_name(meeting)}')}{meeting_status_tag(meeting)}"
    if updated:
        head += f"  {italic('(opdateret)')}"
    return [
        head
        + "\n"
        + f"{format_span(meeting.starts_at, meeting.ends_at, tz).capitalize()} · "
        + meeting_place(meeting),
        agenda_lines(meeting, news),
    ]


def meeting_created(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f"{icon(Icon.DONE)} Mødet er oprettet.\n{meeting_summary(meeting, tz)}\n"
        f"Dagsordenen har punktet «Nyt fra KL». Tilføj oplæg med "
        f'`{COMMAND} punkt tilføj {meeting.number} "titel" type=eksternt ved="navn, organisation" min=20`.'
        "\n" + bold("Planlagte opslag:")
    )


def meeting_updated(meeting: Meeting, tz: ZoneInfo, *, moved: bool) -> str:
    extra = " Tiden er ændret, så alle, der har hørt om mødet, får besked." if moved else ""
    return f"{icon(Icon.DONE)} Mødet er rettet.{extra}\n{meeting_summary(meeting, tz)}"


def meeting_moved_reply(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f"{icon(Icon.DONE)} {meeting_name(meeting)} er flyttet til "
        f"{format_span(meeting.starts_at, meeting.ends_at, tz)}. Alle, der har hørt om mødet, får "
        "besked nu, og påmindelserne følger med.\n" + bold("Planlagte opslag:")
    )


def meeting_cancelled_reply(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f"{icon(Icon.DONE)} {meeting_name(meeting)} {format_when(meeting.starts_at, tz)} er aflyst. "
        "Planlagte opslag er stoppet, og alle, der har hørt om mødet, får besked."
    )


def news_saved(meeting: Meeting | None) -> str:
    where = (
        f" og samlet under «Nyt fra KL» på dagsordenen for {meeting_name(meeting)}"
        if meeting
        else " (der er intet kommende møde at samle den under)"
    )
    return f"{icon(Icon.DONE)} Nyheden bliver sendt til kanalen{where}."


def calendar_sent(meeting: Meeting) -> str:
    return f"Her er kalenderfilen for {meeting_name(meeting)}. Åbn den for at lægge mødet i din kalender."


def meeting_list(
    meetings: Sequence[Meeting],
    tz: ZoneInfo,
    seat: SeatView | None,
    notes: Mapping[int, str] | None = None,
    *,
    one: bool = False,
) -> list[str]:
    """``notes``: a line under a meeting (by id) that concerns the reader, e.g. a substitute;
    ``one``: the one meeting ``møder <nr>`` asked for."""
    if not meetings:
        return ["Der er ingen kommende møder i netværket endnu."]
    if seat is None and notes:
        # A substitute without a seat of their own: the note under the meeting says where.
        your = "Du har ingen fast eller fleksibel plads selv."
    elif seat is None:
        your = f"Du har ingen plads i netværket – tilmeld dig med `{COMMAND} tilmeld`."
    elif seat.pending:
        your = (
            f"Din plads: {seat_label(seat.kind, seat.slot)} – din tilmelding venter stadig på "
            "godkendelse, så du får ikke beskeder om møderne endnu."
        )
    else:
        your = f"Din plads: {seat_label(seat.kind, seat.slot)}."
    sections = [] if one else [bold("Kommende møder")]
    for meeting in meetings:
        note = (notes or {}).get(meeting.id)
        sections.append(meeting_summary(meeting, tz) + (f"\n{note}" if note else ""))
    sections.append(f"{your} Se en dagsorden med `{COMMAND} dagsorden {meetings[0].number}`.")
    return sections


MEETING_FORM_TITLE = "Nyt møde"


MEETING_FORM_EDIT_TITLE = "Ret møde"


MEETING_FORM_SUBMIT = "Gem"


MEETING_FORM_DONE_TITLE = "Mødet er gemt"


MEETING_FORM_TITLE_FIELD = "Titel"


MEETING_FORM_TITLE_PLACEHOLDER = "fx Opstartsmøde"


MEETING_FORM_THEMES = "Tema"


MEETING_FORM_DATE = "Dato"


MEETING_FORM_START = "Starter"


MEETING_FORM_END = "Slutter"


MEETING_FORM_FORMAT = "Format"


MEETING_FORM_LOCATION = "Adresse (fysisk og hybrid)"


MEETING_FORM_LOCATION_PLACEHOLDER = "fx Weidekampsgade 10, København S"


MEETING_FORM_LINK = "Link (online og hybrid)"


MEETING_FORM_LINK_PLACEHOLDER = "fx https://teams.microsoft.com/…"


MEETING_FORM_SAVING = "Gemmer mødet …"


MEETING_FORM_NOT_SAVED = "Mødet er ikke gemt"


# The meeting form's fields by name, for an answer that says which one is wrong ("Dato: …").
MEETING_FORM_FIELD_LABELS = {
    "meeting_title": MEETING_FORM_TITLE_FIELD,
    "meeting_date": MEETING_FORM_DATE,
    "meeting_time": MEETING_FORM_START,
    "meeting_end": MEETING_FORM_END,
    "meeting_format": MEETING_FORM_FORMAT,
    "meeting_location": "Adresse",
    "meeting_link": "Link",
    "meeting_themes": MEETING_FORM_THEMES,
}


CALENDAR_IN_DM = "Kalenderfilen er sendt til dig som direkte besked fra Klimanet."


GO_AHEAD_BUTTONS = {
    "opret": "Opret alligevel",
    "flyt": "Flyt alligevel",
    "kopier": "Opret alligevel",
}


DROP_BUTTON = "Annullér"


_WEEKDAYS = {5: "en lørdag", 6: "en søndag"}


def meeting_concerns(
    concerns: Sequence[Concern], action: str, when: str, *, form: bool = False, button: bool = True
) -> str:
    """The warning before a meeting is planned at a weekend or a busy time; ``button``: whether
    the command fitted in a button that goes ahead (else the form is the way on)."""
    reasons = [
        f"det er {_WEEKDAYS.get(c.weekday or 0, 'i weekenden')}"
        if c.kind == "weekend"
        else f"møde #{c.number} ligger samtidig"
        for c in concerns
    ]
    verb = {
        "flyt": "flytte mødet til",
        "ret": "gemme mødet med tiden",
        "kopier": "oprette kopien",
    }.get(action, "oprette mødet")
    if form:
        how = "Send formularen igen for at gemme alligevel, eller ret tidspunktet."
    elif button:
        how = "Gør det alligevel med knappen, eller skriv kommandoen igen med et andet tidspunkt."
    else:
        how = (
            "Kommandoen er for lang til en knap, så brug formularen for at gøre det alligevel: "
            "`/klimanet møde opret` (eller `/klimanet møde ret <nr>` for et møde, der findes). "
            "Eller skriv kommandoen igen med et andet tidspunkt."
        )
    return f"{icon(Icon.WARNING)} Vil du {verb} {when}? Bemærk, at {join_and(reasons)}. {how}"


def meeting_dropped(action: str) -> str:
    what = "flyttet" if action == "flyt" else "oprettet"
    return f"Godt – mødet er ikke {what}."


CANCEL_MEETING_BUTTON = "Ja, aflys mødet"


KEEP_MEETING_BUTTON = "Nej, behold mødet"


def confirm_cancel_meeting(meeting: Meeting, tz: ZoneInfo, told: int, *, channel: bool) -> str:
    """The question before ``møde aflys``: which meeting, when, and who will be told."""
    people = f"{told} {'person' if told == 1 else 'personer'}, der har hørt om mødet,"
    if told and channel:
        who = f"Kanalen og {people} får besked om aflysningen."
    elif told:
        who = f"{people[0].upper()}{people[1:]} får besked om aflysningen."
    elif channel:
        who = "Kanalen får besked om aflysningen; ingen har fået mødet som direkte besked endnu."
    else:
        who = "Ingen har hørt om mødet endnu, så ingen får besked."
    return (
        f"{icon(Icon.WARNING)} Vil du aflyse {bold(meeting_name(meeting))} "
        f"{format_span(meeting.starts_at, meeting.ends_at, tz)}? {who} Planlagte opslag "
        "stoppes, og det kan ikke fortrydes. Du kan også skrive "
        f"`{COMMAND} møde aflys {meeting.number} bekræft {literal('[begrundelse]')}`."
    )


def meeting_kept() -> str:
    return "Godt – mødet er ikke aflyst."


_MISSING = {"link": "et link", "address": "en adresse"}
_THE = {"link": "linket", "address": "adressen"}


def _missing(missing: Sequence[str]) -> str:
    """``et link``, ``en adresse``, ``både et link og en adresse``."""
    words = [_MISSING.get(m, m) for m in missing]
    return f"både {words[0]} og {words[1]}" if len(words) > 1 else words[0]


def _the(missing: Sequence[str]) -> str:
    """``linket``, ``adressen``, ``linket og adressen``."""
    return " og ".join(_THE.get(m, m) for m in missing)


def _how_to_add(meeting: Meeting, missing: Sequence[str]) -> str:
    parts = " ".join(
        literal("link=https://…") if m == "link" else literal('sted="adresse"') for m in missing
    )
    return (
        f"`{COMMAND} møde ret {meeting.number} {parts}`, eller send uden med "
        f"`{COMMAND} møde send {meeting.number}`"
    )


def place_missing(
    meeting: Meeting, missing: Sequence[str], reminder: datetime | None, tz: ZoneInfo
) -> str:
    """The warning in the answer when a meeting is saved without its link or address."""
    remind = (
        f" Du får en påmindelse {format_when(reminder, tz)}, hvis {_the(missing)} stadig mangler."
        if reminder
        else ""
    )
    return (
        f"{icon(Icon.WARNING)} Mødet mangler {_missing(missing)}. Annonceringen og de andre opslag om mødet "
        f"venter, indtil {_the(missing)} er tilføjet: skriv {_how_to_add(meeting, missing)}."
        f"{remind}"
    )


def place_reminder(
    meeting: Meeting, missing: Sequence[str], announce: datetime | None, tz: ZoneInfo
) -> str:
    """The one reminder, two days before the announcement, to the facilitator."""
    when = f" skal ud {format_when(announce, tz)}, men" if announce else ""
    return (
        f"{icon(Icon.WARNING)} Annonceringen af {bold(meeting_name(meeting))}{when} mødet mangler stadig "
        f"{_missing(missing)}. Tilføj {_the(missing)} med {_how_to_add(meeting, missing)}."
    )


def place_waiting(meeting: Meeting, missing: Sequence[str], tz: ZoneInfo) -> str:
    """To the facilitator, once: the meeting's posts are due and wait for the place."""
    return (
        f"{icon(Icon.WAITING)} Annonceringen af {bold(meeting_name(meeting))} "
        f"({format_when(meeting.starts_at, tz)}) venter: mødet mangler {_missing(missing)}. "
        f"Den går ud, så snart du tilføjer {_the(missing)} med {_how_to_add(meeting, missing)}."
    )


def send_without_button(missing: Sequence[str]) -> str:
    return "Send uden " + " og ".join("link" if m == "link" else "adresse" for m in missing)


def sent_without_place(meeting: Meeting, missing: Sequence[str], released: int) -> str:
    """``møde send``: the meeting's posts go out without the missing place."""
    now = " De ventende opslag sendes nu." if released else " Opslagene går ud som planlagt."
    return (
        f"{icon(Icon.DONE)} {bold(meeting_name(meeting))} annonceres uden {_missing(missing)}."
        f"{now} Tilføj {_the(missing)} senere med `{COMMAND} møde ret {meeting.number}`."
    )


def place_complete(meeting: Meeting) -> str:
    """``møde send`` for a meeting that lacks nothing."""
    return (
        f"{bold(meeting_name(meeting))} mangler hverken link eller adresse; opslagene går ud som "
        "planlagt."
    )


def place_released(released: int) -> str:
    return f"{released} opslag, der ventede på mødets link eller adresse, sendes nu."
