"""Every domain error as one Danish sentence: a table from the error's kind to its text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import SeatOverview, SeatView
from bot.markup import Icon, PlatformWord, bold, icon, word
from bot.models import SeatKind
from bot.replies import user_text
from bot.texts.common import (
    COMMAND,
    count_word,
    genitive,
    holder_text,
    join_and,
    join_or,
    literal,
    plain,
    seat_label,
    seat_typed,
    seats_typed,
)
from bot.texts.consent import OFFER_STATUS_LABELS, REQUEST_STATUS_LABELS
from bot.texts.dates import example_days, short_day
from bot.texts.loop import LOOP_ERRORS
from bot.texts.polls import ERROR_TEXTS as POLL_ERROR_TEXTS

Params = dict[str, Any]


def meeting_example(today: date | None) -> str:
    """The example a facilitator can copy when a meeting command went wrong, dated from today."""
    day = short_day(example_days(today)[0]) if today is not None else literal("<dato>")
    return (
        f'`{COMMAND} møde opret {day} 10:00-12:00 online "Opstartsmøde" tema=klimaplaner '
        "link=https://teams.microsoft.com/…`"
    )


def _date_example(today: date | None) -> str:
    return short_day(example_days(today)[0]) if today is not None else "25.06"


def _full_text(overview: SeatOverview) -> str:
    names = join_and([f"{holder_text(h)}" for h in overview.holders])
    return (
        f"{bold(overview.official_name)} har allerede alle {count_word(len(overview.seats))} pladser "
        f"besat: {names}. "
        "En plads kan kun skifte hænder, når pladsholderen afmelder sig "
        f"(`{COMMAND} afmeld`) – tal med en af dem."
    )


def _meeting_ambiguous(p: Params) -> str:
    choices = p.get("choices") or [f"#{n}" for n in p.get("numbers", [])]
    lines = "\n".join(f"• {c}" for c in choices)
    return (
        f"Der er flere møder {user_text(p.get('ref', ''))}. Hvilket mener du? Vælg det, eller "
        f"skriv mødets nummer i stedet for datoen:\n{lines}"
    )


def _meeting_unknown(p: Params) -> str:
    known = p.get("known")
    text = f"Jeg kan ikke finde møde '{user_text(p.get('ref', ''))}'."
    if known is None:  # asked by an id no one typed (a button): no list to pick from
        return f"{text} Se de kommende møder med `{COMMAND} møder`."
    if not known:
        return f"{text} Der er ingen kommende møder."
    lines = "\n".join(f"• {k}" for k in known)
    return (
        f"{text} Skriv mødets nummer, dato (fx 14. januar) eller 'næste møde'. "
        f"De kommende møder:\n{lines}"
    )


def _title_missing(p: Params) -> str:
    return (
        'Der mangler en titel. Sæt den i anførselstegn, fx "Opstartsmøde" – fx '
        f"{meeting_example(p.get('today'))}."
    )


def _option_unknown(p: Params) -> str:
    allowed = join_or([f"'{a}'" for a in p.get("allowed", [])])
    command = p.get("command", "")
    return f"Kender ikke '{user_text(p.get('value', ''))}' til {command}. Brug {allowed}."


def _choice_missing(p: Params) -> str:
    allowed = list(p.get("allowed", []))
    example = f"`{COMMAND} {p.get('command', '')} {allowed[0]}`" if allowed else ""
    choices = join_or([f"'{a}'" for a in allowed])
    return f"Skriv hvad du vil have: {choices} – fx {example}."


def _quote_unclosed(p: Params) -> str:
    value = p.get("value", "")
    where = f"foran '{user_text(value)}' " if value else ""
    return (
        f"Anførselstegnet {where}er ikke lukket. Sæt et anførselstegn efter titlen, så resten "
        'ikke bliver en del af den, fx "Opstartsmøde" tema=klimaplaner.'
    )


def _item_unknown(p: Params) -> str:
    return (
        f"Møde #{p.get('number')} har intet punkt {p.get('position')}. "
        f"Se dagsordenen med `{COMMAND} dagsorden {p.get('number')}`."
    )


def _no_channel(p: Params) -> str:
    return "Netværkets kanal er ikke sat op (KLIMANET_CHANNEL), så jeg kan ikke poste i den."


def _mention_missing(p: Params) -> str:
    return (
        "Hvem? Nævn kollegaen med @, fx "
        f"`{COMMAND} {user_text(p.get('command', 'overdrag'))} @Anna`."
    )


def _mention_unresolved(p: Params) -> str:
    return (
        f"Jeg kan ikke finde '{user_text(p.get('value', ''))}'. Vælg personen fra listen, når du skriver @, "
        f"så {word(PlatformWord.NAME)} sender en rigtig henvisning."
    )


def _not_same_municipality(p: Params) -> str:
    return f"I kan kun bytte, når {user_text(p.get('name'))} også har en plads i din kommune."


def _not_flexible(p: Params) -> str:
    """``seats``: the flexible slots of the network's rule."""
    slots = p.get("seats") or ()
    typed = join_or([f"'{seat_typed(SeatKind.FLEXIBLE, slot)}'" for slot in slots])
    return "Vikarer sendes på de fleksible pladser." + (f" Skriv {typed}." if typed else "")


def _seat_spec_invalid(p: Params) -> str:
    """``seats``: the (kind, slot) seats of the network's rule, when known; the seat as typed
    is ``value``, or ``seat_kind`` and ``seat_slot``."""
    value = p.get("value")
    if value is None:
        value = seat_typed(p["seat_kind"], p["seat_slot"], numbered=True)
    seats = p.get("seats")
    how = (
        f"Skriv {join_or(seats_typed(seats))}."
        if seats
        else "Skriv 'fast' eller 'fleksibel' og pladsens nummer."
    )
    return f"'{user_text(value)}' er ikke en plads. {how}"


def _seat_has_substitute(p: Params) -> str:
    return (
        f"Pladsen har allerede en vikar til møde #{p.get('number')}: {user_text(p.get('name'))}. "
        "Vikaren skal melde afbud, før en anden kan tage pladsen."
    )


def _holder_coming(p: Params) -> str:
    seat = seat_label(
        SeatKind(p.get("seat_kind", "flexible")), int(p.get("slot", 1)), definite=True
    )
    number = p.get("number")
    return (
        f"{user_text(p.get('name'))} har ikke meldt afbud til møde #{number} og kommer på den "
        f"{seat}. En vikar kan kun tage pladsen for en, der har meldt afbud – kan "
        f"{user_text(p.get('name'))} ikke komme, så bed om et afbud (`{COMMAND} afbud {number}`), "
        "og send så vikaren."
    )


def _no_seat_open(p: Params) -> str:
    return (
        f"Alle pladser i {p.get('municipality')} er besat til møde #{p.get('number')}, og ingen "
        "har meldt afbud. En vikar kan kun tage pladsen for en, der har meldt afbud."
    )


def _substitute_elsewhere(p: Params) -> str:
    return (
        f"{user_text(p.get('name'))} er vikar til møde #{p.get('number')} og kan ikke også have en plads "
        "til det møde. Vikaren må melde afbud først "
        f"(`{COMMAND} afbud {p.get('number')}`)."
    )


def _municipality_unknown(p: Params) -> str:
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


def _municipality_ambiguous(p: Params) -> str:
    return (
        f"'{user_text(p['query'])}' passer på flere kommuner: {join_or(p['choices'])}. "
        "Skriv hele navnet."
    )


def _not_a_municipality(p: Params) -> str:
    return (
        f"{user_text(p.get('name', p['query']))} er ikke en kommune (øerne administreres af "
        "staten), så den kan ikke tilmeldes netværket."
    )


def _seat_kind_unknown(p: Params) -> str:
    return f"'{user_text(p['value'])}' er ikke en pladstype. Skriv 'fast' eller 'fleksibel'."


def _already_registered(p: Params) -> str:
    seat: SeatView = p["seat"]
    overview: SeatOverview = p["municipality"]
    return (
        f"Du er allerede tilmeldt på den {bold(seat_label(seat.kind, seat.slot, definite=True))} i "
        f"{bold(overview.official_name)}. Man kan kun have én plads i netværket; "
        f"skriv `{COMMAND} afmeld` først, hvis du vil skifte."
    )


def _registration_waiting(p: Params) -> str:
    seat: SeatView = p["seat"]
    overview: SeatOverview = p["municipality"]
    if p.get("approver") == "coordinator":
        who = f"{genitive(overview.municipality_name)} kontaktperson"
        if p.get("coordinator"):
            who += f", {user_text(p['coordinator'])}"
    else:
        who = "en facilitator fra KL"
    return (
        f"{icon(Icon.WAITING)} Din tilmelding til den "
        f"{bold(seat_label(seat.kind, seat.slot, definite=True))} i {bold(overview.official_name)} "
        f"venter stadig på godkendelse fra {who}. Du får besked, så snart den er afgjort. "
        f"Vil du trække den tilbage, så skriv `{COMMAND} afmeld`."
    )


def _fixed_seat_taken(p: Params) -> str:
    overview = p["municipality"]
    fixed = next(s for s in overview.seats if s.kind is SeatKind.FIXED)
    holder = holder_text(fixed.holder) if fixed.holder else "en anden"
    return (
        f"Den faste plads i {bold(overview.official_name)} er besat af {holder}. "
        "Der er en fleksibel plads ledig – tag den med "
        f"`{COMMAND} tilmeld {overview.municipality_name} fleksibel`."
    )


def _flexible_seats_taken(p: Params) -> str:
    overview = p["municipality"]
    names = join_and(
        [holder_text(s.holder) for s in overview.seats if s.kind is SeatKind.FLEXIBLE and s.holder]
    )
    count = sum(1 for s in overview.seats if s.kind is SeatKind.FLEXIBLE)
    which = (
        "Begge fleksible pladser"
        if count == 2
        else "Den fleksible plads"
        if count == 1
        else f"Alle {count_word(count)} fleksible pladser"
    )
    return (
        f"{which} i {bold(overview.official_name)} er besat ({names}). "
        "Den faste plads er ledig – tag den med "
        f"`{COMMAND} tilmeld {overview.municipality_name} fast`."
    )


def _theme_unknown(p: Params) -> str:
    options = p.get("themes") or []
    which = f"Vælg blandt: {', '.join(options)}." if options else "Vælg fagområderne fra listen."
    return f"'{user_text(p.get('value', ''))}' er ikke et af netværkets fagområder. {which}"


_TEXTS: dict[ErrorKind, Callable[[Params], str]] = {
    ErrorKind.DATE_MISSING: lambda p: (
        f"Der mangler en dato. Skriv fx {_date_example(p.get('today'))}, 25/6 eller 25. juni – "
        f"fx {meeting_example(p.get('today'))}."
    ),
    ErrorKind.DATE_INVALID: lambda p: (
        f"'{user_text(p.get('value', ''))}' kan jeg ikke læse som en dato. Skriv fx "
        f"{_date_example(p.get('today'))}, 25/6 eller 25. juni."
    ),
    ErrorKind.DATE_IMPOSSIBLE: lambda p: (
        f"'{user_text(p.get('value', ''))}' findes ikke i kalenderen. Tjek dag og måned."
    ),
    ErrorKind.DATE_IN_PAST: lambda p: (
        "Tidspunktet er allerede passeret. Vælg en dato og et tidspunkt ude i fremtiden."
    ),
    ErrorKind.TIME_MISSING: lambda p: (
        "Der mangler et tidspunkt. Skriv fx 10:00-12:00 eller kl. 10 – fx "
        f"{meeting_example(p.get('today'))}."
    ),
    ErrorKind.TIME_INVALID: lambda p: (
        f"'{user_text(p.get('value', ''))}' er ikke et klokkeslæt. Skriv fx 10:00, 10.00 eller kl. 10."
    ),
    ErrorKind.TIME_RANGE_INVALID: lambda p: (
        "Mødet skal slutte efter, det starter. Skriv fx 10:00-12:00."
    ),
    ErrorKind.NOT_FACILITATOR: lambda p: (
        "Det er kun for facilitatorer (KL's mødeledere). Kontakt KL, hvis du skal have adgang."
    ),
    ErrorKind.MEETING_MISSING: lambda p: (
        f"Hvilket møde? Skriv mødets nummer (fx 12) eller dato – se dem med `{COMMAND} møder`."
    ),
    ErrorKind.MEETING_UNKNOWN: _meeting_unknown,
    ErrorKind.MEETING_AMBIGUOUS: _meeting_ambiguous,
    ErrorKind.MEETING_CANCELLED: lambda p: f"Møde #{p.get('number')} er aflyst og kan ikke ændres.",
    ErrorKind.MEETING_OVER: lambda p: f"Møde #{p.get('number')} er overstået og kan ikke ændres.",
    ErrorKind.NO_UPCOMING_MEETING: lambda p: "Der er ingen kommende møder.",
    ErrorKind.TITLE_MISSING: _title_missing,
    ErrorKind.FORMAT_MISSING: lambda p: (
        "Skriv om mødet er 'online', 'fysisk' eller 'hybrid' – fx "
        f"{meeting_example(p.get('today'))}."
    ),
    ErrorKind.LINK_MISSING: lambda p: (
        f"Et {'hybridmøde' if p.get('format') == 'hybrid' else 'onlinemøde'} skal have et link, "
        "så deltagerne kan komme med – skriv fx link=https://teams.microsoft.com/…"
    ),
    ErrorKind.LINK_INVALID: lambda p: (
        f"'{user_text(p.get('value', ''))}' er ikke et link. Skriv hele adressen, der starter "
        "med https://"
    ),
    ErrorKind.ADDRESS_MISSING: lambda p: (
        'Et hybridmøde skal også have en adresse – skriv fx sted="Weidekampsgade 10, København S".'
    ),
    ErrorKind.OPTION_UNKNOWN: _option_unknown,
    ErrorKind.CHOICE_MISSING: _choice_missing,
    ErrorKind.ITEM_UNKNOWN: _item_unknown,
    ErrorKind.QUOTE_UNCLOSED: _quote_unclosed,
    ErrorKind.NUMBER_INVALID: lambda p: (
        f"'{user_text(p.get('value', ''))}' er ikke et gyldigt tal for {p.get('field', 'tallet')}."
    ),
    ErrorKind.NEWS_MISSING: lambda p: (
        f"Skriv nyheden efter kommandoen, fx `{COMMAND} nyt Regeringens klimahandlingsplan er ude`."
    ),
    ErrorKind.NO_CHANNEL: _no_channel,
    ErrorKind.MENTION_MISSING: _mention_missing,
    ErrorKind.MENTION_UNRESOLVED: _mention_unresolved,
    ErrorKind.SELF_TARGET: lambda p: "Du kan ikke give en plads til dig selv.",
    ErrorKind.TARGET_HAS_SEAT: lambda p: (
        f"{user_text(p.get('name'))} har allerede en plads i netværket ({p.get('municipality')}). Man kan kun have én."
    ),
    ErrorKind.TARGET_GONE: lambda p: (
        f"{user_text(p.get('name'))} er ikke længere med i {word(PlatformWord.WORKSPACE_DEFINITE)}."
    ),
    ErrorKind.NOT_HOLDER: lambda p: (
        f"Du har ingen plads i netværket. Tilmeld dig med `{COMMAND} tilmeld`."
    ),
    ErrorKind.NOT_COORDINATOR: lambda p: (
        f"Det kan kun {genitive(p.get('municipality', 'kommunen'))} kontaktperson (holderen af den faste plads)."
    ),
    ErrorKind.SEAT_SPEC_INVALID: _seat_spec_invalid,
    ErrorKind.SEAT_NOT_OURS: lambda p: (
        f"Den plads har {user_text(p.get('holder'))}. Kun pladsholderen selv kan overdrage den."
    ),
    ErrorKind.NOT_SAME_MUNICIPALITY: _not_same_municipality,
    ErrorKind.OFFER_PENDING_TO_TARGET: lambda p: (
        f"{user_text(p.get('name'))} har allerede et åbent tilbud om en plads. Vent på svaret, eller fortryd det."
    ),
    ErrorKind.OFFER_PENDING_FOR_SEAT: lambda p: (
        f"Pladsen er allerede tilbudt {user_text(p.get('name'))}. Fortryd det tilbud først med `{COMMAND} fortryd`."
    ),
    ErrorKind.OFFER_UNKNOWN: lambda p: "Det tilbud findes ikke (længere).",
    ErrorKind.OFFER_NOT_YOURS: lambda p: "Det tilbud er ikke til dig.",
    ErrorKind.OFFER_CLOSED: lambda p: (
        f"Tilbuddet er allerede {OFFER_STATUS_LABELS.get(p.get('status', ''), p.get('status', ''))}."
    ),
    ErrorKind.NO_OPEN_OFFERS: lambda p: "Du har ingen åbne tilbud at trække tilbage.",
    ErrorKind.YOU_HAVE_A_SEAT: lambda p: (
        f"Du har allerede en plads i netværket. Afmeld den først (`{COMMAND} afmeld`), hvis du vil tage imod."
    ),
    ErrorKind.NOT_FLEXIBLE: _not_flexible,
    ErrorKind.SUBSTITUTE_CHAIN: lambda p: (
        "Som vikar kan du ikke sende pladsen videre. Meld afbud, så finder kontaktpersonen en anden."
    ),
    ErrorKind.ALREADY_ATTENDING: lambda p: (
        f"{user_text(p.get('name'))} deltager allerede i mødet på en anden plads."
    ),
    ErrorKind.NOT_ATTENDING: lambda p: (
        "Du deltager ikke i det møde på nogen plads (måske har en vikar din plads)."
    ),
    ErrorKind.REQUEST_UNKNOWN: lambda p: "Den tilmelding findes ikke (længere).",
    ErrorKind.REQUEST_CLOSED: lambda p: (
        f"Tilmeldingen er allerede {REQUEST_STATUS_LABELS.get(p.get('status', ''), p.get('status', ''))}."
    ),
    ErrorKind.NOT_APPROVER: lambda p: (
        "Du kan ikke godkende den tilmelding – det kan kommunens kontaktperson eller en facilitator."
    ),
    ErrorKind.SEAT_HAS_SUBSTITUTE: _seat_has_substitute,
    ErrorKind.SUBSTITUTE_ELSEWHERE: _substitute_elsewhere,
    ErrorKind.HOLDER_COMING: _holder_coming,
    ErrorKind.NO_SEAT_OPEN: _no_seat_open,
    ErrorKind.NOT_A_MEMBER: lambda p: f"{p.get('municipality')} er ikke medlem af netværket.",
    ErrorKind.MUNICIPALITY_MISSING: lambda p: (
        f"Hvilken kommune? Skriv fx `{COMMAND} tilmeld Aarhus` eller `{COMMAND} tilmeld 751`."
    ),
    ErrorKind.MUNICIPALITY_UNKNOWN: _municipality_unknown,
    ErrorKind.MUNICIPALITY_AMBIGUOUS: _municipality_ambiguous,
    ErrorKind.NOT_A_MUNICIPALITY: _not_a_municipality,
    ErrorKind.SEAT_KIND_UNKNOWN: _seat_kind_unknown,
    ErrorKind.ALREADY_REGISTERED: _already_registered,
    ErrorKind.REGISTRATION_WAITING: _registration_waiting,
    ErrorKind.FIXED_SEAT_TAKEN: _fixed_seat_taken,
    ErrorKind.FLEXIBLE_SEATS_TAKEN: _flexible_seats_taken,
    ErrorKind.MUNICIPALITY_FULL: lambda p: _full_text(p["municipality"]),
    ErrorKind.NOT_REGISTERED: lambda p: (
        f"Du har ingen plads i netværket. Tilmeld dig med `{COMMAND} tilmeld`."
    ),
    ErrorKind.NETWORK_UNKNOWN: lambda p: (
        "Netværket findes ikke i databasen. Kontakt en facilitator."
    ),
    ErrorKind.TEXT_TOO_LONG: lambda p: f"Feltet '{p['field']}' må højst være {p['limit']} tegn.",
    ErrorKind.THEME_UNKNOWN: _theme_unknown,
    ErrorKind.FIXED_SEAT_CLAIMED: lambda p: (
        f"{user_text(p['name']) if p.get('name') else 'En anden'} nåede at overtage den faste plads i "
        f"{bold(str(p.get('municipality')))} før dig, så du beholder din egen plads."
    ),
    ErrorKind.FIXED_SEAT_YOURS: lambda p: (
        f"Du har allerede den faste plads i {bold(str(p.get('municipality')))} og er kommunens kontaktperson."
    ),
    ErrorKind.NOT_AN_HEIR: lambda p: (
        f"Kun dem, der har en plads i {bold(str(p.get('municipality')))}, kan overtage kommunens faste "
        "plads. Tal med en facilitator."
    ),
    ErrorKind.ERASE_FACILITATOR: lambda p: (
        "En facilitator kan ikke slettes, så længe vedkommende står i KLIMANET_ADMINS: Klimanet "
        f"skal kende facilitatorens {word(PlatformWord.ACCOUNT_ID)} for at give adgang. Bed "
        "driftsansvarlig fjerne "
        "id'et fra listen og genstarte Klimanet – så kan sletningen gennemføres."
    ),
    ErrorKind.FACILITATOR_NO_SEAT: lambda p: (
        "Du er facilitator for KL, og KL faciliterer netværket uden en plads i en kommune – "
        "så du skal ikke tilmelde dig. Som facilitator får du beskederne til facilitatorerne "
        "(tilmeldinger til godkendelse, møder og fejl), planlægger møder og ser alle kommuner "
        f"med `{COMMAND} kommuner`. Har du en plads fra før, kan du give den op med "
        f"`{COMMAND} afmeld` – du er stadig facilitator bagefter."
    ),
    ErrorKind.TARGET_IS_FACILITATOR: lambda p: (
        f"{user_text(p.get('name', ''))} er facilitator for KL og kan ikke få en plads i en "
        "kommune: KL faciliterer netværket uden kommunal plads. Vælg en kollega fra kommunen."
    ),
    ErrorKind.KL_NOT_A_MUNICIPALITY: lambda p: (
        "KL er ikke en kommune: KL faciliterer netværket uden egen plads og tæller ikke med "
        "som medlemskommune. Skriv en kommunes navn eller kommunekode, fx 'Aarhus' eller '751'."
    ),
    **POLL_ERROR_TEXTS,
    **LOOP_ERRORS,
}


def error(err: DomainError, today: date | None = None) -> str:
    """The Danish sentence for a rule that said no. ``today`` dates the examples some of them
    give (a date that has not passed)."""
    text = _TEXTS.get(err.kind)
    return text({**err.params, "today": today}) if text is not None else "Det kunne jeg ikke gøre."


# The meeting form's own words for problems whose command text explains ``key=value`` syntax or
# quotes: next to a field, the field is what to change.
_FORM_TEXTS: dict[ErrorKind, Callable[[Params], str]] = {
    ErrorKind.TITLE_MISSING: lambda p: "Skriv mødets titel.",
    ErrorKind.FORMAT_MISSING: lambda p: "Vælg om mødet er online, fysisk eller hybrid.",
    ErrorKind.LINK_MISSING: lambda p: (
        f"Et {'hybridmøde' if p.get('format') == 'hybrid' else 'onlinemøde'} skal have et link, "
        "så deltagerne kan komme med – fx https://teams.microsoft.com/…"
    ),
    ErrorKind.ADDRESS_MISSING: lambda p: (
        "Et hybridmøde skal også have en adresse – fx Weidekampsgade 10, København S."
    ),
    ErrorKind.DATE_MISSING: lambda p: (
        f"Skriv mødets dato, fx {_date_example(p.get('today'))}, 25/6 eller 25. juni."
    ),
    ErrorKind.TIME_MISSING: lambda p: "Skriv et klokkeslæt, fx 10:00.",
    ErrorKind.TIME_RANGE_INVALID: lambda p: "Mødet skal slutte efter, det starter.",
    ErrorKind.TEXT_TOO_LONG: lambda p: f"Højst {p.get('limit')} tegn.",
}


def form_field_error(err: DomainError, today: date | None = None) -> str:
    """The plain sentence shown next to a form's field (or after its label in the console)."""
    text = _FORM_TEXTS.get(err.kind)
    if text is None:
        return plain(error(err, today))
    return plain(text({**err.params, "today": today}))
