"""Data protection: the privacy notice, what Klimanet holds about you, erasure, and the notices
that a seat is free."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.privacy import Held
from bot.models import SeatKind
from bot.replies import user_text
from bot.texts.common import COMMAND, NETWORK_NAME, join_and, seat_label
from bot.texts.dates import format_date

# The legal basis when the operator has not configured one (KLIMANET_LEGAL_BASIS).
DEFAULT_LEGAL_BASIS = (
    "Oplysningerne behandles, fordi den dataansvarlige har en legitim interesse i at drive "
    "netværket for kommunerne (databeskyttelsesforordningens artikel 6, stk. 1, litra f)."
)

PRIVACY_HINT = f"Sådan behandler Klimanet dine oplysninger: `{COMMAND} privatliv`."

# For the App Home tab: one line under the commands.
HOME_PRIVACY_LINE = (
    f"*Dine data:* se hvad Klimanet gemmer med `{COMMAND} mine-data`, slet det med "
    f"`{COMMAND} slet-mig`, og læs hvordan og hvorfor med `{COMMAND} privatliv`."
)

MY_DATA_FILE_TITLE = "Dine data i Klimanet"

ERASE_BUTTON = "Ja, slet mine data"

KEEP_BUTTON = "Nej, behold dem"


def retention_words(retention: timedelta) -> str:
    """``2 år``, ``1 år``, ``90 dage``, ``1 dag``."""
    days = retention.days
    if days and days % 365 == 0:
        return f"{days // 365} år"
    return f"{days} {'dag' if days == 1 else 'dage'}"


def privacy_notice(
    controller: str | None, contact: str | None, legal_basis: str | None, retention: timedelta
) -> list[str]:
    """The privacy notice (``/klimanet privatliv``): who, why, what, where from, on which
    basis, for how long, and the person's rights."""
    # A setting the operator left out is their start-up warning (bot.config.missing_privacy),
    # never a setting's name here: the person is pointed to KL in general terms instead.
    who = controller or "KL, som driver netværket"
    reach = (
        f" Du kan kontakte den dataansvarlige på {contact}."
        if contact
        else " Har du spørgsmål om dine oplysninger, så kontakt KL."
    )
    kept = retention_words(retention)
    return [
        f"*Sådan behandler Klimanet dine oplysninger*\n*Dataansvarlig:* {who}.{reach}",
        f"*Formål:* at drive {NETWORK_NAME}: kommunernes pladser (én fast og to fleksible), "
        "tilmeldinger, overdragelser og vikarer, møder og dagsordener, og beskeder om dem.",
        "*Hvad vi gemmer, og hvor det kommer fra:*\n"
        "• fra din Slack-profil: dit Slack-id, dit navn og din titel;\n"
        "• fra det, du selv skriver: din kommune, titel og fagområder i tilmeldingen, dine "
        "svar på tilbud og om fremmøde, dine afbud;\n"
        "• det, der sker med pladserne: historikken over, hvem der havde hvilken plads hvornår, "
        "og de beskeder, Klimanet sender dig.\n"
        "Klimanet gemmer ikke din e-mailadresse eller andet fra din profil.",
        f"*Retsgrundlag:* {legal_basis or DEFAULT_LEGAL_BASIS}",
        f"*Opbevaring:* Når du ikke har haft en plads og ikke har brugt netværket i {kept}, "
        f"erstattes dine oplysninger af et pseudonym. Historik ældre end {kept} nævner ingen "
        "ved navn. Sendte beskeder gemmes kun som et spor (uden indhold) efter 30 dage.",
        "*Dine rettigheder:* Du har ret til indsigt, berigtigelse, sletning, begrænsning og "
        "indsigelse.\n"
        f"• `{COMMAND} mine-data` sender dig alt, hvad Klimanet har om dig, som en fil;\n"
        f"• `{COMMAND} slet-mig` sletter dine oplysninger (din plads bliver ledig);\n"
        "• dit navn kommer fra din Slack-profil og rettes dér; andet retter "
        + (f"den dataansvarlige ({contact})" if contact else "KL")
        + " eller en facilitator.",
        "*Klage:* Du kan klage til Datatilsynet, Carl Jacobsens Vej 35, 2500 Valby, "
        "www.datatilsynet.dk.",
    ]


def _since(value: Any, tz: ZoneInfo) -> str:
    return format_date(datetime.fromisoformat(str(value)), tz) if value else ""


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def my_data_summary(held: Held, tz: ZoneInfo, filename: str) -> list[str]:
    """A short summary of ``mine-data`` in Danish: what, since when, why."""
    lines = []
    if held.person is not None:
        person = held.person
        title = f" ({user_text(person['title'])})" if person["title"] else ""
        lines.append(
            f"• fra din Slack-profil: dit Slack-id `{person['slack_user_id']}`, dit navn "
            f"*{user_text(person['name'])}*{title} – siden {_since(person['known_since'], tz)}"
        )
        if person["themes"]:
            lines.append(f"• dine fagområder: {user_text(', '.join(person['themes']))}")
        for seat in held.seats:
            label = seat_label(SeatKind(seat["kind"]), seat["slot"], definite=True)
            waiting = " (venter på godkendelse)" if seat["status"] == "pending" else ""
            lines.append(
                f"• din plads: den {label} i {seat['municipality']}{waiting} – siden "
                f"{_since(seat['held_since'], tz)}"
            )
        if held.past_seats:
            lines.append(
                f"• {_count(len(held.past_seats), 'tidligere plads', 'tidligere pladser')}"
            )
    counts = [
        _count(len(held.history), "hændelse i pladshistorikken", "hændelser i pladshistorikken"),
        _count(len(held.requests), "tilmelding", "tilmeldinger"),
        _count(len(held.offers), "tilbud", "tilbud"),
        _count(len(held.attendance), "svar om fremmøde", "svar om fremmøde"),
        _count(len(held.sent_posts), "sendt besked", "sendte beskeder"),
        _count(len(held.waiting_posts), "besked, der venter", "beskeder, der venter"),
    ]
    lines.append("• " + join_and(counts))
    if held.meetings_created or held.news_written:
        lines.append(
            "• som facilitator: "
            + join_and(
                [
                    _count(len(held.meetings_created), "møde oprettet", "møder oprettet"),
                    _count(len(held.news_written), "nyhed", "nyheder"),
                ]
            )
        )
    return [
        "*Det har Klimanet om dig*\n" + "\n".join(lines),
        f"*Hvorfor:* for at drive {NETWORK_NAME} – pladser, møder og beskeder om dem.",
        f"Alle oplysningerne står i filen {filename}, som du får som direkte besked. "
        f"Læs mere med `{COMMAND} privatliv`, og slet dem med `{COMMAND} slet-mig`.",
    ]


def my_data_nothing() -> str:
    return (
        "Klimanet har ingen oplysninger om dig. Du er ikke tilmeldt, og der venter ingen "
        f"beskeder til dig. Læs mere med `{COMMAND} privatliv`."
    )


def my_data_file_description(at: datetime, tz: ZoneInfo) -> str:
    """What the file is, at its top (the person reads it; the keys are for machines)."""
    return f"Alt, hvad Klimanet ({NETWORK_NAME}) har om dig, {format_date(at, tz)}. Tider er i UTC."


def confirm_erase(seat: str | None) -> str:
    lost = (
        f" Din {seat} bliver ledig, og kontaktpersonen og KL's facilitatorer får besked."
        if seat
        else ""
    )
    return (
        ":warning: Vil du have slettet dine oplysninger i Klimanet? Dit navn, din titel, dine "
        "fagområder og dit Slack-id fjernes, dine åbne tilbud og tilmeldinger bortfalder, og "
        "de direkte beskeder, Klimanet har sendt dig, slettes." + lost + " Historikken beholder "
        "hændelserne under et pseudonym. Det kan ikke fortrydes."
    )


def erase_kept() -> str:
    return "Godt – intet er slettet."


def erased(at: datetime, tz: ZoneInfo) -> str:
    return (
        f":white_check_mark: Dine oplysninger i Klimanet er slettet {format_date(at, tz)}. "
        "Det, der står i Slack ud over Klimanets egne beskeder til dig, hører under "
        "arbejdsområdets ejer. Du er velkommen tilbage med "
        f"`{COMMAND} tilmeld`."
    )


def nothing_to_erase() -> str:
    return "Klimanet har ingen oplysninger om dig, så der er intet at slette."


def admin_erased(pseudonym: str, at: datetime, tz: ZoneInfo) -> str:
    return (
        f":white_check_mark: Oplysningerne er slettet {format_date(at, tz)}. Personen hedder nu "
        f"*{pseudonym}* i historikken, og begrundelsen er gemt ved sletningen."
    )


def admin_nothing_to_erase() -> str:
    return "Klimanet har ingen oplysninger om den person, så der er intet at slette."


def seat_freed(seat: str, municipality: str, action: str, gone: str | None) -> list[str]:
    """To the coordinator and the facilitators: a seat is free now."""
    why = (
        f", fordi {user_text(gone)} ikke længere er aktiv i Slack"
        if action == "deactivated" and gone
        else ""
    )
    return [
        f"Den {seat} i *{municipality}* er ledig{why}. Kommunen kan "
        f"besætte den igen med `{COMMAND} tilmeld {municipality}` eller en facilitator med "
        f"`{COMMAND} admin plads`."
    ]
