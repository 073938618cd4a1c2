"""Data protection: the privacy notice, what Klimanet holds about you, erasure, and the notices
that a seat is free."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.privacy import Held
from bot.markup import Icon, PlatformWord, bold, icon, word
from bot.models import SeatKind
from bot.replies import user_text
from bot.texts.common import COMMAND, NETWORK_NAME, join_and, seat_label
from bot.texts.consent import HISTORY_ACTIONS, OFFER_STATUS_LABELS, REQUEST_STATUS_LABELS
from bot.texts.dates import format_date, format_when
from bot.texts.posts import POST_KIND_LABELS
from bot.texts.succession import leaving_coordinator

# The legal basis when the operator has not configured one (KLIMANET_LEGAL_BASIS).
DEFAULT_LEGAL_BASIS = (
    "Oplysningerne behandles, fordi den dataansvarlige har en legitim interesse i at drive "
    "netværket for kommunerne (databeskyttelsesforordningens artikel 6, stk. 1, litra f)."
)

PRIVACY_HINT = f"Sådan behandler Klimanet dine oplysninger: `{COMMAND} privatliv`."

# For the App Home tab: one line under the commands.
HOME_PRIVACY_LINE = (
    f"{bold('Dine data:')} se hvad Klimanet gemmer med `{COMMAND} mine-data`, slet det med "
    f"`{COMMAND} slet-mig`, og læs hvordan og hvorfor med `{COMMAND} privatliv`."
)

MY_DATA_FILE_TITLE = "Dine data i Klimanet"

MY_DATA_JSON_TITLE = "Dine data i Klimanet (maskinlæsbart, JSON)"

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
        f"{bold('Sådan behandler Klimanet dine oplysninger')}\n{bold('Dataansvarlig:')} {who}.{reach}",
        f"{bold('Formål:')} at drive {NETWORK_NAME}: kommunernes pladser (én fast og to fleksible), "
        "tilmeldinger, overdragelser og vikarer, møder og dagsordener, og beskeder om dem.",
        f"{bold('Hvad vi gemmer, og hvor det kommer fra:')}\n"
        f"• fra din {word(PlatformWord.PROFILE)}: dit {word(PlatformWord.ACCOUNT_ID)}, dit navn "
        "og din titel;\n"
        "• fra det, du selv skriver: din kommune, titel og fagområder i tilmeldingen, dine "
        "svar på tilbud og om fremmøde, dine afbud;\n"
        "• det, der sker med pladserne: historikken over, hvem der havde hvilken plads hvornår, "
        "og de beskeder, Klimanet sender dig.\n"
        "Klimanet gemmer ikke din e-mailadresse eller andet fra din profil.",
        f"{bold('Retsgrundlag:')} {legal_basis or DEFAULT_LEGAL_BASIS}",
        f"{bold('Opbevaring:')} Når du ikke har haft en plads og ikke har brugt netværket i {kept}, "
        f"erstattes dine oplysninger af et pseudonym. Historik ældre end {kept} nævner ingen "
        "ved navn. Sendte beskeder gemmes kun som et spor (uden indhold) efter 30 dage.",
        f"{bold('Dine rettigheder:')} Du har ret til indsigt, berigtigelse, sletning, begrænsning og "
        "indsigelse.\n"
        f"• `{COMMAND} mine-data` sender dig alt, hvad Klimanet har om dig, som en fil;\n"
        f"• `{COMMAND} slet-mig` sletter dine oplysninger (din plads bliver ledig);\n"
        f"• dit navn kommer fra din {word(PlatformWord.PROFILE)} og rettes dér; andet retter "
        + (f"den dataansvarlige ({contact})" if contact else "KL")
        + " eller en facilitator.",
        f"{bold('Klage:')} Du kan klage til Datatilsynet, Carl Jacobsens Vej 35, 2500 Valby, "
        "www.datatilsynet.dk.",
    ]


def _since(value: Any, tz: ZoneInfo) -> str:
    return format_date(datetime.fromisoformat(str(value)), tz) if value else ""


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def my_data_summary(held: Held, tz: ZoneInfo, filename: str, json_filename: str) -> list[str]:
    """A short summary of ``mine-data`` in Danish: what, since when, why."""
    lines = []
    if held.person is not None:
        person = held.person
        title = f" ({user_text(person['title'])})" if person["title"] else ""
        lines.append(
            f"• fra din {word(PlatformWord.PROFILE)}: dit {word(PlatformWord.ACCOUNT_ID)} "
            f"`{person['account']}`, dit navn "
            f"{bold(user_text(person['name']))}{title} – siden {_since(person['known_since'], tz)}"
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
    for feed in held.calendar_subscriptions:
        lines.append(
            f"• et kalenderabonnement på {_label(_FEED_SCOPE, feed['scope'])} – siden "
            f"{_since(feed['created_at'], tz)} (selve linket gemmes ikke)"
        )
    counts = [
        _count(len(held.history), "hændelse i pladshistorikken", "hændelser i pladshistorikken"),
        _count(len(held.requests), "tilmelding", "tilmeldinger"),
        _count(len(held.offers), "tilbud", "tilbud"),
        _count(len(held.attendance), "svar om fremmøde", "svar om fremmøde"),
        _count(len(held.poll_votes), "stemme for din kommune", "stemmer for din kommune"),
        _count(len(held.feedback), "karakter til et møde", "karakterer til møder"),
        _count(len(held.presence), "registreret fremmøde", "registrerede fremmøder"),
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
        f"{bold('Det har Klimanet om dig')}\n" + "\n".join(lines),
        f"{bold('Hvorfor:')} for at drive {NETWORK_NAME} – pladser, møder og beskeder om dem.",
        f"Alle oplysningerne står i filen {filename} på dansk, og maskinlæsbart i "
        f"{json_filename}; du får begge som direkte besked. "
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


# -- mine-data as a document in Danish (beside the machine-readable JSON) ---------------------

_SEAT_STATUS = {"held": "besat (godkendt)", "pending": "venter på godkendelse"}
_HISTORY_PART = {
    "subject": "hændelsen handler om dig",
    "previous_holder": "du havde pladsen før",
    "actor": "du gjorde det",
}
_REQUEST_PART = {"applicant": "din tilmelding", "decided": "du godkendte eller afviste den"}
_APPROVER = {"facilitator": "en facilitator fra KL", "coordinator": "kommunens kontaktperson"}
_OFFER_KIND = {"handover": "overdragelse", "swap": "bytte", "substitute": "vikar til et møde"}
_OFFER_PART = {"offered": "du tilbød", "offered_to_you": "tilbudt dig"}
_ATTENDANCE_ROLE = {"holder": "pladsholder", "substitute": "vikar"}
_ATTENDANCE_STATUS = {"expected": "forventet", "confirmed": "bekræftet", "declined": "afbud"}
_POST_KIND = {
    **{kind: label[:1].upper() + label[1:] for kind, label in POST_KIND_LABELS.items()},
    "announce_dm": "Spørgsmålet om, hvem kommunen sender",
    "home": "Opdateringen af din App Home-fane",
    "dead_notice": "Beskeden om en besked, der ikke kunne leveres",
    "missed_notice": "Beskeden om en besked, der ikke blev sendt i tide",
    "lookup_notice": "Beskeden om, at Klimanet ikke kan slå sine egne beskeder op",
}


def _post(kind: Any) -> str:
    # A kind added later without a label still reads as Danish, with its name for reference.
    return _POST_KIND.get(str(kind), f"En besked fra Klimanet ({kind})")


def _when(value: Any, tz: ZoneInfo) -> str:
    """``mandag den 7. december 2026 kl. 16.10 (CET)``: Danish wall clock, zone named."""
    if not value:
        return "–"
    at = datetime.fromisoformat(str(value))
    return f"{format_when(at, tz)} ({at.astimezone(tz).tzname()})"


def _seat_name(row: dict[str, Any]) -> str:
    kind = SeatKind(row.get("seat_kind") or row["kind"])  # an offer's "kind" is the offer's
    return f"{seat_label(kind, row['slot'])} i {row['municipality']}"


def _entry(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(f"  {key}: {value}" for key, value in pairs if value not in (None, ""))


def _block(title: str, entries: list[list[tuple[str, Any]]], none: str) -> str:
    if not entries:
        return f"{title}\n  {none}"
    return f"{title}\n" + "\n\n".join(_entry(pairs) for pairs in entries)


def _label(labels: dict[str, str], value: Any) -> str:
    return labels.get(str(value), str(value))


def _document_parts(held: Held, tz: ZoneInfo) -> list[str]:
    person = held.person
    about = (
        _entry(
            [
                ("Arbejdsområde", person["workspace"]),
                ("Bruger-id", person["account"]),
                ("Navn", person["name"]),
                ("Titel", person["title"] or "ingen"),
                ("Fagområder", ", ".join(person["themes"]) or "ingen"),
                ("Kendt af Klimanet siden", _when(person["known_since"], tz)),
            ]
        )
        if person is not None
        else "  Klimanet har ingen oplysninger fra din profil, kun det nedenfor."
    )
    return [
        f"Om dig\n{about}",
        _block(
            "Din plads",
            [
                [
                    ("Plads", _seat_name(s)),
                    ("Status", _label(_SEAT_STATUS, s["status"])),
                    ("Siden", _when(s["held_since"], tz)),
                ]
                for s in held.seats
            ],
            "Du har ingen plads.",
        ),
        _block(
            "Tidligere pladser",
            [
                [
                    ("Plads", _seat_name(s)),
                    ("Fra", _when(s["from"], tz)),
                    ("Til", _when(s["to"], tz)),
                ]
                for s in held.past_seats
            ],
            "Ingen.",
        ),
        _block(
            "Pladshistorik (hændelser, hvor du indgår; andre personer er udeladt)",
            [
                [
                    ("Tidspunkt", _when(h["at"], tz)),
                    ("Plads", _seat_name(h)),
                    ("Hændelse", _label(HISTORY_ACTIONS, h["action"])),
                    ("Din del", ", ".join(_label(_HISTORY_PART, p) for p in h["your_part"])),
                    ("Begrundelse", h["reason"]),
                ]
                for h in held.history
            ],
            "Ingen hændelser.",
        ),
        _block(
            "Tilmeldinger, der skulle godkendes",
            [
                [
                    ("Plads", _seat_name(r)),
                    ("Din del", _label(_REQUEST_PART, r["your_part"])),
                    ("Godkendes af", _label(_APPROVER, r["approver"])),
                    ("Status", _label(REQUEST_STATUS_LABELS, r["status"])),
                    ("Oprettet", _when(r["created_at"], tz)),
                    ("Afgjort", _when(r["decided_at"], tz) if r["decided_at"] else ""),
                ]
                for r in held.requests
            ],
            "Ingen.",
        ),
        _block(
            "Tilbud om pladser",
            [
                [
                    ("Plads", _seat_name(o)),
                    ("Slags", _label(_OFFER_KIND, o["kind"])),
                    ("Din del", _label(_OFFER_PART, o["your_part"])),
                    ("Status", _label(OFFER_STATUS_LABELS, o["status"])),
                    ("Oprettet", _when(o["created_at"], tz)),
                    ("Udløber", _when(o["expires_at"], tz)),
                    ("Afgjort", _when(o["decided_at"], tz) if o["decided_at"] else ""),
                ]
                for o in held.offers
            ],
            "Ingen.",
        ),
        _block(
            "Dine svar om fremmøde",
            [
                [
                    ("Møde", f"#{a['meeting']['number']} {a['meeting']['title']}"),
                    ("Mødet begynder", _when(a["meeting"]["starts_at"], tz)),
                    ("Plads", _seat_name(a)),
                    ("Som", _label(_ATTENDANCE_ROLE, a["role"])),
                    ("Svar", _label(_ATTENDANCE_STATUS, a["status"])),
                    ("Ændret", _when(a["updated_at"], tz)),
                ]
                for a in held.attendance
            ],
            "Ingen.",
        ),
        *_between_meetings(held, tz),
        _block(
            "Møder, du har fået besked om",
            [
                [
                    ("Møde", f"#{t['meeting']} {t['title']}"),
                    ("Første besked", _post(t["first_told_by"])),
                    ("Tidspunkt", _when(t["at"], tz)),
                ]
                for t in held.told_about
            ],
            "Ingen.",
        ),
        _block(
            "Direkte beskeder, der venter på at blive sendt (teksten skrives først, når de sendes)",
            [
                [("Besked", _post(p["kind"])), ("Sendes", _when(p["due_at"], tz))]
                for p in held.waiting_posts
            ],
            "Ingen.",
        ),
        _block(
            "Direkte beskeder, Klimanet har sendt dig (teksten gemmes ikke)",
            [
                [("Besked", _post(p["kind"])), ("Sendt", _when(p["sent_at"], tz))]
                for p in held.sent_posts
            ],
            "Ingen.",
        ),
        _block(
            "Møder, du har oprettet som facilitator",
            [
                [("Møde", f"#{m['number']} {m['title']}"), ("Oprettet", _when(m["created_at"], tz))]
                for m in held.meetings_created
            ],
            "Ingen.",
        ),
        _block(
            "Nyheder, du har skrevet som facilitator",
            [
                [("Tekst", n["text"]), ("Skrevet", _when(n["created_at"], tz))]
                for n in held.news_written
            ],
            "Ingen.",
        ),
    ]


_FEED_SCOPE = {
    "personal": "dine møder (dem, du forventes til)",
    "network": "alle netværkets møder",
}


def _yes_no(value: Any) -> str:
    return "ja" if value else "nej"


def _between_meetings(held: Held, tz: ZoneInfo) -> list[str]:
    """Votes, feedback, calendar links and attendance marks (afstemninger, feedback, kalender,
    fremmøde)."""
    return [
        _block(
            "Stemmer, du har afgivet for din kommune",
            [
                [
                    ("Afstemning", f"#{v['poll']} {v['question']}"),
                    ("Afgivet for", v["on_behalf_of"]),
                    ("Svar", ", ".join(v["choices"]) or "–"),
                    ("Afgivet", _when(v["cast_at"], tz)),
                ]
                for v in held.poll_votes
            ],
            "Ingen.",
        ),
        _block(
            "Din feedback på møder",
            [
                [
                    ("Møde", f"#{f['meeting']['number']} {f['meeting']['title']}"),
                    ("Karakter", f"{f['rating']} af 5"),
                    ("Kommentar", f["comment"] or "ingen"),
                    ("Underskrevet med dit navn", _yes_no(f["signed"])),
                    ("Givet", _when(f["answered_at"], tz)),
                ]
                for f in held.feedback
            ],
            "Ingen.",
        ),
        _block(
            "Dine kalenderabonnementer (linket selv gemmes ikke)",
            [
                [
                    ("Kalender", _label(_FEED_SCOPE, c["scope"])),
                    ("Oprettet", _when(c["created_at"], tz)),
                ]
                for c in held.calendar_subscriptions
            ],
            "Ingen.",
        ),
        _block(
            "Fremmøde, som KL har registreret",
            [
                [
                    ("Møde", f"#{p['meeting']['number']} {p['meeting']['title']}"),
                    ("Mødet begynder", _when(p["meeting"]["starts_at"], tz)),
                    ("Kom", _yes_no(p["present"])),
                    ("Registreret", _when(p["marked_at"], tz)),
                ]
                for p in held.presence
            ],
            "Ingen.",
        ),
    ]


def _zones(local: datetime) -> str:
    """The zone's names this year, winter and summer (CET and CEST for Copenhagen)."""
    tz = local.tzinfo
    winter = datetime(local.year, 1, 15, 12, tzinfo=tz).tzname()
    summer = datetime(local.year, 7, 15, 12, tzinfo=tz).tzname()
    return f"{winter} om vinteren, {summer} om sommeren" if winter != summer else str(winter)


def my_data_document(held: Held, at: datetime, tz: ZoneInfo, json_filename: str) -> str:
    """``mine-data`` for people to read: Danish headings, keys and values, Danish local time
    with the zone named, and what it is at the top. The JSON file holds the same for machines."""
    local = at.astimezone(tz)
    parts = _document_parts(held, tz)
    if not (held.meetings_created or held.news_written):
        parts = parts[:-2]  # a facilitator's sections, for someone who has written none
    head = (
        f"Dine data i Klimanet ({NETWORK_NAME})\n"
        f"Udtrukket {_when(at.isoformat(), tz)}\n\n"
        "Her er alt, hvad Klimanet har gemt om dig: det, din profil i chatten gav os, det, du selv "
        "har skrevet, og det, der er sket med pladserne og møderne, som du indgår i. Andre "
        "personer er udeladt.\n"
        f"Alle tider er dansk tid ({tz.key}), med zonen ved hver tid: "
        f"{_zones(local)}.\n"
        f"De samme oplysninger står i filen {json_filename} i et maskinlæsbart format (JSON, "
        "tider i UTC), som du kan tage med dig.\n"
        f"Læs mere med '{COMMAND} privatliv', og slet oplysningerne med '{COMMAND} slet-mig'."
    )
    return "\n\n".join([head, *parts]) + "\n"


def confirm_erase(seat: str | None, coordinator: bool = False) -> str:
    lost = (
        f" Din {seat} bliver ledig, og kontaktpersonen og KL's facilitatorer får besked."
        if seat
        else ""
    )
    if seat and coordinator:  # they are the contact person: never promise them a message
        lost = f" Din {seat} bliver ledig. {leaving_coordinator()}"
    return (
        f"{icon(Icon.WARNING)} Vil du have slettet dine oplysninger i Klimanet? Dit navn, din titel, dine "
        f"fagområder og dit {word(PlatformWord.ACCOUNT_ID)} fjernes, dine åbne tilbud og tilmeldinger bortfalder, og "
        "de direkte beskeder, Klimanet har sendt dig, slettes." + lost + " Historikken beholder "
        "hændelserne under et pseudonym. Det kan ikke fortrydes."
    )


def erase_kept() -> str:
    return "Godt – intet er slettet."


def erased(at: datetime, tz: ZoneInfo) -> str:
    return (
        f"{icon(Icon.DONE)} Dine oplysninger i Klimanet er slettet {format_date(at, tz)}. "
        f"Det, der står i {word(PlatformWord.NAME)} ud over Klimanets egne beskeder til dig, hører under "
        "arbejdsområdets ejer. Du er velkommen tilbage med "
        f"`{COMMAND} tilmeld`."
    )


def nothing_to_erase() -> str:
    return "Klimanet har ingen oplysninger om dig, så der er intet at slette."


def admin_erased(pseudonym: str, at: datetime, tz: ZoneInfo) -> str:
    return (
        f"{icon(Icon.DONE)} Oplysningerne er slettet {format_date(at, tz)}. Personen hedder nu "
        f"{bold(pseudonym)} i historikken, og begrundelsen er gemt ved sletningen."
    )


def admin_nothing_to_erase() -> str:
    return "Klimanet har ingen oplysninger om den person, så der er intet at slette."


def seat_freed(seat: str, municipality: str, action: str, gone: str | None) -> list[str]:
    """To the coordinator and the facilitators: a seat is free now."""
    why = (
        f", fordi {user_text(gone)} ikke længere er aktiv i {word(PlatformWord.NAME)}"
        if action == "deactivated" and gone
        else ""
    )
    return [
        f"Den {seat} i {bold(municipality)} er ledig{why}. Kommunen kan "
        f"besætte den igen med `{COMMAND} tilmeld {municipality}` eller en facilitator med "
        f"`{COMMAND} admin plads`."
    ]
