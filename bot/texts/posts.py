"""The scheduled posts and notices of change, and the facilitators' notices about posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.markup import Icon, PlatformWord, bold, icon, italic, mention, place, word
from bot.models import Meeting, NewsPost
from bot.texts.common import COMMAND, NETWORK_NAME, genitive
from bot.texts.dates import format_span, format_when
from bot.texts.meetings import agenda_lines, meeting_name, meeting_place, meeting_summary


def announcement(meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo) -> list[str]:
    return [
        f"{icon(Icon.CALENDAR)} {bold(f'Nyt møde i {NETWORK_NAME}')}",
        meeting_summary(meeting, tz),
        f"{bold('Dagsorden indtil videre')}\n" + agenda_lines(meeting, news),
    ]


def announce_dm(
    meeting: Meeting,
    municipality: str,
    tz: ZoneInfo,
    *,
    regrets: bool = False,
    open_seats: bool = False,
) -> list[str]:
    """To each coordinator, also one who sent regrets: they still decide whom to send.
    ``open_seats``: a flexible seat nobody fills has a colleague picker below."""
    theme = f" om {bold(', '.join(meeting.themes))}" if meeting.themes else ""
    number = meeting.number
    own = (
        " Du har selv meldt afbud – send en kollega på din plads med "
        f"`{COMMAND} vikar {number} @kollega fast`."
        if regrets
        else ""
    )
    picks = (
        " Vælg en kollega nedenfor til en ledig plads eller en plads, hvor pladsholderen har "
        f"meldt afbud (eller skriv `{COMMAND} vikar {number} @kollega`)."
        if open_seats
        else ""
    )
    return [
        f"Netværket mødes {format_when(meeting.starts_at, tz)}{theme}: {bold(meeting_name(meeting))}.",
        f"Som holder af den faste plads er du {genitive(municipality)} kontaktperson.{own} "
        "Pladsholderne deltager; melder en af dem afbud, får du besked og kan sende en kollega "
        f"i stedet.{picks}",
    ]


def reminder(
    meeting: Meeting, news: Sequence[NewsPost], tz: ZoneInfo, *, direct: bool
) -> list[str]:
    sections = [
        f"{icon(Icon.REMINDER)} {bold(f'Påmindelse: {meeting_name(meeting)}')} {format_when(meeting.starts_at, tz)}",
        meeting_summary(meeting, tz),
        f"{bold('Dagsorden')}\n" + agenda_lines(meeting, news),
    ]
    if direct:
        sections.append("Kalenderfilen er vedhæftet, så du kan lægge mødet i din kalender.")
    return sections


def starting(meeting: Meeting, minutes: int) -> list[str]:
    link = (
        f"\nLink: {meeting.link}"
        if meeting.link
        else "\nMødet har intet link i Klimanet – spørg mødelederen."
    )
    return [
        f"{icon(Icon.STARTING)} {bold(f'Mødet starter om {minutes} minutter:')} {meeting_name(meeting)}{link}"
    ]


def moved(
    meeting: Meeting, tz: ZoneInfo, was: tuple[datetime, datetime] | None = None
) -> list[str]:
    """``was``: the time the meeting had before (notices planned before it was kept have none)."""
    before = f"fra {format_span(was[0], was[1], tz)} " if was is not None else ""
    return [
        f"{icon(Icon.MOVED)} {bold('Mødet er flyttet:')} {meeting_name(meeting)} er flyttet "
        f"{before}til {format_span(meeting.starts_at, meeting.ends_at, tz)}.",
        meeting_place(meeting),
    ]


def cancelled(meeting: Meeting, tz: ZoneInfo) -> list[str]:
    reason = f"\nBegrundelse: {meeting.cancel_reason}" if meeting.cancel_reason else ""
    return [
        f"{icon(Icon.CANCELLED)} {bold('Mødet er aflyst:')} {meeting_name(meeting)}, "
        f"{format_when(meeting.starts_at, tz)}.{reason}"
    ]


def news_post(text: str, author_user_id: str, author_name: str = "") -> list[str]:
    # A news item older than the retention period (or by an erased author) is KL's alone.
    author = mention(author_user_id, author_name) if author_user_id else "KL"
    return [f"{icon(Icon.NEWS)} {bold('Nyt fra KL')}\n{text}", italic(f"– {author}")]


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
    "substitute_notice": "beskeden om en vikar på en plads",
    "refresh": "opdateringen af en besked",
    "fanout": "de direkte beskeder",
    "seat_freed": "beskeden om en ledig plads",
    "fixed_seat_offer": "tilbuddet om at overtage den faste plads",
    "delete": "sletningen af en besked til en slettet bruger",
    "place_reminder": "påmindelsen om mødets manglende link eller adresse",
    "place_waiting": "beskeden om, at annonceringen venter på link eller adresse",
    "digest": "ugens overblik til facilitatorerne",
}


def post_description(kind: str, recipient: str, to_place: bool, meeting: Meeting | None) -> str:
    """``to_place``: the post went to the network's channel, not to a person (the outbox row
    says which; the recipient's id is never read for it)."""
    what = POST_KIND_LABELS.get(kind, kind)
    about = f" for møde {meeting_name(meeting)}" if meeting else ""
    if not recipient or recipient == "-":
        return f"{what}{about}"  # e.g. an update in place, which has no recipient of its own
    to = place(recipient, "kanalen") if to_place else mention(recipient, "")
    return f"{what}{about} til {to}"


def dead_notice(
    kind: str, recipient: str, to_place: bool, meeting: Meeting | None, error: str
) -> list[str]:
    about = post_description(kind, recipient, to_place, meeting)
    return [
        f"{icon(Icon.WARNING)} Klimanet kunne ikke levere {about}. "
        f"{word(PlatformWord.NAME)} svarede `{error}`.",
        "Tjek at kanalen findes, og at Klimanet er inviteret i den (`/invite @Klimanet`).",
    ]


def missed_notice(
    kind: str,
    recipient: str,
    to_place: bool,
    meeting: Meeting | None,
    due_at: datetime,
    tz: ZoneInfo,
    catchup_hours: float,
) -> list[str]:
    about = post_description(kind, recipient, to_place, meeting)
    return [
        f"{icon(Icon.WARNING)} Klimanet var nede, da {about} skulle "
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


def schedule_line(name: str, when: datetime, tz: ZoneInfo, state: str = "planned") -> str:
    """One line of a meeting's planned posts; ``state`` as ``planner.PlannedTime`` has it."""
    label = SCHEDULE_LABELS.get(name, name)
    if state == "skipped":
        return f"• {label}: {italic(f'springes over – tidspunktet ({format_when(when, tz)}) er passeret')}"
    if state == "now":
        return f"• {label}: {italic('sendes nu – tidspunktet er allerede passeret')}"
    if state == "sent":
        return f"• {label}: {italic(f'sendt {format_when(when, tz)}')}"
    return f"• {label}: {format_when(when, tz)}"


def lookup_unavailable_notice(needed: str) -> list[str]:
    """To the facilitators, once: Klimanet cannot check Slack for a post whose fate is unknown."""
    missing = f" (appen mangler tilladelsen `{needed}`)" if needed else ""
    return [
        f"{icon(Icon.WARNING)} Klimanet kan ikke slå sine egne beskeder op i {word(PlatformWord.NAME)}{missing}. "
        f"Når {word(PlatformWord.NAME)} ikke "
        "svarer tydeligt på en afsendelse, sender Klimanet derfor beskeden igen, og enkelte kan "
        "få den to gange.",
        f"Bed en {word(PlatformWord.ADMINISTRATOR)} om at give appen tilladelserne `channels:history`, "
        "`groups:history`, `im:history` og `files:read` og installere den igen.",
    ]
