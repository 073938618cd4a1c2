"""Parsing what people type after ``/klimanet``. Pure functions: no I/O; the only exception is a
``DomainError`` for text that cannot be read one way only (an unclosed quote)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.timeparse import date_words
from bot.mentions import MARKS, Mention, as_typed
from bot.mentions import read as read_mention
from bot.models import AgendaKind, MeetingFormat, SeatKind

# Canonical subcommand -> every spelling we accept (folded: lower case, æ→ae, ø→oe, å→aa).
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "tilmeld": ("tilmeld", "tilmelding"),
    "pladser": ("pladser", "plads"),
    "afmeld": ("afmeld", "afmelding"),
    "kommuner": ("kommuner", "netvaerk", "netvaerket"),
    "hjaelp": ("hjaelp", "help", "?"),
    "moede": ("moede", "mode"),
    "moeder": ("moeder", "moder"),
    "dagsorden": ("dagsorden",),
    "kalender": ("kalender", "ics"),
    "punkt": ("punkt",),
    "nyt": ("nyt", "nyhed"),
    "overdrag": ("overdrag", "overdragelse"),
    "byt": ("byt",),
    "vikar": ("vikar", "stedfortraeder"),
    "afbud": ("afbud",),
    "deltager": ("deltager", "deltag"),
    "deltagere": ("deltagere",),
    "historik": ("historik", "historie"),
    "admin": ("admin",),
    "fortryd": ("fortryd",),
    "overblik": ("overblik", "oversigt"),
    "eksport": ("eksport", "export", "eksporter"),
    "privatliv": ("privatliv", "privatlivspolitik", "databeskyttelse", "privacy", "gdpr"),
    "mine-data": ("mine-data", "minedata", "indsigt"),
    "slet-mig": ("slet-mig", "sletmig", "slet"),
    "afventer": ("afventer", "afvent", "venter"),
    "fagomraader": ("fagomraader", "fagomrader", "fagomraade", "fagomrade"),
    "afstemning": ("afstemning", "afstem", "poll"),
    "afstemninger": ("afstemninger",),
    "materiale": ("materiale", "materialer", "referat"),
    "fremmoede": ("fremmoede", "fremmode", "fremmoedet", "fremmodet"),
    "feedback": ("feedback", "evaluering"),
}

# How each subcommand is shown to users (with the Danish letters).
DISPLAY_NAMES = {
    "hjaelp": "hjælp",
    "moede": "møde",
    "moeder": "møder",
    "fagomraader": "fagområder",
    "fremmoede": "fremmøde",
}

MEETING_ACTIONS = {
    "opret": ("opret", "ny"),
    "flyt": ("flyt",),
    "aflys": ("aflys",),
    "ret": ("ret", "rediger"),
    "kopier": ("kopier", "kopi"),
    "send": ("send",),
}
ITEM_ACTIONS = {
    "tilfoej": ("tilfoej", "tilfoj", "tilføj"),
    "fjern": ("fjern", "slet"),
    "flyt": ("flyt",),
}

# Meeting formats and agenda item kinds as people type them (folded).
FORMAT_WORDS = {
    "online": MeetingFormat.ONLINE,
    "fysisk": MeetingFormat.PHYSICAL,
    "fysiske": MeetingFormat.PHYSICAL,
    "fremmoede": MeetingFormat.PHYSICAL,
    "hybrid": MeetingFormat.HYBRID,
    "hybridt": MeetingFormat.HYBRID,
    "hybridmoede": MeetingFormat.HYBRID,
    # The values a form's choice sends.
    **{fmt.value: fmt for fmt in MeetingFormat},
}
ITEM_KIND_WORDS = {
    "internt": AgendaKind.INTERNAL,
    "intern": AgendaKind.INTERNAL,
    "eksternt": AgendaKind.EXTERNAL,
    "ekstern": AgendaKind.EXTERNAL,
    "droeftelse": AgendaKind.DISCUSSION,
    "pause": AgendaKind.BREAK,
    "nyt": AgendaKind.NEWS,
}

SEAT_KIND_WORDS: dict[str, SeatKind] = {
    "fast": SeatKind.FIXED,
    "faste": SeatKind.FIXED,
    "fleksibel": SeatKind.FLEXIBLE,
    "fleksible": SeatKind.FLEXIBLE,
    "fleks": SeatKind.FLEXIBLE,
    "flex": SeatKind.FLEXIBLE,
}

MAX_INPUT = 4000  # Slack caps slash-command text near this; we never cut what a user wrote


def ascii_number(text: str, *, digits: int) -> int | None:
    """A whole number written with at most ``digits`` ASCII digits, else None. (``'²'.isdigit()``
    is true, and a 5,000-digit number is a number too: neither may reach ``int()`` or a query.)"""
    text = text.strip()
    if not text or len(text) > digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def fold(text: str) -> str:
    """Case- and spelling-insensitive key: 'Hjælp' and 'hjaelp' fold to the same."""
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def clean(text: str) -> str:
    """Drop control characters and collapse whitespace; cap the length we ever look at."""
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in MARKS else " " for ch in text[:MAX_INPUT]
    )
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Parsed:
    name: str  # canonical subcommand
    args: str


@dataclass(frozen=True, slots=True)
class Unknown:
    word: str
    suggestion: str | None  # display name of the closest subcommand


# Subcommands that read mentions (``bot.mentions``); every other one gets its text as typed.
TAKES_MENTIONS = frozenset({"overdrag", "byt", "vikar", "afbud", "admin"})


# Subcommands that name a municipality, whose "Mente du …?" answer offers the choices.
NAMES_A_MUNICIPALITY = frozenset({"tilmeld", "pladser", "historik", "admin", "kommuner"})


def completed_command(name: str, args: str, query: str, code: int) -> str | None:
    """``name args`` with the municipality the user wrote (``query``) replaced by its code:
    ``tilmeld Koege fleksibel`` → ``tilmeld 259 fleksibel``. None when it cannot be done."""
    if name not in NAMES_A_MUNICIPALITY or not query or query not in args:
        return None
    return f"{name} {args.replace(query, str(code), 1)}"


# Subcommands that name a meeting, whose "which one?" answer offers the meetings of that day.
NAMES_A_MEETING = frozenset(
    {"afbud", "deltager", "deltagere", "vikar", "dagsorden", "kalender", "moede", "punkt"}
)


def meeting_completed(name: str, args: str, ref: str, number: int) -> str | None:
    """``name args`` with the meeting the user named by its date (``ref``) named by its number:
    ``afbud 14. januar`` → ``afbud 2``. None when it cannot be done."""
    if name not in NAMES_A_MEETING or not ref or ref not in args:
        return None
    return f"{name} {args.replace(ref, str(number), 1)}"


def display_name(name: str) -> str:
    return DISPLAY_NAMES.get(name, name)


def parse(text: str) -> Parsed | Unknown:
    text = clean(text)
    if not text:
        return Parsed("hjaelp", "")
    word, _, args = text.partition(" ")
    word = as_typed(word)
    key = fold(word).lstrip("/")
    for name, spellings in SUBCOMMANDS.items():
        if key in spellings:
            return Parsed(name, args.strip() if name in TAKES_MENTIONS else as_typed(args).strip())
    by_spelling = {spelling: name for name, forms in SUBCOMMANDS.items() for spelling in forms}
    best = process.extractOne(key, list(by_spelling), scorer=fuzz.ratio, score_cutoff=60)
    suggestion = display_name(by_spelling[best[0]]) if best else None
    return Unknown(word[:40], suggestion)


@dataclass(frozen=True, slots=True)
class RegisterArgs:
    municipality: str
    kind: SeatKind | None


def parse_register_args(args: str) -> RegisterArgs:
    """``<kommune> [fast|fleksibel]``: the municipality may be several words ("Høje Taastrup")."""
    args = clean(args)
    words = args.split(" ")
    if words and words[-1]:
        last = fold(words[-1])
        kind = SEAT_KIND_WORDS.get(last)
        if kind is None and len(last) >= 4:
            best = process.extractOne(
                last, list(SEAT_KIND_WORDS), scorer=fuzz.ratio, score_cutoff=80
            )
            kind = SEAT_KIND_WORDS[best[0]] if best else None
        if kind is not None:
            return RegisterArgs(" ".join(words[:-1]), kind)
    return RegisterArgs(args, None)


_QUOTES = {'"': '"', "“": "”", "„": "“", "”": "”", "«": "»"}


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a command, and whether it was written in quotes (then it is text, never an
    option, a format or a date, whatever it says)."""

    text: str
    quoted: bool


def words(text: str) -> list[Word]:
    """Split on spaces, keeping "quoted text" (straight or typographic quotes) as one word.

    ``key="a value"`` stays one word too (with its quotes removed; it is not ``quoted``: its key
    was written bare). An unclosed quote is an error: read to the end, it would swallow the
    options after it into a title.
    """
    out: list[Word] = []
    current = ""
    quote: str | None = None
    opened = ""
    in_token = False
    starts_quoted = False
    for ch in clean(text):
        if quote is not None:
            if ch == quote:
                quote = None
            else:
                current += ch
            continue
        if ch in _QUOTES:
            quote, opened = _QUOTES[ch], ch
            starts_quoted = starts_quoted or not in_token
            in_token = True
            continue
        if ch == " ":
            if in_token:
                out.append(Word(current, starts_quoted))
            current, in_token, starts_quoted = "", False, False
            continue
        current += ch
        in_token = True
    if quote is not None:
        raise DomainError(ErrorKind.QUOTE_UNCLOSED, quote=opened, value=current[:60])
    if in_token:
        out.append(Word(current, starts_quoted))
    return out


def bare_prefix(written: Sequence[Word]) -> list[str]:
    """The leading words written without quotes (a quoted word ends it)."""
    out: list[str] = []
    for word in written:
        if word.quoted:
            break
        out.append(word.text)
    return out


def tokens(text: str) -> list[str]:
    """The words of ``text`` (see ``words``), as plain strings."""
    return [word.text for word in words(text)]


def sub_action(args: str, actions: dict[str, tuple[str, ...]]) -> tuple[str | None, str, str]:
    """(canonical action or None, the word given, the rest) for ``møde opret …``-style commands."""
    word, _, rest = clean(args).partition(" ")
    key = fold(word)
    for name, spellings in actions.items():
        if key in (fold(s) for s in spellings):
            return name, word, rest.strip()
    return None, word, rest.strip()


def options(words: list[str], known: set[str]) -> tuple[dict[str, str], list[str]]:
    """Split ``key=value`` options (keys folded, only ``known`` ones) from the other words."""
    found: dict[str, str] = {}
    rest: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep and fold(key) in known:
            found[fold(key)] = value.strip()
        else:
            rest.append(word)
    return found, rest


# The ``key=value`` options of ``møde opret`` (folded keys).
MEETING_OPTIONS = frozenset({"tema", "temaer", "link", "sted", "adresse"})


@dataclass(frozen=True, slots=True)
class MeetingLine:
    """``møde opret`` after its date and time: the title, the formats named, the options."""

    title: str
    formats: tuple[MeetingFormat, ...]
    options: dict[str, str]


def meeting_line(text: str) -> MeetingLine:
    """Read the words in any order. A quoted word is title text whatever it says ("Hybridmøde",
    "Tema=affald"); a bare word is an option (``link=…``), a format (``online``) or title."""
    found: dict[str, str] = {}
    formats: list[MeetingFormat] = []
    title: list[str] = []
    for word in words(text):
        key, sep, value = word.text.partition("=")
        fmt = FORMAT_WORDS.get(fold(word.text))
        if word.quoted:
            title.append(word.text)
        elif sep and fold(key) in MEETING_OPTIONS:
            found[fold(key)] = value.strip()
        elif fmt is not None:
            formats.append(fmt)
        else:
            title.append(word.text)
    return MeetingLine(" ".join(title).strip(), tuple(formats), found)


def opens_form(text: str) -> bool:
    """Whether ``/klimanet <text>`` answers with a form (a modal needs its trigger_id at once)."""
    parsed = parse(text)
    if not isinstance(parsed, Parsed):
        return False
    if parsed.name == "tilmeld":
        return not parsed.args
    if parsed.name == "moede":
        action, _, rest = sub_action(parsed.args, MEETING_ACTIONS)
        return action == "ret" or (action == "opret" and not rest)
    if parsed.name == "afstemning":  # ``afstemning opret`` alone: the poll form
        action, _, rest = sub_action(parsed.args, {"opret": ("opret", "ny")})
        return action == "opret" and not rest
    return False


# "næste møde" (and "næste" alone) where a meeting is named: the next one not cancelled.
NEXT_MEETING = "naeste"
_MEETING_WORDS = frozenset({"moede", "mode", "moedet", "modet"})


def meeting_ref_words(words: Sequence[str], *, today: date) -> int:
    """How many leading ``words`` name a meeting: ``næste møde`` (2), a date as people write it
    (``14. januar``, ``14 jan``: the longest reading), else the first word (a number, or what
    the error will quote). 0 only for no words."""
    if not words:
        return 0
    if fold(words[0]) == NEXT_MEETING:
        return 2 if len(words) > 1 and fold(words[1]) in _MEETING_WORDS else 1
    return date_words(words, today=today) or 1


def split_meeting_ref(text: str, *, today: date) -> tuple[str, str]:
    """``møde flyt 14. januar 10:00`` style text: (the meeting's reference, the rest as typed)."""
    parts = text.split()
    count = meeting_ref_words(parts, today=today)
    rest = text.strip()
    for _ in range(count):  # drop the reference's words, keep the rest's spacing and quotes
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return " ".join(parts[:count]), rest.strip()


def is_next_meeting(ref: str) -> bool:
    """Whether ``ref`` is ``næste`` / ``næste møde`` (any spelling)."""
    parts = [fold(p) for p in ref.split()]
    return parts[:1] == [NEXT_MEETING] and (
        len(parts) == 1 or (len(parts) == 2 and parts[1] in _MEETING_WORDS)
    )


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A mention written as plain text (``@anna``) that the platform did not recognise."""

    typed: str


def mentions(words: list[str]) -> tuple[list[Mention | Unresolved], list[str]]:
    """Split the mentions the adapter marked (``bot.mentions``) and plain ``@names`` from the
    rest; the rest is text as typed (a mark inside a word is the mention's text there)."""
    found: list[Mention | Unresolved] = []
    rest: list[str] = []
    for word in words:
        mention = read_mention(word)
        if mention is not None:
            found.append(mention)
        elif word.startswith("@") and len(word) > 1:
            found.append(Unresolved(as_typed(word)))
        else:
            rest.append(as_typed(word))
    return found, rest


@dataclass(frozen=True, slots=True)
class SeatSpec:
    """A seat as a member named it: which one it is, the network's rule says
    (``bot.domain.seats.common.seat_ref``)."""

    kind: SeatKind
    slot: int | None  # None: the kind without a number ('fleksibel')
    typed: str  # the words as written, for the answer when the rule has no such seat
    length: int  # how many words it took


def seat_spec(words: list[str]) -> SeatSpec | None:
    """'fast' / 'fleksibel 2' / 'fleks' in ``words``; None when no seat is named."""
    for i, word in enumerate(words):
        kind = SEAT_KIND_WORDS.get(fold(word))
        if kind is None:
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        slot = ascii_number(following, digits=3)
        length = 1 if slot is None else 2
        return SeatSpec(kind, slot, " ".join(words[i : i + length]), length)
    return None
