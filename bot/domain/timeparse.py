"""Dates and times as Danes write them: ``25.6``, ``25. juni 2026``, ``i morgen``, ``kl. 10-12``.

Pure functions. A date without a year needs ``today`` (the caller's clock, in Copenhagen) to pick
the next occurrence. Bad input raises a ``DomainError`` carrying the user's own text as ``value``;
no other exception escapes for any ``str``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, ErrorKind

MONTHS: dict[str, int] = {
    "januar": 1,
    "jan": 1,
    "februar": 2,
    "feb": 2,
    "marts": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "maj": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

WEEKDAYS: dict[str, int] = {
    "mandag": 0,
    "tirsdag": 1,
    "onsdag": 2,
    "torsdag": 3,
    "fredag": 4,
    "lørdag": 5,
    "søndag": 6,
}

_RELATIVE_DAYS = {"dag": 0, "morgen": 1, "overmorgen": 2}

# Years a person can mean. Outside them the calendar arithmetic that follows (UTC offsets, a
# meeting's end, "the day after") would leave Python's year 1–9999 and raise OverflowError.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199

# Patterns run on normalised text (casefolded, single spaces), always with fullmatch.
# An optional "torsdag den" / "d." lead-in lets people paste back what the bot writes.
_LEAD_IN = r"(?:(?P<weekday>" + "|".join(WEEKDAYS) + r"),?\s)?(?:den\s|d\.\s?)?"
_RELATIVE = re.compile(r"i\s?(?P<rel>dag|morgen|overmorgen)")
_ISO = re.compile(_LEAD_IN + r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})")
_NUMERIC = re.compile(
    _LEAD_IN
    + r"(?P<d>[0-9]{1,2})(?P<sep1>[./-])(?P<m>[0-9]{1,2})"
    + r"(?:(?P<sep2>[./-])(?P<y>[0-9]{4}|[0-9]{2})|\.?\s(?P<y4>[0-9]{4}))?\.?"
)
_TEXTUAL = re.compile(
    _LEAD_IN + r"(?P<d>[0-9]{1,2})\.?\s?(?P<mon>[a-z]+)\.?(?:,?\s(?P<y>[0-9]{4}))?"
)
# Which separator pairs make a numeric date. A dash before the year only after a slash
# (25/6-2026) or in the all-dash form (25-06-2026): "10.12-14" and "10-12" stay time ranges.
_NUMERIC_SEPARATORS = {
    (".", "."),
    ("/", "/"),
    ("/", "-"),
    ("-", "-"),
    (".", None),
    ("/", None),
}

_KL = r"(?:kl\.?\s?|klokken\s?)"
_CLOCK = r"(?P<h{n}>[0-9]{{1,2}})(?:(?P<sep{n}>[:.])(?P<m{n}>[0-9]{{2}}))?"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen, en and em dash, minus sign
_TIME = re.compile(r"(?P<kl>" + _KL + r")?" + _CLOCK.format(n=1))
_RANGE = re.compile(
    r"(?P<kl>"
    + _KL
    + r")?"
    + _CLOCK.format(n=1)
    + r"(?:\s?["
    + _DASHES
    + r"]\s?|\stil\s)"
    + _KL
    + "?"
    + _CLOCK.format(n=2)
)
_KL_WORDS = {"kl", "kl.", "klokken"}

# Longest date people write: "torsdag den 25. juni 2026"; longest time: "kl. 10 - kl. 12".
_MAX_DATE_TOKENS = 5
_MAX_TIME_TOKENS = 5
_QUOTES = frozenset('"\u201c\u201d\u201e\u00ab\u00bb')  # " “ ” „ « »


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


# --- dates -------------------------------------------------------------------------------------


def _resolve(
    day: int, month: int, year: int | None, weekday: str | None, today: date
) -> date | ErrorKind:
    if year is None:
        # The next occurrence on or after today. Comparing (month, day) before building the date
        # keeps 29/2 impossible in a year that has none, rather than jumping to a leap year.
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    try:
        result = date(year, month, day)
    except ValueError:
        return ErrorKind.DATE_IMPOSSIBLE
    if year < EARLIEST_YEAR:
        return ErrorKind.DATE_IN_PAST
    if year > LATEST_YEAR:
        return ErrorKind.DATE_IMPOSSIBLE
    if weekday is not None and result.weekday() != WEEKDAYS[weekday]:
        # "fredag den 25. juni 2026" is a Thursday: one of the two is wrong, so guess neither.
        return ErrorKind.DATE_IMPOSSIBLE
    return result


def _read_date(s: str, today: date) -> date | ErrorKind | None:
    """A date, DATE_IMPOSSIBLE when shaped like a date but not one, or None when not date-shaped."""
    if match := _RELATIVE.fullmatch(s):
        try:
            return today + timedelta(days=_RELATIVE_DAYS[match["rel"]])
        except OverflowError:
            return ErrorKind.DATE_IMPOSSIBLE
    if match := _ISO.fullmatch(s):
        return _resolve(int(match["d"]), int(match["m"]), int(match["y"]), match["weekday"], today)
    if match := _NUMERIC.fullmatch(s):
        year_text = match["y"] or match["y4"]
        if (match["sep1"], match["sep2"]) not in _NUMERIC_SEPARATORS:
            return None
        year = None if year_text is None else int(year_text)
        if year is not None and len(year_text) == 2:
            year += 2000
        return _resolve(int(match["d"]), int(match["m"]), year, match["weekday"], today)
    if match := _TEXTUAL.fullmatch(s):
        month = MONTHS.get(match["mon"])
        if month is None:
            return None
        year = None if match["y"] is None else int(match["y"])
        return _resolve(int(match["d"]), month, year, match["weekday"], today)
    return None


def parse_date(text: str, *, today: date) -> date:
    """``25.06.2026``, ``25/6``, ``25. juni``, ``2026-06-25``, ``i morgen`` … as a date.

    Without a year: the next occurrence on or after ``today``. Past dates are accepted; callers
    that need the future use ``ensure_future``.
    """
    normalized = _normalize(text)
    if not normalized:
        raise DomainError(ErrorKind.DATE_MISSING)
    outcome = _read_date(normalized, today)
    if outcome is None:
        raise DomainError(ErrorKind.DATE_INVALID, value=text.strip())
    if isinstance(outcome, ErrorKind):
        raise DomainError(outcome, value=text.strip())
    return outcome


def date_words(words: Sequence[str], *, today: date) -> int:
    """How many of the leading ``words`` are written as a date (``14. januar``, ``14 jan``,
    ``14/1``, ``torsdag den 14. januar 2027``): the longest reading wins; 0 when none does. A
    date-shaped impossible date (``31. juni``) counts, so its error names all of it."""
    for stop in range(min(len(words), _MAX_DATE_TOKENS), 0, -1):
        if _read_date(_normalize(" ".join(words[:stop])).rstrip(",;"), today) is not None:
            return stop
    return 0


def ensure_future(d: datetime, now: datetime, value: str) -> None:
    """Raise DATE_IN_PAST unless ``d`` is strictly after ``now`` (both aware)."""
    if d <= now:
        raise DomainError(ErrorKind.DATE_IN_PAST, value=value)


# --- times -------------------------------------------------------------------------------------


def _clock(hour: str, minute: str | None) -> time | None:
    h = int(hour)
    m = 0 if minute is None else int(minute)
    if h > 23 or m > 59:
        return None
    return time(h, m)


def _read_range(s: str) -> tuple[time, time] | ErrorKind | None:
    match = _RANGE.fullmatch(s)
    if match is None:
        return None
    start = _clock(match["h1"], match["m1"])
    end = _clock(match["h2"], match["m2"])
    if start is None or end is None:
        return ErrorKind.TIME_INVALID
    if end <= start:
        return ErrorKind.TIME_RANGE_INVALID
    return start, end


def parse_time(text: str) -> time:
    """``10:00``, ``10.00``, ``10``, ``kl. 10``, ``kl 10.30``; minutes always two digits."""
    normalized = _normalize(text)
    if not normalized or normalized in _KL_WORDS:
        raise DomainError(ErrorKind.TIME_MISSING)
    match = _TIME.fullmatch(normalized)
    result = None if match is None else _clock(match["h1"], match["m1"])
    if result is None:
        raise DomainError(ErrorKind.TIME_INVALID, value=text.strip())
    return result


def parse_time_range(text: str) -> tuple[time, time]:
    """``10:00-12:00``, ``10-12``, ``kl. 10-12``, ``10.00–12.30``, ``10:00 - 12:00``, ``10 til 12``.

    The end must be after the start on the same day (no ranges past midnight, no ``24``).
    A single time is TIME_INVALID: this function is for places that need both ends.
    """
    normalized = _normalize(text)
    if not normalized or normalized in _KL_WORDS:
        raise DomainError(ErrorKind.TIME_MISSING)
    outcome = _read_range(normalized)
    if outcome is None:
        raise DomainError(ErrorKind.TIME_INVALID, value=text.strip())
    if isinstance(outcome, ErrorKind):
        raise DomainError(outcome, value=text.strip())
    return outcome


# --- a command tail ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    norm: str  # casefolded, trailing , ; dropped
    free: bool  # outside quotes and not a key=value option: may hold a date or time


@dataclass(frozen=True)
class _DateHit:
    first: int
    stop: int  # token index after the last token
    outcome: date | ErrorKind


@dataclass(frozen=True)
class _TimeHit:
    first: int
    stop: int
    start: time
    end: time | None


@dataclass(frozen=True)
class _TimeProblem:
    first: int
    stop: int
    kind: ErrorKind


def _tokens(text: str) -> list[_Token]:
    quoted = [False] * len(text)
    inside = False
    for index, char in enumerate(text):
        if char in _QUOTES:
            quoted[index] = True
            inside = not inside
        else:
            quoted[index] = inside
    tokens = []
    for match in re.finditer(r"\S+", text):
        raw = match.group()
        free = "=" not in raw and not any(quoted[match.start() : match.end()])
        tokens.append(_Token(match.start(), match.end(), raw.casefold().rstrip(",;"), free))
    return tokens


def _window(tokens: list[_Token], first: int, stop: int) -> str | None:
    """The normalised text of tokens[first:stop], or None if any of them is off limits."""
    if stop > len(tokens) or not all(token.free for token in tokens[first:stop]):
        return None
    return " ".join(token.norm for token in tokens[first:stop])


def _after_kl(tokens: list[_Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].norm in _KL_WORDS


def _date_hits(tokens: list[_Token], today: date) -> list[_DateHit]:
    """Leftmost-longest, non-overlapping date-shaped windows (valid or impossible)."""
    hits: list[_DateHit] = []
    index = 0
    while index < len(tokens):
        hit = None
        if tokens[index].free and not _after_kl(tokens, index):
            for stop in range(min(len(tokens), index + _MAX_DATE_TOKENS), index, -1):
                window = _window(tokens, index, stop)
                outcome = None if window is None else _read_date(window, today)
                if outcome is not None:
                    hit = _DateHit(index, stop, outcome)
                    break
        if hit is None:
            index += 1
        else:
            hits.append(hit)
            index = hit.stop
    return hits


def _looks_like_time(s: str) -> bool:
    """True for "10.30" or "9.30-11": text a date reading called impossible but a clock reads."""
    if isinstance(_read_range(s), tuple):
        return True
    match = _TIME.fullmatch(s)
    return match is not None and _clock(match["h1"], match["m1"]) is not None


def _find_time(tokens: list[_Token], date_hit: _DateHit) -> _TimeHit | _TimeProblem | None:
    """The leftmost time-shaped text outside the date: a time or range, or why it is broken.

    The leftmost one decides, so "12-10 kl. 14" is an error rather than a silent 14.00.
    A bare hour ("10") counts only after "kl." or right after the date, so a number in an
    unquoted title does not become a meeting time.
    """
    for first in range(len(tokens)):
        if date_hit.first <= first < date_hit.stop:
            continue
        last_stop = len(tokens) if first >= date_hit.stop else date_hit.first
        for stop in range(min(last_stop, first + _MAX_TIME_TOKENS), first, -1):
            window = _window(tokens, first, stop)
            if window is None:
                continue
            span = _read_range(window)
            if isinstance(span, tuple):
                return _TimeHit(first, stop, span[0], span[1])
            if span is not None:
                return _TimeProblem(first, stop, span)
            match = _TIME.fullmatch(window)
            if match is None:
                continue
            explicit = match["kl"] is not None or match["sep1"] == ":"
            if not (explicit or match["sep1"] == "." or first == date_hit.stop):
                continue
            clock = _clock(match["h1"], match["m1"])
            if clock is not None:
                return _TimeHit(first, stop, clock, None)
            if explicit:
                return _TimeProblem(first, stop, ErrorKind.TIME_INVALID)
    return None


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    pieces = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return " ".join(piece.strip() for piece in pieces if piece.strip())


def find_date_and_times(text: str, *, today: date) -> tuple[date, time, time | None, str]:
    """Pull the date and the time (or time range) out of a command tail.

    ``25.06.2026 10:00-12:00 online "Opstartsmøde" tema=klimaplaner`` gives
    ``(2026-06-25, 10:00, 12:00, 'online "Opstartsmøde" tema=klimaplaner')``.
    Quoted text and ``key=value`` options are never read as dates or times. When a token could
    be either ("12.06"), the reading that leaves both a date and a time wins, left to right.
    """
    tokens = _tokens(text)

    def original(first: int, stop: int) -> str:
        return text[tokens[first].start : tokens[stop - 1].end]

    hits = _date_hits(tokens, today)
    problem: _TimeProblem | None = None
    valid = [(hit, hit.outcome) for hit in hits if isinstance(hit.outcome, date)]
    for hit, day in valid:
        found = _find_time(tokens, hit)
        if isinstance(found, _TimeHit):
            spans = [
                (tokens[hit.first].start, tokens[hit.stop - 1].end),
                (tokens[found.first].start, tokens[found.stop - 1].end),
            ]
            return day, found.start, found.end, _without(text, spans)
        problem = problem or found
    if valid:
        if problem is not None:
            raise DomainError(problem.kind, value=original(problem.first, problem.stop))
        raise DomainError(ErrorKind.TIME_MISSING)
    for hit in hits:
        if not _looks_like_time(_window(tokens, hit.first, hit.stop) or ""):
            kind = hit.outcome if isinstance(hit.outcome, ErrorKind) else ErrorKind.DATE_IMPOSSIBLE
            raise DomainError(kind, value=original(hit.first, hit.stop))
    raise DomainError(ErrorKind.DATE_MISSING)


# --- wall clock to UTC -------------------------------------------------------------------------


def local_to_utc(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``d t`` in ``tz``.

    fold=0: an ambiguous autumn time is the first (summer-time) one; a spring-forward time that
    does not exist is read with the offset before the gap, i.e. moved forward by the gap
    (02:30 on the DST Sunday becomes 03:30 local).
    """
    local = datetime.combine(d, t.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)
