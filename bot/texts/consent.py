"""Seat changes with consent: approvals, offers, attendance, the roster, the history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.markup import Icon, PlatformWord, bold, icon, italic, mention, word
from bot.models import SeatKind
from bot.replies import user_text
from bot.texts.common import (
    COMMAND,
    format_short_datetime,
    genitive,
    seat_label,
    seat_label_capitalised,
)
from bot.texts.dates import format_day_month

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


def approval_request(
    applicant: str, title: str, seat: str, municipality: str, reason: str, status: str
) -> list[str]:
    """``reason`` says why a facilitator decides: "first" (the municipality's first
    registration) or "no_coordinator" (nobody holds its fixed seat); "" for the coordinator."""
    title_text = f" ({user_text(title)})" if title else ""
    why = {
        "first": f" Det er {genitive(municipality)} første tilmelding til netværket.",
        "no_coordinator": (
            f" {municipality} har ingen kontaktperson (holder af den faste plads) til at "
            "godkende den."
        ),
    }.get(reason, "")
    head = f"{icon(Icon.ASKING)} {bold(user_text(applicant))}{title_text} vil have den {seat} i {bold(municipality)}.{why}"
    if status != "pending":
        return [head, f"Anmodningen er {bold(REQUEST_STATUS_LABELS.get(status, status))}."]
    return [head, "Godkend eller afvis tilmeldingen:"]


def approval_result(approved: bool, seat: str, municipality: str) -> list[str]:
    if approved:
        return [
            f"{icon(Icon.DONE)} Din tilmelding er godkendt: du har nu den {seat} i {bold(municipality)}."
        ]
    return [
        f"Din tilmelding til den {seat} i {bold(municipality)} blev desværre afvist. Pladsen er ledig "
        f"igen. Tal med kommunens kontaktperson, hvis du mener, det er en fejl."
    ]


def decided_request(approved: bool, applicant: str) -> str:
    return f"Tilmeldingen fra {user_text(applicant)} er {'godkendt' if approved else 'afvist'}."


def offer_text(
    kind: str, offerer: str, seat: str, municipality: str, meeting: str | None, expires: str
) -> str:
    if kind == "handover":
        what = f"overdrage den {seat} i {bold(municipality)} til dig"
    elif kind == "swap":
        what = f"bytte plads med dig: du får den {seat} i {bold(municipality)}"
    else:
        what = f"sende dig som vikar på den {seat} i {bold(municipality)} til {meeting}"
    return (
        f"{icon(Icon.OFFER)} {bold(user_text(offerer))} vil {what}. Tilbuddet gælder til {expires}."
    )


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
    return [head, f"Tilbuddet er {bold(OFFER_STATUS_LABELS.get(status, status))}."]


def offer_sent(
    kind: str,
    target: str,
    seat: str,
    municipality: str,
    expires: str,
    meeting: str | None = None,
    instead_of: str | None = None,
) -> str:
    """To the one who made an offer; a substitute's names the meeting, and whose place it is."""
    what = {"handover": "overtage", "swap": "bytte til", "substitute": "tage"}.get(kind, "tage")
    when = f" til {meeting}" if meeting else ""
    instead = f" i stedet for {user_text(instead_of)}" if instead_of else ""
    return (
        f"Jeg har spurgt {bold(user_text(target))}, om de vil {what} den {seat} i {bold(municipality)}"
        f"{when}{instead}. Tilbuddet gælder til {expires}; du får besked, når de har svaret. "
        f"Fortryd med knappen eller `{COMMAND} fortryd`."
    )


def offer_result_for_offerer(
    status: str,
    target: str,
    seat: str,
    municipality: str,
    *,
    kind: str = "handover",
    your_seat: str | None = None,
    meeting: str | None = None,
    holder: str | None = None,
    yours: bool = False,
) -> list[str]:
    """How an offer ended, to the one who made it. A swap says which seat each now holds
    (``your_seat``: the offerer's new one); a substitute's, that it is for ``meeting`` only
    and whose the seat is afterwards (the offerer's own, ``holder``'s, or nobody's)."""
    if status == "accepted" and kind == "swap" and your_seat:
        return [
            f"{icon(Icon.DONE)} {bold(user_text(target))} har sagt ja til at bytte: du har nu den "
            f"{your_seat} i {bold(municipality)}, og {user_text(target)} har den {seat}."
        ]
    if status == "accepted" and kind == "substitute" and meeting:
        if yours:
            after = "Bagefter er pladsen din igen."
        elif holder:
            after = f"Bagefter er pladsen {user_text(genitive(holder))} igen."
        else:
            after = "Bagefter er pladsen ledig igen."
        return [
            f"{icon(Icon.DONE)} {bold(user_text(target))} har sagt ja til at være vikar på den "
            f"{seat} i {bold(municipality)} – kun til {meeting}. {after}"
        ]
    if status == "accepted":
        return [
            f"{icon(Icon.DONE)} {bold(user_text(target))} har accepteret: den {seat} i {bold(municipality)} er skiftet."
        ]
    return [
        f"Dit tilbud til {bold(user_text(target))} om den {seat} i {bold(municipality)} er {OFFER_STATUS_LABELS.get(status, status)}."
    ]


def offer_accepted_for_target(kind: str, seat: str, municipality: str, meeting: str | None) -> str:
    if kind == "substitute":
        return f"{icon(Icon.DONE)} Du er vikar på den {seat} i {bold(municipality)} til {meeting}. Tak!"
    return f"{icon(Icon.DONE)} Du har nu den {seat} i {bold(municipality)}."


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
    person: str, seat: str, municipality: str, meeting: str, number: int, seat_words: str
) -> list[str]:
    """``seat_words``: the seat as typed after ``vikar`` (``fleksibel 2``)."""
    return [
        f"{bold(user_text(person))} har meldt afbud til {meeting} på den {seat} i {bold(municipality)}.",
        "Vil du sende en kollega i stedet, så vælg en nedenfor eller skriv "
        f"`{COMMAND} vikar {number} @kollega {seat_words}`.",
    ]


def confirmed_attendance(meeting: str) -> str:
    return f"{icon(Icon.DONE)} Tak – du er noteret som deltager i {meeting}."


def still_coming(meeting: str, when: str, seat: str, municipality: str) -> list[str]:
    return [
        f"{icon(Icon.HELLO)} {bold('Kommer du stadig?')} {meeting} er {when}. Du deltager på den {seat} i {bold(municipality)}."
    ]


def still_coming_answered(coming: bool) -> str:
    return (
        f"{icon(Icon.DONE)} Tak, vi ses!"
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
            f"{bold(municipality.name)}\n"
            + ("\n".join(f"• {p}" for p in parts) or "• ingen pladsholdere")
        )
    sections = [bold(f"Deltagere i {meeting}")]
    sections.extend(lines or ["Ingen medlemskommuner endnu."])
    if empty:
        sections.append(f"{icon(Icon.WARNING)} Ingen kommer fra: " + ", ".join(empty))
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
    "erased": "slettet efter anmodning",
    "deactivated": f"frigjort, fordi brugeren er deaktiveret i {word(PlatformWord.NAME)}",
    "took_over": "overtaget som kontaktperson",
    "left_for_fixed": "forladt for den faste plads",
}


def history_event(action: str, meeting_at: datetime | None, tz: ZoneInfo) -> str:
    """The Danish word for a seat event, with the meeting it was about (regrets, a
    substitute): ``afbud til mødet 14. januar 2027``."""
    word = HISTORY_ACTIONS.get(action, action)
    if meeting_at is None:
        return word
    return f"{word} til mødet {format_day_month(meeting_at, tz)}"


# Reasons a facilitator gave (an approval's comes only from ``admin plads``; the buttons take
# none), and an erasure's: they speak for KL and are shown as markup.
FACILITATOR_ACTIONS = frozenset({"admin_set", "admin_freed", "approved", "erased"})


def history_text(lines: Sequence[Any], tz: ZoneInfo, municipality: str | None) -> list[str]:
    if not lines:
        return [f"Der er ingen historik{' for ' + municipality if municipality else ''} endnu."]
    out = []
    for line in lines:
        who = line.person or line.previous or ""
        parts = [
            f"{format_short_datetime(line.at, tz)} · {line.municipality}, {seat_label(line.kind, line.slot)}: "
            f"{history_event(line.action, line.meeting_at, tz)}"
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
    title = bold(f"Historik{' for ' + municipality if municipality else ''}") + " (nyeste nederst)"
    return [title, "\n".join(out)]


def admin_done(seat: str, municipality: str, target: str | None, previous: str | None) -> str:
    before = f" (før: {user_text(previous)})" if previous else ""
    if target:
        return (
            f"{icon(Icon.DONE)} {user_text(target)} har nu den {seat} i {bold(municipality)}{before}. "
            "Det står i historikken."
        )
    return f"{icon(Icon.DONE)} Den {seat} i {bold(municipality)} er frigjort{before}. Det står i historikken."


def admin_approved(seat: str, municipality: str, target: str) -> str:
    return (
        f"{icon(Icon.DONE)} {user_text(target)} ventede på godkendelse til den {seat} i "
        f"{bold(municipality)}: tilmeldingen er nu godkendt, og {user_text(target)} har fået besked. "
        "Det står i historikken."
    )


def admin_notice(seat: str, municipality: str, gained: bool, reason: str) -> list[str]:
    why = f" Begrundelse: {reason}" if reason else ""
    if gained:
        return [f"En facilitator har givet dig den {seat} i {bold(municipality)}.{why}"]
    return [f"En facilitator har frigjort den {seat} i {bold(municipality)}, som du havde.{why}"]


PICK_PLACEHOLDER = "Send en kollega"


def pick_label(kind: SeatKind, slot: int, holder: str | None, *, regrets: bool = False) -> str:
    """The label of a flexible seat's colleague picker in the coordinator's announcement."""
    if holder and regrets:
        return f"{seat_label_capitalised(kind, slot)}: {user_text(holder)} har meldt afbud"
    return f"{seat_label_capitalised(kind, slot)}: " + (user_text(holder) if holder else "ledig")


def pick_suggestions(people: Sequence[tuple[str, str, str]]) -> str:
    """People by (account, name, matching fagområder)."""
    names = ", ".join(
        f"{mention(user, name)} ({user_text(themes)})" for user, name, themes in people
    )
    return f"Forslag ud fra fagområder: {names}"


def nothing_waiting() -> str:
    return "Der venter ingen tilmeldinger eller tilbud på dit svar lige nu."


def waiting_head(count: int) -> str:
    return bold(f"{'Én' if count == 1 else count} ting venter på dit svar:")


def waiting_more(count: int) -> str:
    return f"… og {count} mere. Svar på dem ovenfor, og skriv `{COMMAND} afventer` igen."


def seat_choice_line(
    kind: SeatKind, slot: int, attendee: str | None, regrets: bool, *, own: bool
) -> str:
    """One seat a substitute may take, in the "which seat?" question after ``vikar``."""
    label = seat_label_capitalised(kind, slot)
    if own:
        return f"• {label}: din egen" + (
            " (du har meldt afbud)" if regrets else " (hvis du ikke selv kan komme)"
        )
    if attendee is None:
        return f"• {label}: ledig"
    return f"• {label}: {user_text(attendee)} har meldt afbud"


def seat_choice_button(kind: SeatKind, slot: int) -> str:
    return seat_label_capitalised(kind, slot)


def which_seat_for_substitute(
    target: str, meeting: str, municipality: str, lines: Sequence[str], *, regrets: int
) -> str:
    """``regrets``: how many seats of the municipality sent regrets (never exactly one)."""
    why = (
        f"Flere fra {bold(municipality)} har meldt afbud til {meeting}."
        if regrets
        else f"Ingen fra {bold(municipality)} har meldt afbud til {meeting}."
    )
    return (
        f"{why} Hvilken plads skal {bold(user_text(target))} tage? En vikar tager pladsen for en, "
        "der har meldt afbud, eller en ledig fleksibel plads:\n" + "\n".join(lines)
    )


COMING_STATUS = {"confirmed": "bekræftet", "expected": "ikke bekræftet"}


def coming_line(
    kind: SeatKind,
    slot: int,
    attendee: str | None,
    status: str,
    *,
    substitute_for: str | None = None,
    substitute: bool = False,
) -> str:
    """Who fills a seat at a meeting as it stands: substitutes in, regrets out."""
    label = seat_label_capitalised(kind, slot)
    if attendee is None:
        return f"• {label}: ingen (ledig)"
    if status == "declined":
        return f"• {label}: ingen – {user_text(attendee)} har meldt afbud"
    answer = COMING_STATUS.get(status, status)
    if substitute:
        instead = f" for {user_text(substitute_for)}" if substitute_for else ""
        return f"• {label}: {user_text(attendee)} (vikar{instead}) – {answer}"
    return f"• {label}: {user_text(attendee)} – {answer}"


def coming_from(municipality: str, lines: Sequence[str]) -> str:
    return f"{bold(f'Hvem kommer fra {municipality} lige nu')}\n" + "\n".join(lines)


def substitute_notice(
    substitute: str, seat: str, municipality: str, meeting: str, when: str
) -> list[str]:
    """To the holder whose seat a substitute fills for one meeting (someone else sent them)."""
    return [
        f"{bold(user_text(substitute))} tager din plads (den {seat} i {bold(municipality)}) til mødet "
        f"{meeting} {when}. Pladsen er din igen efter mødet."
    ]


def substitution_note(substitution: Any, is_substitute: bool) -> str:
    """Under a meeting in ``møder`` and on Home: the substitute goes in whose place, or the
    holder's seat is filled by whom (a ``Substitution`` of bot.domain.seats.attendance)."""
    seat = seat_label(SeatKind(substitution.seat.kind), substitution.seat.slot, definite=True)
    if is_substitute:
        holder = substitution.holder
        instead = f" for {user_text(holder.name)}" if holder is not None else ""
        return italic(
            f"Du er vikar{instead} på den {seat} i {substitution.municipality} til dette møde."
        )
    return italic(
        f"{user_text(substitution.substitute.name)} er vikar på din plads til dette møde."
    )
