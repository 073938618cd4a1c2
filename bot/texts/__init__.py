"""Every sentence Klimanet shows to users, in Danish, in one place.

Functions take domain values and return text in Slack's light markup (``*fed*``). Keep the
wording close to KL's own: "én fast plads og to fleksible pladser", "tilmelding", "pladsholder".

Whatever a member typed or a profile supplied (names, titles, fagområder, form fields, values
echoed in errors) is wrapped in ``user_text`` where it is interpolated, so every adapter shows it
as written and never as markup. A facilitator's texts (news, agenda items, meeting titles, themes
and places, reasons for a cancellation or an ``admin plads``) speak for KL and stay markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Holder, NetworkSummary, SeatOverview, SeatView
from bot.models import AgendaKind, Meeting, MeetingFormat, MeetingStatus, NewsPost, SeatKind
from bot.replies import spans, user_text
from bot.texts.dates import format_short_date, format_span, format_time, format_when

NETWORK_NAME = "Kommunernes klimapolitiske netværk"
COMMAND = "/klimanet"

# -- seats -------------------------------------------------------------------------------------


def seat_label(kind: SeatKind, slot: int, *, definite: bool = False) -> str:
    """'fast plads' / 'fleksibel plads 2'; ``definite`` gives the form after den/din: 'faste'."""
    if kind is SeatKind.FIXED:
        return "faste plads" if definite else "fast plads"
    return f"{'fleksible' if definite else 'fleksibel'} plads {slot}"


def seat_label_capitalised(kind: SeatKind, slot: int) -> str:
    label = seat_label(kind, slot)
    return label[0].upper() + label[1:]


def literal(text: str) -> str:
    """The bot's own text that must be shown exactly as written, never read as markup (a
    placeholder such as ``<kommune>``)."""
    return user_text(text)


def holder_text(holder: Holder) -> str:
    title = f" ({user_text(holder.title)})" if holder.title else ""
    return f"{user_text(holder.name)}{title}"


def mention(holder: Holder) -> str:
    return f"<@{holder.user_id}>"


def genitive(name: str) -> str:
    """Danish genitive: 'Odenses', but 'Aarhus'' (a name ending in s, x or z takes an apostrophe)."""
    return f"{name}'" if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


def join_and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def format_short_datetime(at: datetime, tz: ZoneInfo) -> str:
    return f"{format_short_date(at, tz)} {format_time(at, tz)}"


def seat_lines(overview: SeatOverview) -> str:
    lines = []
    for seat in overview.seats:
        who = holder_text(seat.holder) if seat.holder else "_ledig_"
        if seat.pending:
            who += " _(afventer godkendelse)_"
        lines.append(f"• {seat_label_capitalised(seat.kind, seat.slot)}: {who}")
    return "\n".join(lines)


def overview_text(overview: SeatOverview) -> str:
    if not overview.is_member:
        return (
            f"*{overview.official_name}* er ikke med i netværket endnu. Den første, der "
            f"tilmelder sig, gør kommunen til medlem: `{COMMAND} tilmeld {overview.municipality_name}`"
        )
    filled = len(overview.holders)
    return (
        f"*{overview.official_name}* – {filled} af {len(overview.seats)} pladser besat\n"
        + seat_lines(overview)
    )


def registered(seat: SeatView, overview: SeatOverview, became_member: bool) -> str:
    first = (
        f"\n{overview.municipality_name} er nu medlem af netværket – velkommen!"
        if became_member
        else ""
    )
    return (
        f":white_check_mark: Du er tilmeldt {NETWORK_NAME} for *{overview.official_name}* "
        f"på den *{seat_label(seat.kind, seat.slot, definite=True)}*.{first}"
    )


def registered_context() -> str:
    return (
        f"Se kommunens pladser med `{COMMAND} pladser`. Vil du give din plads fra dig, "
        f"så skriv `{COMMAND} afmeld`."
    )


def seats_not_registered() -> str:
    return (
        "Du har ingen plads i netværket endnu, så jeg ved ikke, hvilken kommune du mener. "
        f"Skriv fx `{COMMAND} pladser Aarhus` – eller tilmeld dig med `{COMMAND} tilmeld`."
    )


def confirm_release(seat: SeatView, overview: SeatOverview) -> str:
    return (
        f"Vil du afmelde dig og give din *{seat_label(seat.kind, seat.slot, definite=True)}* i "
        f"*{overview.official_name}* fri? Historikken gemmer, at du har haft pladsen."
    )


RELEASE_BUTTON = "Ja, afmeld mig"
CANCEL_BUTTON = "Nej, behold pladsen"


def released(seat: SeatView, overview: SeatOverview) -> str:
    return (
        f"Du er afmeldt. Den *{seat_label(seat.kind, seat.slot, definite=True)}* i "
        f"*{overview.official_name}* "
        "er nu ledig."
    )


def release_cancelled() -> str:
    return "Godt – du beholder din plads."


def network_summary(summary: NetworkSummary) -> list[str]:
    if summary.member_count == 0:
        return [
            f"*{summary.network_name}* har ingen medlemskommuner endnu. "
            f"Bliv den første: `{COMMAND} tilmeld {literal('<kommune>')}`"
        ]
    head = (
        f"*{summary.network_name}*\n{summary.member_count} "
        f"{'kommune' if summary.member_count == 1 else 'kommuner'} · "
        f"{summary.filled} af {summary.seats} pladser besat"
    )
    sections = [head]
    for region in summary.regions:
        members = ", ".join(f"{m.name} {m.filled}/{m.seats}" for m in region.members)
        sections.append(f"*{region.name}* ({len(region.members)})\n{members}")
    return sections


# -- help --------------------------------------------------------------------------------------

HELP_LINES = (
    ("tilmeld", "Tilmeld dig netværket (åbner en formular)", ""),
    ("tilmeld", "Tilmeld dig direkte; fast plads hvis ledig, ellers fleksibel", "Aarhus"),
    ("tilmeld", "Vælg selv pladstype", "Høje-Taastrup fleksibel"),
    ("pladser", "Din kommunes pladser – eller en anden kommunes", "Odense"),
    ("kommuner", "Netværket: medlemskommuner og besatte pladser", ""),
    ("afmeld", "Giv din plads fri (du bliver bedt om at bekræfte)", ""),
    ("møder", "Kommende møder: dato, format, tema og din plads", ""),
    ("dagsorden", "Dagsordenen for næste møde – eller et bestemt møde", "12"),
    ("kalender", "Kalenderfil (.ics) for næste møde – eller et bestemt møde", "12"),
    ("overdrag", "Giv din plads til en kollega (de skal acceptere)", "@kollega"),
    ("byt", "Byt plads med en kollega i din kommune", "@kollega"),
    (
        "vikar",
        "Send en kollega på en fleksibel plads til ét møde (kontaktpersonen)",
        "12 @kollega fleksibel 2",
    ),
    ("afbud", "Meld afbud til et møde – evt. med en stedfortræder", "12 @kollega"),
    ("deltager", "Bekræft at du kommer til et møde", "12"),
    ("deltagere", "Hvem kommer fra hvilken kommune", "12"),
    ("historik", "Hvem har haft hvilken plads hvornår – og hvorfor", "Aarhus"),
    ("fortryd", "Træk dine åbne tilbud tilbage", ""),
    ("hjælp", "Denne oversigt", ""),
)

FACILITATOR_HELP_LINES = (
    ("møde opret", "Opret et møde (formular)", ""),
    (
        "møde opret",
        "… eller på én linje",
        '25.06.2026 10:00-12:00 online "Opstartsmøde" tema=klimaplaner',
    ),
    ("møde flyt", "Flyt et møde", "12 26.06.2026 13:00-15:00"),
    ("møde aflys", "Aflys et møde", "12 For få tilmeldte"),
    ("møde ret", "Ret et møde (formular)", "12"),
    ("møde kopier", "Nyt møde med samme dagsorden", "12 24.09.2026"),
    (
        "punkt tilføj",
        "Tilføj et punkt",
        '12 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    ),
    ("punkt fjern", "Fjern punkt 3", "12 3"),
    ("punkt flyt", "Flyt punkt 3 op som nr. 2", "12 3 2"),
    ("nyt", "Send en nyhed fra KL til kanalen", "Regeringens klimaudspil er ude"),
    (
        "admin plads",
        "Sæt nogen på en plads eller frigør den",
        'Aarhus fleksibel 2 @kollega "Har forladt kommunen"',
    ),
)


def help_text() -> list[str]:
    lines = [
        f"• `{COMMAND} {name}{' ' + example if example else ''}` – {what}"
        for name, what, example in HELP_LINES
    ]
    facilitator_lines = [
        f"• `{COMMAND} {name}{' ' + example if example else ''}` – {what}"
        for name, what, example in FACILITATOR_HELP_LINES
    ]
    return [
        f"*{NETWORK_NAME}* – sådan bruger du `{COMMAND}`",
        "\n".join(lines),
        "*For facilitatorer*\n" + "\n".join(facilitator_lines),
        "Hver kommune har *én fast plads* og *to fleksible pladser*. Den faste plads giver et "
        "stabilt netværk; de fleksible pladser lader kommunen sende den rette faglighed, når "
        "temaerne skifter.",
    ]


def unknown_command(word: str, suggestion: str | None) -> str:
    hint = f" – mente du '{suggestion}'?" if suggestion else "."
    return f"Kender ikke '{user_text(word)}'{hint} Skriv `{COMMAND} hjælp` for at se, hvad jeg kan."


# -- errors ------------------------------------------------------------------------------------


def _full_text(overview: SeatOverview) -> str:
    names = join_and([f"{holder_text(h)}" for h in overview.holders])
    return (
        f"*{overview.official_name}* har allerede alle tre pladser besat: {names}. "
        "En plads kan kun skifte hænder, når pladsholderen afmelder sig "
        f"(`{COMMAND} afmeld`) – tal med en af dem."
    )


def error(err: DomainError) -> str:
    p: dict[str, Any] = err.params
    special = _meeting_error(err) or _seat_error(err)
    if special is not None:
        return special
    match err.kind:
        case ErrorKind.MUNICIPALITY_MISSING:
            return f"Hvilken kommune? Skriv fx `{COMMAND} tilmeld Aarhus` eller `{COMMAND} tilmeld 751`."
        case ErrorKind.MUNICIPALITY_UNKNOWN:
            suggestions: list[str] = p.get("suggestions") or []
            if suggestions:
                return (
                    f"Jeg kender ingen kommune, der hedder '{user_text(p['query'])}'. "
                    f"Mente du {join_or(suggestions)}?"
                )
            return (
                f"Jeg kender ingen kommune, der hedder '{user_text(p['query'])}'. Skriv kommunens navn "
                "eller kommunekode, fx 'Aarhus' eller '751'."
            )
        case ErrorKind.MUNICIPALITY_AMBIGUOUS:
            return (
                f"'{user_text(p['query'])}' passer på flere kommuner: {join_or(p['choices'])}. "
                "Skriv hele navnet."
            )
        case ErrorKind.NOT_A_MUNICIPALITY:
            return (
                f"{user_text(p.get('name', p['query']))} er ikke en kommune (øerne administreres af "
                "staten), så den kan ikke tilmeldes netværket."
            )
        case ErrorKind.SEAT_KIND_UNKNOWN:
            return (
                f"'{user_text(p['value'])}' er ikke en pladstype. Skriv 'fast' eller 'fleksibel'."
            )
        case ErrorKind.ALREADY_REGISTERED:
            seat: SeatView = p["seat"]
            overview: SeatOverview = p["municipality"]
            return (
                f"Du er allerede tilmeldt på den *{seat_label(seat.kind, seat.slot, definite=True)}* i "
                f"*{overview.official_name}*. Man kan kun have én plads i netværket; "
                f"skriv `{COMMAND} afmeld` først, hvis du vil skifte."
            )
        case ErrorKind.FIXED_SEAT_TAKEN:
            overview = p["municipality"]
            fixed = next(s for s in overview.seats if s.kind is SeatKind.FIXED)
            holder = holder_text(fixed.holder) if fixed.holder else "en anden"
            return (
                f"Den faste plads i *{overview.official_name}* er besat af {holder}. "
                "Der er en fleksibel plads ledig – tag den med "
                f"`{COMMAND} tilmeld {overview.municipality_name} fleksibel`."
            )
        case ErrorKind.FLEXIBLE_SEATS_TAKEN:
            overview = p["municipality"]
            names = join_and(
                [
                    holder_text(s.holder)
                    for s in overview.seats
                    if s.kind is SeatKind.FLEXIBLE and s.holder
                ]
            )
            return (
                f"Begge fleksible pladser i *{overview.official_name}* er besat ({names}). "
                "Den faste plads er ledig – tag den med "
                f"`{COMMAND} tilmeld {overview.municipality_name} fast`."
            )
        case ErrorKind.MUNICIPALITY_FULL:
            return _full_text(p["municipality"])
        case ErrorKind.NOT_REGISTERED:
            return f"Du har ingen plads i netværket. Tilmeld dig med `{COMMAND} tilmeld`."
        case ErrorKind.NETWORK_UNKNOWN:
            return "Netværket findes ikke i databasen. Kontakt en facilitator."
        case ErrorKind.TEXT_TOO_LONG:
            return f"Feltet '{p['field']}' må højst være {p['limit']} tegn."
        case ErrorKind.THEME_UNKNOWN:
            return (
                f"'{user_text(p.get('value', ''))}' er ikke et af netværkets fagområder. "
                "Vælg fagområderne fra listen."
            )
    return "Det kunne jeg ikke gøre."  # pragma: no cover - every kind is handled above


def join_or(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


def internal_error(reference: str) -> str:
    return (
        ":warning: Noget gik galt hos Klimanet, og din handling blev ikke gennemført. "
        f"Prøv igen om lidt. Oplys fejlkode *{reference}*, hvis du kontakter en facilitator."
    )


# -- registration form ---------------------------------------------------------------------------

FORM_TITLE = "Tilmeld dig netværket"  # ≤ 24 chars (Slack modal title)
FORM_SUBMIT = "Tilmeld"
FORM_CLOSE = "Annullér"
FORM_INTRO = (
    f"*{NETWORK_NAME}*\nHver kommune har én fast plads og to fleksible pladser. Vælg din kommune "
    "og hvilken plads, du vil have."
)
FORM_MUNICIPALITY = "Kommune"
FORM_MUNICIPALITY_PLACEHOLDER = "Vælg kommune"
FORM_KIND = "Plads"
FORM_KIND_AUTO = "Den der er ledig (fast først)"
FORM_KIND_FIXED = "Fast plads"
FORM_KIND_FLEXIBLE = "Fleksibel plads"
FORM_TITLE_FIELD = "Din titel"
FORM_TITLE_PLACEHOLDER = "fx Klimakoordinator"
FORM_THEMES = "Dine fagområder"
FORM_THEMES_HINT = "Bruges til at foreslå den rette kollega, når temaet skifter."


def form_municipality_required() -> str:
    return "Vælg en kommune."


def plain(text: str) -> str:
    """Markup-free text for places that show plain text only (form errors, option labels).

    Only the bot's own markup is removed; user text is kept exactly as written."""
    return "".join(
        piece if is_user else piece.replace("*", "").replace("`", "'")
        for is_user, piece in spans(text)
    )


FORM_DONE = "Luk"
FORM_RESULT_TITLE = "Tilmelding"  # also when the seat awaits approval


def home_title() -> str:
    return f"*{NETWORK_NAME}*"


def home_not_registered() -> str:
    return (
        f"Du har ingen plads i netværket endnu. Skriv `{COMMAND} tilmeld` i en kanal eller her, "
        "så får du en formular."
    )


# -- meetings ----------------------------------------------------------------------------------
# Meeting texts take the model objects as they are read at send time (rendering happens at
# delivery, from current data) and the time zone to show them in.

AGENDA_KIND_LABELS = {
    AgendaKind.INTERNAL.value: "Internt oplæg",
    AgendaKind.EXTERNAL.value: "Eksternt oplæg",
    AgendaKind.NEWS.value: "Nyt fra KL",
    AgendaKind.DISCUSSION.value: "Drøftelse",
    AgendaKind.BREAK.value: "Pause",
}
FORMAT_LABELS = {MeetingFormat.ONLINE.value: "online", MeetingFormat.PHYSICAL.value: "fysisk"}


def meeting_name(meeting: Meeting) -> str:
    return f"#{meeting.number} {meeting.title}"


def meeting_place(meeting: Meeting) -> str:
    label = FORMAT_LABELS.get(meeting.format, meeting.format)
    if not meeting.location:
        return label.capitalize()
    if meeting.format == MeetingFormat.ONLINE.value:
        return f"Online: {meeting.location}"
    return f"Fysisk: {meeting.location}"


def meeting_status_tag(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED.value:
        return " – *AFLYST*"
    if meeting.status == MeetingStatus.MOVED.value:
        return " – _flyttet_"
    return ""


def meeting_summary(meeting: Meeting, tz: ZoneInfo) -> str:
    themes = f"\nTema: {', '.join(meeting.themes)}" if meeting.themes else ""
    return (
        f"*{meeting_name(meeting)}*{meeting_status_tag(meeting)}\n"
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
    return "\n".join(lines) if lines else "_Ingen punkter endnu._"


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agenda_post(
    meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo, *, updated: bool
) -> list[str]:
    head = f"*Dagsorden for møde {meeting_name(meeting)}*{meeting_status_tag(meeting)}"
    if updated:
        head += "  _(opdateret)_"
    return [
        head
        + "\n"
        + f"{format_span(meeting.starts_at, meeting.ends_at, tz).capitalize()} · "
        + meeting_place(meeting),
        agenda_lines(meeting, news),
    ]


def announcement(meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo) -> list[str]:
    return [
        f":calendar: *Nyt møde i {NETWORK_NAME}*",
        meeting_summary(meeting, tz),
        "*Dagsorden indtil videre*\n" + agenda_lines(meeting, news),
    ]


def announce_dm(meeting: Meeting, municipality: str, tz: ZoneInfo) -> list[str]:
    theme = f" om *{', '.join(meeting.themes)}*" if meeting.themes else ""
    return [
        f"Netværket mødes {format_when(meeting.starts_at, tz)}{theme}: *{meeting_name(meeting)}*.",
        f"Som holder af den faste plads er du {genitive(municipality)} kontaktperson. Hvem sender "
        f"{municipality} på de fleksible pladser til dette møde? Pladsholderne deltager, medmindre "
        "du vælger en kollega nedenfor (eller skriver "
        f"`{COMMAND} vikar {meeting.number} @kollega fleksibel 1`).",
    ]


def reminder(
    meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo, *, direct: bool
) -> list[str]:
    sections = [
        f":bell: *Påmindelse: {meeting_name(meeting)}* {format_when(meeting.starts_at, tz)}",
        meeting_summary(meeting, tz),
        "*Dagsorden*\n" + agenda_lines(meeting, news),
    ]
    if direct:
        sections.append("Kalenderfilen er vedhæftet, så du kan lægge mødet i din kalender.")
    return sections


def starting(meeting: Meeting, minutes: int) -> list[str]:
    link = f"\nLink: {meeting.location}" if meeting.location else ""
    return [f":arrow_forward: *Mødet starter om {minutes} minutter:* {meeting_name(meeting)}{link}"]


def moved(meeting: Meeting, tz: ZoneInfo) -> list[str]:
    return [
        f":arrows_counterclockwise: *Mødet er flyttet:* {meeting_name(meeting)} er flyttet til "
        f"{format_span(meeting.starts_at, meeting.ends_at, tz)}.",
        meeting_place(meeting),
    ]


def cancelled(meeting: Meeting, tz: ZoneInfo) -> list[str]:
    reason = f"\nBegrundelse: {meeting.cancel_reason}" if meeting.cancel_reason else ""
    return [
        f":x: *Mødet er aflyst:* {meeting_name(meeting)} {format_when(meeting.starts_at, tz)} "
        f"er aflyst.{reason}"
    ]


def news_post(text: str, author_user_id: str) -> list[str]:
    return [f":newspaper: *Nyt fra KL*\n{text}", f"_– <@{author_user_id}>_"]


POST_KIND_LABELS = {
    "announce": "annonceringen",
    "announce_dm": "spørgsmålet om de fleksible pladser",
    "agenda": "dagsordenen",
    "agenda_update": "opdateringen af dagsordenen",
    "reminder": "påmindelsen",
    "reminder_dm": "påmindelsen",
    "starting": "beskeden om mødestart",
    "moved": "beskeden om flytningen",
    "moved_dm": "beskeden om flytningen",
    "cancelled": "beskeden om aflysningen",
    "cancelled_dm": "beskeden om aflysningen",
    "news": "nyheden fra KL",
    "confirm_dm": "spørgsmålet «Kommer du stadig?»",
    "offer": "tilbuddet om en plads",
    "offer_result": "svaret på et tilbud om en plads",
    "approval": "anmodningen om at godkende en tilmelding",
    "approval_result": "svaret på en tilmelding",
    "regrets_notice": "beskeden om et afbud",
    "admin_notice": "beskeden om en ændret plads",
    "refresh": "opdateringen af en besked",
    "fanout": "de direkte beskeder",
}


def _post_description(kind: str, recipient: str, meeting: Meeting | None) -> str:
    what = POST_KIND_LABELS.get(kind, kind)
    about = f" for møde {meeting_name(meeting)}" if meeting else ""
    if not re.fullmatch(r"[CGUWD][A-Z0-9]+", recipient):
        return f"{what}{about}"  # e.g. an update in place, which has no recipient of its own
    to = f"<#{recipient}>" if recipient[:1] in "CG" else f"<@{recipient}>"
    return f"{what}{about} til {to}"


def dead_notice(kind: str, recipient: str, meeting: Meeting | None, error: str) -> list[str]:
    return [
        f":warning: Klimanet kunne ikke levere {_post_description(kind, recipient, meeting)}. "
        f"Slack svarede `{error}`.",
        "Tjek at kanalen findes, og at Klimanet er inviteret i den (`/invite @Klimanet`).",
    ]


def missed_notice(
    kind: str,
    recipient: str,
    meeting: Meeting | None,
    due_at: datetime,
    tz: ZoneInfo,
    catchup_hours: float,
) -> list[str]:
    return [
        f":warning: Klimanet var nede, da {_post_description(kind, recipient, meeting)} skulle "
        f"sendes ({format_when(due_at, tz)}). Den er ikke sendt, fordi den var mere end "
        f"{catchup_hours:g} timer for sent på den."
    ]


SCHEDULE_LABELS = {
    "announce": "Annoncering",
    "agenda": "Dagsorden",
    "reminder": "Påmindelse",
    "starting": "Mødet starter",
    "confirm": "Kommer du stadig?",
}


def schedule_line(name: str, when: datetime, tz: ZoneInfo, *, skipped: bool) -> str:
    label = SCHEDULE_LABELS.get(name, name)
    if skipped:
        return f"• {label}: _springes over – tidspunktet ({format_when(when, tz)}) er passeret_"
    return f"• {label}: {format_when(when, tz)}"


def meeting_created(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f":white_check_mark: Mødet er oprettet.\n{meeting_summary(meeting, tz)}\n"
        f"Dagsordenen har punktet «Nyt fra KL». Tilføj oplæg med "
        f'`{COMMAND} punkt tilføj {meeting.number} "titel" type=eksternt ved="navn, organisation" min=20`.'
        "\n*Planlagte opslag:*"
    )


def meeting_updated(meeting: Meeting, tz: ZoneInfo, *, moved: bool) -> str:
    extra = " Tiden er ændret, så alle, der har hørt om mødet, får besked." if moved else ""
    return f":white_check_mark: Mødet er rettet.{extra}\n{meeting_summary(meeting, tz)}"


def meeting_moved_reply(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f":white_check_mark: {meeting_name(meeting)} er flyttet til "
        f"{format_span(meeting.starts_at, meeting.ends_at, tz)}. Alle, der har hørt om mødet, får "
        "besked nu, og påmindelserne følger med.\n*Planlagte opslag:*"
    )


def meeting_cancelled_reply(meeting: Meeting, tz: ZoneInfo) -> str:
    return (
        f":white_check_mark: {meeting_name(meeting)} {format_when(meeting.starts_at, tz)} er aflyst. "
        "Planlagte opslag er stoppet, og alle, der har hørt om mødet, får besked."
    )


def news_saved(meeting: Meeting | None) -> str:
    where = (
        f" og samlet under «Nyt fra KL» på dagsordenen for {meeting_name(meeting)}"
        if meeting
        else " (der er intet kommende møde at samle den under)"
    )
    return f":white_check_mark: Nyheden bliver sendt til kanalen{where}."


def calendar_sent(meeting: Meeting) -> str:
    return f"Her er kalenderfilen for {meeting_name(meeting)}. Åbn den for at lægge mødet i din kalender."


def meeting_list(meetings: Sequence[Meeting], tz: ZoneInfo, seat: SeatView | None) -> list[str]:
    if not meetings:
        return ["Der er ingen kommende møder i netværket endnu."]
    your = (
        f"Din plads: {seat_label(seat.kind, seat.slot)}."
        if seat
        else f"Du har ingen plads i netværket – tilmeld dig med `{COMMAND} tilmeld`."
    )
    sections = ["*Kommende møder*"]
    for meeting in meetings:
        sections.append(meeting_summary(meeting, tz))
    sections.append(f"{your} Se en dagsorden med `{COMMAND} dagsorden {literal('<nr>')}`.")
    return sections


def _meeting_error(err: DomainError) -> str | None:
    p: dict[str, Any] = err.params
    example = (
        f'`{COMMAND} møde opret 25.06.2026 10:00-12:00 online "Opstartsmøde" tema=klimaplaner`'
    )
    match err.kind:
        case ErrorKind.DATE_MISSING:
            return f"Der mangler en dato. Skriv fx 25.06.2026, 25/6 eller 25. juni – fx {example}."
        case ErrorKind.DATE_INVALID:
            return f"'{user_text(p.get('value', ''))}' kan jeg ikke læse som en dato. Skriv fx 25.06.2026, 25/6 eller 25. juni."
        case ErrorKind.DATE_IMPOSSIBLE:
            return f"'{user_text(p.get('value', ''))}' findes ikke i kalenderen. Tjek dag og måned."
        case ErrorKind.DATE_IN_PAST:
            return "Tidspunktet er allerede passeret. Vælg en dato og et tidspunkt ude i fremtiden."
        case ErrorKind.TIME_MISSING:
            return f"Der mangler et tidspunkt. Skriv fx 10:00-12:00 eller kl. 10 – fx {example}."
        case ErrorKind.TIME_INVALID:
            return f"'{user_text(p.get('value', ''))}' er ikke et klokkeslæt. Skriv fx 10:00, 10.00 eller kl. 10."
        case ErrorKind.TIME_RANGE_INVALID:
            return "Mødet skal slutte efter, det starter. Skriv fx 10:00-12:00."
        case ErrorKind.NOT_FACILITATOR:
            return "Det er kun for facilitatorer (KL's mødeledere). Kontakt KL, hvis du skal have adgang."
        case ErrorKind.MEETING_MISSING:
            return f"Hvilket møde? Skriv mødets nummer (fx 12) eller dato – se dem med `{COMMAND} møder`."
        case ErrorKind.MEETING_UNKNOWN:
            return f"Jeg kan ikke finde møde '{user_text(p.get('ref', ''))}'. Se de kommende møder med `{COMMAND} møder`."
        case ErrorKind.MEETING_AMBIGUOUS:
            numbers = join_or([f"#{n}" for n in p.get("numbers", [])])
            return (
                f"Der er flere møder {user_text(p.get('ref', ''))}: {numbers}. Skriv mødets nummer."
            )
        case ErrorKind.MEETING_CANCELLED:
            return f"Møde #{p.get('number')} er aflyst og kan ikke ændres."
        case ErrorKind.MEETING_OVER:
            return f"Møde #{p.get('number')} er overstået og kan ikke ændres."
        case ErrorKind.NO_UPCOMING_MEETING:
            return "Der er ingen kommende møder."
        case ErrorKind.TITLE_MISSING:
            return (
                f'Der mangler en titel. Sæt den i anførselstegn, fx "Opstartsmøde" – fx {example}.'
            )
        case ErrorKind.FORMAT_MISSING:
            return f"Skriv om mødet er 'online' eller 'fysisk' – fx {example}."
        case ErrorKind.OPTION_UNKNOWN:
            allowed = join_or([f"'{a}'" for a in p.get("allowed", [])])
            command = p.get("command", "")
            return f"Kender ikke '{user_text(p.get('value', ''))}' til {command}. Brug {allowed}."
        case ErrorKind.ITEM_UNKNOWN:
            return (
                f"Møde #{p.get('number')} har intet punkt {p.get('position')}. "
                f"Se dagsordenen med `{COMMAND} dagsorden {p.get('number')}`."
            )
        case ErrorKind.NUMBER_INVALID:
            return f"'{user_text(p.get('value', ''))}' er ikke et gyldigt tal for {p.get('field', 'tallet')}."
        case ErrorKind.NEWS_MISSING:
            return f"Skriv nyheden efter kommandoen, fx `{COMMAND} nyt Regeringens klimahandlingsplan er ude`."
        case ErrorKind.NO_CHANNEL:
            return (
                "Netværkets kanal er ikke sat op (KLIMANET_CHANNEL), så jeg kan ikke poste i den."
            )
    return None


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
MEETING_FORM_LOCATION = "Link (online) eller adresse (fysisk)"
MEETING_FORM_LOCATION_PLACEHOLDER = (
    "fx https://teams.microsoft.com/… eller Weidekampsgade 10, København S"
)
CALENDAR_IN_DM = "Kalenderfilen er sendt til dig som direkte besked fra Klimanet."


# -- seat changes with consent -------------------------------------------------------------------

ACCEPT_BUTTON = "Acceptér"
DECLINE_BUTTON = "Afvis"
WITHDRAW_BUTTON = "Træk tilbage"
APPROVE_BUTTON = "Godkend"
REJECT_BUTTON = "Afvis"
YES_BUTTON = "Ja, jeg kommer"
NO_BUTTON = "Nej, jeg kan ikke"

OFFER_STATUS_LABELS = {
    "accepted": "accepteret",
    "declined": "afvist",
    "expired": "udløbet",
    "withdrawn": "trukket tilbage",
    "void": "bortfaldet, fordi pladsen har skiftet hænder",
    "pending": "afventer svar",
}
REQUEST_STATUS_LABELS = {
    "approved": "godkendt",
    "rejected": "afvist",
    "cancelled": "trukket tilbage",
    "pending": "afventer",
}


def seat_in(kind: SeatKind, slot: int, municipality: str, *, definite: bool = True) -> str:
    return f"{seat_label(kind, slot, definite=definite)} i {municipality}"


def registration_pending(seat: SeatView, overview: SeatOverview, approver: str) -> str:
    who = (
        "en facilitator fra KL"
        if approver == "facilitator"
        else f"{genitive(overview.municipality_name)} kontaktperson"
    )
    return (
        f":hourglass_flowing_sand: Din tilmelding til den *{seat_label(seat.kind, seat.slot, definite=True)}* i "
        f"*{overview.official_name}* venter på godkendelse fra {who}. Pladsen er holdt til dig imens, "
        "og du får besked, så snart den er godkendt."
    )


def approval_request(
    applicant: str, title: str, seat: str, municipality: str, first: bool, status: str
) -> list[str]:
    title_text = f" ({user_text(title)})" if title else ""
    first_text = (
        f" Det er {genitive(municipality)} første tilmelding til netværket." if first else ""
    )
    head = f":raising_hand: *{user_text(applicant)}*{title_text} vil have den {seat} i *{municipality}*.{first_text}"
    if status != "pending":
        return [head, f"Anmodningen er *{REQUEST_STATUS_LABELS.get(status, status)}*."]
    return [head, "Godkend eller afvis tilmeldingen:"]


def approval_result(approved: bool, seat: str, municipality: str) -> list[str]:
    if approved:
        return [
            f":white_check_mark: Din tilmelding er godkendt: du har nu den {seat} i *{municipality}*."
        ]
    return [
        f"Din tilmelding til den {seat} i *{municipality}* blev desværre afvist. Pladsen er ledig "
        f"igen. Tal med kommunens kontaktperson, hvis du mener, det er en fejl."
    ]


def decided_request(approved: bool, applicant: str) -> str:
    return f"Tilmeldingen fra {user_text(applicant)} er {'godkendt' if approved else 'afvist'}."


def offer_text(
    kind: str, offerer: str, seat: str, municipality: str, meeting: str | None, expires: str
) -> str:
    if kind == "handover":
        what = f"overdrage den {seat} i *{municipality}* til dig"
    elif kind == "swap":
        what = f"bytte plads med dig: du får den {seat} i *{municipality}*"
    else:
        what = f"sende dig som vikar på den {seat} i *{municipality}* til {meeting}"
    return f":handshake: *{user_text(offerer)}* vil {what}. Tilbuddet gælder til {expires}."


def offer_message(
    kind: str,
    offerer: str,
    seat: str,
    municipality: str,
    meeting: str | None,
    expires: str,
    status: str,
) -> list[str]:
    head = offer_text(kind, offerer, seat, municipality, meeting, expires)
    if status == "pending":
        return [head, "Vil du tage imod?"]
    return [head, f"Tilbuddet er *{OFFER_STATUS_LABELS.get(status, status)}*."]


def offer_sent(kind: str, target: str, seat: str, municipality: str, expires: str) -> str:
    what = {"handover": "overtage", "swap": "bytte til", "substitute": "tage"}.get(kind, "tage")
    return (
        f"Jeg har spurgt *{user_text(target)}*, om de vil {what} den {seat} i *{municipality}*. Tilbuddet "
        f"gælder til {expires}; du får besked, når de har svaret. Fortryd med knappen eller "
        f"`{COMMAND} fortryd`."
    )


def offer_result_for_offerer(status: str, target: str, seat: str, municipality: str) -> list[str]:
    if status == "accepted":
        return [
            f":white_check_mark: *{user_text(target)}* har accepteret: den {seat} i *{municipality}* er skiftet."
        ]
    return [
        f"Dit tilbud til *{user_text(target)}* om den {seat} i *{municipality}* er {OFFER_STATUS_LABELS.get(status, status)}."
    ]


def offer_accepted_for_target(kind: str, seat: str, municipality: str, meeting: str | None) -> str:
    if kind == "substitute":
        return (
            f":white_check_mark: Du er vikar på den {seat} i *{municipality}* til {meeting}. Tak!"
        )
    return f":white_check_mark: Du har nu den {seat} i *{municipality}*."


def offer_declined_by_you(offerer: str) -> str:
    return f"Du har afvist tilbuddet fra {user_text(offerer)}."


def offer_withdrawn_by_you(target: str) -> str:
    return f"Tilbuddet til {user_text(target)} er trukket tilbage."


def offers_withdrawn(count: int) -> str:
    return f"Jeg har trukket {count} tilbud tilbage."  # "tilbud" is the same in plural


def regrets_saved(meeting: str, substitute_asked: str | None) -> str:
    extra = (
        f" Jeg har spurgt {user_text(substitute_asked)}, om de vil tage din plads."
        if substitute_asked
        else ""
    )
    return f"Dit afbud til {meeting} er noteret – pladsen er stadig din efter mødet.{extra}"


def regrets_notice(
    person: str, seat: str, municipality: str, meeting: str, number: int
) -> list[str]:
    return [
        f"*{user_text(person)}* har meldt afbud til {meeting} på den {seat} i *{municipality}*.",
        f"Vil du sende en kollega i stedet, så skriv `{COMMAND} vikar {number} @kollega`.",
    ]


def confirmed_attendance(meeting: str) -> str:
    return f":white_check_mark: Tak – du er noteret som deltager i {meeting}."


def still_coming(meeting: str, when: str, seat: str, municipality: str) -> list[str]:
    return [
        f":wave: *Kommer du stadig?* {meeting} er {when}. Du deltager på den {seat} i *{municipality}*."
    ]


def still_coming_answered(coming: bool) -> str:
    return (
        ":white_check_mark: Tak, vi ses!"
        if coming
        else "Tak for besked – dit afbud er noteret, og kontaktpersonen er bedt om at finde en vikar."
    )


def roster_text(meeting: str, municipalities: Sequence[Any]) -> list[str]:
    lines = []
    empty = []
    for municipality in municipalities:
        parts = []
        for seat in municipality.seats:
            if seat.attendee is None:
                continue
            status = {
                "confirmed": "bekræftet",
                "declined": "afbud",
                "expected": "ikke bekræftet",
            }.get(seat.status, seat.status)
            role = " (vikar)" if seat.role == "substitute" else ""
            parts.append(
                f"{seat_label_capitalised(seat.kind, seat.slot)}: "
                f"{user_text(seat.attendee.name)}{role} – {status}"
            )
        if municipality.coming == 0:
            empty.append(municipality.name)
        lines.append(
            f"*{municipality.name}*\n"
            + ("\n".join(f"• {p}" for p in parts) or "• ingen pladsholdere")
        )
    sections = [f"*Deltagere i {meeting}*"]
    sections.extend(lines or ["Ingen medlemskommuner endnu."])
    if empty:
        sections.append(":warning: Ingen kommer fra: " + ", ".join(empty))
    return sections


HISTORY_ACTIONS = {
    "registered": "tilmeldt",
    "released": "afmeldt",
    "requested": "anmodet om plads",
    "approved": "godkendt",
    "rejected": "afvist",
    "offered": "tilbudt",
    "handed_over": "overdraget",
    "swapped": "byttet",
    "declined": "tilbud afvist",
    "withdrawn": "tilbud trukket tilbage",
    "expired": "tilbud udløbet",
    "admin_set": "sat af facilitator",
    "admin_freed": "frigjort af facilitator",
    "substitute": "vikar",
    "regrets": "afbud",
}


# History actions whose reason a facilitator wrote.
FACILITATOR_ACTIONS = frozenset({"admin_set", "admin_freed"})


def history_text(lines: Sequence[Any], tz: ZoneInfo, municipality: str | None) -> list[str]:
    if not lines:
        return [f"Der er ingen historik{' for ' + municipality if municipality else ''} endnu."]
    out = []
    for line in lines:
        who = line.person or line.previous or ""
        parts = [
            f"{format_short_datetime(line.at, tz)} · {line.municipality}, {seat_label(line.kind, line.slot)}: "
            f"{HISTORY_ACTIONS.get(line.action, line.action)}"
        ]
        if who:
            parts.append(f" – {user_text(who)}")
        if line.previous and line.person and line.previous != line.person:
            parts.append(f" (før: {user_text(line.previous)})")
        if line.actor and line.actor not in (line.person, line.previous):
            parts.append(f", af {user_text(line.actor)}")
        if line.reason:
            # A facilitator's reason (``admin plads``) speaks for KL; any other is a member's.
            reason = line.reason if line.action in FACILITATOR_ACTIONS else user_text(line.reason)
            parts.append(f". Begrundelse: {reason}")
        out.append("".join(parts))
    title = f"*Historik{' for ' + municipality if municipality else ''}* (nyeste nederst)"
    return [title, "\n".join(out)]


def admin_done(seat: str, municipality: str, target: str | None, previous: str | None) -> str:
    before = f" (før: {user_text(previous)})" if previous else ""
    if target:
        return (
            f":white_check_mark: {user_text(target)} har nu den {seat} i *{municipality}*{before}. "
            "Det står i historikken."
        )
    return f":white_check_mark: Den {seat} i *{municipality}* er frigjort{before}. Det står i historikken."


def admin_notice(seat: str, municipality: str, gained: bool, reason: str) -> list[str]:
    why = f" Begrundelse: {reason}" if reason else ""
    if gained:
        return [f"En facilitator har givet dig den {seat} i *{municipality}*.{why}"]
    return [f"En facilitator har frigjort den {seat} i *{municipality}*, som du havde.{why}"]


def _seat_error(err: DomainError) -> str | None:
    p: dict[str, Any] = err.params
    match err.kind:
        case ErrorKind.MENTION_MISSING:
            return (
                "Hvem? Nævn kollegaen med @, fx "
                f"`{COMMAND} {user_text(p.get('command', 'overdrag'))} @Anna`."
            )
        case ErrorKind.MENTION_UNRESOLVED:
            return (
                f"Jeg kan ikke finde '{user_text(p.get('value', ''))}'. Vælg personen fra listen, når du skriver @, "
                "så Slack sender en rigtig henvisning."
            )
        case ErrorKind.SELF_TARGET:
            return "Du kan ikke give en plads til dig selv."
        case ErrorKind.TARGET_HAS_SEAT:
            return f"{user_text(p.get('name'))} har allerede en plads i netværket ({p.get('municipality')}). Man kan kun have én."
        case ErrorKind.TARGET_GONE:
            return f"{user_text(p.get('name'))} er ikke længere med i Slack-arbejdsområdet."
        case ErrorKind.NOT_HOLDER:
            return f"Du har ingen plads i netværket. Tilmeld dig med `{COMMAND} tilmeld`."
        case ErrorKind.NOT_COORDINATOR:
            return f"Det kan kun {genitive(p.get('municipality', 'kommunen'))} kontaktperson (holderen af den faste plads)."
        case ErrorKind.SEAT_SPEC_INVALID:
            return f"'{user_text(p.get('value', ''))}' er ikke en plads. Skriv 'fast', 'fleksibel 1' eller 'fleksibel 2'."
        case ErrorKind.SEAT_NOT_OURS:
            return f"Den plads har {user_text(p.get('holder'))}. Kun pladsholderen selv kan overdrage den."
        case ErrorKind.NOT_SAME_MUNICIPALITY:
            return (
                f"I kan kun bytte, når {user_text(p.get('name'))} også har en plads i din kommune."
            )
        case ErrorKind.OFFER_PENDING_TO_TARGET:
            return f"{user_text(p.get('name'))} har allerede et åbent tilbud om en plads. Vent på svaret, eller fortryd det."
        case ErrorKind.OFFER_PENDING_FOR_SEAT:
            return f"Pladsen er allerede tilbudt {user_text(p.get('name'))}. Fortryd det tilbud først med `{COMMAND} fortryd`."
        case ErrorKind.OFFER_UNKNOWN:
            return "Det tilbud findes ikke (længere)."
        case ErrorKind.OFFER_NOT_YOURS:
            return "Det tilbud er ikke til dig."
        case ErrorKind.OFFER_CLOSED:
            return f"Tilbuddet er allerede {OFFER_STATUS_LABELS.get(p.get('status', ''), p.get('status', ''))}."
        case ErrorKind.NO_OPEN_OFFERS:
            return "Du har ingen åbne tilbud at trække tilbage."
        case ErrorKind.YOU_HAVE_A_SEAT:
            return f"Du har allerede en plads i netværket. Afmeld den først (`{COMMAND} afmeld`), hvis du vil tage imod."
        case ErrorKind.NOT_FLEXIBLE:
            return (
                "Vikarer sendes på de fleksible pladser. Skriv 'fleksibel 1' eller 'fleksibel 2'."
            )
        case ErrorKind.SUBSTITUTE_CHAIN:
            return "Som vikar kan du ikke sende pladsen videre. Meld afbud, så finder kontaktpersonen en anden."
        case ErrorKind.ALREADY_ATTENDING:
            return f"{user_text(p.get('name'))} deltager allerede i mødet på en anden plads."
        case ErrorKind.NOT_ATTENDING:
            return "Du deltager ikke i det møde på nogen plads (måske har en vikar din plads)."
        case ErrorKind.REQUEST_UNKNOWN:
            return "Den tilmelding findes ikke (længere)."
        case ErrorKind.REQUEST_CLOSED:
            return f"Tilmeldingen er allerede {REQUEST_STATUS_LABELS.get(p.get('status', ''), p.get('status', ''))}."
        case ErrorKind.NOT_APPROVER:
            return "Du kan ikke godkende den tilmelding – det kan kommunens kontaktperson eller en facilitator."
        case ErrorKind.SEAT_HAS_SUBSTITUTE:
            return (
                f"Pladsen har allerede en vikar til møde #{p.get('number')}: {user_text(p.get('name'))}. "
                "Vikaren skal melde afbud, før en anden kan tage pladsen."
            )
        case ErrorKind.SUBSTITUTE_ELSEWHERE:
            return (
                f"{user_text(p.get('name'))} er vikar til møde #{p.get('number')} og kan ikke også have en plads "
                "til det møde. Vikaren må melde afbud først "
                f"(`{COMMAND} afbud {p.get('number')}`)."
            )
        case ErrorKind.NOT_A_MEMBER:
            return f"{p.get('municipality')} er ikke medlem af netværket."
    return None


def unknown_button() -> str:
    return "Den knap kender jeg ikke (længere). Prøv kommandoen igen."


PICK_PLACEHOLDER = "Send en kollega"


def pick_label(kind: SeatKind, slot: int, holder: str | None) -> str:
    """The label of a flexible seat's colleague picker in the coordinator's announcement."""
    return f"{seat_label_capitalised(kind, slot)}: " + (user_text(holder) if holder else "ledig")


def pick_suggestions(people: Sequence[tuple[str, str]]) -> str:
    names = ", ".join(f"<@{user}> ({user_text(themes)})" for user, themes in people)
    return f"Forslag ud fra fagområder: {names}"


# -- the edge ------------------------------------------------------------------------------------

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


# -- delivery ------------------------------------------------------------------------------------


def lookup_unavailable_notice(needed: str) -> list[str]:
    """To the facilitators, once: Klimanet cannot check Slack for a post whose fate is unknown."""
    missing = f" (appen mangler tilladelsen `{needed}`)" if needed else ""
    return [
        f":warning: Klimanet kan ikke slå sine egne beskeder op i Slack{missing}. Når Slack ikke "
        "svarer tydeligt på en afsendelse, sender Klimanet derfor beskeden igen, og enkelte kan "
        "få den to gange.",
        "Bed en Slack-administrator om at give appen tilladelserne `channels:history`, "
        "`groups:history`, `im:history` og `files:read` og installere den igen.",
    ]
