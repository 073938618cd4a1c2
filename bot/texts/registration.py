"""Registration: seats, joining and leaving, the registration form, the network at a glance."""

from __future__ import annotations

from bot.domain.registration import NetworkSummary, SeatOverview, SeatView
from bot.markup import Icon, bold, icon, italic
from bot.models import SeatKind
from bot.texts.common import (
    COMMAND,
    NETWORK_NAME,
    genitive,
    holder_text,
    literal,
    seat_label,
    seat_label_capitalised,
)
from bot.texts.succession import leaving_coordinator


def seat_lines(overview: SeatOverview) -> str:
    lines = []
    for seat in overview.seats:
        who = holder_text(seat.holder) if seat.holder else italic("ledig")
        if seat.pending:
            who += f" {italic('(afventer godkendelse)')}"
        lines.append(f"• {seat_label_capitalised(seat.kind, seat.slot)}: {who}")
    return "\n".join(lines)


def overview_text(overview: SeatOverview) -> str:
    if not overview.holders:
        return (
            f"{bold(overview.official_name)} er ikke med i netværket: ingen derfra har en plads. "
            "Den første, der "
            f"tilmelder sig, gør kommunen til medlem: `{COMMAND} tilmeld {overview.municipality_name}`"
        )
    filled = len(overview.holders)
    return (
        f"{bold(overview.official_name)} – {filled} af {len(overview.seats)} pladser besat\n"
        + seat_lines(overview)
    )


def registered(seat: SeatView, overview: SeatOverview, became_member: bool) -> str:
    first = (
        f"\n{overview.municipality_name} er nu medlem af netværket – velkommen!"
        if became_member
        else ""
    )
    return (
        f"{icon(Icon.DONE)} Du er tilmeldt {NETWORK_NAME} for {bold(overview.official_name)} "
        f"på den {bold(seat_label(seat.kind, seat.slot, definite=True))}.{first}"
    )


def registered_context() -> str:
    return (
        f"Se kommunens pladser med `{COMMAND} pladser`. Vil du give din plads fra dig, "
        f"så skriv `{COMMAND} afmeld`. Sådan behandler Klimanet dine oplysninger: "
        f"`{COMMAND} privatliv`."
    )


def seats_not_registered() -> str:
    return (
        "Du har ingen plads i netværket endnu, så jeg ved ikke, hvilken kommune du mener. "
        f"Skriv fx `{COMMAND} pladser Aarhus` – eller tilmeld dig med `{COMMAND} tilmeld`."
    )


def confirm_release(seat: SeatView, overview: SeatOverview) -> str:
    return (
        f"Vil du afmelde dig og give din {bold(seat_label(seat.kind, seat.slot, definite=True))} i "
        f"{bold(overview.official_name)} fri? Historikken gemmer, at du har haft pladsen."
        + (f" {leaving_coordinator()}" if _coordinator(seat) else "")
    )


def _coordinator(seat: SeatView) -> bool:
    """The seat of the municipality's contact person (approved, not a waiting registration)."""
    return seat.kind is SeatKind.FIXED and not seat.pending


RELEASE_BUTTON = "Ja, afmeld mig"


CANCEL_BUTTON = "Nej, behold pladsen"


def released(seat: SeatView, overview: SeatOverview) -> str:
    return (
        f"Du er afmeldt. Den {bold(seat_label(seat.kind, seat.slot, definite=True))} i "
        f"{bold(overview.official_name)} "
        "er nu ledig." + (f" {leaving_coordinator()}" if _coordinator(seat) else "")
    )


def release_cancelled() -> str:
    return "Godt – du beholder din plads."


def network_summary(summary: NetworkSummary) -> list[str]:
    if summary.member_count == 0:
        waiting = (
            f" ({summary.waiting} med en tilmelding, der venter på godkendelse)"
            if summary.waiting
            else ""
        )
        return [
            f"{bold(summary.network_name)} har ingen medlemskommuner endnu{waiting}. "
            f"Bliv den første: `{COMMAND} tilmeld {literal('<kommune>')}`"
        ]
    head = (
        f"{bold(summary.network_name)}\n{summary.member_count} "
        f"{'kommune' if summary.member_count == 1 else 'kommuner'} · "
        f"{summary.filled} af {summary.seats} pladser besat"
    )
    sections = [head]
    for region in summary.regions:
        members = ", ".join(f"{m.name} {m.filled}/{m.seats}" for m in region.members)
        sections.append(f"{bold(region.name)} ({len(region.members)})\n{members}")
    sections.append(_without_anyone(summary))
    return sections


def _without_anyone(summary: NetworkSummary) -> str:
    total = summary.member_count + summary.without_anyone
    text = f"{summary.without_anyone} af landets {total} kommuner har ingen på en plads i netværket"
    if summary.waiting:
        text += f"; {summary.waiting} af dem har en tilmelding, der venter på godkendelse"
    return italic(f"{text}.")


FORM_TITLE = "Tilmeld dig netværket"  # ≤ 24 chars (Slack modal title)


FORM_SUBMIT = "Tilmeld"


FORM_CLOSE = "Annullér"


FORM_INTRO = (
    f"{bold(NETWORK_NAME)}\nHver kommune har én fast plads og to fleksible pladser. Vælg din kommune "
    f"og hvilken plads, du vil have.\n"
    + italic(f"Sådan behandler Klimanet dine oplysninger: `{COMMAND} privatliv`.")
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


FORM_DONE = "Luk"


FORM_RESULT_TITLE = "Tilmelding"  # also when the seat awaits approval

# The registration form while it is saved after the ack, and when saving was refused.
REGISTRATION_FORM_SAVING = "Tilmelder dig …"
REGISTRATION_FORM_NOT_SAVED = "Du er ikke tilmeldt"


def home_title() -> str:
    return f"{bold(NETWORK_NAME)}"


def home_not_registered() -> str:
    return (
        f"Du har ingen plads i netværket endnu. Skriv `{COMMAND} tilmeld` i en kanal eller her, "
        "så får du en formular."
    )


def registration_pending(seat: SeatView, overview: SeatOverview, approver: str) -> str:
    who = (
        "en facilitator fra KL"
        if approver == "facilitator"
        else f"{genitive(overview.municipality_name)} kontaktperson"
    )
    return (
        f"{icon(Icon.WAITING)} Din tilmelding til den {bold(seat_label(seat.kind, seat.slot, definite=True))} i "
        f"{bold(overview.official_name)} venter på godkendelse fra {who}. Pladsen er holdt til dig imens, "
        "og du får besked, så snart den er godkendt."
    )
