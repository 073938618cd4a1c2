"""Every sentence Klimanet shows to users, in Danish, in one place.

Functions take domain values and return text in Slack's light markup (``*fed*``). Keep the
wording close to KL's own: "én fast plads og to fleksible pladser", "tilmelding", "pladsholder".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Holder, NetworkSummary, SeatOverview, SeatView
from bot.models import SeatKind

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


def holder_text(holder: Holder) -> str:
    title = f" ({holder.title})" if holder.title else ""
    return f"{holder.name}{title}"


def mention(holder: Holder) -> str:
    return f"<@{holder.user_id}>"


def join_and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def seat_lines(overview: SeatOverview) -> str:
    lines = []
    for seat in overview.seats:
        who = holder_text(seat.holder) if seat.holder else "_ledig_"
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
            f"Bliv den første: `{COMMAND} tilmeld <kommune>`"
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
    ("hjælp", "Denne oversigt", ""),
)


def help_text() -> list[str]:
    lines = [
        f"• `{COMMAND} {name}{' ' + example if example else ''}` – {what}"
        for name, what, example in HELP_LINES
    ]
    return [
        f"*{NETWORK_NAME}* – sådan bruger du `{COMMAND}`",
        "\n".join(lines),
        "Hver kommune har *én fast plads* og *to fleksible pladser*. Den faste plads giver et "
        "stabilt netværk; de fleksible pladser lader kommunen sende den rette faglighed, når "
        "temaerne skifter.",
    ]


def unknown_command(word: str, suggestion: str | None) -> str:
    hint = f" – mente du '{suggestion}'?" if suggestion else "."
    return f"Kender ikke '{word}'{hint} Skriv `{COMMAND} hjælp` for at se, hvad jeg kan."


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
    match err.kind:
        case ErrorKind.MUNICIPALITY_MISSING:
            return f"Hvilken kommune? Skriv fx `{COMMAND} tilmeld Aarhus` eller `{COMMAND} tilmeld 751`."
        case ErrorKind.MUNICIPALITY_UNKNOWN:
            suggestions: list[str] = p.get("suggestions") or []
            if suggestions:
                return (
                    f"Jeg kender ingen kommune, der hedder '{p['query']}'. "
                    f"Mente du {join_or(suggestions)}?"
                )
            return (
                f"Jeg kender ingen kommune, der hedder '{p['query']}'. Skriv kommunens navn "
                "eller kommunekode, fx 'Aarhus' eller '751'."
            )
        case ErrorKind.MUNICIPALITY_AMBIGUOUS:
            return (
                f"'{p['query']}' passer på flere kommuner: {join_or(p['choices'])}. "
                "Skriv hele navnet."
            )
        case ErrorKind.NOT_A_MUNICIPALITY:
            return (
                f"{p.get('name', p['query'])} er ikke en kommune (øerne administreres af "
                "staten), så den kan ikke tilmeldes netværket."
            )
        case ErrorKind.SEAT_KIND_UNKNOWN:
            return f"'{p['value']}' er ikke en pladstype. Skriv 'fast' eller 'fleksibel'."
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

THEMES = (
    "Affald",
    "Grønne indkøb",
    "Klimatilpasning",
    "Energiplanlægning",
    "Cirkulær økonomi",
    "CO2-regnskaber",
    "Klimaplaner",
    "Mobilitet",
)


def form_municipality_required() -> str:
    return "Vælg en kommune."


def plain(text: str) -> str:
    """Markup-free text for places that show plain text only (form errors, option labels)."""
    return text.replace("*", "").replace("`", "'")


FORM_DONE = "Luk"
FORM_RESULT_TITLE = "Du er tilmeldt"


def home_title() -> str:
    return f"*{NETWORK_NAME}*"


def home_not_registered() -> str:
    return (
        f"Du har ingen plads i netværket endnu. Skriv `{COMMAND} tilmeld` i en kanal eller her, "
        "så får du en formular."
    )
